"""The cover of a journey report: the period, the strongest and weakest touchpoints
and the latest score of each."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from shopper.domain.template import touchpoint_label
from shopper.domain.timeline import timeline_counts
from shopper.report.base import plural
from shopper.report.charts import BarRow, band_limits, bar_chart, percent_text
from shopper.report.flowables import facts_table
from shopper.report.journey.context import JourneyContext


def cover(ctx: JourneyContext) -> list[Flowable]:
    """The cover: the key facts of the period and the latest score of each touchpoint."""
    facts, text = ctx.facts, ctx.text
    story = ctx.cover_title(
        "COMPANY JOURNEY",
        facts.company,
        text.ours(f"Every touchpoint · {ctx.period_text()}", "subtitle"),
    )
    scored = [tp for tp in facts.touchpoints if tp.average is not None]
    rows: list[tuple[str, Flowable]] = [
        (
            "Audits",
            text.ours(
                f"{plural(facts.audits, 'completed audit', grouped=True)} across "
                f"{plural(len(facts.touchpoints), 'touchpoint', grouped=True)}",
                "value",
            ),
        ),
        ("Audit dates", text.ours(ctx.audit_span(), "value")),
    ]
    if scored:
        best = max(scored, key=lambda tp: tp.average or 0.0)
        worst = min(scored, key=lambda tp: tp.average or 0.0)
        rows.append(
            (
                "Strongest",
                text.ours(
                    f"{touchpoint_label(best.touchpoint)}, {percent_text(best.average)} on average",
                    "value",
                ),
            )
        )
        if worst is not best:
            rows.append(
                (
                    "Weakest",
                    text.ours(
                        f"{touchpoint_label(worst.touchpoint)}, "
                        f"{percent_text(worst.average)} on average",
                        "value",
                    ),
                )
            )
    if facts.themes:
        top = facts.themes[0]
        rows.append(
            (
                "Most findings",
                text.ours(f"{ctx.theme_name(top.theme)}: {ctx.findings_count(top)}", "value"),
            )
        )
    rows.append(("Moments", text.ours(timeline_counts(facts.timeline).describe(), "value")))
    story += [Spacer(1, 4 * mm), facts_table(rows, width=ctx.width, label_share=0.22)]
    # A plain paragraph, not a heading: the outline starts after the cover.
    story += [Spacer(1, 8 * mm), text.ours("Latest score by touchpoint", "h2")]
    bars = [
        BarRow(
            touchpoint_label(tp.touchpoint),
            tp.latest_percent,
            ctx.score_color(tp.latest_percent, tp.latest_passed),
        )
        for tp in facts.touchpoints
    ]
    story.append(bar_chart(bars, width=ctx.width, marks=ctx.marks))
    legend = "Red: below the passing bands, or a critical item failed."
    limits = band_limits(ctx.facts.bands, ctx.redact)
    if limits:
        legend = f"Marks on the bars: {limits}. {legend}"
    story.append(text.ours(legend, "muted"))
    return story
