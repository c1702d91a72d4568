"""The summary: the scores over time, what the figures say, the items that vary most."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

from shopper.domain.compare import CONSISTENCY_MEANING, SPREAD_MEANING, TREND_MEANING, Change
from shopper.domain.scoring import Outcome
from shopper.report.base import plural
from shopper.report.charts import band_limits
from shopper.report.comparison.context import ComparisonContext, list_style
from shopper.report.document import heading
from shopper.report.styles import RULE
from shopper.report.timecharts import TrendPoint, trend_chart

VARYING_LIMIT = 5


def summary_part(ctx: ComparisonContext) -> list[Flowable]:
    """The summary: scores over time, what the figures say, the items that vary most."""
    text = ctx.text
    story: list[Flowable] = [heading("Summary", 0)]
    story.append(heading("Scores over time", 1, contents=False))
    points = [
        TrendPoint(a.started_at, a.percent, ctx.audit_color(a))
        for a in ctx.audits
        if a.percent is not None
    ]
    if points:
        story.append(
            trend_chart(points, width=ctx.width, height=62 * mm, marks=ctx.marks, fit=True)
        )
        legend = "Each dot is an audit in the colour of its band; the dotted line is the trend."
        limits = band_limits(ctx.facts.bands, ctx.redact)
        if limits:
            legend += f" Dashed lines: {limits}."
        unscored = len(ctx.audits) - len(points)
        if unscored:
            legend += f" {plural(unscored, 'audit')} with no score yet left out."
        story.append(text.ours(legend, "muted"))
    else:
        story.append(text.ours("None of these audits has a score yet.", "muted"))
    story.append(heading("What the figures say", 1, contents=False))
    story.append(_figures_table(ctx))
    story += _varying_block(ctx)
    return story


def consistency_text(ctx: ComparisonContext) -> str:
    """The consistency index: "30 / 100"."""
    index = ctx.comp.consistency
    return "—" if index is None else f"{index:.0f} / 100"


def spread_text(ctx: ComparisonContext) -> str:
    """The score spread: "σ 6.0 points, 64–79%"."""
    spread = ctx.comp.spread
    if spread.stdev is None or spread.minimum is None or spread.maximum is None:
        return "—"
    return f"σ {spread.stdev:.1f} points, {spread.minimum:.0f}–{spread.maximum:.0f}%"


def trend_text(ctx: ComparisonContext) -> str:
    """The trend: "▲ +2.1 points a month", or "flat" within a point a month."""
    trend = ctx.comp.trend
    if trend.slope_per_month is None or trend.direction is None:
        return "—"
    if trend.direction.value == "flat":
        return f"{trend.direction.arrow} flat ({trend.slope_per_month:+.1f} points a month)"
    return f"{trend.direction.arrow} {trend.slope_per_month:+.1f} points a month"


def _figures_table(ctx: ComparisonContext) -> Table:
    text = ctx.text
    counts = ctx.comp.latest_changes
    since = (
        f"▲ {counts[Change.FIXED]} fixed · ▼ {counts[Change.REGRESSED]} regressed",
        f"Items whose outcome rose or fell from {ctx.audit_label(len(ctx.audits) - 2)} to "
        f"{ctx.audit_label(len(ctx.audits) - 1)}; {counts[Change.CHANGED]} more changed "
        f"answer, {counts[Change.UNCHANGED]} stayed the same.",
    )
    rows = [
        (
            "Consistency index",
            consistency_text(ctx),
            CONSISTENCY_MEANING.full,
        ),
        (
            "Score spread",
            spread_text(ctx),
            SPREAD_MEANING.full,
        ),
        (
            "Trend",
            trend_text(ctx),
            TREND_MEANING.full,
        ),
        ("Since the audit before", *since),
    ]
    data = [
        [text.ours(label, "label"), text.ours(value, "stat"), text.ours(why, "small")]
        for label, value, why in rows
    ]
    widths = [ctx.width * 0.2, ctx.width * 0.3, ctx.width * 0.5]
    table = Table(data, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
            ]
        )
    )
    return table


def _varying_block(ctx: ComparisonContext) -> list[Flowable]:
    story: list[Flowable] = [heading("Items that vary most", 1, contents=False)]
    varying = [row for row in ctx.rows if row.agreement is not None and row.agreement < 1]
    varying.sort(key=lambda r: (r.agreement, -r.weight, ctx.numbers[r.item_id]))
    if not varying:
        agreed = sum(1 for row in ctx.rows if row.agreement is not None)
        message = (
            "Every item scored in two or more audits got the same outcome each time."
            if agreed
            else "No item was scored in two or more of these audits."
        )
        return [*story, ctx.text.ours(message, "small")]
    entries: list[list[Any]] = []
    for row in varying[:VARYING_LIMIT]:
        counts = row.outcome_counts
        spread = ", ".join(
            f"{counts[o]} {o.value}" for o in (Outcome.PASS, Outcome.PARTIAL, Outcome.FAIL)
        )
        assert row.agreement is not None
        entries.append(
            [
                ctx.text.ours(f"{row.agreement * 100:.0f}%", "cell_bold"),
                [
                    ctx.item_paragraph(row, "cell"),
                    ctx.text.ours(f"Scored {spread}.", "muted"),
                ],
            ]
        )
    table = Table(entries, colWidths=[16 * mm, ctx.width - 16 * mm])
    table.setStyle(list_style())
    note = ctx.text.ours(
        "Agreement: how often two of these audits give the item the same outcome.", "muted"
    )
    return [*story, table, note]
