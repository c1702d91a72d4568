"""The item panel: the current item's prompt, help, answer editor and note, with the
buttons and keys to move on below it.

It reads the runner but never writes: answers, notes and moves are signals for
the runner view, which saves them and says back how that went.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_answer
from shopper.domain.template import Item, ItemType, theme_label
from shopper.domain.wording import count_of
from shopper.services.instruments import INSTRUMENT_LABELS
from shopper.services.runner import AuditRunner
from shopper.ui.runner.editors import AnswerEditor, make_editor
from shopper.ui.runner.review import CommentsLabel, comments_on

_NEXT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_ANSWER_AND_MOVE_ON = (ItemType.YES_NO, ItemType.RATING, ItemType.SINGLE_CHOICE)
ITEM_KEYS: tuple[tuple[str, str], ...] = (
    ("Y / N / A", "Answer yes, no or N/A, and move on"),
    ("1 … 9", "Choose a rating or an option"),
    ("Enter or Tab", "Keep what is typed and go to the next item"),
    ("Shift+Tab", "The item before"),
    ("Esc", "From an instrument: back to the item"),
    ("F9", "Show or hide the instruments"),
    ("F1", "Every key of the window"),
)
"""Keys the item itself takes (not shortcuts of their own): the hint and Help list them."""

KEYS_HINT = (
    "Y/N/A answer · 1-9 choose · Enter next · Shift+Tab back · Ctrl+E note · "
    "Ctrl+Enter complete · F9 instruments · Esc back here · F1 every key"
)


class ItemFrame(QFrame):
    """The item itself, scrolled if long. Takes the shortcut keys and dropped files."""

    key_pressed = Signal(QKeyEvent)
    navigate = Signal(int)
    """+1 next item, -1 previous item."""
    files_dropped = Signal(list)
    """Local files dropped on the item: attach them to it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("itemPanel")  # the style sheet marks it when it has the focus
        self.setAcceptDrops(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.files_dropped.emit(paths)
            event.acceptProposedAction()

    def event(self, event: QEvent) -> bool:
        # Tab and Shift+Tab move between items, not between widgets.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Tab and not event.modifiers():
                self.navigate.emit(1)
                return True
            if event.key() == Qt.Key.Key_Backtab:
                self.navigate.emit(-1)
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.key_pressed.emit(event)
        if not event.isAccepted():
            super().keyPressEvent(event)


class ItemPanel(QWidget):
    """One item at a time. The view shows an item with `show_item` and saves what it emits."""

    navigate = Signal(int)
    """+1 next item, -1 previous item (keys, buttons, or an answer that moves on)."""
    answer_committed = Signal(str, object)
    """(item id, value) to store; the view answers with `answer_stored`."""
    text_edited = Signal()
    """Answer or note text typed and not saved yet."""
    flush_requested = Signal()
    """Typing is over (focus left, or Escape): save what was typed now."""
    use_measured_requested = Signal()
    complete_requested = Signal()
    attach_requested = Signal()
    capture_requested = Signal()
    files_dropped = Signal(list)
    """Local files dropped on the item."""
    history_requested = Signal()
    """History… (Ctrl+H): the item's history."""

    def __init__(
        self,
        runner: AuditRunner,
        *,
        can_capture: bool,
        parent: QWidget | None = None,
        language: str = "",
    ) -> None:
        """`language`: the shopper's, for the words of a template that has it."""
        super().__init__(parent)
        self.runner = runner
        self.shown = runner.template.in_language(language)
        """The template as the shopper reads it: the same items, maybe in other words."""
        self.can_capture = can_capture
        self.item: Item | None = None
        self.editor: AnswerEditor | None = None
        self._note_loaded = ""
        self.frame = ItemFrame()
        self.frame.key_pressed.connect(self._frame_key)
        self.frame.navigate.connect(self.navigate)
        self.frame.files_dropped.connect(self.files_dropped)
        self._build_item()
        nav = self._build_nav()
        scroll = self.scroll_area = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # The item wraps to the width there is: never a sideways scroll to read a prompt.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.frame)
        # The buttons and keys stay in view below the item, however long it is.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        nav_bar = self.nav_bar = QWidget()
        nav_layout = QVBoxLayout(nav_bar)
        nav_layout.setContentsMargins(16, 4, 16, 4)
        nav_layout.addLayout(nav)
        nav_layout.addWidget(self.keys_hint)
        layout.addWidget(nav_bar)

    def _build_item(self) -> None:
        panel_layout = QVBoxLayout(self.frame)
        panel_layout.setContentsMargins(16, 12, 16, 12)
        self.position_label = QLabel()
        self.position_label.setObjectName("position")
        panel_layout.addWidget(self.position_label)
        self.prompt = QLabel()
        self.prompt.setObjectName("prompt")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)
        panel_layout.addWidget(self.prompt)
        self.badges = QLabel()
        self.badges.setObjectName("badges")
        self.badges.setTextFormat(Qt.TextFormat.PlainText)
        panel_layout.addWidget(self.badges)
        self.help = QLabel()
        self.help.setObjectName("help")
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.PlainText)
        panel_layout.addWidget(self.help)
        # The reviewers' comments on this item (a returned audit's, or the review's own).
        self.comments = CommentsLabel("reviewComments")
        panel_layout.addWidget(self.comments)
        self.editor_host = QVBoxLayout()
        panel_layout.addLayout(self.editor_host)
        measured_row = QHBoxLayout()
        self.measured_label = QLabel()
        self.measured_label.setObjectName("measured")
        self.measured_label.setWordWrap(True)
        self.measured_label.setTextFormat(Qt.TextFormat.PlainText)
        measured_row.addWidget(self.measured_label, 1)
        self.use_measured_button = QPushButton("Use the measured value")
        self.use_measured_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.use_measured_button.clicked.connect(self.use_measured_requested)
        measured_row.addWidget(self.use_measured_button)
        panel_layout.addLayout(measured_row)
        evidence_row = QHBoxLayout()
        self.evidence_label = QLabel()
        self.evidence_label.setObjectName("hint")
        self.evidence_label.setWordWrap(True)
        self.evidence_label.setMinimumWidth(80)
        evidence_row.addWidget(self.evidence_label, 1)
        self.attach_button = QPushButton("Attach…")
        self.attach_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.attach_button.setToolTip("Attach a file to this item (or drop files here)")
        self.attach_button.clicked.connect(self.attach_requested)
        evidence_row.addWidget(self.attach_button)
        self.capture_button = QPushButton("Screenshot")
        self.capture_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.capture_button.setToolTip("Ctrl+Shift+C: a screenshot as evidence for this item")
        self.capture_button.setEnabled(self.can_capture)
        self.capture_button.clicked.connect(self.capture_requested)
        evidence_row.addWidget(self.capture_button)
        panel_layout.addLayout(evidence_row)
        panel_layout.addSpacing(8)
        note_label = self.note_label = QLabel("Note (Ctrl+E)")
        note_label.setObjectName("noteLabel")
        panel_layout.addWidget(note_label)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("What happened, in your words. Saved as you type.")
        self.note.setMaximumHeight(110)
        self.note.setMinimumHeight(3 * self.note.fontMetrics().lineSpacing() + 12)
        self.note.textChanged.connect(self._note_changed)
        self.note.installEventFilter(self)
        note_label.setBuddy(self.note)
        panel_layout.addWidget(self.note)
        panel_layout.addStretch(1)
        self.answer_widgets: tuple[QWidget, ...] = (
            self.evidence_label,
            self.attach_button,
            self.capture_button,
            note_label,
            self.note,
        )
        """What an answerable item shows and an information item does not."""

    def _build_nav(self) -> QHBoxLayout:
        nav = QHBoxLayout()
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.prev_button.clicked.connect(lambda: self.navigate.emit(-1))
        self.next_button = QPushButton("Next ▶")
        self.next_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.next_button.clicked.connect(lambda: self.navigate.emit(1))
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        self.history_button = QPushButton("History…")
        self.history_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_button.setToolTip(
            "Ctrl+H: this item's changes since the audit was first completed, and the "
            "reviewers' comments on it"
        )
        self.history_button.clicked.connect(self.history_requested)
        nav.addWidget(self.history_button)
        nav.addStretch(1)
        self.complete_button = QPushButton("Complete audit")
        self.complete_button.setObjectName("completeButton")
        self.complete_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.complete_button.setToolTip("Ctrl+Enter")
        self.complete_button.clicked.connect(self.complete_requested)
        nav.addWidget(self.complete_button)
        self.keys_hint = QLabel(KEYS_HINT)
        self.keys_hint.setObjectName("hint")
        self.keys_hint.setWordWrap(True)
        return nav

    def preferred_height(self) -> int:
        """The height that shows the whole item, wrapped to the width it has, with the
        buttons and keys below it."""
        width = self.scroll_area.viewport().width()
        layout = self.frame.layout()
        wrapped = -1
        if layout is not None and layout.hasHeightForWidth() and width > 0:
            wrapped = layout.heightForWidth(width)
        frame = max(wrapped, self.frame.sizeHint().height())
        return frame + self.nav_bar.sizeHint().height() + 8

    # -- showing ---------------------------------------------------------------

    def show_item(self, item: Item) -> None:
        """Show an item with its stored answer and note, in a fresh editor."""
        self.item = item
        if self.editor is not None:
            self.editor.deleteLater()
            self.editor = None
        template = self.shown
        section = template.section(item.section_id)
        s_number = template.sections.index(section) + 1
        words = template.item(item.id)
        visible = self.runner.visible_items()
        position = next((n for n, it in enumerate(visible, 1) if it.id == item.id), 0)
        self.position_label.setText(
            f"Section {s_number} of {len(template.sections)} · {section.title}"
            f"      Item {position} of {len(visible)}"
        )
        self.prompt.setText(words.prompt)
        self.badges.setText(" · ".join(_badges(item)))
        self.help.setText(words.help)
        self.help.setVisible(bool(words.help))
        self.show_comments()

        editor = make_editor(words, self.runner.zone)
        editor.set_value(self.runner.value(item.id))
        editor.committed.connect(self._editor_committed)
        editor.edited.connect(self.text_edited)
        widget = editor.input_widget()
        if widget is not None:
            widget.installEventFilter(self)
        frozen = not self.runner.can_change(item.id)
        editor.set_read_only(frozen)
        self.editor_host.addWidget(editor)
        self.editor = editor

        self.note.blockSignals(True)
        self.note.setPlainText(self.runner.note(item.id))
        self.note.blockSignals(False)
        self._note_loaded = self.note.toPlainText()
        self.note.setReadOnly(frozen)
        self.attach_button.setEnabled(not frozen)
        self.capture_button.setEnabled(not frozen and self.can_capture)
        self.update_extras()
        # An information item is text to read: no note, no evidence, no measured value.
        for widget in self.answer_widgets:
            widget.setVisible(item.answerable)
        if not item.answerable:
            self.measured_label.setVisible(False)
            self.use_measured_button.setVisible(False)
        self.prev_button.setEnabled(position > 1)
        self.next_button.setEnabled(position < len(visible))

    def show_comments(self) -> None:
        """The reviewers' comments on the item shown (none: nothing is shown)."""
        if self.item is not None:
            self.comments.show_comments(
                "Reviewer's comment", comments_on(self.runner.comments, self.item.id)
            )

    def update_extras(self) -> None:
        """The measured value (and any override) and the evidence count of the item."""
        item = self.item
        if item is None:
            return
        runner = self.runner
        measured = runner.measured(item.id)
        source = runner.measurements.sources.get(item.id)
        label = INSTRUMENT_LABELS.get(source, "an instrument") if source else ""
        if measured is None:
            self.measured_label.setText("")
        elif runner.is_override(item.id):
            answered = format_answer(item, runner.value(item.id))
            self.measured_label.setText(
                f"Overridden: you answered {answered};"
                f" the {label.lower()} measured {format_answer(item, measured)}."
            )
        else:
            self.measured_label.setText(
                f"Filled in from the {label.lower()}: {format_answer(item, measured)}."
                " You can still change it."
            )
        self.measured_label.setVisible(measured is not None)
        self.use_measured_button.setVisible(
            runner.is_override(item.id) and runner.can_change(item.id)
        )
        attached = len(runner.evidence_for(item_id=item.id))
        self.evidence_label.setText(
            f"Evidence: {count_of(attached, 'file')} attached"
            if attached
            else "No evidence yet: drop files here"
        )

    def set_read_only(self, read_only: bool) -> None:
        """The audit was completed or reopened (the editor follows with the next item shown)."""
        frozen = read_only or not self._changeable()
        self.complete_button.setEnabled(not read_only)
        self.note.setReadOnly(frozen)
        self.attach_button.setEnabled(not frozen)
        self.capture_button.setEnabled(not frozen and self.can_capture)

    def _changeable(self) -> bool:
        """Whether the item shown can change now (awaiting follow-up, only the follow-up)."""
        item = self.item
        return item is not None and item.answerable and self.runner.can_change(item.id)

    def focus_item(self) -> None:
        """The keyboard to the answer's text field, else to the item for its shortcut keys."""
        if self.editor is not None and self._changeable() and self.editor.focus_input():
            return
        self.frame.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_note(self) -> None:
        self.note.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.scroll_area.ensureWidgetVisible(self.note)

    # -- what is typed and what is stored ----------------------------------------

    def _editor_committed(self, value: Any) -> None:
        editor = self.sender()
        if isinstance(editor, AnswerEditor):
            self.answer_committed.emit(editor.item.id, value)

    def answer_stored(self, item_id: str, saved: bool) -> None:
        """The view tried to store a committed answer; `saved` says if it worked."""
        editor = self.editor
        if editor is None or editor.item.id != item_id:
            return
        if saved:
            editor.mark_saved()
        if not editor.typing:
            # Buttons show what is stored: the new answer, or the old one if saving failed.
            editor.set_value(self.runner.value(item_id))

    def answer_queued(self, item_id: str) -> None:
        """A committed answer is on its way to a team database: it counts as saved here,
        and the editor keeps showing it (the runner has it once it is written)."""
        editor = self.editor
        if editor is not None and editor.item.id == item_id:
            editor.mark_saved()

    def show_queued(self, value: Any, note: str | None) -> None:
        """Show an answer and a note still waiting to be written instead of the stored ones."""
        if self.editor is not None:
            self.editor.set_value(value)
        if note is not None:
            self.note.blockSignals(True)
            self.note.setPlainText(note)
            self.note.blockSignals(False)
            self._note_loaded = self.note.toPlainText()

    def reload_answer(self) -> None:
        """The stored answer may have changed (an instrument filled it): show it, unless
        typed text is waiting to be saved."""
        if self.editor is not None and not self.editor.pending():
            self.editor.set_value(self.runner.value(self.editor.item.id))

    def replace_answer(self) -> None:
        """The stored answer was replaced (by the measured value): show it, typing dropped."""
        if self.editor is not None:
            self.editor.set_value(self.runner.value(self.editor.item.id))
            self.editor.mark_saved()

    def flush_answer(self) -> bool:
        """Commit the answer's typed text; False if it is still not saved."""
        if self.editor is not None and self.editor.pending():
            self.editor.flush()
            return not self.editor.pending()
        return True

    def unsaved_note(self) -> str | None:
        """The note's text if it was changed and not saved yet."""
        note = self.note.toPlainText()
        if self._changeable() and note != self._note_loaded:
            return note
        return None

    def note_saved(self, note: str) -> None:
        self._note_loaded = note

    def has_unsaved(self) -> bool:
        pending = self.editor is not None and self.editor.pending()
        return pending or self.note.toPlainText() != self._note_loaded

    def _note_changed(self) -> None:
        if self._changeable():
            self.text_edited.emit()

    # -- keys ------------------------------------------------------------------

    def _frame_key(self, event: QKeyEvent) -> None:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.key() in _NEXT_KEYS and not ctrl:
            self._accept_and_next()
            event.accept()
            return
        if self.editor is not None and self.editor.handle_key(event):
            event.accept()
            if self.editor.item.type in _ANSWER_AND_MOVE_ON:
                self.navigate.emit(1)
            return
        event.ignore()

    def _accept_and_next(self) -> None:
        editor = self.editor
        if editor is not None and self._changeable():
            editor.accept_input(self.runner.value(editor.item.id) is not None)
            if editor.pending():
                return  # the text did not parse; the editor shows why
        self.navigate.emit(1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The note and the answer's text field: Tab, Enter and Escape work as on the item.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key, mods = event.key(), event.modifiers()
            multiline = watched is self.note or (
                self.item is not None and self.item.type is ItemType.TEXT
            )
            if key == Qt.Key.Key_Tab and not mods:
                self.navigate.emit(1)
                return True
            if key == Qt.Key.Key_Backtab:
                self.navigate.emit(-1)
                return True
            if (
                key in _NEXT_KEYS
                and not multiline
                and not mods & Qt.KeyboardModifier.ControlModifier
            ):
                self._accept_and_next()
                return True
            if key == Qt.Key.Key_Escape:
                self.flush_requested.emit()
                self.frame.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        elif event.type() == QEvent.Type.FocusOut:
            self.flush_requested.emit()
        return super().eventFilter(watched, event)


def _badges(item: Item) -> list[str]:
    badges = [item.type_label]
    if item.required:
        badges.append("required")
    if item.critical:
        badges.append("critical")
    if item.theme:
        badges.append(theme_label(item.theme))
    if item.scored:
        badges.append(f"weight {item.weight:g}")
    return badges
