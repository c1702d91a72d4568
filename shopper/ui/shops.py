"""View › Shops: the shops this login may see, by due day, overdue ones marked; Enter (or
Start) starts the audit of an assigned or returned shop, or opens the audit of one under way.
A manager also assigns a new shop from here and cancels one not yet reviewed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.clock import now_utc
from shopper.domain.shops import ShopState, state_label
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.shops import ShopRow, cancel_shop, list_shops
from shopper.ui.crash import headless, show_error
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import plain_table
from shopper.ui.workers import Operation, on_a_server, run_quietly, run_soon

OVERDUE = QColor("#b3261e")
STARTABLE = (ShopState.ASSIGNED.value, ShopState.RETURNED.value)


def state_text(row: ShopRow) -> str:
    return state_label(row.state) + (", overdue" if row.overdue else "")


class ShopsModel(RowsModel[ShopRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("Due", lambda r: r.due.isoformat(), sort_key=lambda r: (r.due, r.id)),
                Column(
                    "State",
                    state_text,
                    foreground=lambda r: OVERDUE if r.overdue else None,
                ),
                Column("Shopper", lambda r: r.shopper),
                Column("Company", lambda r: r.company),
                Column("Touchpoint", lambda r: touchpoint_label(r.touchpoint)),
                Column("From", lambda r: r.opens.isoformat()),
                Column(
                    "Instructions",
                    lambda r: " ".join(r.instructions.split()),
                    tooltip=lambda r: r.instructions,
                ),
            ],
            parent,
        )


class ShopsDialog(QDialog):
    """The shops list; `start_shop` / `open_audit` when the user acts on a row."""

    start_shop = Signal(str)
    """An assigned or returned shop to start (its id)."""
    open_audit = Signal(str)
    """The audit of a shop under way or done."""
    new_shop = Signal()
    """A manager asks for a new shop (the main window opens the dialog, then `reload`)."""
    loaded = Signal()
    cancelled = Signal(str)
    """A shop was cancelled (its id)."""

    def __init__(
        self, engine: Engine, parent: QWidget | None = None, *, manager: bool = True
    ) -> None:
        """Args:
        manager: the login may assign and cancel shops (a shopper on a team database may
            not: the buttons are not there).
        """
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle("Shops")
        self.resize(1040, 480)
        self.rows: list[ShopRow] | None = None
        self._cancelling: Operation | None = None
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading the shops…")
        layout.addWidget(self.summary)
        self.model = ShopsModel(self)
        self.table = plain_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self._act(index.row()))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.act_button = QPushButton("&Start audit")
        self.act_button.setEnabled(False)
        self.act_button.clicked.connect(lambda: self._act(self.table.currentIndex().row()))
        buttons.addButton(self.act_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.new_button: QPushButton | None = None
        self.cancel_button: QPushButton | None = None
        if manager:
            self.new_button = QPushButton("&New shop…")
            self.new_button.clicked.connect(self.new_shop)
            buttons.addButton(self.new_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.cancel_button = QPushButton("&Cancel shop…")
            self.cancel_button.setToolTip("Cancel the selected shop for good")
            self.cancel_button.setEnabled(False)
            self.cancel_button.clicked.connect(self.cancel_selected)
            buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._load: Operation | None = None
        self.reload()

    def reload(self, select_id: str = "") -> None:
        """Read the list again (off the GUI thread), then select `select_id` if it is there."""
        engine = self.engine
        self.rows = None
        self._select_id = select_id
        self._load = run_quietly(
            self, lambda: list_shops(engine=engine), on_done=self._show, on_error=self._failed
        )

    def _show(self, rows: list[ShopRow]) -> None:
        self.rows = rows
        self.model.set_rows(rows)
        # Every column but the scenario as wide as what it holds (a long name is cut at a
        # third of the table, with its tooltip whole); the scenario takes the rest.
        widest = max(self.table.viewport().width() // 3, 160)
        for column in range(self.model.columnCount() - 1):
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))
        overdue = sum(1 for r in rows if r.overdue)
        text = f"{count_of(len(rows), 'shop')}" if rows else "No shops"
        if overdue:
            text += f", {overdue} overdue"
        self.summary.setText(f"{text} (as of {as_of(now_utc())}).")
        wanted = next((n for n, r in enumerate(rows) if r.id == self._select_id), 0)
        if rows:
            self.table.selectRow(wanted)
        self._selected()
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.summary.setText(f"The shops could not be read: {exc}")
        show_error(self, str(exc), title="Shops")

    def _selected(self) -> None:
        row = self.model.row(self.table.currentIndex().row())
        if self.cancel_button is not None:
            final = row is None or ShopState(row.state).final
            self.cancel_button.setEnabled(not final and self._cancelling is None)
        if row is None:
            self.act_button.setEnabled(False)
            return
        startable = row.state in STARTABLE  # a returned shop goes on in its audit
        self.act_button.setText("&Start audit" if startable else "&Open audit")
        self.act_button.setEnabled(startable or row.audit_id is not None)

    def _act(self, number: int) -> None:
        row = self.model.row(number)
        if row is None:
            return
        if row.state in STARTABLE:
            self.start_shop.emit(row.id)
        elif row.audit_id is not None:
            self.open_audit.emit(row.audit_id)
        else:
            return
        self.accept()

    def cancel_selected(self) -> None:
        """Cancel the selected shop, once the manager confirmed it (it is final)."""
        row = self.model.row(self.table.currentIndex().row())
        if row is None or ShopState(row.state).final or self._cancelling is not None:
            return
        if not confirm_cancel(self, row):
            return
        engine, shop_id = self.engine, row.id
        if self.cancel_button is not None:
            self.cancel_button.setEnabled(False)

        def done(cancelled: ShopRow) -> None:
            self._cancelling = None
            self.cancelled.emit(cancelled.id)
            self.reload(cancelled.id)

        def failed(exc: Exception) -> None:
            self._cancelling = None
            show_error(self, str(exc), title="Shop not cancelled")
            self.reload(shop_id)

        self._cancelling = run_soon(
            self,
            lambda: cancel_shop(engine=engine, shop_id=shop_id),
            in_background=on_a_server(engine),
            on_done=done,
            on_error=failed,
        )


def confirm_cancel(parent: QWidget, row: ShopRow) -> bool:
    """Ask before cancelling a shop (yes when headless: nobody is there to answer)."""
    if headless():
        return True
    answer = QMessageBox.question(
        parent,
        "Cancel shop",
        f"Cancel the shop of {row.company} ({touchpoint_label(row.touchpoint)}) for "
        f"{row.shopper}, due {row.due.isoformat()}?\n\nThis is final: a cancelled shop cannot "
        "be started, submitted or brought back.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def as_of(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
