"""Answer widgets, one per item type.

Every editor emits `committed(value)` with the value to store (None clears),
takes its shortcut keys through `handle_key`, and keeps typed text that could
not be saved on screen. Typing editors commit on Enter, on focus-out and after
a short pause (the runner view owns that timer through `edited`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_duration, make_datetime_answer, parse_duration
from shopper.domain.clock import is_valid_zone, now_utc
from shopper.domain.template import NA, Item, ItemType
from shopper.ui.crash import show_error
from shopper.ui.moment_field import MomentField, confirm_far


class AnswerEditor(QWidget):
    committed = Signal(object)
    """The value to store (None clears the answer)."""
    edited = Signal()
    """Text changed and is not saved yet."""

    typing = False
    """True when the editor is a text field that takes the keyboard focus."""

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self._read_only = False

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for child in self.findChildren(QWidget):
            child.setEnabled(not read_only)

    def handle_key(self, event: QKeyEvent) -> bool:
        """Answer from a shortcut key pressed while the item panel has focus."""
        return False

    def focus_input(self) -> bool:
        """Give the keyboard to the text field, if this editor has one."""
        return False

    def flush(self) -> None:
        """Commit typed text that is not saved yet."""

    def accept_input(self, answered: bool) -> None:
        """Enter was pressed: commit what is shown (`answered` says if a value is stored)."""
        self.flush()

    def mark_saved(self) -> None:
        """The last committed value is on disk: typed text no longer counts as pending."""

    def pending(self) -> bool:
        return False

    def input_widget(self) -> QWidget | None:
        return None


def _key_button(text: str, shortcut_hint: str) -> QPushButton:
    button = QPushButton(f"{text}  ({shortcut_hint})" if shortcut_hint else text)
    button.setCheckable(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setMinimumHeight(36)
    button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    return button


class _ButtonsEditor(AnswerEditor):
    """Exclusive buttons with shortcut keys (yes/no, ratings, N/A)."""

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.values: list[Any] = []
        self.buttons: list[QAbstractButton] = []
        self.keys: dict[str, Any] = {}
        self.group.idClicked.connect(self._clicked)

    def add(self, button: QAbstractButton, value: Any, *keys: str) -> None:
        self.group.addButton(button, len(self.values))
        self.values.append(value)
        self.buttons.append(button)
        for key in keys:
            self.keys[key] = value

    def _clicked(self, index: int) -> None:
        if not self._read_only:
            self.committed.emit(self.values[index])

    def set_value(self, value: Any) -> None:
        self.group.setExclusive(False)
        for button, candidate in zip(self.buttons, self.values, strict=True):
            button.setChecked(value is not None and candidate == value)
        self.group.setExclusive(True)

    def handle_key(self, event: QKeyEvent) -> bool:
        if self._read_only or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        value = self.keys.get(event.text().lower())
        if value is None:
            return False
        self.set_value(value)
        self.committed.emit(value)
        return True


class YesNoEditor(_ButtonsEditor):
    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        choices = [("Yes", "yes", "Y"), ("No", "no", "N")]
        if item.allow_na:
            choices.append(("N/A", NA, "A"))
        for text, value, key in choices:
            button = _key_button(text, key)
            self.add(button, value, key.lower())
            row.addWidget(button)
        row.addStretch(1)


class RatingEditor(_ButtonsEditor):
    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        scale = item.scale
        assert scale is not None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        values = list(range(scale.min, scale.max + 1))
        for column, value in enumerate(values):
            button = _key_button(str(value), "")
            button.setMinimumWidth(44)
            key = str(value % 10) if value == 10 and scale.min >= 1 else str(value)
            self.add(button, value, key)
            grid.addWidget(button, 0, column)
        column = len(values)
        if item.allow_na:
            button = _key_button("N/A", "A")
            self.add(button, NA, "a")
            grid.addWidget(button, 0, column)
        low = QLabel(scale.min_label)
        low.setObjectName("scaleLabel")
        high = QLabel(scale.max_label)
        high.setObjectName("scaleLabel")
        high.setAlignment(Qt.AlignmentFlag.AlignRight)
        half = max(1, len(values) // 2)
        grid.addWidget(low, 1, 0, 1, half)
        grid.addWidget(high, 1, len(values) - half, 1, half)
        grid.setColumnStretch(column + 1, 1)


class SingleChoiceEditor(_ButtonsEditor):
    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for number, option in enumerate(item.options, start=1):
            hint = str(number) if number <= 9 else ""
            button = QRadioButton(f"{hint}.  {option.label}" if hint else option.label)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.add(button, option.key, *([hint] if hint else []))
            column.addWidget(button)
        if item.allow_na:
            button = QRadioButton("A.  N/A")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.add(button, NA, "a")
            column.addWidget(button)


class MultiChoiceEditor(AnswerEditor):
    """Checkboxes; digits toggle, and every toggle is saved at once."""

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[QCheckBox] = []
        for number, option in enumerate(item.options, start=1):
            hint = f"{number}.  " if number <= 9 else ""
            box = QCheckBox(f"{hint}{option.label}")
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            box.clicked.connect(self._toggled)
            column.addWidget(box)
            self.boxes.append(box)
        self.na_box: QCheckBox | None = None
        if item.allow_na:
            self.na_box = QCheckBox("A.  N/A")
            self.na_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.na_box.clicked.connect(self._na_clicked)
            column.addWidget(self.na_box)
        tip = QLabel("Digits toggle options; Enter keeps the selection (none is an answer too).")
        tip.setObjectName("hint")
        column.addWidget(tip)

    def selection(self) -> list[str]:
        return [
            opt.key
            for opt, box in zip(self.item.options, self.boxes, strict=True)
            if box.isChecked()
        ]

    def _toggled(self) -> None:
        if self.na_box is not None:
            self.na_box.setChecked(False)
        if not self._read_only:
            self.committed.emit(self.selection())

    def _na_clicked(self) -> None:
        if self._read_only or self.na_box is None:
            return
        if self.na_box.isChecked():
            for box in self.boxes:
                box.setChecked(False)
            self.committed.emit(NA)
        else:
            self.committed.emit(None)

    def set_value(self, value: Any) -> None:
        chosen = value if isinstance(value, list) else []
        for opt, box in zip(self.item.options, self.boxes, strict=True):
            box.setChecked(opt.key in chosen)
        if self.na_box is not None:
            self.na_box.setChecked(value == NA)

    def handle_key(self, event: QKeyEvent) -> bool:
        if self._read_only:
            return False
        text = event.text().lower()
        if text == "a" and self.na_box is not None:
            self.na_box.setChecked(not self.na_box.isChecked())
            self._na_clicked()
            return True
        if text.isdigit() and 1 <= int(text) <= min(9, len(self.boxes)):
            box = self.boxes[int(text) - 1]
            box.setChecked(not box.isChecked())
            self._toggled()
            return True
        return False

    def accept_input(self, answered: bool) -> None:
        """Enter on an unanswered multiple choice answers "none of these"."""
        if not answered and not self._read_only:
            self.committed.emit(self.selection())


class _LineEditor(AnswerEditor):
    """A single-line text field whose text is parsed into the answer."""

    typing = True
    invalid = Signal(str)

    def __init__(self, item: Item, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(item, parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        self.line.setMaximumWidth(240)
        self.line.textEdited.connect(lambda _text: self.edited.emit())
        row.addWidget(self.line)
        self.unit = QLabel(item.unit)
        row.addWidget(self.unit)
        self.na_button: QPushButton | None = None
        if item.allow_na:
            self.na_button = _key_button("N/A", "")
            self.na_button.clicked.connect(self._na)
            row.addWidget(self.na_button)
        self.error = QLabel()
        self.error.setObjectName("error")
        row.addWidget(self.error, 1)
        self._saved_text = ""

    def input_widget(self) -> QWidget:
        return self.line

    def focus_input(self) -> bool:
        self.line.setFocus(Qt.FocusReason.OtherFocusReason)
        self.line.selectAll()
        return True

    def _na(self) -> None:
        if self._read_only:
            return
        self.line.clear()
        self.committed.emit(NA)

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def show_text(self, value: Any) -> str:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        text = "" if value is None or value == NA else self.show_text(value)
        self.line.setText(text)
        self._saved_text = text
        self.error.clear()
        if self.na_button is not None:
            self.na_button.setChecked(value == NA)

    def pending(self) -> bool:
        return self.line.text() != self._saved_text

    def flush(self) -> None:
        if self._read_only or not self.pending():
            return
        text = self.line.text().strip()
        if not text:
            self.committed.emit(None)
            return
        try:
            value = self.parse(text)
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.committed.emit(value)

    def mark_saved(self) -> None:
        self._saved_text = self.line.text()


class NumberEditor(_LineEditor):
    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent, "a number")

    def parse(self, text: str) -> Any:
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(f"“{text}” is not a number") from None
        if self.item.type is ItemType.COUNT:
            if not value.is_integer() or value < 0:
                raise ValueError("enter a whole number, 0 or more")
            return int(value)
        return value

    def show_text(self, value: Any) -> str:
        return f"{value:.15g}" if isinstance(value, float) else str(value)


class DurationEditor(_LineEditor):
    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent, "m:ss")
        self.unit.setText("min:sec")

    def parse(self, text: str) -> Any:
        return parse_duration(text)

    def show_text(self, value: Any) -> str:
        return format_duration(float(value))


class DateTimeEditor(AnswerEditor):
    """A date and time typed as text (`MomentField`), read in the audit's zone."""

    typing = True

    def __init__(self, item: Item, zone: str, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        self.zone = zone
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = MomentField(zone)
        self.edit.set_moment(now_utc())
        row.addWidget(self.edit, 1)
        now = QPushButton("Now")
        now.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        now.clicked.connect(self._now)
        row.addWidget(now, 0, Qt.AlignmentFlag.AlignTop)
        self._dirty = False
        self.edit.line.textEdited.connect(self._mark)

    def _mark(self) -> None:
        self._dirty = True
        self.edited.emit()

    def input_widget(self) -> QWidget:
        return self.edit.line

    def focus_input(self) -> bool:
        self.edit.line.setFocus(Qt.FocusReason.OtherFocusReason)
        self.edit.selectAll()
        return True

    def _now(self) -> None:
        if self._read_only:
            return
        self.edit.set_moment(now_utc())
        self._dirty = True
        self.flush()

    def set_value(self, value: Any) -> None:
        self.edit.blockSignals(True)
        if isinstance(value, dict) and "utc" in value:
            # Read and shown in the zone it was recorded in, as the outline and the reports
            # show it: a manager in another zone sees the shopper's 13:05, not their 18:05.
            zone = value.get("tz")
            if isinstance(zone, str) and is_valid_zone(zone):
                self.zone = self.edit.zone = zone
            self.edit.set_moment(datetime.fromisoformat(value["utc"]))
        self.edit.blockSignals(False)
        self._dirty = False

    def pending(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        """Commit the time typed; one that does not read as a time stays pending, with the
        reason under it, and a time far from now is confirmed first."""
        if self._read_only or not self._dirty:
            return
        moment = self.edit.moment()
        if moment is None:
            show_error(self, self.edit.problem() or "Type a date and time.", title="Not saved")
            return
        if not confirm_far(self, moment, self.zone):
            return
        self.committed.emit(make_datetime_answer(moment, self.zone))

    def accept_input(self, answered: bool) -> None:
        """Enter on an unanswered date-time takes the one shown (now, by default)."""
        if not answered:
            self._dirty = True
        self.flush()

    def mark_saved(self) -> None:
        self._dirty = False


class TextEditor(AnswerEditor):
    typing = True

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("Type the answer. Tab moves on.")
        self.text.setMinimumHeight(90)
        self.text.textChanged.connect(self._changed)
        column.addWidget(self.text)
        self._saved_text = ""
        self._loading = False

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def input_widget(self) -> QWidget:
        return self.text

    def focus_input(self) -> bool:
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)
        self.text.moveCursor(self.text.textCursor().MoveOperation.End)
        return True

    def set_value(self, value: Any) -> None:
        self._loading = True
        self.text.setPlainText("" if value is None else str(value))
        self._loading = False
        self._saved_text = self.text.toPlainText()

    def pending(self) -> bool:
        return self.text.toPlainText() != self._saved_text

    def flush(self) -> None:
        if self._read_only or not self.pending():
            return
        text = self.text.toPlainText()
        self.committed.emit(text if text.strip() else None)

    def mark_saved(self) -> None:
        self._saved_text = self.text.toPlainText()


class InfoEditor(AnswerEditor):
    """An information item: nothing to answer; the item's text is all there is to it."""

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Information: nothing to answer. Enter or Tab moves on.")
        self.label.setObjectName("hint")
        self.label.setWordWrap(True)
        layout.addWidget(self.label)

    def set_value(self, value: Any) -> None:
        """Nothing is stored for an information item, so nothing is shown."""


def make_editor(item: Item, zone: str, parent: QWidget | None = None) -> AnswerEditor:
    kind = item.type
    if kind is ItemType.INFO:
        return InfoEditor(item, parent)
    if kind is ItemType.YES_NO:
        return YesNoEditor(item, parent)
    if kind is ItemType.RATING:
        return RatingEditor(item, parent)
    if kind is ItemType.SINGLE_CHOICE:
        return SingleChoiceEditor(item, parent)
    if kind is ItemType.MULTI_CHOICE:
        return MultiChoiceEditor(item, parent)
    if kind in (ItemType.NUMBER, ItemType.COUNT):
        return NumberEditor(item, parent)
    if kind is ItemType.DURATION:
        return DurationEditor(item, parent)
    if kind is ItemType.DATETIME:
        return DateTimeEditor(item, zone, parent)
    return TextEditor(item, parent)
