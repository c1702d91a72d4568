"""Qt item models over plain rows: the companies list and the audits table.

The audits model pages rows in from SQL as the view scrolls (fetchMore) and
sorts in SQL, so 10,000 audits never sit in Python at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from shopper.domain.vocabulary import AuditStatus, touchpoint_label
from shopper.ui.dates import day_text, moment_text

if TYPE_CHECKING:
    from shopper.services.records import AuditRow, CompanyRow

Index: TypeAlias = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1

PASS_COLOR = QColor("#1e7d32")
WARN_COLOR = QColor("#a35c00")
FAIL_COLOR = QColor("#b3261e")


def score_color(percent: float | None, passed: bool | None) -> QColor | None:
    if percent is None:
        return None
    if passed is False:
        return FAIL_COLOR
    return PASS_COLOR if percent >= 80 else WARN_COLOR


class CompanyListModel(QAbstractListModel):
    """ "All companies" followed by each company with its audit count."""

    ALL = ""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CompanyRow] = []

    def set_rows(self, rows: list[CompanyRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows) + 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        if index.row() == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                total = sum(r.audits for r in self._rows)
                return f"All companies ({total})"
            if role == ID_ROLE:
                return self.ALL
            return None
        row = self._rows[index.row() - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{row.name} ({row.audits})"
        if role == Qt.ItemDataRole.ToolTipRole:
            last = f"\nLast audit {day_text(row.last_audit)}" if row.last_audit else ""
            return f"{row.name}\n{row.sector or 'No sector'}{last}"
        if role == ID_ROLE:
            return row.id
        return None

    def row_of(self, company_id: str) -> int:
        if company_id == self.ALL:
            return 0
        for number, row in enumerate(self._rows, start=1):
            if row.id == company_id:
                return number
        return -1


Fetch: TypeAlias = "Callable[[str, bool, int, int], list[AuditRow]]"
"""fetch(order, descending, offset, limit) -> rows, with the filters already applied."""


class AuditTableModel(QAbstractTableModel):
    """Audits as table rows, paged in from SQL and sorted there."""

    PAGE = 400
    COLUMNS = (
        ("started_at", "Date"),
        ("company", "Company"),
        ("touchpoint", "Touchpoint"),
        ("shopper", "Shopper"),
        ("status", "Status"),
        ("score", "Score"),
    )

    def __init__(self, fetch: Fetch, parent: Any = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._rows: list[AuditRow] = []
        self._more = False
        self._order = "started_at"
        self._descending = True

    # -- loading ---------------------------------------------------------------

    def set_fetch(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = self._fetch(self._order, self._descending, 0, self.PAGE)
        more = len(self._rows) == self.PAGE
        # Views ask for more rows while handling the reset; answer once it is over.
        self._more = False
        self.endResetModel()
        self._more = more

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        page = self._fetch(self._order, self._descending, len(self._rows), self.PAGE)
        self._more = len(page) == self.PAGE
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        self._order = self.COLUMNS[column][0]
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()  # sorted in SQL: a reset, not a layout change

    def replace_row(self, row: AuditRow) -> None:
        """Show fresh figures for one audit already in the list."""
        number = self.row_of(row.id)
        if number < 0:
            return
        self._rows[number] = row
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(self.COLUMNS) - 1))

    # -- reading ---------------------------------------------------------------

    def audit_id(self, row: int) -> str | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, audit_id: str) -> int:
        for number, row in enumerate(self._rows):
            if row.id == audit_id:
                return number
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        key = self.COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            started = moment_text(row.started_at, row.started_tz)
            return (
                f"{row.company_name} — {touchpoint_label(row.touchpoint)}\n"
                f"Started {started} ({row.started_tz}) by {row.shopper_name or '—'}\n"
                f"{row.template_title} v{row.template_version}\n"
                f"Audit {row.id[:8]}, {row.answered}/{row.visible} answered"
                + (f"\n{row.verdict}" if row.verdict else "")
            )
        if role == Qt.ItemDataRole.ForegroundRole and key == "score":
            color = score_color(row.score_percent, row.passed)
            return QBrush(color) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "score":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(row: AuditRow, key: str) -> str:
        if key == "started_at":
            return day_text(row.started_at, row.started_tz)
        if key == "company":
            return row.company_name
        if key == "touchpoint":
            return touchpoint_label(row.touchpoint)
        if key == "shopper":
            return row.shopper_name
        if key == "status":
            return AuditStatus.label_of(row.status)
        if row.score_percent is None:
            return "—"
        mark = " ⚠" if row.critical_failures else ""
        return f"{row.score_percent:.0f}%{mark}"
