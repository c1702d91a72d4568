"""The item-by-audit table: every item in every audit, the audits in groups of columns."""

from __future__ import annotations

import math
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from shopper.domain.scoring import Outcome
from shopper.report.base import colored
from shopper.report.charts import percent_text
from shopper.report.comparison.context import (
    MIN_ROW_SPLIT,
    NOTE_MARK,
    OUTCOME_FILL,
    ComparisonContext,
    day,
)
from shopper.report.document import heading
from shopper.report.styles import ACCENT, BAD, GOOD, MUTED, RULE, SHADE
from shopper.report.text import markup

MIN_ITEM_COLUMN = 50 * mm
MIN_AUDIT_COLUMN = 20 * mm
"""Narrower than this, an answer like "Partly (0.5)" breaks into slivers."""
MAX_AUDIT_COLUMN = 34 * mm


def column_groups(count: int, per_group: int) -> list[range]:
    """Audit columns split into as few groups of at most `per_group` as will do, as even
    as can be: 12 audits, 5 a page, are 4 + 4 + 4, not 5 + 5 + 2."""
    if count <= 0:
        return []
    groups = math.ceil(count / max(1, per_group))
    size = math.ceil(count / groups)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def _layout(ctx: ComparisonContext) -> tuple[float, float, list[range]]:
    """(item column width, audit column width, the groups of audit columns)."""
    room = ctx.width - MIN_ITEM_COLUMN
    groups = column_groups(len(ctx.audits), max(1, int(room // MIN_AUDIT_COLUMN)))
    widest = max(len(g) for g in groups)
    audit_w = min(MAX_AUDIT_COLUMN, room / widest)
    return ctx.width - audit_w * widest, audit_w, groups


def items_part(ctx: ComparisonContext) -> list[Flowable]:
    """The item-by-audit table, the audits split into groups of columns when they are many."""
    text = ctx.text
    item_w, audit_w, groups = _layout(ctx)
    split = len(groups) > 1
    intro = (
        "Every item (rows) in every audit (columns, oldest first), lined up by item across "
        "template versions. A marker shows how the answer moved since the audit to its left."
    )
    if split:
        intro += (
            f" The {len(ctx.audits)} audits are shown {len(groups[0])} or so at a time, "
            "each group on pages of its own with the items repeated."
        )
    story: list[Flowable] = [
        heading("Item by audit", 0),
        text.ours(intro, "muted"),
        Spacer(1, 1.5 * mm),
        _legend(ctx),
        Spacer(1, 3 * mm),
    ]
    if not ctx.rows:
        return [*story, text.ours("These audits have no items.", "body")]
    for number, group in enumerate(groups):
        if split:
            if number:
                story.append(PageBreak())
            first, last = group[0] + 1, group[-1] + 1
            story.append(
                heading(f"Audits {first}–{last} of {len(ctx.audits)}", 1, keep_with_next=False)
            )
        story.append(_grid(ctx, group, item_w, audit_w))
    return story


def _legend(ctx: ComparisonContext) -> Table:
    sheet = ctx.sheet
    swatches = [
        (OUTCOME_FILL[Outcome.PASS], "pass"),
        (OUTCOME_FILL[Outcome.PARTIAL], "partial"),
        (OUTCOME_FILL[Outcome.FAIL], "fail"),
        (OUTCOME_FILL[Outcome.NA], "N/A"),
        (None, "not scored"),
    ]
    markers = (
        f"{colored('▲', GOOD)} fixed   "
        f"{colored('▼', BAD)} regressed   "
        f"{colored('●', MUTED)} changed   "
        f"{colored(NOTE_MARK, ACCENT)} a note (at the end)"
    )
    cells: list[Any] = []
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for column, (fill, label) in enumerate(swatches):
        cells.append(Paragraph(markup(label), sheet.grid))
        if fill is not None:
            commands.append(("BACKGROUND", (column, 0), (column, 0), fill))
        else:
            commands.append(("BOX", (column, 0), (column, 0), 0.5, RULE))
    cells.append(Paragraph(markers, sheet.grid))
    widths = [19 * mm] * len(swatches)
    widths.append(ctx.width - sum(widths) - 2 * mm)
    table = Table([cells], colWidths=widths, hAlign="LEFT")
    commands.append(("LEFTPADDING", (-1, 0), (-1, 0), 8))
    table.setStyle(TableStyle(commands))
    return table


def _grid(ctx: ComparisonContext, group: range, item_w: float, audit_w: float) -> Table:
    """Items × the audits of one group; the header row repeats on every page."""
    text, sheet = ctx.text, ctx.sheet
    head: list[Any] = [Paragraph(markup("Item"), sheet.grid_head)]
    for index in group:
        audit = ctx.audits[index]
        head.append(
            Paragraph(
                f"{markup(f'#{index + 1}')}<br/>{markup(day(audit))}<br/>"
                f"{markup(percent_text(audit.percent))}",
                sheet.grid_head,
            )
        )
    data: list[list[Any]] = [head]
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBEFORE", (1, 0), (-1, -1), 0.75, Color(1, 1, 1)),
    ]
    section: str | None = None
    for row in ctx.rows:
        if row.section != section:
            section = row.section
            r = len(data)
            data.append([text.user(section or "—", "grid_bold", limit=200, flat=True)])
            data[-1] += [""] * len(group)
            commands += [
                ("SPAN", (0, r), (-1, r)),
                ("BACKGROUND", (0, r), (-1, r), SHADE),
            ]
        r = len(data)
        item_cell: list[Flowable] = [ctx.item_paragraph(row, "grid")]
        if row.agreement is not None:
            item_cell.append(text.ours(f"agree {row.agreement * 100:.0f}%", "grid_muted"))
        cells: list[Any] = [item_cell]
        for offset, index in enumerate(group, start=1):
            cell = row.cells[index]
            cells.append(Paragraph(ctx.cell_markup(cell, narrow=True), sheet.grid))
            fill = OUTCOME_FILL.get(cell.outcome) if cell.outcome is not None else None
            if fill is not None:
                commands.append(("BACKGROUND", (offset, r), (offset, r), fill))
        commands.append(("LINEBELOW", (0, r), (-1, r), 0.25, RULE))
        data.append(cells)
    widths = [item_w] + [audit_w] * len(group)
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table
