"""What the instrument panes share: a guarded write, a steps table model, a time editor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimeZone,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_duration
from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError
from shopper.domain.instruments import STEP_LABELS, Step
from shopper.services.runner import AuditRunner
from shopper.ui.crash import show_error

Index = QModelIndex | QPersistentModelIndex
STEP_ID_ROLE = Qt.ItemDataRole.UserRole + 1

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

    def run(self, action: Callable[[], Any]) -> Any:
        """Do a write; on an expected failure show it and return None."""
        try:
            result = action()
        except ShopperError as exc:
            show_error(self, str(exc))
            return None
        self.changed.emit()
        self.refresh()
        return result if result is not None else True

    def refresh(self) -> None:
        """Show the runner's current state."""

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


class StepsModel(QAbstractTableModel):
    """An instrument's steps in time order: time, elapsed, step, details."""

    COLUMNS = ("Time", "Elapsed", "Step", "Details")

    def __init__(self, zone: str, describe: Callable[[Step, int], str], parent: Any = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.describe = describe
        self.steps: list[Step] = []

    def set_steps(self, steps: list[Step]) -> None:
        self.beginResetModel()
        self.steps = list(steps)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.steps)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.steps):
            return None
        step = self.steps[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{in_zone(step.at, self.zone):%H:%M:%S}"
            if column == 1:
                return elapsed(self.steps[0].at, step.at)
            if column == 2:
                return STEP_LABELS.get(step.kind, step.kind)
            return self.describe(step, index.row())
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            color = KIND_COLORS.get(step.kind)
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.ToolTipRole:
            when = f"{in_zone(step.at, self.zone):%Y-%m-%d %H:%M:%S}"
            label = STEP_LABELS.get(step.kind, step.kind)
            return f"{label} at {when}\nDouble-click to correct the time."
        if role == STEP_ID_ROLE:
            return step.id
        return None

    def step_at(self, row: int) -> Step | None:
        return self.steps[row] if 0 <= row < len(self.steps) else None


class TimeDialog(QDialog):
    """Correct the time of a step, to the second, in the shopper's zone."""

    def __init__(
        self, moment: datetime, zone: str, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Time ({zone})"))
        self.edit = QDateTimeEdit()
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.edit.setCalendarPopup(True)
        self.edit.setTimeZone(QTimeZone(zone.encode()))
        self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp())))
        layout.addWidget(self.edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.edit.dateTime().toSecsSinceEpoch(), UTC)
