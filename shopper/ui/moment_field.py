"""A date and time as a person types it: ISO text, and what it was understood as.

Every field where a shopper types a time uses this one widget. It is a plain line of
text (typed over a selection, pasted, with or without seconds), read by
`domain.clock.parse_typed_moment` in the audit's zone; the line under it says what it
understood ("Wed 2 Dec 2026, 10:15:00 (Europe/Warsaw)") or, in red, why it cannot, before
anything is saved. `confirm_far` asks once more for a time far from now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QVBoxLayout, QWidget

from shopper.domain.clock import EXAMPLE, describe_moment, implausible, in_zone, parse_typed_moment
from shopper.domain.errors import ShopperError
from shopper.ui.crash import headless

FORMAT = "%Y-%m-%d %H:%M:%S"


class MomentField(QWidget):
    changed = Signal()
    """The text changed (it may or may not read as a time)."""

    def __init__(
        self,
        zone: str,
        *,
        day: Callable[[], date | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.zone = zone
        self._day = day
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        self.line = QLineEdit()
        self.line.setPlaceholderText(EXAMPLE)
        self.line.setToolTip(f"Type the date and time, e.g. {EXAMPLE}, in {zone}")
        self.line.setMinimumWidth(
            self.line.fontMetrics().horizontalAdvance("2026-12-02 10:15:00__")
        )
        self.understood = QLabel()
        self.understood.setObjectName("hint")
        self.understood.setWordWrap(True)
        layout.addWidget(self.line)
        layout.addWidget(self.understood)
        self.line.textChanged.connect(self._read)
        self.setFocusProxy(self.line)

    def set_moment(self, moment: datetime) -> None:
        self.line.setText(f"{in_zone(moment, self.zone):{FORMAT}}")

    def moment(self) -> datetime | None:
        """The time typed, or None when it does not read as one (the label says why)."""
        return self._parse()[0]

    def problem(self) -> str | None:
        """Why the text does not read as a time, or None when it does."""
        return self._parse()[1]

    def _parse(self) -> tuple[datetime | None, str | None]:
        try:
            day = self._day() if self._day else None
            return parse_typed_moment(self.line.text(), self.zone, day=day), None
        except ShopperError as exc:
            return None, str(exc)

    def _read(self) -> None:
        moment, problem = self._parse()
        if moment is None:
            self.understood.setText(problem or "")
            self.understood.setStyleSheet("color: #b3261e;")
        else:
            self.understood.setText(f"Understood as {describe_moment(moment, self.zone)}")
            self.understood.setStyleSheet("")
        self.changed.emit()

    def selectAll(self) -> None:
        self.line.selectAll()


def confirm_far(parent: QWidget, moment: datetime, zone: str) -> bool:
    """Ask before keeping a time more than 30 days from now; True to keep it."""
    far = implausible(moment)
    return far is None or ask(parent, f"{describe_moment(moment, zone)} is {far}. Keep it?")


def ask(parent: QWidget, question: str) -> bool:
    """A yes/no question (yes when headless: nobody is there to answer)."""
    if headless():
        return True
    answer = QMessageBox.question(parent, "Keep this time?", question)
    return answer == QMessageBox.StandardButton.Yes
