"""The runner's outline: sections with progress, items with their answers.

A two-level tree over the template and the runner's state. Hidden (show-if)
items stay in the model with `HIDDEN_ROLE` set; the view hides their rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeAlias

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from shopper.domain.answers import format_answer
from shopper.domain.scoring import Outcome
from shopper.domain.wording import count_of
from shopper.services.runner import AuditRunner
from shopper.ui.runner.review import COMMENT_MARK

Index: TypeAlias = QModelIndex | QPersistentModelIndex
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
HIDDEN_ROLE = Qt.ItemDataRole.UserRole + 2
COMMENTS_ROLE = Qt.ItemDataRole.UserRole + 3
"""How many reviewers' comments the item has."""
_SECTION = 0  # internalId of section rows; item rows carry section index + 1

OUTCOME_COLORS = {
    Outcome.PASS: "#2e7d32",
    Outcome.PARTIAL: "#ef8f00",
    Outcome.FAIL: "#c62828",
    Outcome.NA: "#9e9e9e",
    Outcome.INFO: "#1565c0",
}
OUTCOME_TEXT = {
    Outcome.PASS: "passed",
    Outcome.PARTIAL: "partly met",
    Outcome.FAIL: "failed",
    Outcome.NA: "not applicable",
    Outcome.INFO: "answered (not scored)",
    Outcome.UNANSWERED: "not answered yet",
    Outcome.HIDDEN: "hidden by an earlier answer",
    Outcome.SHOWN: "information: nothing to answer",
}


@cache
def outcome_icon(outcome: Outcome) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = OUTCOME_COLORS.get(outcome)
    if outcome is Outcome.SHOWN:  # information: an "i", never a mark of an answer
        painter.setPen(QColor("#607d8b"))
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "i")
    elif color is None:
        painter.setPen(QColor("#9e9e9e"))
        painter.drawEllipse(2, 2, 10, 10)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        painter.drawEllipse(2, 2, 10, 10)
    painter.end()
    return QIcon(pixmap)


class OutlineModel(QAbstractItemModel):
    COLUMNS = ("Item", "Answer")

    def __init__(self, runner: AuditRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.sections = runner.template.sections

    # -- structure -------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _SECTION)
        if parent.internalId() == _SECTION:
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _SECTION:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _SECTION)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.sections)
        if parent.internalId() == _SECTION and parent.column() == 0:
            return len(self.sections[parent.row()].items)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- lookups ---------------------------------------------------------------

    def item_index(self, item_id: str, column: int = 0) -> QModelIndex:
        for s_row, section in enumerate(self.sections):
            for i_row, item in enumerate(section.items):
                if item.id == item_id:
                    return self.createIndex(i_row, column, s_row + 1)
        return QModelIndex()

    def section_index(self, section_row: int) -> QModelIndex:
        return self.createIndex(section_row, 0, _SECTION)

    def refresh(self) -> None:
        """Answers or visibility changed: repaint every row (a few dozen at most)."""
        for s_row, section in enumerate(self.sections):
            top = self.createIndex(s_row, 0, _SECTION)
            self.dataChanged.emit(top, self.createIndex(s_row, 1, _SECTION))
            if section.items:
                self.dataChanged.emit(
                    self.createIndex(0, 0, s_row + 1),
                    self.createIndex(len(section.items) - 1, 1, s_row + 1),
                )

    # -- data ------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _SECTION:
            return self._section_data(index.row(), index.column(), role)
        return self._item_data(index.internalId() - 1, index.row(), index.column(), role)

    def _section_data(self, row: int, column: int, role: int) -> Any:
        if not 0 <= row < len(self.sections):
            return None
        section = self.sections[row]
        s_score = self.runner.score.sections[row]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{row + 1}. {section.title}"
            return f"{s_score.answered}/{s_score.visible}"
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            percent = s_score.percent
            score = f"{percent:.0f}%" if percent is not None else "not scored yet"
            return f"{section.title}\n{s_score.answered} of {s_score.visible} answered; {score}"
        if role == HIDDEN_ROLE:
            return False
        return None

    def _item_data(self, s_row: int, row: int, column: int, role: int) -> Any:
        if not 0 <= s_row < len(self.sections) or not 0 <= row < len(self.sections[s_row].items):
            return None
        item = self.sections[s_row].items[row]
        result = self.runner.score.items[item.id]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                mark = " *" if item.required else ""
                # In front: a long prompt's end is cut off in the outline.
                commented = f"{COMMENT_MARK} " if self._comments(item.id) else ""
                return f"{commented}{item.prompt}{mark}"
            return format_answer(item, self.runner.value(item.id))
        if role == COMMENTS_ROLE:
            return self._comments(item.id)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return outcome_icon(result.outcome)
        if role == Qt.ItemDataRole.ToolTipRole:
            note = self.runner.note(item.id)
            tip = f"{item.prompt}\n{OUTCOME_TEXT[result.outcome]}"
            if item.critical:
                tip += "\nCritical: a failed answer fails the whole audit"
            tip += f"\nNote: {note[:300]}" if note else ""
            comments = self._comments(item.id)
            if comments:
                tip += f"\n{COMMENT_MARK} {count_of(comments, 'comment')} from the reviewer"
            return tip
        if role == Qt.ItemDataRole.ForegroundRole and result.outcome is Outcome.FAIL:
            return QColor(OUTCOME_COLORS[Outcome.FAIL]) if item.critical else None
        if role == ITEM_ID_ROLE:
            return item.id
        if role == HIDDEN_ROLE:
            return result.outcome is Outcome.HIDDEN
        return None

    def _comments(self, item_id: str) -> int:
        return sum(1 for c in self.runner.comments if c.item_id == item_id)
