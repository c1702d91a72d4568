"""The audits compared, one row each, oldest first."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table

from shopper.domain.compare import Change
from shopper.report.base import colored, table_style
from shopper.report.charts import percent_text
from shopper.report.comparison.context import ComparisonContext, day
from shopper.report.document import heading
from shopper.report.text import markup


def audits_part(ctx: ComparisonContext) -> list[Flowable]:
    """The audits compared, with the items each fixed and regressed since the one before."""
    text, sheet = ctx.text, ctx.sheet
    story: list[Flowable] = [
        heading("Audits", 0),
        text.ours(
            "The audits compared, oldest first; their numbers head the columns of the item "
            "table. Changes count the items fixed (▲) and regressed (▼) since the audit "
            "before.",
            "muted",
        ),
    ]
    labels = ["#", "Started", "Shopper"]
    if ctx.several_companies:
        labels.append("Company")
    labels += ["Template", "Score", "Verdict", "Changes"]
    data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in labels]]
    for index, audit in enumerate(ctx.audits):
        row: list[Any] = [
            text.ours(f"{index + 1}", "cell_bold"),
            text.ours(day(audit), "cell"),
            text.user(audit.shopper or "—", "cell", limit=120, flat=True),
        ]
        if ctx.several_companies:
            row.append(text.user(ctx.facts.companies[index], "cell", limit=120, flat=True))
        score = Paragraph(
            colored(f"<b>{markup(percent_text(audit.percent))}</b>", ctx.audit_color(audit)),
            sheet.cell,
        )
        row += [
            text.user(
                f"{audit.template_title} v{audit.template_version}",
                "cell",
                limit=120,
                flat=True,
            ),
            score,
            text.user(audit.verdict, "cell", limit=60, flat=True),
            text.ours(_changes_text(ctx, index), "cell"),
        ]
        data.append(row)
    w = ctx.width
    if ctx.several_companies:
        widths = [24.0, 21 * mm, w * 0.16, w * 0.15, w * 0.17, 14 * mm, w * 0.12]
    else:
        widths = [24.0, 21 * mm, w * 0.22, w * 0.23, 14 * mm, w * 0.14]
    widths.append(w - sum(widths))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(table_style(head=True))
    story.append(table)
    return story


def _changes_text(ctx: ComparisonContext, index: int) -> str:
    if index == 0:
        return "—"
    counts = ctx.comp.pair_changes(index)
    return f"▲ {counts[Change.FIXED]}  ▼ {counts[Change.REGRESSED]}"
