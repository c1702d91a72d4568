"""The shoppers' notes, item by item, oldest audit first."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, Spacer, Table

from shopper.report.comparison.context import (
    MIN_ROW_SPLIT,
    NOTE_MARK,
    PROMPT_LIMIT,
    ComparisonContext,
    list_style,
    unmarked,
)
from shopper.report.document import heading

FULL_NOTE_LIMIT = 3000


def notes_part(ctx: ComparisonContext) -> list[Flowable]:
    """Every note the shoppers wrote, item by item, oldest audit first."""
    noted = [row for row in ctx.rows if any(c.note.strip() for c in row.cells)]
    if not noted:
        return []
    text, sheet = ctx.text, ctx.sheet
    story: list[Flowable] = [
        PageBreak(),
        heading("Shoppers' notes", 0),
        text.ours(
            "What the shoppers wrote about each item, with their answer, oldest audit first "
            f"(marked {NOTE_MARK} in the item table).",
            "muted",
        ),
    ]
    for row in noted:
        prompt = ctx.text.user_markup(row.prompt, limit=PROMPT_LIMIT, flat=True)
        title = Paragraph(f"{ctx.numbers[row.item_id]}  {prompt}", sheet.h3)
        data: list[list[Any]] = []
        for index, cell in enumerate(row.cells):
            if not cell.note.strip():
                continue
            audit = ctx.audits[index]
            data.append(
                [
                    [
                        text.ours(ctx.audit_label(index), "cell_bold"),
                        text.user(audit.shopper or "—", "muted", limit=120, flat=True),
                    ],
                    [
                        Paragraph(ctx.cell_markup(unmarked(cell)), sheet.small),
                        text.user(cell.note, "cell", limit=FULL_NOTE_LIMIT),
                    ],
                ]
            )
        table = Table(data, colWidths=[34 * mm, ctx.width - 34 * mm], splitInRow=MIN_ROW_SPLIT)
        table.setStyle(list_style())
        story += [CondPageBreak(30 * mm), Spacer(1, 2 * mm), title, table, Spacer(1, 2 * mm)]
    return story
