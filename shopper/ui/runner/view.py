"""The audit runner: the outline on the left, one item at a time on the right.

Keyboard first: Y / N / A answer yes/no/N/A items and move on; digits answer
ratings and choices; Enter or Tab moves on, Shift+Tab goes back; Ctrl+E edits
the note; Ctrl+PgDown / Ctrl+PgUp jump between sections; Ctrl+Enter completes.
Every change is committed at once; typed text after a short pause, on
focus-out, on moving on and on quit.

On a team database (PostgreSQL) the GUI never waits on the network: every save goes
to a queue (`QueuedSaves`) that writes them one at a time, in order, on its own
thread; the header says "Saving…" until they are written. A lost connection shows one
line (`save_status`, for the window's status bar, and Retry in the header) while the
saves wait and are retried; what was typed stays on screen. On SQLite saves are done
when the method that made them returns, as ever.

The view wires its parts (header, outline_pane, item_panel, instruments_pane)
and owns what spans them: moving between items, saving, the shortcuts, completing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import normalize_answer
from shopper.domain.errors import AnswerError, ShopperError, StorageError
from shopper.domain.scoring import visible_items
from shopper.domain.template import Item
from shopper.domain.vocabulary import MomentKind
from shopper.services.runner import AuditRunner, FollowUpPendingError, MissingAnswersError
from shopper.ui.crash import show_error
from shopper.ui.dates import weekday_text
from shopper.ui.runner.editors import AnswerEditor
from shopper.ui.runner.email_tracker import EmailTrackerPane
from shopper.ui.runner.header import RunnerHeader
from shopper.ui.runner.history import HistoryDialog
from shopper.ui.runner.instruments_pane import InstrumentsPane
from shopper.ui.runner.item_panel import ItemFrame, ItemPanel
from shopper.ui.runner.moments import MomentsPane
from shopper.ui.runner.outline import OutlineModel
from shopper.ui.runner.outline_pane import OutlinePane
from shopper.ui.runner.phone_map import PhoneMapPane
from shopper.ui.runner.review import ReviewBar
from shopper.ui.runner.saves import QueuedSaves
from shopper.ui.runner.stopwatch import StopwatchPane
from shopper.ui.runner.web_path import WebPathPane
from shopper.ui.settings import Options, Settings

log = logging.getLogger(__name__)

AUTOSAVE_MS = 600


@dataclass(frozen=True)
class RunnerLayout:
    """What `AuditRunnerView.layout_state` keeps: Qt's own saved states, empty for none."""

    splitter: QByteArray
    item_splitter: QByteArray
    outline_columns: QByteArray


class AuditRunnerView(QWidget):
    """Runs one audit. Emits `changed(audit_id)` after every commit that alters the summary."""

    changed = Signal(str)
    completed = Signal(str)
    submit_requested = Signal(str)
    """Submit to team, asked in the header (the window decides whether it is offered)."""
    instruments_toggled = Signal(bool)
    """The instruments were shown (True) or hidden: the window keeps the choice."""
    save_status = Signal(str)
    """One line on saves waiting for the server (the window's status bar); "" when saved."""
    reviewed = Signal(object)
    """Opened for review: the audit was accepted or returned (the shop's row, moved)."""

    def __init__(
        self,
        runner: AuditRunner,
        data_dir: Path,
        capture: Callable[[], bytes] | None = None,
        parent: QWidget | None = None,
        *,
        queued: bool | None = None,
    ) -> None:
        """`queued`: saves off the GUI thread; by default on a team database only."""
        super().__init__(parent)
        self.runner = runner
        self.data_dir = data_dir
        self.capture = capture
        self.template = runner.template
        self.current: Item = runner.template.item(runner.resume_item())
        self._sized = False
        self.wait_box: QMessageBox | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.header = RunnerHeader(runner)
        outer.addWidget(self.header)
        self.review_bar: ReviewBar | None = None
        if runner.reviewer is not None:  # opened for review (from View › Review queue)
            self.review_bar = ReviewBar(runner, lambda: self.current)
            outer.addWidget(self.review_bar)
        self.history_dialog: HistoryDialog | None = None

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.outline = OutlinePane(runner)
        self.splitter.addWidget(self.outline)
        self.item_panel = ItemPanel(
            runner,
            can_capture=capture is not None,
            language=Settings(data_dir).get(Options.CHECKLIST_LANGUAGE),
        )
        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.addWidget(self.item_panel)
        self.instruments = InstrumentsPane(runner, data_dir, self._answered_item, capture)
        self.right_splitter.addWidget(self.instruments)
        self.right_splitter.setStretchFactor(0, 3)
        self.right_splitter.setStretchFactor(1, 2)
        self.right_splitter.setCollapsible(0, False)
        self.splitter.addWidget(self.right_splitter)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([240, 460])
        outer.addWidget(self.splitter, 1)

        if queued is None:
            queued = runner.engine.dialect.name == "postgresql"
        self.saves: QueuedSaves | None = None
        self._queued_answers: dict[str, tuple[object, Any]] = {}
        self._queued_notes: dict[str, tuple[object, str]] = {}
        self._problem_shown = ""
        """What the line in the status bar says is wrong ("lost", an error, or "")."""
        if queued:
            self.saves = QueuedSaves(runner, self)
            self.saves.stopped.connect(self._saves_stopped)
            self.saves.settled.connect(self._saves_settled)
            self.header.retry_requested.connect(self.saves.retry)
            self.instruments.set_saver(self._queue_write)

        self._connect_parts()
        self._add_shortcuts()
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.commit_typed)
        self.outline.apply_visibility()
        self._show_state()
        self._show_item(self.current, focus=True)
        if runner.last_saved is None and runner.audit.updated_at:
            self.header.show_saved(None)

    # -- wiring ----------------------------------------------------------------

    def _connect_parts(self) -> None:
        self.header.reopen_requested.connect(self.reopen)
        self.header.submit_requested.connect(
            lambda: self.submit_requested.emit(self.runner.audit_id)
        )
        self.header.history_requested.connect(self.show_audit_history)
        self.item_panel.history_requested.connect(self.show_item_history)
        bar = self.review_bar
        if bar is not None:
            bar.before_verdict = self.after_saves
            bar.comment_added.connect(self._comment_added)
            bar.correct_requested.connect(self.correct)
            bar.verdict_given.connect(self.reviewed)
        self.outline.item_chosen.connect(self.go_to)
        panel = self.item_panel
        panel.navigate.connect(self.step)
        panel.answer_committed.connect(self._answer_committed)
        panel.text_edited.connect(self._typing)
        panel.flush_requested.connect(self.commit_typed)
        panel.use_measured_requested.connect(self.use_measured)
        panel.complete_requested.connect(self.complete)
        panel.attach_requested.connect(self.instruments.choose_files)
        panel.capture_requested.connect(self.instruments.capture_screen)
        panel.files_dropped.connect(
            lambda paths: self.instruments.attach_files(paths, item_id=self._answered_id())
        )
        self.instruments.changed.connect(self._instrument_changed)
        self.instruments.item_focus_wanted.connect(self.focus_item)

    def _add_shortcuts(self) -> None:
        # On the view, so they work wherever in it the keyboard focus is.
        bindings: tuple[tuple[str, str, Callable[[], object]], ...] = (
            ("Ctrl+E", "Write the item's note", self.focus_note),
            ("Ctrl+Shift+G", "Log a good moment", lambda: self.log_moment(MomentKind.GOOD)),
            ("Ctrl+Shift+B", "Log a bad moment", lambda: self.log_moment(MomentKind.BAD)),
            (
                "Ctrl+Shift+F",
                "Log a friction point",
                lambda: self.log_moment(MomentKind.FRICTION),
            ),
            ("Ctrl+Shift+C", "A screenshot as evidence for the item", self._capture),
            ("Ctrl+Shift+P", "The phone-tree map (then one key per event)", self.focus_phone_map),
            ("Ctrl+Shift+W", "The website path", self.focus_web_path),
            ("Ctrl+Shift+E", "The e-mail tracker (type the time first)", self.focus_email),
            (
                "F6",
                "Stopwatch: start or stop",
                lambda: self._with_instruments(self.stopwatch.toggle),
            ),
            ("F7", "Stopwatch: split", lambda: self._with_instruments(self.stopwatch.split)),
            ("F8", "Stopwatch: its time into the duration item", self.stopwatch.assign_to_current),
            ("Ctrl+H", "The item's history", self.show_item_history),
            ("Ctrl+Shift+H", "The audit's history", self.show_audit_history),
            ("Ctrl+PgDown", "The next section", lambda: self.move_section(1)),
            ("Ctrl+PgUp", "The section before", lambda: self.move_section(-1)),
            ("Ctrl+Return", "Complete the audit", self.complete),
            ("Ctrl+Enter", "Complete the audit", self.complete),
        )
        for keys, what, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setWhatsThis(what)  # Help › Keyboard shortcuts lists it from here
            shortcut.activated.connect(slot)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QTimer.singleShot(0, self._fit_item_panel)
        QTimer.singleShot(0, self._fit_comments)  # the item shown first may have some

    def layout_state(self) -> RunnerLayout:
        """The sizes the shopper gave the panes and columns, to keep for the next audit."""
        return RunnerLayout(
            self.splitter.saveState(),
            self.right_splitter.saveState(),
            self.outline.header().saveState(),
        )

    def restore_layout(self, layout: RunnerLayout) -> None:
        """Take the sizes kept from the last audit (empty parts keep the defaults)."""
        if not layout.splitter.isEmpty():
            self.splitter.restoreState(layout.splitter)
        if not layout.item_splitter.isEmpty() and self.right_splitter.restoreState(
            layout.item_splitter
        ):
            self._sized = True  # the shopper's own split, not the fitted one
        if not layout.outline_columns.isEmpty():
            self.outline.header().restoreState(layout.outline_columns)

    def _fit_item_panel(self) -> None:
        """The item with its buttons in full view; the instruments take what is left."""
        total = sum(self.right_splitter.sizes())
        wanted = self.item_panel.preferred_height()
        if total > 0:
            first = min(wanted, total - 160)
            self.right_splitter.setSizes([first, total - first])

    # -- the parts' widgets, as the app and its tests know them ------------------------

    @property
    def saved_label(self) -> QLabel:
        return self.header.saved_label

    @property
    def moments_label(self) -> QLabel:
        return self.header.moments_label

    @property
    def banner(self) -> QFrame:
        return self.header.banner

    @property
    def outline_model(self) -> OutlineModel:
        return self.outline.outline_model

    @property
    def panel(self) -> ItemFrame:
        return self.item_panel.frame

    @property
    def editor(self) -> AnswerEditor | None:
        return self.item_panel.editor

    @property
    def note(self) -> QPlainTextEdit:
        return self.item_panel.note

    @property
    def measured_label(self) -> QLabel:
        return self.item_panel.measured_label

    @property
    def use_measured_button(self) -> QPushButton:
        return self.item_panel.use_measured_button

    @property
    def evidence_label(self) -> QLabel:
        return self.item_panel.evidence_label

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

    # -- instruments -------------------------------------------------------------

    def _instrument_changed(self) -> None:
        """An instrument, moment or attachment was saved: show what it changed."""
        self.item_panel.reload_answer()
        self.header.show_saved(None)
        self._after_change()

    @property
    def instruments_shown(self) -> bool:
        return not self.instruments.isHidden()

    def set_instruments_visible(self, visible: bool) -> None:
        """Show or hide the instruments under the item (F9): hidden, the item has the room."""
        if visible == self.instruments_shown:
            return
        focus = QApplication.focusWidget()
        if not visible and focus is not None and self.instruments.isAncestorOf(focus):
            self.instruments.leave()
        self.instruments.setVisible(visible)
        if visible:
            self._fit_item_panel()
        self.instruments_toggled.emit(visible)

    def toggle_instruments(self) -> None:
        self.set_instruments_visible(not self.instruments_shown)

    def _with_instruments(self, action: Callable[[], object]) -> None:
        """An instrument's own key shows the instruments first: it is never a dead key."""
        self.set_instruments_visible(True)
        action()

    def show_instrument(self, title: str) -> None:
        self._with_instruments(lambda: self.instruments.show_instrument(title))

    def log_moment(self, kind: str) -> None:
        self._with_instruments(lambda: self.instruments.log_moment(kind))

    def focus_phone_map(self) -> None:
        self._with_instruments(self.instruments.focus_phone_map)

    def focus_web_path(self) -> None:
        self._with_instruments(self.instruments.focus_web_path)

    def focus_email(self) -> None:
        self._with_instruments(self.instruments.focus_email)

    def use_measured(self) -> None:
        item_id = self.current.id
        self._save(
            lambda r: r.use_measured(item_id), then=lambda _r: self.item_panel.replace_answer()
        )

    # -- showing ---------------------------------------------------------------

    def visible_items(self) -> list[Item]:
        """The items shown, counting answers still on their way to a team database (the
        next item is known at once, without waiting for the server)."""
        if not self._queued_answers:
            return self.runner.visible_items()
        values = self.runner.values
        for item_id, (_token, value) in self._queued_answers.items():
            try:
                stored = normalize_answer(self.template.item(item_id), value)
            except AnswerError:
                continue  # it will be refused
            if stored is None:
                values.pop(item_id, None)
            else:
                values[item_id] = stored
        shown = visible_items(self.template, values)
        return [item for item in self.template.items() if item.id in shown]

    def _show_item(self, item: Item, *, focus: bool) -> None:
        self.current = item
        self.item_panel.show_item(item)
        answer = self._queued_answers.get(item.id)
        note = self._queued_notes.get(item.id)
        if answer is not None or note is not None:
            # Saves still wait (for the server): show what was typed, not what is stored.
            self.item_panel.show_queued(
                answer[1] if answer is not None else self.runner.value(item.id),
                note[1] if note is not None else None,
            )
        self.outline.select_item(item.id)
        self._fit_comments()
        if focus:
            self.focus_item()
        if self.saves is not None:
            item_id = item.id
            if self.runner.can_change(item_id):
                self.saves.submit(lambda r: r.set_current(item_id), key="current")
            return
        try:
            self.runner.set_current(item.id)
        except StorageError as exc:
            log.warning("could not store the position: %s", exc)

    def focus_item(self) -> None:
        self.item_panel.focus_item()

    def _answered_item(self) -> Item | None:
        """The item on screen if it asks something: evidence and moments taken while an
        information item is shown belong to the whole audit."""
        current = getattr(self, "current", None)
        return current if current is not None and current.answerable else None

    def _answered_id(self) -> str | None:
        item = self._answered_item()
        return item.id if item is not None else None

    def _capture(self) -> None:
        self.instruments.capture_screen()

    def focus_note(self) -> None:
        self.item_panel.focus_note()

    def _show_state(self) -> None:
        """The score, moments and mode (completed or not) as they are now."""
        self.header.refresh()
        self.item_panel.set_read_only(self.runner.read_only)

    # -- saving ----------------------------------------------------------------

    def _typing(self) -> None:
        if self.saves is None or self.saves.failure is None:
            self.header.show_saving()
        self._autosave.start()

    def _answer_committed(self, item_id: str, value: Any) -> None:
        if self.saves is None:
            saved = self._save(lambda r: r.set_answer(item_id, value))
            self.item_panel.answer_stored(item_id, saved)
            return
        token = object()
        self._queued_answers[item_id] = (token, value)

        def answered(_result: object) -> None:
            if self._queued_answers.get(item_id, (None,))[0] is token:
                del self._queued_answers[item_id]

        def refused(error: ShopperError) -> None:
            answered(None)
            self.item_panel.answer_stored(item_id, False)  # shows the stored answer again
            show_error(self, str(error))

        self._save(
            lambda r: r.set_answer(item_id, value),
            key=("answer", item_id),
            then=answered,
            refused=refused,
        )
        self.item_panel.answer_queued(item_id)

    def _save(
        self,
        action: Callable[[AuditRunner], Any],
        *,
        key: Hashable | None = None,
        then: Callable[[Any], None] | None = None,
        refused: Callable[[ShopperError], None] | None = None,
        ids: tuple[str, ...] = (),
    ) -> bool:
        """Write a change with the runner, then `then(result)`; False if it failed.

        Queued (a team database), True means only that the change is on its way: `then`
        runs once it is written (result None for one a retry found already stored), or
        `refused` (by default a message) if the runner refused it.
        """
        if self.saves is not None:
            if self.saves.failure is None:
                self.header.show_saving()
            self.saves.submit(
                action,
                key=key,
                ids=ids,
                done=lambda result: self._queued_saved(result, then),
                refused=refused or self._queued_refused,
            )
            return True
        try:
            result = action(self.runner)
        except StorageError as exc:
            log.error("save failed: %s", exc)
            self.header.show_saved(str(exc))
            show_error(self, f"Your last change was NOT saved.\n\n{exc}\n\nIt is still on screen.")
            return False
        except ShopperError as exc:
            self.header.show_saved(None)
            show_error(self, str(exc))
            return False
        self.header.show_saved(None)
        self._after_change()
        if then is not None:
            then(result)
        return True

    def _queue_write(
        self,
        write: Callable[[AuditRunner], Any],
        then: Callable[[Any], None],
        *,
        key: Hashable | None = None,
        ids: tuple[str, ...] = (),
    ) -> None:
        """An instrument's write, to the queue."""
        self._save(write, then=then, key=key, ids=ids)

    def _queued_saved(self, result: Any, then: Callable[[Any], None] | None) -> None:
        self._after_change()
        if then is not None:
            then(result)

    def _queued_refused(self, error: ShopperError) -> None:
        show_error(self, str(error))

    def _saves_stopped(self, error: str, lost: bool) -> None:
        self.header.show_waiting(error)
        if lost and self._problem_shown != "lost":
            self.save_status.emit(
                "Changes not saved yet: the database server cannot be reached; they stay here "
                "and are saved when it is back (retrying every few seconds, or Retry)."
            )
        elif not lost and self._problem_shown != error:
            self.save_status.emit(
                f"Changes not saved yet ({error}); they stay here and are tried again "
                "every few seconds (or Retry)."
            )
        self._problem_shown = "lost" if lost else error

    def _saves_settled(self) -> None:
        """No save waits any more, or they stopped."""
        assert self.saves is not None
        if self.saves.failure is None and not self.saves.busy():
            self.header.show_saved(None)
            if self._problem_shown:
                self._problem_shown = ""
                self.save_status.emit("")

    def saves_done(self) -> bool:
        """Whether every save is written (for tests and the window: never waits)."""
        return self.saves is None or not self.saves.busy()

    def after_saves(self, then: Callable[[bool], object]) -> None:
        """Save what was typed, then call `then(True)` once every save is written, or
        `then(False)` if they stop (the server is gone): on a team database the window
        leaves an audit, prints it or closes this way, never waiting on the GUI thread."""
        if not self.commit_typed():
            then(False)
            return
        if self.saves is None or not self.saves.busy():
            then(True)
            return
        saves = self.saves
        if saves.failure is not None:
            then(False)
            return

        def settled() -> None:
            if saves.busy() and saves.failure is None:
                return  # a save's callback queued another: wait for it too
            saves.settled.disconnect(settled)
            then(saves.failure is None)

        saves.settled.connect(settled)

    def _after_change(self) -> None:
        self.outline.apply_visibility()
        self._show_state()
        self.item_panel.update_extras()
        self.changed.emit(self.runner.audit_id)

    def commit_typed(self) -> bool:
        """Save typed text (answer and note) not saved yet, without waiting for the server;
        False if a save failed."""
        self._autosave.stop()
        ok = self.item_panel.flush_answer()
        note = self.item_panel.unsaved_note()
        if note is not None:
            item_id = self.current.id
            if self.saves is not None:
                token = object()
                self._queued_notes[item_id] = (token, note)

                def noted(_result: object) -> None:
                    if self._queued_notes.get(item_id, (None,))[0] is token:
                        del self._queued_notes[item_id]

                self._save(lambda r: r.set_note(item_id, note), key=("note", item_id), then=noted)
                self.item_panel.note_saved(note)
            elif self._save(lambda r: r.set_note(item_id, note)):
                self.item_panel.note_saved(note)
            else:
                ok = False
        if not self.instruments.flush():
            ok = False
        if ok and self.header.is_saving() and self.saves_done():
            self.header.show_saved(None)
        return ok

    def flush(self) -> bool:
        """Commit typed text (answer and note) not saved yet; False if a save failed.

        On a team database this waits until every queued save is written (before another
        audit opens, a report is made or the window closes); False if they wait for the
        server.
        """
        ok = self.commit_typed()
        if self.saves is not None and not self.saves.wait():
            ok = False
        return ok

    def has_unsaved(self) -> bool:
        return self.item_panel.has_unsaved() or not self.saves_done()

    # -- moving ----------------------------------------------------------------

    def step(self, delta: int) -> None:
        if not self.commit_typed():
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
        if not self.commit_typed():
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
        if not self.commit_typed():
            return
        if self.template.has_item(item_id):
            self._show_item(self.template.item(item_id), focus=True)

    # -- review and history --------------------------------------------------------

    def _comment_added(self, comment: Any) -> None:
        """A reviewer's comment was written: show it where it belongs."""
        self.runner.comments.append(comment)
        self.show_comments()

    def show_comments(self) -> None:
        """The comments as the runner has them now: the item's, the audit's, the marks."""
        self.item_panel.show_comments()
        self.header.show_comments()
        self.outline_model.refresh()
        if self.review_bar is not None:
            self.review_bar.refresh()
        self._fit_comments()

    def _fit_comments(self) -> None:
        """An item's comments must not push its answer out of view: the item grows to show
        them (the instruments give the room), never shrinks."""
        if not self._sized or self.item_panel.comments.isHidden() or not self.instruments_shown:
            return
        if self.right_splitter.sizes()[0] < self.item_panel.preferred_height():
            self._fit_item_panel()

    def correct(self, item_id: str, value: Any, note: str | None) -> None:
        """A reviewer's correction of an answer, saved as any change (queued on a team
        database), then shown."""

        def shown(_result: object) -> None:
            if self.current.id == item_id:
                self._show_item(self.current, focus=False)

        self._save(lambda r: r.correct(item_id, value, note), then=shown)

    def show_item_history(self) -> None:
        item = self.current
        self._show_history(f"History of “{item.prompt}”", item.id)

    def show_audit_history(self) -> None:
        self._show_history(f"History of audit {self.runner.audit_id[:8]}", None)

    def _show_history(self, title: str, item_id: str | None) -> None:
        template = self.template

        def label(of: str | None) -> str:
            if of is None:
                return ""  # the audit's own
            return template.item(of).prompt if template.has_item(of) else of

        dialog = HistoryDialog(
            self.runner.engine,
            self.runner.audit_id,
            title=title,
            item_id=item_id,
            item_label=label,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.history_dialog = dialog
        dialog.open()

    # -- completing ------------------------------------------------------------

    def complete(self) -> None:
        """Ctrl+Enter: complete the audit; with a follow-up still to come, ask first."""
        if self.runner.read_only:
            return
        if not self.commit_typed():
            return
        if self.saves is not None:  # after the saves before it, like any change
            self._save(
                lambda r: r.complete(),
                then=lambda _r: self._completed(),
                refused=self._not_completed,
            )
            return
        try:
            self.runner.complete()
        except ShopperError as exc:
            self._not_completed(exc)
            return
        self._completed()

    def _not_completed(self, exc: ShopperError) -> None:
        if isinstance(exc, MissingAnswersError):
            show_error(self, str(exc), title="Cannot complete yet")
            self.go_to(exc.item_ids[0])
        elif isinstance(exc, FollowUpPendingError):
            if self.runner.awaiting:
                item_id, due = min(exc.due.items(), key=lambda pair: pair[1])
                by = weekday_text(due, self.runner.zone)
                show_error(
                    self,
                    f"“{self.template.item(item_id).prompt}” is not answered yet. Answer it when "
                    f"the follow-up comes; if nothing comes by {by} it counts as not followed "
                    "up and the audit is completed by itself.",
                    title="Still waiting for the follow-up",
                )
                self.go_to(item_id)
            else:
                self._ask_to_wait(exc)
        else:
            show_error(self, str(exc))

    def _ask_to_wait(self, pending: FollowUpPendingError) -> None:
        """Complete the rest now, awaiting follow-up? (A window-modal question.)"""
        zone = self.runner.zone
        lines = [
            f"• “{self.template.item(item_id).prompt}” by {weekday_text(due, zone)}"
            for item_id, due in pending.due.items()
        ]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Complete, awaiting follow-up?",
            "Everything else is answered. These can only be answered later:\n\n"
            + "\n".join(lines)
            + "\n\nComplete the audit now? It then awaits follow-up (View › Waiting lists "
            "it): answer these when the follow-up comes, then complete it (Ctrl+Enter). "
            "If nothing comes in time they count as not followed up and the audit is "
            "completed by itself.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        wait = box.addButton("Complete, awaiting &follow-up", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(wait)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(
            lambda button: self._complete_waiting() if button is wait else None
        )
        self.wait_box = box
        box.open()

    def _complete_waiting(self) -> None:
        if self.saves is not None:
            self._save(lambda r: r.complete(wait=True), then=lambda _r: self._completed())
            return
        try:
            self.runner.complete(wait=True)
        except ShopperError as exc:
            show_error(self, str(exc))
            return
        self._completed()

    def _completed(self) -> None:
        self._refresh_mode()
        self.completed.emit(self.runner.audit_id)
        self.changed.emit(self.runner.audit_id)

    def reopen(self) -> None:
        if self.saves is not None:
            self._save(lambda r: r.reopen("reopened in the app"), then=lambda _r: self._reopened())
            return
        try:
            self.runner.reopen("reopened in the app")
        except ShopperError as exc:
            show_error(self, str(exc))
            return
        self._reopened()

    def _reopened(self) -> None:
        self._refresh_mode()
        self.changed.emit(self.runner.audit_id)

    def _refresh_mode(self) -> None:
        self.instruments.set_read_only(not self.runner.can_change(None))
        self.header.show_saved(None)
        self._show_state()
        self._show_item(self.current, focus=True)
