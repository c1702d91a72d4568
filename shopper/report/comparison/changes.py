"""What was fixed and what regressed: the latest audit against the one before, the first
against the last, and every pair of consecutive audits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table

from shopper.domain.compare import Cell, Change, ItemRow, classify_change
from shopper.report.base import colored, table_style
from shopper.report.charts import percent_text
from shopper.report.comparison.context import (
    CHANGE_COLORS,
    MIN_ROW_SPLIT,
    ComparisonContext,
    day,
    list_style,
    unmarked,
)
from shopper.report.document import heading
from shopper.report.text import markup

NOTE_LIMIT = 400
"""A note beside a change is cut here; the notes part prints up to `notes.FULL_NOTE_LIMIT`."""


@dataclass(frozen=True)
class _Move:
    """An item that moved between two audits."""

    number: int
    row: ItemRow
    before: Cell
    after: Cell
    change: Change


def changes_part(ctx: ComparisonContext) -> list[Flowable]:
    """What was fixed and what regressed; with three audits or more, also first against
    last and every consecutive pair."""
    text = ctx.text
    last = len(ctx.audits) - 1
    story: list[Flowable] = [
        CondPageBreak(70 * mm),
        heading("Fixed and regressed", 0, space_before=12 * mm),
        text.ours(
            "An item is fixed when its outcome rose (fail, partial, pass) and regressed "
            "when it fell. Items a template version lacks, and unscored ones, are not "
            "compared. Item numbers are those of the item table; notes are the later "
            "audit's.",
            "muted",
        ),
    ]
    story += _pair_block(ctx, "Latest audit against the one before", last - 1, last, pairwise=True)
    if last > 1:
        story += _pair_block(ctx, "First audit against the last", 0, last, pairwise=False)
        story += _pairs_table(ctx)
    return story


def _moves(ctx: ComparisonContext, before: int, after: int, *, pairwise: bool) -> list[_Move]:
    """Items fixed or regressed from audit `before` to audit `after`.

    With `pairwise` the changes recorded between consecutive audits are used;
    otherwise the two audits are compared directly (first against last).
    """
    found = []
    for number, row in enumerate(ctx.rows, start=1):
        a, b = row.cells[before], row.cells[after]
        change = b.change if pairwise else classify_change(a.outcome, a.value, b.outcome, b.value)
        if change in (Change.FIXED, Change.REGRESSED):
            found.append(_Move(number, row, a, b, change))
    return found


def _pair_block(
    ctx: ComparisonContext, title: str, before: int, after: int, *, pairwise: bool
) -> list[Flowable]:
    text = ctx.text
    a, b = ctx.audits[before], ctx.audits[after]
    story: list[Flowable] = [
        CondPageBreak(50 * mm),
        heading(title, 1),
        text.user(
            f"{ctx.audit_label(before)}, {a.shopper or '—'}, {percent_text(a.percent)} → "
            f"{ctx.audit_label(after)}, {b.shopper or '—'}, {percent_text(b.percent)}",
            "small",
            limit=400,
            flat=True,
        ),
        Spacer(1, 2 * mm),
    ]
    moves = _moves(ctx, before, after, pairwise=pairwise)
    if not moves:
        return [*story, text.ours("No item was fixed or regressed.", "small")]
    for change, label in ((Change.REGRESSED, "Regressed"), (Change.FIXED, "Fixed")):
        chosen = [m for m in moves if m.change is change]
        if chosen:
            story.append(heading(f"{label} ({len(chosen)})", 2))
            story.append(_moves_table(ctx, chosen))
    return story


def _moves_table(ctx: ComparisonContext, moves: Sequence[_Move]) -> Table:
    text, sheet = ctx.text, ctx.sheet
    data: list[list[Any]] = []
    for move in moves:
        color = CHANGE_COLORS[move.change]
        before = ctx.cell_markup(unmarked(move.before))
        after = ctx.cell_markup(unmarked(move.after))
        content: list[Flowable] = [
            ctx.item_paragraph(move.row, "cell_bold"),
            Paragraph(f"{before}  →  {after}", sheet.small),
        ]
        if move.after.note.strip():
            content.append(text.user(move.after.note, "small", limit=NOTE_LIMIT))
        data.append(
            [
                Paragraph(colored(move.change.marker, color), sheet.cell),
                content,
            ]
        )
    table = Table(data, colWidths=[12.0, ctx.width - 12], splitInRow=MIN_ROW_SPLIT)
    table.setStyle(list_style())
    return table


def _pairs_table(ctx: ComparisonContext) -> list[Flowable]:
    text, sheet = ctx.text, ctx.sheet
    story: list[Flowable] = [
        CondPageBreak(40 * mm),
        heading("Between consecutive audits", 1),
        text.ours(
            "Each audit against the one before it, with the numbers of the items that "
            "were fixed or regressed.",
            "muted",
        ),
    ]
    head = ["Audits", "Fixed ▲", "Regressed ▼", "Changed", "Same"]
    data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in head]]
    for index in range(1, len(ctx.audits)):
        counts = ctx.comp.pair_changes(index)
        fixed, regressed = [], []
        for number, row in enumerate(ctx.rows, start=1):
            change = row.cells[index].change
            if change is Change.FIXED:
                fixed.append(number)
            elif change is Change.REGRESSED:
                regressed.append(number)
        data.append(
            [
                text.ours(f"#{index} → #{index + 1}\n{day(ctx.audits[index])}", "cell"),
                text.ours(_numbers(fixed), "cell"),
                text.ours(_numbers(regressed), "cell"),
                text.ours(str(counts[Change.CHANGED]), "cell_right"),
                text.ours(str(counts[Change.UNCHANGED]), "cell_right"),
            ]
        )
    w = ctx.width
    widths = [26 * mm, (w - 26 * mm - 36 * mm) / 2, (w - 26 * mm - 36 * mm) / 2, 18 * mm]
    widths.append(w - sum(widths))
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
    table.setStyle(table_style(head=True))
    story.append(table)
    return story


def _numbers(numbers: Sequence[int]) -> str:
    return ", ".join(map(str, numbers)) if numbers else "—"
