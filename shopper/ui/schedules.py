"""View › Schedules: a manager's recurring shops — the list, Add…, Pause or Resume, and Run now
(which makes the shops due ahead and says what it made and what it did not plan, and why).

Every read and write runs off the GUI thread (`run_quietly`); the dialogs only show results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.template import TOUCHPOINTS, touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.companies import list_companies
from shopper.services.schedules import (
    MAX_AHEAD_DAYS,
    MAX_WINDOW_DAYS,
    RunResult,
    ScheduleInput,
    ScheduleInputError,
    ScheduleRow,
    create_schedule,
    list_schedules,
    pause_schedule,
    resume_schedule,
    run_schedules,
)
from shopper.ui.crash import show_error
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import plain_table
from shopper.ui.workers import Operation, run_quietly


def _limit(row: ScheduleRow) -> str:
    return "none" if row.open_limit is None else str(row.open_limit)


class SchedulesModel(RowsModel[ScheduleRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("State", lambda r: "active" if r.active else "paused"),
                Column("Company", lambda r: r.company),
                Column("Touchpoint", lambda r: touchpoint_label(r.touchpoint)),
                Column("Every", lambda r: r.every, tooltip=lambda r: f"from {r.starts}"),
                Column("Shoppers", lambda r: ", ".join(r.shoppers)),
                Column("Open limit", _limit, align_right=True),
                Column("Window", lambda r: count_of(r.window_days, "day"), align_right=True),
                Column("Ahead", lambda r: count_of(r.ahead_days, "day"), align_right=True),
                Column("Shops made", lambda r: str(r.shops_made), align_right=True),
                Column(
                    "Planned to",
                    lambda r: r.last_planned.isoformat() if r.last_planned else "",
                ),
            ],
            parent,
        )


def run_report(result: RunResult) -> str:
    """What a run did, one line a shop or an occurrence left out."""
    if not result.made and not result.not_planned:
        return "No shops due."
    lines = [
        f"Made: {m.shop.company}, {touchpoint_label(m.shop.touchpoint)}, {m.shop.shopper},"
        f" {m.shop.opens.isoformat()} to {m.shop.due.isoformat()}"
        for m in result.made
    ]
    lines += [
        f"Not planned: {s.company}, {touchpoint_label(s.touchpoint)}, {s.day.isoformat()}:"
        f" {s.reason}"
        for s in result.not_planned
    ]
    return "\n".join(lines)


class SchedulesDialog(QDialog):
    """The schedules list, with Add…, Pause / Resume and Run now."""

    loaded = Signal()
    """The list was read (again)."""
    ran = Signal(object)
    """A run ended: its `RunResult`."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle("Schedules")
        self.resize(1100, 520)
        self.rows: list[ScheduleRow] | None = None
        self.companies: list[str] = []
        self._busy: Operation | None = None
        self._select_id = ""
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading the schedules…")
        layout.addWidget(self.summary)
        self.model = SchedulesModel(self)
        self.table = plain_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        layout.addWidget(self.table, 1)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("Run now makes the shops due and says here what it did.")
        self.report.setMaximumHeight(140)
        layout.addWidget(self.report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = QPushButton("&Add…")
        self.add_button.clicked.connect(self.add)
        self.pause_button = QPushButton("&Pause")
        self.pause_button.setEnabled(False)
        self.pause_button.clicked.connect(self.toggle_selected)
        self.run_button = QPushButton("Run &now")
        self.run_button.setToolTip("Make the shops every active schedule has due ahead")
        self.run_button.clicked.connect(self.run_now)
        for button in (self.add_button, self.pause_button, self.run_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def reload(self, select_id: str = "") -> None:
        """Read the schedules and the company names again, off the GUI thread."""
        engine = self.engine
        self._select_id = select_id or self._current_id()

        def work() -> tuple[list[ScheduleRow], list[str]]:
            names = [c.name for c in list_companies(engine=engine)]
            return list_schedules(engine=engine), names

        run_quietly(self, work, on_done=self._show, on_error=self._failed)

    def _current_id(self) -> str:
        row = self.model.row(self.table.currentIndex().row())
        return row.id if row is not None else ""

    def _show(self, found: tuple[list[ScheduleRow], list[str]]) -> None:
        rows, self.companies = found
        self.rows = rows
        self.model.set_rows(rows)
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            if column != 4:  # the shoppers take the rest
                self.table.resizeColumnToContents(column)
                title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
                needed = header.fontMetrics().horizontalAdvance(title) + 16
                self.table.setColumnWidth(column, max(self.table.columnWidth(column), needed))
        paused = sum(1 for r in rows if not r.active)
        text = count_of(len(rows), "schedule") if rows else "No schedules yet"
        self.summary.setText(text + (f", {paused} paused." if paused else "."))
        if rows:
            wanted = next((n for n, r in enumerate(rows) if r.id == self._select_id), 0)
            self.table.selectRow(wanted)
        self._selected()
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.summary.setText(f"The schedules could not be read: {exc}")
        show_error(self, str(exc), title="Schedules")

    def _selected(self) -> None:
        row = self.model.row(self.table.currentIndex().row())
        self.pause_button.setText("&Resume" if row is not None and not row.active else "&Pause")
        self.pause_button.setEnabled(row is not None and self._busy is None)
        self.run_button.setEnabled(self._busy is None)

    def _start(self, work: Any, on_done: Any, title: str) -> None:
        def done(result: Any) -> None:
            self._busy = None
            on_done(result)

        def failed(exc: Exception) -> None:
            self._busy = None
            self._selected()
            show_error(self, str(exc), title=title)

        self._busy = run_quietly(self, work, on_done=done, on_error=failed)
        self._selected()

    def toggle_selected(self) -> None:
        """Pause the selected schedule, or resume it when it is paused."""
        row = self.model.row(self.table.currentIndex().row())
        if row is None or self._busy is not None:
            return
        engine, schedule_id = self.engine, row.id
        change = resume_schedule if not row.active else pause_schedule
        self._start(
            lambda: change(engine=engine, schedule_id=schedule_id),
            lambda changed: self.reload(changed.id),
            "Schedule not changed",
        )

    def run_now(self) -> None:
        """Make the shops due now (as `shopper schedules run`), then show what was done."""
        if self._busy is not None:
            return
        engine = self.engine
        self.report.setPlainText("Making the shops due…")

        def done(result: RunResult) -> None:
            self.report.setPlainText(run_report(result))
            self.ran.emit(result)
            self.reload()

        self._start(lambda: run_schedules(engine=engine), done, "Schedules not run")

    def add(self) -> None:
        """Add… a schedule in its dialog; the list is read again once it is stored."""
        dialog = AddScheduleDialog(self.engine, self.companies, self)
        dialog.added.connect(lambda row: self.reload(row.id))
        self.add_dialog = dialog
        dialog.open()


class AddScheduleDialog(QDialog):
    """A new schedule: what is wrong is said here, naming the field, and the dialog stays."""

    added = Signal(object)
    """The stored schedule (`ScheduleRow`)."""

    LABELS: ClassVar[dict[str, str]] = {
        "company": "Company",
        "touchpoint": "Touchpoint",
        "template": "Checklist",
        "recurrence": "Every",
        "shoppers": "Shoppers",
        "window": "Window",
        "limit": "Open limit",
        "ahead": "Made ahead",
        "instructions": "Instructions",
        "from": "From",
    }

    def __init__(self, engine: Engine, companies: Sequence[str], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle("Add schedule")
        self.setMinimumWidth(560)
        self._saving: Operation | None = None
        form = QFormLayout(self)
        self.company = QComboBox()
        self.company.addItems(list(companies))
        self.touchpoint = QComboBox()
        for kind in TOUCHPOINTS:
            self.touchpoint.addItem(touchpoint_label(kind), kind)
        self.every = QLineEdit()
        self.every.setPlaceholderText('"every 4 weeks", "monthly on the first working day"')
        self.shoppers = QLineEdit()
        self.shoppers.setPlaceholderText("jan, ewa, ola (in turn)")
        self.window_days = QSpinBox()
        self.window_days.setRange(1, MAX_WINDOW_DAYS)
        self.window_days.setValue(7)
        self.window_days.setSuffix(" days")
        self.open_limit = QSpinBox()
        self.open_limit.setRange(0, 999)
        self.open_limit.setSpecialValueText("no limit")
        self.ahead_days = QSpinBox()
        self.ahead_days.setRange(0, MAX_AHEAD_DAYS)
        self.ahead_days.setValue(14)
        self.ahead_days.setSuffix(" days")
        self.instructions = QPlainTextEdit()
        self.instructions.setTabChangesFocus(True)
        self.instructions.setMaximumHeight(90)
        for label, widget in (
            ("&Company", self.company),
            ("&Touchpoint", self.touchpoint),
            ("&Every", self.every),
            ("&Shoppers", self.shoppers),
            ("&Window", self.window_days),
            ("Open &limit", self.open_limit),
            ("Made &ahead", self.ahead_days),
            ("&Instructions", self.instructions),
        ):
            form.addRow(label, widget)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e")
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("A&dd")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def data(self) -> ScheduleInput:
        return ScheduleInput(
            company=self.company.currentText(),
            touchpoint=str(self.touchpoint.currentData()),
            recurrence=self.every.text(),
            shoppers=self.shoppers.text().split(",") if self.shoppers.text().strip() else [],
            window_days=self.window_days.value(),
            open_limit=self.open_limit.value() or None,
            ahead_days=self.ahead_days.value(),
            instructions=self.instructions.toPlainText(),
        )

    def save(self) -> None:
        """Store the schedule off the GUI thread; a mistake is shown and the dialog stays."""
        if self._saving is not None:
            return
        engine, data = self.engine, self.data()
        self.buttons.setEnabled(False)
        self.problem.setText("")

        def done(row: ScheduleRow) -> None:
            self._saving = None
            self.added.emit(row)
            self.accept()

        def failed(exc: Exception) -> None:
            self._saving = None
            self.buttons.setEnabled(True)
            if isinstance(exc, ScheduleInputError):
                self.problem.setText(f"{self.LABELS.get(exc.field, exc.field)}: {exc.why}")
            else:
                self.problem.setText(str(exc))
            self.adjustSize()  # the whole message shows, however many lines it takes

        self._saving = run_quietly(
            self, lambda: create_schedule(engine=engine, data=data), on_done=done, on_error=failed
        )
