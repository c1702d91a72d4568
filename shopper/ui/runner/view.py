"""The audit runner: the outline on the left, one item at a time on the right.

Keyboard first: Y / N / A answer yes/no/N/A items and move on; digits answer
ratings and choices; Enter or Tab moves on, Shift+Tab goes back; Ctrl+E edits
the note; Ctrl+PgDown / Ctrl+PgUp jump between sections; Ctrl+Enter completes.
Every change is committed at once; typed text after a short pause, on
focus-out, on moving on and on quit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_answer
from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.template import Item, ItemType, theme_label, touchpoint_label
from shopper.domain.vocabulary import MomentKind
from shopper.services.instruments import INSTRUMENT_LABELS
from shopper.services.runner import AuditRunner, MissingAnswersError
from shopper.ui.crash import show_error
from shopper.ui.models import score_color
from shopper.ui.runner.editors import AnswerEditor, make_editor
from shopper.ui.runner.email_tracker import EmailTrackerPane
from shopper.ui.runner.instruments_pane import InstrumentsPane
from shopper.ui.runner.moments import MomentsPane
from shopper.ui.runner.outline import OutlineModel
from shopper.ui.runner.outline_pane import OutlinePane
from shopper.ui.runner.phone_map import PhoneMapPane
from shopper.ui.runner.stopwatch import StopwatchPane
from shopper.ui.runner.web_path import WebPathPane

log = logging.getLogger(__name__)

AUTOSAVE_MS = 600
_NEXT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ItemPanel(QFrame):
    """The current item: prompt, help, answer editor and note. Takes the shortcut keys."""

    key_pressed = Signal(QKeyEvent)
    navigate = Signal(int)
    """+1 next item, -1 previous item."""
    files_dropped = Signal(list)
    """Local files dropped on the item: attach them to it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("itemPanel")
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


class AuditRunnerView(QWidget):
    """Runs one audit. Emits `changed(audit_id)` after every commit that alters the summary."""

    changed = Signal(str)
    completed = Signal(str)

    def __init__(
        self,
        runner: AuditRunner,
        data_dir: Path,
        capture: Callable[[], bytes] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.data_dir = data_dir
        self.capture = capture
        self.template = runner.template
        self.current: Item = runner.template.item(runner.resume_item())
        self.editor: AnswerEditor | None = None
        self._note_loaded = ""
        self._sized = False
        self._build()
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.flush)
        self.outline.apply_visibility()
        self._update_header()
        self._show_item(self.current, focus=True)
        if runner.last_saved is None and runner.audit.updated_at:
            self._set_saved_label(None)

    # -- layout ----------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)

        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("runnerTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.title, 1)
        self.score_label = QLabel()
        self.score_label.setObjectName("scoreLabel")
        top.addWidget(self.score_label)
        outer.addLayout(top)

        status = QHBoxLayout()
        self.subtitle = QLabel()
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        status.addWidget(self.subtitle, 1)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setMinimumWidth(120)
        self.saved_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.moments_label = QLabel()
        self.moments_label.setObjectName("subtitle")
        status.addWidget(self.moments_label)
        status.addWidget(self.saved_label)
        outer.addLayout(status)

        self.banner = QFrame()
        self.banner.setObjectName("banner")
        banner_row = QHBoxLayout(self.banner)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        banner_row.addWidget(self.banner_text, 1)
        self.reopen_button = QPushButton("Reopen for changes")
        self.reopen_button.clicked.connect(self.reopen)
        banner_row.addWidget(self.reopen_button)
        outer.addWidget(self.banner)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.outline = OutlinePane(self.runner)
        self.outline.item_chosen.connect(self.go_to)
        self.splitter.addWidget(self.outline)

        self.panel = ItemPanel()
        self.panel.key_pressed.connect(self._panel_key)
        self.panel.navigate.connect(self.step)
        panel_layout = QVBoxLayout(self.panel)
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
        self.use_measured_button.clicked.connect(self.use_measured)
        measured_row.addWidget(self.use_measured_button)
        panel_layout.addLayout(measured_row)
        evidence_row = QHBoxLayout()
        self.evidence_label = QLabel()
        self.evidence_label.setObjectName("hint")
        evidence_row.addWidget(self.evidence_label, 1)
        attach_button = QPushButton("Attach…")
        attach_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        attach_button.setToolTip("Attach a file to this item (or drop files here)")
        evidence_row.addWidget(attach_button)
        capture_button = QPushButton("Capture screen")
        capture_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        capture_button.setToolTip("Ctrl+Shift+C: a screenshot as evidence for this item")
        capture_button.setEnabled(self.capture is not None)
        evidence_row.addWidget(capture_button)
        self.item_buttons = [attach_button, capture_button]
        panel_layout.addLayout(evidence_row)
        panel_layout.addSpacing(8)
        note_label = QLabel("Note (Ctrl+E)")
        note_label.setObjectName("noteLabel")
        panel_layout.addWidget(note_label)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("What happened, in your words. Saved as you type.")
        self.note.setMaximumHeight(110)
        self.note.textChanged.connect(self._note_changed)
        self.note.installEventFilter(self)
        note_label.setBuddy(self.note)
        panel_layout.addWidget(self.note)
        panel_layout.addStretch(1)

        nav = QHBoxLayout()
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QPushButton("Next ▶")
        self.next_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.next_button.clicked.connect(lambda: self.step(1))
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addStretch(1)
        self.complete_button = QPushButton("Complete audit")
        self.complete_button.setObjectName("completeButton")
        self.complete_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.complete_button.setToolTip("Ctrl+Enter")
        self.complete_button.clicked.connect(self.complete)
        nav.addWidget(self.complete_button)

        self.keys_hint = QLabel(
            "Y yes · N no · A N/A · 1-9 choose · Enter/Tab next · Shift+Tab back · "
            "Ctrl+E note · Ctrl+PgDn next section · Ctrl+Enter complete"
        )
        self.keys_hint.setObjectName("hint")
        self.keys_hint.setWordWrap(True)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.panel)
        # The buttons and keys stay in view below the item, however long it is.
        item_side = QWidget()
        item_layout = QVBoxLayout(item_side)
        item_layout.setContentsMargins(0, 0, 0, 0)
        item_layout.addWidget(scroll, 1)
        nav_bar = QWidget()
        nav_layout = QVBoxLayout(nav_bar)
        nav_layout.setContentsMargins(16, 4, 16, 4)
        nav_layout.addLayout(nav)
        nav_layout.addWidget(self.keys_hint)
        item_layout.addWidget(nav_bar)
        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.addWidget(item_side)
        self.instruments = InstrumentsPane(
            self.runner, self.data_dir, lambda: self.current, self.capture
        )
        self.instruments.changed.connect(self._instrument_changed)
        self.instruments.item_focus_wanted.connect(self.focus_item)
        self.panel.files_dropped.connect(
            lambda paths: self.instruments.attach_files(paths, item_id=self.current.id)
        )
        attach_button, capture_button = self.item_buttons
        attach_button.clicked.connect(self.instruments.choose_files)
        capture_button.clicked.connect(self.instruments.capture_screen)
        self.right_splitter.addWidget(self.instruments)
        self.right_splitter.setStretchFactor(0, 3)
        self.right_splitter.setStretchFactor(1, 2)
        self.right_splitter.setCollapsible(0, False)
        self.splitter.addWidget(self.right_splitter)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([330, 470])
        outer.addWidget(self.splitter, 1)

        for keys, slot in (
            ("Ctrl+E", self.focus_note),
            ("Ctrl+Shift+G", lambda: self.log_moment(MomentKind.GOOD)),
            ("Ctrl+Shift+B", lambda: self.log_moment(MomentKind.BAD)),
            ("Ctrl+Shift+F", lambda: self.log_moment(MomentKind.FRICTION)),
            ("Ctrl+Shift+C", self.instruments.capture_screen),
            ("Ctrl+Shift+P", self.focus_phone_map),
            ("Ctrl+Shift+W", self.focus_web_path),
            ("Ctrl+Shift+E", self.focus_email),
            ("F6", self.stopwatch.toggle),
            ("F7", self.stopwatch.split),
            ("F8", self.stopwatch.assign_to_current),
            ("Ctrl+PgDown", lambda: self.move_section(1)),
            ("Ctrl+PgUp", lambda: self.move_section(-1)),
            ("Ctrl+Return", self.complete),
            ("Ctrl+Enter", self.complete),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self._fit_item_panel)

    def _fit_item_panel(self) -> None:
        """The item with its buttons in full view; the instruments take what is left."""
        total = sum(self.right_splitter.sizes())
        wanted = self.panel.sizeHint().height() + 80  # with the buttons below it
        if total > 0:
            first = min(wanted, total - 160)
            self.right_splitter.setSizes([first, total - first])

    @property
    def outline_model(self) -> OutlineModel:
        return self.outline.outline_model

    # -- instruments ---------------------------------------------------------------

    def _instrument_changed(self) -> None:
        """An instrument, moment or attachment was saved: show what it changed."""
        if self.editor is not None and not self.editor.pending():
            self.editor.set_value(self.runner.value(self.current.id))
        self._set_saved_label(None)
        self._after_change()

    @property
    def phone_map(self) -> PhoneMapPane | None:
        return self.instruments.phone_map

    @property
    def web_path(self) -> WebPathPane | None:
        return self.instruments.web_path

    @property
    def email_tracker(self) -> EmailTrackerPane | None:
        return self.instruments.email_tracker

    @property
    def stopwatch(self) -> StopwatchPane:
        return self.instruments.stopwatch

    @property
    def moments_pane(self) -> MomentsPane:
        return self.instruments.moments_pane

    def show_instrument(self, title: str) -> None:
        self.instruments.show_instrument(title)

    def log_moment(self, kind: str) -> None:
        self.instruments.log_moment(kind)

    def focus_phone_map(self) -> None:
        self.instruments.focus_phone_map()

    def focus_web_path(self) -> None:
        self.instruments.focus_web_path()

    def focus_email(self) -> None:
        self.instruments.focus_email()

    def use_measured(self) -> None:
        item_id = self.current.id
        if self._save(lambda: self.runner.use_measured(item_id)) and self.editor is not None:
            self.editor.set_value(self.runner.value(item_id))
            self.editor.mark_saved()

    def _update_item_extras(self) -> None:
        """The measured value (and any override) and the evidence count of the current item."""
        item_id = self.current.id
        measured = self.runner.measured(item_id)
        source = self.runner.measurements.sources.get(item_id)
        label = INSTRUMENT_LABELS.get(source, "an instrument") if source else ""
        if measured is None:
            self.measured_label.setText("")
        elif self.runner.is_override(item_id):
            answered = format_answer(self.current, self.runner.value(item_id))
            self.measured_label.setText(
                f"Overridden: you answered {answered};"
                f" the {label.lower()} measured {format_answer(self.current, measured)}."
            )
        else:
            self.measured_label.setText(
                f"Filled in from the {label.lower()}: {format_answer(self.current, measured)}."
                " You can still change it."
            )
        self.measured_label.setVisible(measured is not None)
        self.use_measured_button.setVisible(
            self.runner.is_override(item_id) and not self.runner.read_only
        )
        attached = len(self.runner.evidence_for(item_id=item_id))
        self.evidence_label.setText(
            f"Evidence: {attached} file{'s' if attached != 1 else ''} attached"
            if attached
            else "Evidence: none yet (drop files here)"
        )

    # -- showing ---------------------------------------------------------------

    def visible_items(self) -> list[Item]:
        return self.runner.visible_items()

    def _show_item(self, item: Item, *, focus: bool) -> None:
        self.current = item
        if self.editor is not None:
            self.editor.deleteLater()
            self.editor = None
        section = self.template.section(item.section_id)
        s_number = self.template.sections.index(section) + 1
        visible = self.visible_items()
        position = next((n for n, it in enumerate(visible, 1) if it.id == item.id), 0)
        self.position_label.setText(
            f"Section {s_number} of {len(self.template.sections)} · {section.title}"
            f"      Item {position} of {len(visible)}"
        )
        self.prompt.setText(item.prompt)
        badges = [item.type.label]
        if item.required:
            badges.append("required")
        if item.critical:
            badges.append("critical")
        if item.theme:
            badges.append(theme_label(item.theme))
        if item.scored:
            badges.append(f"weight {item.weight:g}")
        self.badges.setText(" · ".join(badges))
        self.help.setText(item.help)
        self.help.setVisible(bool(item.help))

        editor = make_editor(item, self.runner.zone)
        editor.set_value(self.runner.value(item.id))
        editor.committed.connect(self._editor_committed)
        editor.edited.connect(self._typing)
        widget = editor.input_widget()
        if widget is not None:
            widget.installEventFilter(self)
        editor.set_read_only(self.runner.read_only)
        self.editor_host.addWidget(editor)
        self.editor = editor

        self.note.blockSignals(True)
        self.note.setPlainText(self.runner.note(item.id))
        self.note.blockSignals(False)
        self._note_loaded = self.note.toPlainText()
        self.note.setReadOnly(self.runner.read_only)
        self._update_item_extras()

        self.outline.select_item(item.id)
        self.prev_button.setEnabled(position > 1)
        self.next_button.setEnabled(position < len(visible))
        if focus:
            self.focus_item()
        try:
            self.runner.set_current(item.id)
        except StorageError as exc:
            log.warning("could not store the position: %s", exc)

    def focus_item(self) -> None:
        if self.editor is not None and not self.runner.read_only and self.editor.focus_input():
            return
        self.panel.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_note(self) -> None:
        self.note.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _update_header(self) -> None:
        runner = self.runner
        audit = runner.audit
        self.title.setText(
            f"{runner.company.name} · {touchpoint_label(audit.touchpoint)} · "
            f"{self.template.title} v{self.template.version}"
        )
        started = in_zone(audit.started_at, audit.started_tz)
        who = audit.shopper or "no shopper name"
        self.subtitle.setText(
            f"Audit {audit.id[:8]} · started {started:%Y-%m-%d %H:%M} ({audit.started_tz}) · {who}"
        )
        score = runner.score
        label = "Score" if runner.read_only else "Score so far"
        if score.percent is None:
            text = f"{label}: —"
        else:
            text = f"{label}: {score.percent:.0f}% · {score.verdict}"
        if score.critical_failures:
            text += f" ({len(score.critical_failures)} critical)"
        self.score_label.setText(text)
        color = score_color(score.percent, score.passed)
        self.score_label.setStyleSheet(f"color: {color.name()};" if color else "")
        read_only = runner.read_only
        self.banner.setVisible(read_only)
        if read_only and audit.completed_at:
            done = in_zone(audit.completed_at, audit.completed_tz or audit.started_tz)
            self.banner_text.setText(
                f"Completed {done:%Y-%m-%d %H:%M}. Read-only: reopen it to change answers "
                "(the reopening is recorded)."
            )
        self.complete_button.setEnabled(not read_only)
        self.note.setReadOnly(read_only)
        counts = runner.moment_counts()
        self.moments_label.setText(
            f"Moments: {counts[MomentKind.GOOD]} good · {counts[MomentKind.BAD]} bad · "
            f"{counts[MomentKind.FRICTION]} friction"
        )
        for button in self.item_buttons:
            button.setEnabled(
                not read_only and (button is self.item_buttons[0] or self.capture is not None)
            )

    def _set_saved_label(self, error: str | None) -> None:
        if error:
            self.saved_label.setText("Not saved!")
            self.saved_label.setToolTip(error)
            self.saved_label.setStyleSheet("color: #b3261e; font-weight: bold;")
            return
        self.saved_label.setToolTip("")
        self.saved_label.setStyleSheet("")
        saved = self.runner.last_saved
        if self.runner.read_only:
            self.saved_label.setText("Read-only")
        elif saved is None:
            self.saved_label.setText("All changes saved")
        else:
            local = in_zone(saved, self.runner.zone)
            self.saved_label.setText(f"Saved {local:%H:%M:%S}")

    # -- saving ----------------------------------------------------------------

    def _typing(self) -> None:
        self.saved_label.setText("Saving…")
        self._autosave.start()

    def _note_changed(self) -> None:
        if not self.runner.read_only:
            self._typing()

    def _editor_committed(self, value: Any) -> None:
        editor = self.sender()
        if not isinstance(editor, AnswerEditor):
            return
        item_id = editor.item.id
        if self._save(lambda: self.runner.set_answer(item_id, value)):
            editor.mark_saved()
        if not editor.typing:
            # Buttons show what is stored: the new answer, or the old one if saving failed.
            editor.set_value(self.runner.value(item_id))

    def _save(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except StorageError as exc:
            log.error("save failed: %s", exc)
            self._set_saved_label(str(exc))
            show_error(self, f"Your last change was NOT saved.\n\n{exc}\n\nIt is still on screen.")
            return False
        except ShopperError as exc:
            self._set_saved_label(None)
            show_error(self, str(exc))
            return False
        self._set_saved_label(None)
        self._after_change()
        return True

    def _after_change(self) -> None:
        self.outline.apply_visibility()
        self._update_header()
        self._update_item_extras()
        self.changed.emit(self.runner.audit_id)

    def flush(self) -> bool:
        """Commit typed text (answer and note) not saved yet; False if a save failed."""
        self._autosave.stop()
        ok = True
        if self.editor is not None and self.editor.pending():
            self.editor.flush()
            ok = not self.editor.pending()
        note = self.note.toPlainText()
        if not self.runner.read_only and note != self._note_loaded:
            item_id = self.current.id
            if self._save(lambda: self.runner.set_note(item_id, note)):
                self._note_loaded = note
            else:
                ok = False
        if not self.instruments.flush():
            ok = False
        if ok and self.saved_label.text() == "Saving…":
            self._set_saved_label(None)
        return ok

    def has_unsaved(self) -> bool:
        pending = self.editor is not None and self.editor.pending()
        return pending or self.note.toPlainText() != self._note_loaded

    # -- moving ----------------------------------------------------------------

    def step(self, delta: int) -> None:
        if not self.flush():
            return  # keep the item on screen until its text is saved or fixed
        visible = self.visible_items()
        ids = [it.id for it in visible]
        if self.current.id in ids:
            position = ids.index(self.current.id) + delta
        else:  # the current item was just hidden: go to the next shown one
            order = [it.id for it in self.template.items()]
            here = order.index(self.current.id)
            later = [it for it in visible if order.index(it.id) > here]
            position = ids.index(later[0].id) if later and delta > 0 else len(ids) - 1
        if 0 <= position < len(visible):
            self._show_item(visible[position], focus=True)
        else:
            self.focus_item()

    def move_section(self, step: int) -> None:
        if not self.flush():
            return
        sections = list(self.template.sections)
        here = sections.index(self.template.section(self.current.section_id))
        visible = self.visible_items()
        target = here + step
        while 0 <= target < len(sections):
            first = next((it for it in visible if it.section_id == sections[target].id), None)
            if first is not None:
                self._show_item(first, focus=True)
                return
            target += step

    def go_to(self, item_id: str) -> None:
        if not self.flush():
            return
        if self.template.has_item(item_id):
            self._show_item(self.template.item(item_id), focus=True)

    # -- keys ------------------------------------------------------------------

    def _panel_key(self, event: QKeyEvent) -> None:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.key() in _NEXT_KEYS and not ctrl:
            self._accept_and_next()
            event.accept()
            return
        if self.editor is not None and self.editor.handle_key(event):
            event.accept()
            if self.current.type in (ItemType.YES_NO, ItemType.RATING, ItemType.SINGLE_CHOICE):
                self.step(1)
            return
        event.ignore()

    def _accept_and_next(self) -> None:
        if self.editor is not None and not self.runner.read_only:
            self.editor.accept_input(self.runner.value(self.current.id) is not None)
            if self.editor.pending():
                return  # the text did not parse; the editor shows why
        self.step(1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key, mods = event.key(), event.modifiers()
            multiline = watched is self.note or self.current.type is ItemType.TEXT
            if key == Qt.Key.Key_Tab and not mods:
                self.step(1)
                return True
            if key == Qt.Key.Key_Backtab:
                self.step(-1)
                return True
            if (
                key in _NEXT_KEYS
                and not multiline
                and not mods & Qt.KeyboardModifier.ControlModifier
            ):
                self._accept_and_next()
                return True
            if key == Qt.Key.Key_Escape:
                self.flush()
                self.panel.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        elif event.type() == QEvent.Type.FocusOut:
            self.flush()
        return super().eventFilter(watched, event)

    # -- completing ------------------------------------------------------------

    def complete(self) -> None:
        if self.runner.read_only:
            return
        if not self.flush():
            return
        try:
            self.runner.complete()
        except MissingAnswersError as exc:
            show_error(self, str(exc), title="Cannot complete yet")
            self.go_to(exc.item_ids[0])
            return
        except ShopperError as exc:
            show_error(self, str(exc))
            return
        self._refresh_mode()
        self.completed.emit(self.runner.audit_id)
        self.changed.emit(self.runner.audit_id)

    def reopen(self) -> None:
        try:
            self.runner.reopen("reopened in the app")
        except ShopperError as exc:
            show_error(self, str(exc))
            return
        self._refresh_mode()
        self.changed.emit(self.runner.audit_id)

    def _refresh_mode(self) -> None:
        self.instruments.set_read_only(self.runner.read_only)
        self._set_saved_label(None)
        self._update_header()
        self._show_item(self.current, focus=True)
