"""A table model over a list of plain rows, described column by column.

The analysis windows show many small tables of frozen dataclasses; each is a
`RowsModel` with its `Column`s, so a table is a list of columns rather than
a model class of its own. Sorting happens in Python on the rows already held
(they come from one aggregated query, never thousands of pages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon

Index: TypeAlias = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 20
"""The row object itself, for views and delegates."""
VALUES_ROLE = Qt.ItemDataRole.UserRole + 21
"""A list of numbers (or None) a sparkline delegate draws."""

T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    display: Callable[[T], str]
    sort_key: Callable[[T], Any] | None = None
    """Defaults to the displayed text."""
    tooltip: Callable[[T], str] | None = None
    foreground: Callable[[T], QColor | None] | None = None
    background: Callable[[T], QColor | None] | None = None
    values: Callable[[T], Sequence[float | None]] | None = None
    decoration: Callable[[T], QIcon | None] | None = None
    align_right: bool = False
    header_tip: str = ""


class RowsModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[Column[T]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[T] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace the rows, kept in the order the view last sorted by (if any)."""
        self.beginResetModel()
        self._rows = self._sorted(list(rows), *self._sort) if self._sort else list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row(self, number: int) -> T | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole and column.header_tip:
            return column.header_tip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
            color = column.foreground(row)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.BackgroundRole and column.background is not None:
            color = column.background(row)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.DecorationRole and column.decoration is not None:
            return column.decoration(row)
        if role == VALUES_ROLE and column.values is not None:
            return list(column.values(row))
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        numbered = self._sorted(list(enumerate(self._rows)), column, order, numbered=True)
        new_row = {old: new for new, (old, _row) in enumerate(numbered)}
        self._rows = [row for _old, row in numbered]
        # Keep selections and current indexes on the same rows.
        old_indexes = self.persistentIndexList()
        self.changePersistentIndexList(
            old_indexes,
            [self.index(new_row[i.row()], i.column()) for i in old_indexes],
        )
        self.layoutChanged.emit()

    def _sorted(
        self, rows: list[Any], column: int, order: Qt.SortOrder, *, numbered: bool = False
    ) -> list[Any]:
        """Rows sorted by a column's key; rows without a value last, whichever the order."""
        spec = self.columns[column]
        key = spec.sort_key or spec.display

        def value(entry: Any) -> Any:
            return key(entry[1] if numbered else entry)

        known = [entry for entry in rows if value(entry) is not None]
        unknown = [entry for entry in rows if value(entry) is None]
        known.sort(key=value, reverse=order == Qt.SortOrder.DescendingOrder)
        return known + unknown
