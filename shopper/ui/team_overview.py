"""View › Team overview… (a manager's): shops by state, the overdue ones (oldest due first) and
per shopper what is open, what was submitted, the share returned and the average time to
submit. Read off the GUI thread on a team database; Refresh reads it again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.shops import state_label
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.team_overview import OverdueShop, ShopperLoad, TeamOverview, team_overview
from shopper.ui.crash import show_error
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.screen import fit_on_screen
from shopper.ui.shops import OVERDUE, as_of
from shopper.ui.widgets import group_box, plain_table
from shopper.ui.workers import Operation, on_a_server, run_soon

NONE = "—"
TITLE_ROOM = 28
"""Pixels a column needs beside its title: the header's margins and its sort mark."""


def duration_text(span: timedelta | None) -> str:
    """ "3.5 days", "1 day", "5.2 hours", "40 minutes"; a dash for none."""
    if span is None:
        return NONE
    seconds = span.total_seconds()
    if seconds >= 86_400:
        return count_of(round(seconds / 86_400, 1), "day")
    if seconds >= 3_600:
        return count_of(round(seconds / 3_600, 1), "hour")
    return count_of(round(seconds / 60), "minute")


def rate_text(load: ShopperLoad) -> str:
    rate = load.returned_rate
    if rate is None:
        return NONE
    return f"{rate:.0%} ({load.returned} of {load.submitted})"


class StatesModel(RowsModel[tuple[str, int]]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("State", lambda r: state_label(r[0])),
                Column("Shops", lambda r: f"{r[1]:,}", sort_key=lambda r: r[1], align_right=True),
            ],
            parent,
        )


class ShoppersModel(RowsModel[ShopperLoad]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column(
                    "Shopper", lambda r: r.shown_name, sort_key=lambda r: r.shown_name.casefold()
                ),
                Column(
                    "Open",
                    lambda r: f"{r.open:,}",
                    sort_key=lambda r: r.open,
                    align_right=True,
                    header_tip="Shops assigned, in progress or returned",
                ),
                Column(
                    "Overdue",
                    lambda r: f"{r.overdue:,}",
                    sort_key=lambda r: r.overdue,
                    align_right=True,
                    foreground=lambda r: OVERDUE if r.overdue else None,
                ),
                Column(
                    "Submitted",
                    lambda r: f"{r.submitted:,}",
                    sort_key=lambda r: r.submitted,
                    align_right=True,
                    header_tip="Shops submitted at least once",
                ),
                Column(
                    "Returned",
                    rate_text,
                    sort_key=lambda r: (r.returned_rate is not None, r.returned_rate or 0),
                    align_right=True,
                    header_tip="Of the shops submitted, the share returned at least once",
                ),
                Column(
                    "Time to submit",
                    lambda r: duration_text(r.average_to_submit),
                    sort_key=lambda r: (r.average_to_submit is not None, r.average_to_submit),
                    align_right=True,
                    header_tip=(
                        "On average, from the shop's first day (or its start, if earlier; "
                        "never before it was assigned) to its first submission"
                    ),
                ),
            ],
            parent,
        )


class OverdueModel(RowsModel[OverdueShop]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column(
                    "Due",
                    lambda r: r.shop.due.isoformat(),
                    sort_key=lambda r: (r.shop.due, r.shop.id),
                ),
                Column(
                    "Late",
                    lambda r: count_of(r.days_late, "day"),
                    sort_key=lambda r: r.days_late,
                    align_right=True,
                    foreground=lambda _r: OVERDUE,
                ),
                Column("Shopper", lambda r: r.shown_shopper),
                Column("Company", lambda r: r.shop.company),
                Column("Touchpoint", lambda r: touchpoint_label(r.shop.touchpoint)),
                Column("State", lambda r: state_label(r.shop.state)),
            ],
            parent,
        )


def _fit(table: QTableView, stretch: int) -> None:
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def _fit_columns(table: QTableView) -> None:
    """Every column as wide as its cells and its whole title (and a sort mark's room)."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    model = table.model()
    for column in range(model.columnCount()):
        if header.sectionResizeMode(column) == QHeaderView.ResizeMode.Stretch:
            continue
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        wanted = header.fontMetrics().horizontalAdvance(title) + TITLE_ROOM
        header.resizeSection(column, max(header.sectionSize(column), wanted))


class TeamOverviewDialog(QDialog):
    loaded = Signal()

    def __init__(
        self, engine: Engine, parent: QWidget | None = None, *, now: datetime | None = None
    ) -> None:
        """Args:
        now: the moment the overview is of (overdue, days late); the present when None.
        """
        super().__init__(parent)
        self.engine = engine
        self.now = now
        self.overview: TeamOverview | None = None
        self._operation: Operation | None = None
        self.setWindowTitle("Team overview")
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading the shops…")
        layout.addWidget(self.summary)

        top = QHBoxLayout()
        self.states_model = StatesModel(self)
        self.states = plain_table(self.states_model)
        _fit(self.states, 0)
        self.states.setSelectionMode(QTableView.SelectionMode.NoSelection)
        self.states.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.states.setMinimumWidth(self.fontMetrics().horizontalAdvance("in progress") * 2 + 40)
        top.addWidget(group_box("Shops by state", self.states), 0)
        self.shoppers_model = ShoppersModel(self)
        self.shoppers = plain_table(self.shoppers_model)
        _fit(self.shoppers, 0)
        self.shoppers.setSortingEnabled(True)
        self.shoppers.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        top.addWidget(group_box("Per shopper", self.shoppers), 1)
        layout.addLayout(top, 1)

        self.overdue_model = OverdueModel(self)
        self.overdue = plain_table(self.overdue_model)
        _fit(self.overdue, 3)
        self.overdue_box = group_box("Overdue, oldest due first", self.overdue)
        layout.addWidget(self.overdue_box, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.reload)
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def showEvent(self, event: Any) -> None:
        fit_on_screen(self)  # placed over its parent by now: kept whole on a small screen
        super().showEvent(event)

    def reload(self) -> None:
        engine, now = self.engine, self.now
        self.refresh_button.setEnabled(False)
        self._operation = run_soon(
            self,
            lambda: team_overview(engine=engine, now=now),
            in_background=on_a_server(engine),
            on_done=self._show,
            on_error=self._failed,
        )

    def _show(self, overview: TeamOverview) -> None:
        self.overview = overview
        self.refresh_button.setEnabled(True)
        self.states_model.set_rows(list(overview.by_state.items()))
        self.shoppers_model.set_rows(overview.shoppers)
        self.overdue_model.set_rows(overview.overdue)
        for table in (self.states, self.shoppers, self.overdue):
            _fit_columns(table)
        total = count_of(overview.total, "shop") if overview.total else "No shops"
        late = len(overview.overdue)
        shoppers = count_of(len(overview.shoppers), "shopper")
        self.summary.setText(f"{total}, {late:,} overdue, {shoppers} (as of {as_of(overview.at)}).")
        self.overdue_box.setTitle("Overdue, oldest due first" if late else "Overdue: none")
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.refresh_button.setEnabled(True)
        self.summary.setText(f"The overview could not be read: {exc}")
        show_error(self, str(exc), title="Team overview")
