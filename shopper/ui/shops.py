"""View › Shops: the shops this login may see, by due day, overdue ones marked; Enter (or
Start) starts the audit of an assigned or returned shop, or opens the audit of one under way.
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
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.clock import now_utc
from shopper.domain.shops import ShopState, state_label
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.shops import ShopRow, list_shops
from shopper.ui.crash import show_error
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import plain_table
from shopper.ui.workers import Operation, run_quietly

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
    loaded = Signal()

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shops")
        self.resize(960, 480)
        self.rows: list[ShopRow] | None = None
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
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._load: Operation = run_quietly(
            self, lambda: list_shops(engine=engine), on_done=self._show, on_error=self._failed
        )

    def _show(self, rows: list[ShopRow]) -> None:
        self.rows = rows
        self.model.set_rows(rows)
        overdue = sum(1 for r in rows if r.overdue)
        text = f"{count_of(len(rows), 'shop')}" if rows else "No shops"
        if overdue:
            text += f", {overdue} overdue"
        self.summary.setText(f"{text} (as of {as_of(now_utc())}).")
        if rows:
            self.table.selectRow(0)
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.summary.setText(f"The shops could not be read: {exc}")
        show_error(self, str(exc), title="Shops")

    def _selected(self) -> None:
        row = self.model.row(self.table.currentIndex().row())
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


def as_of(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
