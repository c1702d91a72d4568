"""What the instrument panes share: a guarded write, a steps table model, a time editor."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_duration
from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError
from shopper.domain.instruments import STEP_LABELS, Step
from shopper.services.runner import AuditRunner
from shopper.ui.crash import show_error
from shopper.ui.dates import moment_text, time_text, weekday_text
from shopper.ui.moment_field import MomentField, confirm_far
from shopper.ui.rows_model import Column, RowsModel

MIN_ROWS = 6

Write = Callable[[AuditRunner], Any]
"""A write: a call of the runner's methods on the runner it is given."""


class Saver(Protocol):
    """Queues a write and calls `then` with its result once it is saved; `key` and `ids`
    as for `SaveQueue.submit`."""

    def __call__(
        self,
        write: Write,
        then: Callable[[Any], None],
        *,
        key: Hashable | None = None,
        ids: tuple[str, ...] = (),
    ) -> None: ...


"""Rows an instrument's list always shows."""

KIND_COLORS = {
    "call_start": "#1565c0",
    "menu": "#6a1b9a",
    "hold_start": "#ef8f00",
    "hold_end": "#ef8f00",
    "human": "#2e7d32",
    "transfer": "#00838f",
    "repeat": "#c62828",
    "dead_end": "#c62828",
    "call_end": "#455a64",
    "page": "#1565c0",
    "found": "#2e7d32",
    "sent": "#1565c0",
    "reply": "#2e7d32",
    "follow_up": "#00838f",
}


class InstrumentPane(QWidget):
    """Base of the instrument panes: writes go through `run`, which reports failures."""

    changed = Signal()
    """A write succeeded: answers, figures or lists may have changed."""

    def __init__(self, runner: AuditRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.saver: Saver | None = None
        """Set on a team database: writes go to the view's queue, off the GUI thread."""

    def run(
        self,
        action: Write,
        then: Callable[[Any], None] | None = None,
        *,
        key: Hashable | None = None,
        ids: tuple[str, ...] = (),
    ) -> Any:
        """Do a write, then `then(result)`; on an expected failure show it and return None.

        With a `saver` the write is queued: this returns True at once, and `then` runs
        (on the GUI thread) once it is saved, with its result, or None for a write a
        retry found already stored. The saver reports failures. `key` lets a later write
        with the same key replace this one while it waits; `ids` are the ids it makes.
        """
        if self.saver is not None:
            self.saver(action, lambda result: self._written(result, then), key=key, ids=ids)
            return True
        try:
            result = action(self.runner)
        except ShopperError as exc:
            show_error(self, str(exc))
            return None
        self._written(result, then)
        return result if result is not None else True

    def _written(self, result: Any, then: Callable[[Any], None] | None) -> None:
        self.changed.emit()
        self.refresh()
        if then is not None:
            then(result)

    def refresh(self) -> None:
        """Show the runner's current state."""

    def correct_time(self, index: QModelIndex) -> None:
        """Double-click on a step: correct when it happened."""
        model = getattr(self, "model", None)
        step = model.step_at(index.row()) if isinstance(model, StepsModel) else None
        if step is None or self.runner.read_only:
            return
        dialog = TimeDialog(step.at, self.runner.zone, "Correct the time", self)
        if dialog.exec():
            moment = dialog.moment()
            self.run(lambda r: r.update_step(step.id, at=moment))

    def set_read_only(self, read_only: bool) -> None:
        # Inputs only: lists and tables stay scrollable in a completed audit.
        for kind in (QAbstractButton, QLineEdit, QComboBox, QDateTimeEdit, QPlainTextEdit):
            for child in self.findChildren(kind):
                child.setEnabled(not read_only)


def elapsed(start: datetime | None, moment: datetime) -> str:
    if start is None:
        return ""
    seconds = (moment - start).total_seconds()
    return ("-" if seconds < 0 else "+") + format_duration(abs(seconds))


@dataclass(frozen=True)
class StepRow:
    """A step with what its row needs to know: its number and the first step's time."""

    number: int
    step: Step
    start: datetime


def step_columns(zone: str, describe: Callable[[Step, int], str]) -> list[Column[StepRow]]:
    def tooltip(row: StepRow) -> str:
        when = moment_text(row.step.at, zone, seconds=True)
        label = STEP_LABELS.get(row.step.kind, row.step.kind)
        return f"{label} at {when}\nDouble-click to correct the time."

    def color(row: StepRow) -> QColor | None:
        value = KIND_COLORS.get(row.step.kind)
        return QColor(value) if value else None

    def when(row: StepRow) -> str:
        local, first = in_zone(row.step.at, zone), in_zone(row.start, zone)
        if local.date() == first.date():
            return time_text(local, seconds=True)
        return weekday_text(local)  # another day: which one

    return [
        Column("Time", when, tooltip=tooltip),
        Column("Elapsed", lambda r: elapsed(r.start, r.step.at), tooltip=tooltip),
        Column("Step", lambda r: STEP_LABELS.get(r.step.kind, r.step.kind), foreground=color),
        Column("Details", lambda r: describe(r.step, r.number), tooltip=tooltip),
    ]


class StepsModel(RowsModel[StepRow]):
    """An instrument's steps in time order: time, elapsed, step, details."""

    def __init__(self, zone: str, describe: Callable[[Step, int], str], parent: Any = None) -> None:
        super().__init__(step_columns(zone, describe), parent)

    def set_steps(self, steps: list[Step]) -> None:
        start = steps[0].at if steps else datetime.now(UTC)
        self.set_rows([StepRow(number, step, start) for number, step in enumerate(steps)])

    @property
    def steps(self) -> list[Step]:
        return [row.step for row in self.rows()]

    def step_at(self, row: int) -> Step | None:
        found = self.row(row)
        return found.step if found else None


def list_table(model: QAbstractItemModel, stretch: int, *, keys: bool = True) -> QTableView:
    """A compact, row-selecting, read-only table for an instrument's list."""
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    if not keys:
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the pane's own keys come first
    # At least six steps in view, the header too: a call is read at a glance.
    rows = table.verticalHeader().defaultSectionSize()
    table.setMinimumHeight(MIN_ROWS * rows + table.horizontalHeader().sizeHint().height() + 4)
    return table


class TimeDialog(QDialog):
    """Correct the time of a step, to the second, typed in the shopper's zone."""

    def __init__(
        self, moment: datetime, zone: str, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        # Wide enough for its title in the title bar, beside the window's own buttons.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(title) + 200)
        self.zone = zone
        self.original = moment
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Time ({zone})"))
        self.edit = MomentField(zone, day=lambda: in_zone(moment, zone).date())
        self.edit.set_moment(moment)
        layout.addWidget(self.edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.changed.connect(self._check)
        self.edit.line.returnPressed.connect(self.accept)
        self.edit.selectAll()
        self._check()

    def _check(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.edit.moment() is not None)

    def accept(self) -> None:
        moment = self.edit.moment()
        if moment is None or not confirm_far(self, moment, self.zone):
            return
        super().accept()

    def moment(self) -> datetime:
        found = self.edit.moment()
        return found if found is not None else self.original
