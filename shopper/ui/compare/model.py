"""The items × audits table of a comparison.

Items are rows, with their prompt in the vertical header so it stays in view
while the audits (columns, oldest first) scroll sideways. Each cell is one
audit's answer with its change marker, coloured by outcome; the last column
is the item's agreement, beside the newest audits the view opens on.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from shopper.domain.clock import in_zone
from shopper.domain.compare import Cell, Change, Comparison, ItemRow
from shopper.domain.scoring import Outcome
from shopper.domain.template import theme_label
from shopper.ui.dates import day_text, moment_text
from shopper.ui.runner.outline import OUTCOME_TEXT

Index: TypeAlias = QModelIndex | QPersistentModelIndex
AUDIT_ID_ROLE = Qt.ItemDataRole.UserRole + 30
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 31
PROMPT_CHARS = 60

CELL_TINTS = {
    Outcome.PASS: QColor("#e3f1e4"),
    Outcome.PARTIAL: QColor("#fff0d4"),
    Outcome.FAIL: QColor("#f9dcd9"),
    Outcome.NA: QColor("#eeeeee"),
}
MISSING_TINT = QColor("#f7f7f7")
MUTED = QColor("#8a8a8a")
CHANGE_TEXT = {
    Change.FIXED: "fixed (better than the audit before)",
    Change.REGRESSED: "regressed (worse than the audit before)",
    Change.CHANGED: "changed (another answer than the audit before)",
    Change.UNCHANGED: "unchanged since the audit before",
    Change.NOT_COMPARABLE: "not compared with the audit before",
}


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


class ComparisonModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.comparison: Comparison | None = None

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.beginResetModel()
        self.comparison = comparison
        self.endResetModel()

    # -- shape -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.comparison is None:
            return 0
        return len(self.comparison.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.comparison is None:
            return 0
        return len(self.comparison.audits) + 1

    def item_row(self, row: int) -> ItemRow | None:
        if self.comparison is None or not 0 <= row < len(self.comparison.rows):
            return None
        return self.comparison.rows[row]

    def _cell(self, index: Index) -> tuple[ItemRow, Cell | None] | None:
        if not index.isValid():
            return None
        item = self.item_row(index.row())
        if item is None or not 0 <= index.column() < self.columnCount():
            return None
        column = index.column()
        return item, (item.cells[column] if column < len(item.cells) else None)

    def target(self, index: Index) -> tuple[str, str] | None:
        """(audit id, item id) of an answer cell; None for the agreement column."""
        found = self._cell(index)
        if found is None or found[1] is None or self.comparison is None:
            return None
        return self.comparison.audits[index.column()].audit_id, found[0].item_id

    # -- headers -----------------------------------------------------------------

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        comp = self.comparison
        if comp is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            item = self.item_row(section)
            if item is None:
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                flat = " ".join(item.prompt.split())
                return flat if len(flat) <= PROMPT_CHARS else flat[: PROMPT_CHARS - 1] + "…"
            if role == Qt.ItemDataRole.ToolTipRole:
                theme = f"\nTheme: {theme_label(item.theme)}" if item.theme else ""
                return (
                    f"{item.prompt}\nSection: {item.section}{theme}\n"
                    f"Weight {item.weight:g} · id {item.item_id}"
                )
            return None
        if not 0 <= section < self.columnCount():
            return None
        if section == len(comp.audits):
            if role == Qt.ItemDataRole.DisplayRole:
                return "Agree"
            if role == Qt.ItemDataRole.ToolTipRole:
                return "How often two audits give this item the same outcome"
            return None
        audit = comp.audits[section]
        if role == Qt.ItemDataRole.DisplayRole:
            local = in_zone(audit.started_at, audit.started_tz)
            return f"{day_text(local)}\n{percent_text(audit.percent)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            local = in_zone(audit.started_at, audit.started_tz)
            return (
                f"Audit {audit.audit_id[:8]}, {moment_text(local)} ({audit.started_tz})\n"
                f"Shopper: {audit.shopper or '—'}\n"
                f"{audit.template_title} v{audit.template_version}\n"
                f"Score {percent_text(audit.percent)} — {audit.verdict}"
            )
        if role == Qt.ItemDataRole.ForegroundRole and audit.passed is False:
            return QBrush(QColor("#b3261e"))
        if role == AUDIT_ID_ROLE:
            return audit.audit_id
        return None

    # -- cells -------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self._cell(index)
        if found is None:
            return None
        item, cell = found
        if role == ITEM_ID_ROLE:
            return item.item_id
        if cell is None:
            return self._agreement_data(item, role)
        if role == Qt.ItemDataRole.DisplayRole:
            marker = cell.change.marker if cell.change else ""
            return f"{marker} {cell.text}".strip() if marker else cell.text
        if role == Qt.ItemDataRole.BackgroundRole:
            if cell.outcome is None:
                return QBrush(MISSING_TINT)
            tint = CELL_TINTS.get(cell.outcome)
            return QBrush(tint) if tint else None
        if role == Qt.ItemDataRole.ForegroundRole and cell.outcome in (
            None,
            Outcome.HIDDEN,
            Outcome.UNANSWERED,
        ):
            return QBrush(MUTED)
        if role == Qt.ItemDataRole.FontRole and cell.outcome is None:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._cell_tip(item, cell)
        if role == AUDIT_ID_ROLE:
            assert self.comparison is not None
            return self.comparison.audits[index.column()].audit_id
        return None

    @staticmethod
    def _agreement_data(item: ItemRow, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return "—" if item.agreement is None else f"{100 * item.agreement:.0f}%"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            counts = item.outcome_counts
            if item.agreement is None:
                return "Scored in fewer than two audits: nothing to agree on"
            return (
                f"{100 * item.agreement:.0f}% of pairs of audits agree "
                f"({counts[Outcome.PASS]} pass, {counts[Outcome.PARTIAL]} partial, "
                f"{counts[Outcome.FAIL]} fail)"
            )
        return None

    @staticmethod
    def _cell_tip(item: ItemRow, cell: Cell) -> str:
        if cell.outcome is None:
            return f"{item.prompt}\nThis item is not in the template version of this audit."
        lines = [item.prompt, f"Answer: {cell.text or '—'} ({OUTCOME_TEXT[cell.outcome]})"]
        if cell.max_points:
            lines.append(f"Points: {cell.points:.2f} of {cell.max_points:g}")
        if cell.change is not None:
            lines.append(CHANGE_TEXT[cell.change].capitalize())
        if cell.note:
            lines.append(f"Note: {cell.note}")
        return "\n".join(lines)
