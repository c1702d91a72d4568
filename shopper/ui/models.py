"""Qt item models over plain rows: the companies list and the audits table.

The audits model pages rows in from SQL as the view scrolls (fetchMore) and
sorts in SQL, so 10,000 audits never sit in Python at once; every query runs off
the GUI thread, so a slow team database never freezes the window.
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
    Signal,
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

    def rows(self) -> list[CompanyRow]:
        return list(self._rows)

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
"""fetch(order, descending, offset, limit) -> rows, with the filters already applied.

Called off the GUI thread: it reads nothing from a widget (the filters are bound in)."""

Run: TypeAlias = (
    "Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], object]"
)
"""run(work, on_done, on_error): `work` off the GUI thread, the callbacks on it."""


class AuditTableModel(QAbstractTableModel):
    """Audits as table rows, paged in from SQL and sorted there, off the GUI thread.

    A reload keeps the rows on screen until the new ones are in (the view never
    flashes empty); each reload is a new generation, and whatever an older one
    brings back, a page included, is dropped. One page is in flight at a time.
    """

    PAGE = 400
    COLUMNS = (
        ("started_at", "Date"),
        ("company", "Company"),
        ("touchpoint", "Touchpoint"),
        ("shopper", "Shopper"),
        ("status", "Status"),
        ("score", "Score"),
    )

    reloaded = Signal()
    """A reload's rows are in (the view was reset)."""
    load_failed = Signal(object)
    """A reload or a page failed (the exception); the rows on screen stay."""
    busy_changed = Signal(bool)

    def __init__(self, run: Run, parent: Any = None) -> None:
        super().__init__(parent)
        self._run = run
        self._fetch: Fetch | None = None
        self._rows: list[AuditRow] = []
        self._more = False
        self._order = "started_at"
        self._descending = True
        self.generation = 0
        self._reloading = False
        self._paging = False
        self._operations: dict[str, object] = {}  # the latest reload's and page's, kept alive

    # -- loading ---------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A reload or a page is being fetched."""
        return self._reloading or self._paging

    @property
    def reloading(self) -> bool:
        return self._reloading

    def set_fetch(self, fetch: Fetch | None) -> None:
        """Show the rows `fetch` gives (None: no rows, nothing to ask)."""
        self._fetch = fetch
        self.reload()

    @property
    def sort_key(self) -> tuple[str, bool]:
        """The order the rows are sorted by, and whether descending."""
        return self._order, self._descending

    def show_rows(self, rows: list[AuditRow]) -> None:
        """Show a first page read before any fetch was set (the start-up glance); the next
        `set_fetch` reads it again, and pages on from there."""
        if self._fetch is None and not self.busy:
            self._apply_reload(rows)
            self._more = False  # no fetch to page with yet

    def reload(self) -> None:
        """Fetch the first page afresh; the rows on screen stay until it is in."""
        was_busy = self.busy
        self.generation += 1
        generation = self.generation
        self._paging = False  # a page of an older generation is dropped when it comes
        fetch = self._fetch
        if fetch is None:
            self._reloading = False
            self._apply_reload([])
            self._busy_changed(was_busy)
            return
        order, descending, page = self._order, self._descending, self.PAGE
        self._reloading = True
        self._busy_changed(was_busy)
        self._operations["reload"] = self._run(
            lambda: fetch(order, descending, 0, page),
            lambda rows: self._reload_done(generation, rows),
            lambda exc: self._failed(generation, exc),
        )

    def _reload_done(self, generation: int, rows: list[AuditRow]) -> None:
        if generation != self.generation:
            return
        self._reloading = False
        self._apply_reload(rows)
        self.reloaded.emit()
        self._busy_changed(True)

    def _apply_reload(self, rows: list[AuditRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        more = len(self._rows) == self.PAGE
        # Views ask for more rows while handling the reset; answer once it is over.
        self._more = False
        self.endResetModel()
        self._more = more

    def _failed(self, generation: int, exc: Exception) -> None:
        if generation != self.generation:
            return
        self._reloading = self._paging = False
        self._more = False  # no asking again and again of a server that is gone: F5 retries
        self.load_failed.emit(exc)
        self._busy_changed(True)

    def _busy_changed(self, was_busy: bool) -> None:
        if self.busy != was_busy:
            self.busy_changed.emit(self.busy)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        fetch = self._fetch
        if parent.isValid() or not self._more or self.busy or fetch is None:
            return  # a page (or a reload) is on its way: asking again would repeat rows
        generation = self.generation
        order, descending, offset, page = self._order, self._descending, len(self._rows), self.PAGE
        self._paging = True
        self._busy_changed(False)
        self._operations["page"] = self._run(
            lambda: fetch(order, descending, offset, page),
            lambda rows: self._page_done(generation, rows),
            lambda exc: self._failed(generation, exc),
        )

    def _page_done(self, generation: int, page: list[AuditRow]) -> None:
        if generation != self.generation:
            return
        self._paging = False
        self._more = len(page) == self.PAGE
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        self._busy_changed(True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        self._order = self.COLUMNS[column][0]
        self._descending = order == Qt.SortOrder.DescendingOrder
        if self._fetch is None and self._rows:
            return  # the start-up glance's rows: sorted afresh once the fetch is set
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
