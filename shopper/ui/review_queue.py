"""View › Review queue… (a manager's): the submitted shops, the one waiting longest first, with
company, touchpoint, shopper, due day (late ones marked) and score. Enter, a double click or
Review opens the audit in the runner for review; after each verdict the list is read again.

Not modal: it steps aside while an audit is reviewed and comes back, read again, after the
verdict (or from View › Review queue again).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
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
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.review import QueueRow, review_queue
from shopper.ui.crash import show_error
from shopper.ui.dates import day_text, moment_text
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.shops import OVERDUE, as_of
from shopper.ui.widgets import fit_columns, plain_table
from shopper.ui.workers import Operation, on_a_server, run_soon

NONE = "—"


def due_text(row: QueueRow) -> str:
    return day_text(row.due) + (", late" if row.late else "")


def score_text(row: QueueRow) -> str:
    return f"{row.score_percent:.0f}%" if row.score_percent is not None else NONE


def shopper_text(row: QueueRow) -> str:
    if row.shopper_name and row.shopper_name != row.shopper:
        return f"{row.shopper_name} ({row.shopper})"
    return row.shopper


class QueueModel(RowsModel[QueueRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column(
                    "Submitted",
                    lambda r: moment_text(r.submitted_at) if r.submitted_at else NONE,
                    sort_key=lambda r: (r.submitted_at is None, r.submitted_at),
                    tooltip=lambda r: (
                        f"{moment_text(r.submitted_at)} (this computer's time)"
                        if r.submitted_at
                        else "not recorded"
                    ),
                ),
                Column("Company", lambda r: r.company),
                Column("Touchpoint", lambda r: touchpoint_label(r.touchpoint)),
                Column("Shopper", shopper_text),
                Column(
                    "Due",
                    due_text,
                    sort_key=lambda r: r.due,
                    foreground=lambda r: OVERDUE if r.late else None,
                    tooltip=lambda r: "Submitted after its due day" if r.late else "",
                ),
                Column(
                    "Score",
                    score_text,
                    sort_key=lambda r: (r.score_percent is None, r.score_percent),
                    align_right=True,
                ),
            ],
            parent,
        )


class ReviewQueueDialog(QDialog):
    """The review queue; `review_audit(audit id)` when the manager opens one for review."""

    review_audit = Signal(str)
    loaded = Signal()

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle("Review queue")
        self.resize(900, 420)
        self.rows: list[QueueRow] | None = None
        self._select_id = ""
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading the review queue…")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = QueueModel(self)
        self.table = plain_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self._review(index.row()))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.review_button = QPushButton("&Review")
        self.review_button.setToolTip("Open the selected audit for review (Enter)")
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(lambda: self._review(self.table.currentIndex().row()))
        buttons.addButton(self.review_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button = QPushButton("Re&fresh")
        self.refresh_button.clicked.connect(self._refresh_clicked)
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._load: Operation | None = None
        self.reload()

    def reload(self, select_id: str = "") -> None:
        """Read the queue again (off the GUI thread on a team database)."""
        engine = self.engine
        self.rows = None
        self._select_id = select_id
        self.refresh_button.setEnabled(False)
        self._load = run_soon(
            self,
            lambda: review_queue(engine=engine),
            in_background=on_a_server(engine),
            on_done=self._show,
            on_error=self._failed,
        )

    def _refresh_clicked(self) -> None:
        row = self.model.row(self.table.currentIndex().row())
        self.reload(row.shop_id if row is not None else "")

    def _show(self, rows: list[QueueRow]) -> None:
        self._load = None
        self.rows = rows
        self.refresh_button.setEnabled(True)
        self.model.set_rows(rows)
        # The company takes the room left.
        fit_columns(self.table, widest=max(self.table.viewport().width() // 3, 160), skip=(1,))
        late = sum(1 for r in rows if r.late)
        if rows:
            text = f"{count_of(len(rows), 'shop')} waiting for review, the oldest first"
            if late:
                text += f"; {late} submitted late"
        else:
            text = "No shop waits for review"
        self.summary.setText(f"{text} (as of {as_of(now_utc())}).")
        wanted = next((n for n, r in enumerate(rows) if r.shop_id == self._select_id), 0)
        if rows:
            self.table.selectRow(wanted)
            self.table.setFocus()
        self._selected()
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self._load = None
        self.rows = []
        self.refresh_button.setEnabled(True)
        self.summary.setText(f"The review queue could not be read: {exc}")
        show_error(self, str(exc), title="Review queue")
        self.loaded.emit()

    def _selected(self) -> None:
        row = self.model.row(self.table.currentIndex().row())
        self.review_button.setEnabled(row is not None and row.audit_id is not None)

    def _review(self, number: int) -> None:
        row = self.model.row(number)
        if row is None or row.audit_id is None:
            return
        # Out of the way of the audit while it is reviewed; the verdict brings it back.
        self.hide()
        self.review_audit.emit(row.audit_id)
