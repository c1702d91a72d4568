"""The findings by theme: counts, the items that fail most, the failure rate month by
month and the latest findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table

from shopper.domain.compare import Direction, Trend
from shopper.domain.template import touchpoint_label
from shopper.domain.themes import theme_title
from shopper.report.base import colored, plural, table_style
from shopper.report.charts import percent_text
from shopper.report.document import heading
from shopper.report.formats import local_time
from shopper.report.journey.context import MIN_ROW_SPLIT, NOTE_LIMIT, PROMPT_LIMIT, JourneyContext
from shopper.report.journey.facts import FindingFacts, ThemeFacts
from shopper.report.styles import BAD, FAIR, RULE
from shopper.report.text import markup
from shopper.report.timecharts import month_bars

WORST_ITEMS = 5
LATEST_FINDINGS = 5
FINDING_LABELS = {"failed_item": "Failed item", "bad": "Bad moment", "friction": "Friction point"}


def themes_part(ctx: JourneyContext) -> list[Flowable]:
    """The themes in one table, then a section for each with its worst items and findings."""
    text, sheet, facts = ctx.text, ctx.sheet, ctx.facts
    story: list[Flowable] = [
        heading("Findings by theme", 0),
        text.ours(
            "A finding is a failed item (below half its points), a bad moment or a friction "
            "point. The failure rate is failed items per 100 scored items of the theme; its "
            "trend is month by month, so a rising rate means the theme is getting worse.",
            "muted",
        ),
    ]
    if not facts.themes:
        return [*story, text.ours("No failed items, bad moments or friction points.", "body")]
    head = ["Theme", "Findings", "Failed", "Moments", "Rate", "Audits", "Trend", "By month"]
    widths = [ctx.width * 0.19, 16 * mm, 13 * mm, 18 * mm, 12 * mm, 14 * mm]
    bars_w = 36 * mm
    widths.append(ctx.width - sum(widths) - bars_w - 8)
    widths.append(bars_w + 8)
    data: list[list[Any]] = [[Paragraph(markup(t), sheet.grid_head) for t in head]]
    for theme in facts.themes:
        data.append(
            [
                text.user(theme_title(theme.theme), "grid_bold", limit=80, flat=True),
                text.ours(f"{theme.total:,}", "grid"),
                text.ours(f"{theme.failed:,}", "grid"),
                text.ours(f"{theme.moments:,}", "grid"),
                text.ours(percent_text(theme.rate), "grid"),
                text.ours(f"{theme.audits:,}", "grid"),
                text.ours(rate_trend_text(theme.trend), "grid"),
                month_bars(theme.months, width=bars_w, height=14, labels=False),
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(table_style([("VALIGN", (0, 1), (-1, -1), "MIDDLE")], head=True))
    story.append(table)
    story.append(
        text.ours(
            "By month: the failure rate of each month in the period, taller is worse; "
            "a dot marks a month without audits.",
            "muted",
        )
    )
    for theme in facts.themes:
        story += _theme_section(ctx, theme)
    return story


def rate_trend_text(trend: Trend) -> str:
    """The trend of a failure rate in words: rising is worse."""
    if trend.slope_per_month is None or trend.direction is None:
        return "—"
    if trend.direction is Direction.FLAT:
        return f"{trend.direction.arrow} steady"
    word = "worse" if trend.direction is Direction.UP else "better"
    return f"{trend.direction.arrow} {word}, {trend.slope_per_month:+.1f} a month"


def _theme_section(ctx: JourneyContext, theme: ThemeFacts) -> list[Flowable]:
    text, sheet = ctx.text, ctx.sheet
    title = f"{ctx.theme_name(theme.theme)} — {plural(theme.total, 'finding', grouped=True)}"
    summary = (
        f"{ctx.findings_count(theme)} in {plural(theme.audits, 'audit', grouped=True)}; "
        f"{percent_text(theme.rate)} of {theme.scored:,} scored items failed; "
        f"trend {rate_trend_text(theme.trend)}."
    )
    lead: list[Flowable] = [
        CondPageBreak(60 * mm),
        heading(title, 1),
        text.ours(summary, "small"),
        Spacer(1, 2 * mm),
    ]
    if theme.months:
        lead.append(month_bars(theme.months, width=ctx.width, height=22 * mm))
    story: list[Flowable] = []
    if theme.items:
        # The theme's heading, figures and worst items stay on one page.
        lead.append(heading("Items that failed most", 2, space_before=3 * mm))
        head = ["Item", "Touchpoint", "Failed", "Rate"]
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.grid_head) for t in head]]
        for item in theme.items[:WORST_ITEMS]:
            rate = 100.0 * item.failed / item.scored if item.scored else None
            data.append(
                [
                    text.user(item.prompt, "grid", limit=PROMPT_LIMIT, flat=True),
                    text.ours(touchpoint_label(item.touchpoint), "grid"),
                    text.ours(f"{item.failed:,} of {item.scored:,}", "grid"),
                    text.ours(percent_text(rate), "grid"),
                ]
            )
        w = ctx.width
        widths = [w - 30 * mm - 22 * mm - 14 * mm, 30 * mm, 22 * mm, 14 * mm]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(table_style(head=True))
        lead.append(table)
        if len(theme.items) > WORST_ITEMS:
            more = len(theme.items) - WORST_ITEMS
            lead.append(
                text.ours(f"and {plural(more, 'more item', grouped=True)} that failed.", "muted")
            )
    story.append(KeepTogether(lead))
    if theme.findings:
        story.append(heading("Latest findings", 2, space_before=3 * mm))
        story.append(_findings_table(ctx, theme.findings[:LATEST_FINDINGS]))
    return story


def _findings_table(ctx: JourneyContext, findings: Sequence[FindingFacts]) -> Table:
    text, sheet = ctx.text, ctx.sheet
    data: list[list[Any]] = []
    for finding in findings:
        label = FINDING_LABELS.get(finding.kind, finding.kind)
        if finding.critical:
            label = f"Critical · {label}"
        color = BAD if finding.kind in ("failed_item", "bad") else FAIR
        what: list[Flowable] = [
            Paragraph(
                colored(f"<b>{markup(label)}</b>", color)
                + (
                    f" — {text.user_markup(finding.prompt, limit=PROMPT_LIMIT, flat=True)}"
                    if finding.prompt
                    else ""
                ),
                sheet.cell,
            )
        ]
        if finding.answer:
            answer = text.user_markup(finding.answer, limit=120, flat=True)
            what.append(Paragraph(f"{markup('Answer: ')}{answer}", sheet.muted))
        if finding.note.strip():
            what.append(text.user(finding.note, "small", limit=NOTE_LIMIT))
        data.append(
            [
                [
                    text.ours(local_time(finding.at, finding.tz, with_zone=False), "grid"),
                    text.ours(touchpoint_label(finding.touchpoint), "grid_muted"),
                ],
                what,
            ]
        )
    table = Table(data, colWidths=[30 * mm, ctx.width - 30 * mm], splitInRow=MIN_ROW_SPLIT)
    table.setStyle(
        table_style(
            [("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE), ("LEFTPADDING", (0, 0), (0, -1), 0)]
        )
    )
    return table
