"""The touchpoints side by side: latest, average, trend and every score."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table

from shopper.domain.compare import Trend
from shopper.domain.template import touchpoint_label
from shopper.report.base import colored, table_style
from shopper.report.charts import band_limits, percent_text
from shopper.report.document import heading
from shopper.report.formats import local_day
from shopper.report.journey.context import JourneyContext
from shopper.report.text import markup
from shopper.report.timecharts import sparkline


def touchpoints_part(ctx: JourneyContext) -> list[Flowable]:
    """Each touchpoint: its audits, latest score, average, trend and every score."""
    text, sheet = ctx.text, ctx.sheet
    story: list[Flowable] = [
        heading("Touchpoints", 0),
        text.ours(
            "Each touchpoint's completed audits in the period: the latest score and its "
            "verdict, the average, the trend (the least-squares slope, in points a month; "
            "within ±1 it is flat) and every score, oldest to newest.",
            "muted",
        ),
    ]
    head = ["Touchpoint", "Audits", "Latest", "Average", "Trend", "Scores"]
    data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in head]]
    spark_w = 42 * mm
    for tp in ctx.facts.touchpoints:
        color = ctx.score_color(tp.latest_percent, tp.latest_passed)
        latest: list[Flowable] = [
            Paragraph(
                colored(f"<b>{markup(percent_text(tp.latest_percent))}</b>", color),
                sheet.cell,
            )
        ]
        if tp.latest_verdict:
            latest.append(text.user(tp.latest_verdict, "grid", limit=60, flat=True))
        if tp.latest_at is not None:
            latest.append(text.ours(local_day(tp.latest_at, tp.latest_tz), "grid_muted"))
        values = [score for _at, score in tp.trend.points]
        data.append(
            [
                text.ours(touchpoint_label(tp.touchpoint), "cell_bold"),
                text.ours(f"{tp.audits:,}", "cell_right"),
                latest,
                text.ours(percent_text(tp.average), "cell_right"),
                text.ours(score_trend_text(tp.trend), "cell"),
                sparkline(
                    values,
                    width=spark_w,
                    height=16,
                    last_color=color,
                    marks=ctx.marks,
                ),
            ]
        )
    w = ctx.width
    widths = [w * 0.2, 14 * mm, w * 0.17, 18 * mm, w * 0.19]
    widths.append(w - sum(widths))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        table_style(
            [("TOPPADDING", (0, 1), (-1, -1), 5), ("BOTTOMPADDING", (0, 1), (-1, -1), 5)],
            head=True,
        )
    )
    story.append(table)
    limits = band_limits(ctx.facts.bands, ctx.redact)
    legend = "Scores on a 0–100% scale"
    legend += f"; faint lines at the band limits ({limits})." if limits else "."
    story.append(text.ours(legend, "muted"))
    return story


def score_trend_text(trend: Trend) -> str:
    """The trend of a touchpoint's scores in words, or "—" without one."""
    return trend.describe() or "—"
