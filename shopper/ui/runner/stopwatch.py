"""A stopwatch with split times that fill duration items in one action.

F6 starts and stops, F7 takes a split, F8 puts the latest split (or the
running time) into the current duration item. Each split can also be given to
any duration item from its row.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_duration
from shopper.domain.template import Item, ItemType
from shopper.services.runner import AuditRunner
from shopper.ui.runner.instrument_base import InstrumentPane


def clock_text(ms: int) -> str:
    seconds, tenths = divmod(ms // 100, 10)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}.{tenths}"
    return f"{minutes:02d}:{seconds:02d}.{tenths}"


class StopwatchPane(InstrumentPane):
    def __init__(
        self,
        runner: AuditRunner,
        current_item: Callable[[], Item | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.current_item = current_item
        self._timer = QElapsedTimer()
        self._accumulated = 0  # ms from earlier runs
        self._running = False
        self.splits: list[int] = []
        self._tick = QTimer(self)
        self._tick.setInterval(100)
        self._tick.timeout.connect(self._show)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.display = QLabel(clock_text(0))
        font = QFont()
        font.setPointSize(30)
        font.setBold(True)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamily("monospace")
        self.display.setFont(font)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setObjectName("stopwatch")
        layout.addWidget(self.display)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start (F6)")
        self.start_button.clicked.connect(self.toggle)
        self.split_button = QPushButton("Split (F7)")
        self.split_button.clicked.connect(self.split)
        reset = QPushButton("Reset")
        reset.clicked.connect(self.reset)
        for button in (self.start_button, self.split_button, reset):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        layout.addLayout(buttons)

        assign_row = QHBoxLayout()
        self.split_list = QListWidget()
        self.split_list.setMaximumHeight(110)
        layout.addWidget(self.split_list)
        assign_row.addWidget(QLabel("Give the selected split to"))
        self.target = QComboBox()
        # As wide as a short prompt, not the longest one: the pane fits a laptop screen.
        self.target.setMinimumContentsLength(24)
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        for item in runner.template.items():
            if item.type is ItemType.DURATION:
                self.target.addItem(item.prompt, item.id)
        assign_row.addWidget(self.target, 1)
        self.assign_button = QPushButton("Assign")
        self.assign_button.clicked.connect(self.assign_selected)
        assign_row.addWidget(self.assign_button)
        layout.addLayout(assign_row)
        self.status = QLabel()
        self.status.setObjectName("hint")
        layout.addWidget(self.status)
        layout.addStretch(1)

    def set_read_only(self, read_only: bool) -> None:
        # Timing stays possible; only filling items is not.
        self.assign_button.setEnabled(not read_only)
        self.target.setEnabled(not read_only)

    # -- timing ----------------------------------------------------------------

    def elapsed_ms(self) -> int:
        return self._accumulated + (self._timer.elapsed() if self._running else 0)

    def toggle(self) -> None:
        if self._running:
            self._accumulated += self._timer.elapsed()
            self._running = False
            self._tick.stop()
            self.start_button.setText("Start (F6)")
        else:
            self._timer.start()
            self._running = True
            self._tick.start()
            self.start_button.setText("Stop (F6)")
        self._show()

    def split(self) -> None:
        ms = self.elapsed_ms()
        self.splits.append(ms)
        self.split_list.addItem(f"Split {len(self.splits)}: {clock_text(ms)}")
        self.split_list.setCurrentRow(self.split_list.count() - 1)

    def reset(self) -> None:
        self._running = False
        self._tick.stop()
        self._accumulated = 0
        self.splits.clear()
        self.split_list.clear()
        self.start_button.setText("Start (F6)")
        self._show()

    def _show(self) -> None:
        self.display.setText(clock_text(self.elapsed_ms()))

    # -- filling items -----------------------------------------------------------

    def _give(self, item_id: str, ms: int) -> bool:
        seconds = round(ms / 1000)
        if self.run(lambda r: r.set_answer(item_id, float(seconds))):
            prompt = self.runner.template.item(item_id).prompt
            self.status.setText(f"{format_duration(seconds)} → {prompt}")
            return True
        return False

    def assign_selected(self) -> None:
        row = self.split_list.currentRow()
        item_id = self.target.currentData()
        if item_id and 0 <= row < len(self.splits):
            self._give(item_id, self.splits[row])

    def assign_to_current(self) -> bool:
        """F8: the latest split, or the running time, into the current duration item."""
        item = self.current_item()
        if item is None or item.type is not ItemType.DURATION:
            self.status.setText("F8 fills the current item when it is a duration.")
            return False
        ms = self.splits[-1] if self.splits else self.elapsed_ms()
        return self._give(item.id, ms)
