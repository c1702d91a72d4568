"""The phone-tree map: one key per step of a call, shown as a timeline with its figures.

With the map focused: S call started, M menu prompt, H on hold / hold ended,
P person answered, T transferred, R asked again, D dead end, E call ended. A step key
only ever records its step: the keyboard stays on the map, so the next event is one key
away however fast the call goes. The details of a menu prompt (prompt heard, options
offered, key pressed) are asked for on purpose: I opens them for the latest prompt, or
Enter for the step chosen in the list; Enter saves them. Esc goes back to the checklist.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_duration
from shopper.domain.instruments import Instrument, PhoneFigures, PhoneStep, Step
from shopper.domain.wording import count_of
from shopper.services.runner import AuditRunner
from shopper.ui.runner.instrument_base import InstrumentPane, StepsModel, list_table
from shopper.ui.widgets import FlowLayout

KEYS: list[tuple[str, PhoneStep, str]] = [
    ("S", PhoneStep.CALL_START, "Call started"),
    ("M", PhoneStep.MENU, "Menu prompt"),
    ("H", PhoneStep.HOLD_START, "On hold"),
    ("P", PhoneStep.HUMAN, "Person answered"),
    ("T", PhoneStep.TRANSFER, "Transferred"),
    ("R", PhoneStep.REPEAT, "Asked again"),
    ("D", PhoneStep.DEAD_END, "Dead end"),
    ("E", PhoneStep.CALL_END, "Call ended"),
]


MORE_KEYS: tuple[tuple[str, str], ...] = (
    ("I", "The details of the last menu prompt (prompt heard, options, key pressed)"),
    ("Enter", "The details of the step chosen in the list"),
    ("Delete", "Remove the step chosen in the list"),
)


def describe_phone_step(step: Step, _row: int) -> str:
    data = step.data
    if step.kind == PhoneStep.MENU:
        parts = []
        if data.get("prompt"):
            parts.append(f"“{data['prompt']}”")
        if data.get("options"):
            parts.append(f"options: {data['options']}")
        if data.get("key"):
            parts.append(f"pressed {data['key']}")
        return " · ".join(parts) or "(details not given)"
    if data.get("note"):
        return str(data["note"])
    return ""


def figures_text(fig: PhoneFigures) -> str:
    if not fig.started:
        return "Press S (or the button) the moment you dial."
    human = (
        f"person after {format_duration(fig.time_to_human)}"
        if fig.time_to_human is not None
        else ("never reached a person" if fig.ended else "no person yet")
    )
    return (
        f"Depth {fig.menu_depth} · {count_of(fig.menu_prompts, 'prompt')}"
        + (f" ({count_of(fig.options_heard, 'option')})" if fig.options_heard is not None else "")
        + f" · {count_of(fig.menu_loops, 'loop')} · {human}"
        f"\nMenus {format_duration(fig.time_in_menus)} · hold {format_duration(fig.time_on_hold)}"
        f" · talking {format_duration(fig.time_talking)} · {count_of(fig.handoffs, 'handoff')}"
        f" · repeated {fig.repeated_info}× · {count_of(fig.dead_ends, 'dead end')}"
        + (f" · call {format_duration(fig.duration)}" if fig.duration is not None else "")
    )


class PhoneMapPane(InstrumentPane):
    def __init__(self, runner: AuditRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        grid = FlowLayout()  # two lines on a wide pane, more on a laptop's
        self.buttons: dict[PhoneStep, QPushButton] = {}
        for key, kind, label in KEYS:
            button = QPushButton(f"{label}  ({key})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=kind: self.record(k))
            grid.addWidget(button)
            self.buttons[kind] = button
        layout.addLayout(grid)

        self.menu_form = QWidget()
        form = QFormLayout(self.menu_form)
        form.setContentsMargins(0, 0, 0, 0)
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText("What the menu said")
        self.options = QLineEdit()
        self.options.setPlaceholderText("The options read out: 1 sales, 2 billing… or just 3")
        self.key = QLineEdit()
        self.key.setPlaceholderText("The key you pressed")
        self.key.setMaximumWidth(120)
        for edit in (self.prompt, self.options, self.key):
            edit.returnPressed.connect(self._save_menu_details)
        form.addRow("Prompt heard", self.prompt)
        form.addRow("Options", self.options)
        form.addRow("Key pressed", self.key)
        self.menu_form.setVisible(False)
        layout.addWidget(self.menu_form)
        self._menu_step: str | None = None

        self.figures = QLabel()
        self.figures.setObjectName("figures")
        self.figures.setWordWrap(True)
        layout.addWidget(self.figures)

        self.model = StepsModel(runner.zone, describe_phone_step, self)
        self.table = list_table(self.model, 3, keys=False)
        self.table.doubleClicked.connect(self.correct_time)
        layout.addWidget(self.table, 1)
        self.hint = QLabel(
            "Ctrl+Shift+P, then one key per event: S M H P T R D E · I prompt details · "
            "double-click: correct a time · Delete: remove · Esc: back to the checklist"
        )
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.refresh()

    def refresh(self) -> None:
        steps = self.runner.steps(Instrument.PHONE)
        self.model.set_steps(steps)
        self.table.scrollToBottom()
        fig = self.runner.measurements.phone
        self.figures.setText(figures_text(fig) if fig else figures_text(_EMPTY))
        on_hold = bool(steps) and self._on_hold(steps)
        self.buttons[PhoneStep.HOLD_START].setText("Hold ended  (H)" if on_hold else "On hold  (H)")

    @staticmethod
    def _on_hold(steps: list[Step]) -> bool:
        state = False
        for step in steps:
            if step.kind == PhoneStep.HOLD_START:
                state = True
            elif step.kind in (PhoneStep.HOLD_END, PhoneStep.HUMAN, PhoneStep.CALL_END):
                state = False
        return state

    def record(self, kind: PhoneStep) -> None:
        if self.runner.read_only:
            return

        def add(runner: AuditRunner) -> object:
            # Decided with the runner that writes: on a team database the one shown may
            # not have the steps still being saved.
            steps = runner.steps(Instrument.PHONE)
            hold = kind == PhoneStep.HOLD_START and PhoneMapPane._on_hold(steps)
            return runner.add_step(Instrument.PHONE, PhoneStep.HOLD_END if hold else kind)

        self.run(add)
        self.setFocus()  # the next event is one key away

    def edit_details(self, step_id: str | None = None) -> bool:
        """Ask for a menu prompt's details: the chosen step's, else the latest prompt's."""
        if self.runner.read_only:
            return False
        menus = [s for s in self.runner.steps(Instrument.PHONE) if s.kind == PhoneStep.MENU]
        step = next((s for s in menus if s.id == step_id), None) if step_id else None
        if step is None and step_id is None and menus:
            step = menus[-1]
        if step is None:
            return False
        self._menu_step = step.id
        self.prompt.setText(str(step.data.get("prompt", "")))
        self.options.setText(str(step.data.get("options", "")))
        self.key.setText(str(step.data.get("key", "")))
        self.menu_form.setVisible(True)
        self.prompt.setFocus()
        return True

    def flush(self) -> bool:
        """Save menu details typed but not confirmed yet (before the keyboard leaves)."""
        if self._menu_step is None or not self.menu_form.isVisible():
            return True
        return self._save_menu_details()

    def _save_menu_details(self) -> bool:
        if self._menu_step is None:
            return True
        data = {
            "prompt": self.prompt.text().strip(),
            "options": self.options.text().strip(),
            "key": self.key.text().strip(),
        }
        step_id = self._menu_step
        if not self.run(lambda r: r.update_step(step_id, data=data)):
            return False
        self._menu_step = None
        self.menu_form.setVisible(False)
        self.setFocus()
        return True

    def delete_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.runner.read_only:
            return
        step = self.model.step_at(rows[0].row())
        if step is not None:
            self.run(lambda r: r.delete_step(step.id))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
            return
        if event.key() == Qt.Key.Key_Delete:
            self.delete_selected()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            rows = self.table.selectionModel().selectedRows()
            chosen = self.model.step_at(rows[0].row()) if rows else None
            if chosen is not None and self.edit_details(chosen.id):
                return
        text = event.text().upper()
        if text == "I" and self.edit_details():
            event.accept()
            return
        for key, kind, _label in KEYS:
            if text == key:
                self.record(kind)
                event.accept()
                return
        super().keyPressEvent(event)


_EMPTY = PhoneFigures(False, 0, 0, None, 0, False, None, None, 0, 0, 0, 0, 0, 0, None, False)
