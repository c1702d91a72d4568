"""Review in the runner: the reviewers' comments as everyone sees them, and the manager's
review bar (comment, correct an answer, accept, return to the shopper).

The comments are shown beside what they are about: an item's in the item panel, the whole
audit's in the header under the shop's scenario. A shopper sees them once the audit comes
back returned (after their sync, on a data folder linked to a team database).

The review bar is there only when the audit was opened for review (`runner.reviewer`). Every
call to the review services runs off the GUI thread on a team database (`run_soon`); a
refusal (ReviewError, ShopStateError) is one message. A correction is an answer's save, so
the runner view writes it as it writes any (its queue, on a team database).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_answer
from shopper.domain.template import Item
from shopper.domain.wording import count_of
from shopper.services.review import MAX_COMMENT, accept, add_comment, return_to_shopper
from shopper.services.runner import AuditRunner
from shopper.services.shops import ShopRow
from shopper.ui.crash import show_error
from shopper.ui.dates import moment_text
from shopper.ui.runner.editors import AnswerEditor, make_editor
from shopper.ui.workers import Operation, on_a_server, run_soon

COMMENT_MARK = "✎"
"""Marks a reviewer's comment, here and in the outline."""
VERDICT_WORDS = {"returned": "with the return", "reviewed": "with the acceptance"}


class Comment(Protocol):
    """A review comment as the runner holds it (`ReviewComment`)."""

    item_id: str | None
    author: str
    at: Any
    tz: str
    body: str
    verdict: str


def comments_on(comments: Iterable[Comment], item_id: str | None) -> list[Comment]:
    """The comments on one item (None: on the whole audit), oldest first."""
    return sorted((c for c in comments if c.item_id == item_id), key=lambda c: c.at)


def comment_html(title: str, comment: Comment) -> str:
    """One comment for a rich-text label, on as few lines as it takes: what it is, who
    wrote it and when, then its text."""
    who = html.escape(comment.author or "the reviewer")
    when = html.escape(moment_text(comment.at, comment.tz))
    verdict = VERDICT_WORDS.get(comment.verdict, "")
    extra = f", {verdict}" if verdict else ""
    body = html.escape(comment.body).replace("\n", "<br>")
    return f"<b>{COMMENT_MARK} {html.escape(title)}</b> ({who}, {when}{extra}): {body}"


def comments_html(title: str, comments: Sequence[Comment]) -> str:
    return "<br>".join(comment_html(title, c) for c in comments)


def comment_plain(comment: Comment) -> str:
    who = comment.author or "the reviewer"
    return f"{who}, {moment_text(comment.at, comment.tz)}: {' '.join(comment.body.split())}"


class CommentsLabel(QLabel):
    """The comments on an item or on the audit, hidden when there are none."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)
        self.shown: list[Comment] = []

    def show_comments(self, title: str, comments: Sequence[Comment]) -> None:
        self.shown = list(comments)
        self.setVisible(bool(comments))
        self.setText(comments_html(title, comments) if comments else "")


# -- the reviewer's dialogs ---------------------------------------------------------


class TextDialog(QDialog):
    """A comment to write: required, or optional (`optional`), with what to know above it."""

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        ok_text: str,
        optional: bool = False,
        listing: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.optional = optional
        layout = QVBoxLayout(self)
        text = QLabel(explanation)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.listing = QLabel(listing)
        self.listing.setObjectName("reviewComments")
        self.listing.setWordWrap(True)
        self.listing.setTextFormat(Qt.TextFormat.RichText)
        self.listing.setVisible(bool(listing))
        layout.addWidget(self.listing)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setPlaceholderText("Optional" if optional else "Required")
        self.text_edit.setMinimumHeight(5 * self.text_edit.fontMetrics().lineSpacing() + 12)
        self.text_edit.textChanged.connect(self._changed)
        layout.addWidget(self.text_edit, 1)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(560, 320 if listing else 260)
        send = QShortcut(QKeySequence("Ctrl+Return"), self)
        send.activated.connect(self._send)
        self.ok_button.setToolTip("Ctrl+Enter")
        self._changed()

    def _send(self) -> None:
        if self.ok_button.isEnabled():
            self.accept()

    def text(self) -> str:
        return self.text_edit.toPlainText().strip()

    def _changed(self) -> None:
        size = len(self.text())
        if size > MAX_COMMENT:
            self.error.setText(f"{size:,} characters; the limit is {MAX_COMMENT:,}.")
        else:
            self.error.setText("")
        self.ok_button.setEnabled((self.optional or size > 0) and size <= MAX_COMMENT)


UNSET: Any = object()


class CorrectDialog(QDialog):
    """A reviewer's new answer for one item, in the item's own editor, and its note."""

    def __init__(self, runner: AuditRunner, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle("Correct the answer")
        self.value: Any = UNSET
        """The answer chosen (None clears it), UNSET while the shopper's stands."""
        self._old_note = runner.note(item.id)
        layout = QVBoxLayout(self)
        prompt = QLabel(item.prompt)
        prompt.setObjectName("heading")
        prompt.setWordWrap(True)
        prompt.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(prompt)
        now = format_answer(item, runner.value(item.id)) or "not answered"
        was = self.was = QLabel(
            f"The shopper's answer: {now}. Choose the right one; the correction is kept in "
            "the item's history as yours."
        )
        was.setWordWrap(True)
        layout.addWidget(was)
        self.editor: AnswerEditor = make_editor(item, runner.zone)
        self.editor.set_value(runner.value(item.id))
        self.editor.committed.connect(self._chosen)
        layout.addWidget(self.editor)
        note_label = QLabel("&Note (the shopper's, which you may change)")
        note_label.setObjectName("noteLabel")
        layout.addWidget(note_label)
        self.note = QPlainTextEdit(self._old_note)
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(110)
        note_label.setBuddy(self.note)
        layout.addWidget(self.note)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Correct")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 360)

    def _chosen(self, value: Any) -> None:
        self.value = value

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The keyboard to the answer (its text field, or its keys through the dialog).
        if not self.editor.focus_input():
            self.ok_button.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The item's own keys (Y / N / A, digits) choose, as they do in the runner.
        if self.editor.handle_key(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def new_note(self) -> str | None:
        """The note, if it was changed (None keeps the shopper's)."""
        note = self.note.toPlainText()
        return note if note != self._old_note else None

    def accept(self) -> None:
        self.editor.flush()  # typed text counts as chosen
        if self.editor.pending():
            self.error.setText("The answer typed does not fit the item (see above).")
            return
        if self.value is UNSET and self.new_note() is None:
            self.error.setText("Nothing was changed: choose another answer or change the note.")
            return
        super().accept()


# -- the review bar ------------------------------------------------------------------


class ReviewBar(QFrame):
    """The manager's review of a submitted shop's audit, above the outline and the item.

    `comment_added(comment)` when a comment was written, `correct_requested(item id, value,
    note)` for the view to save, `verdict_given(shop row)` once accepted or returned.
    """

    comment_added = Signal(object)
    correct_requested = Signal(str, object, object)
    verdict_given = Signal(object)

    def __init__(
        self,
        runner: AuditRunner,
        current: Callable[[], Item],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.current = current
        self.before_verdict: Callable[[Callable[[bool], object]], object] = lambda then: then(True)
        """Runs its argument once the corrections are written (the view's `after_saves`)."""
        self.dialog: QDialog | None = None
        """The dialog open now (for tests)."""
        self._operation: Operation | None = None
        self.busy = False
        self.setObjectName("reviewBar")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        self.comment_item_button = self._button(
            row, "Comment on this &item…", "A comment the shopper sees beside this item"
        )
        self.comment_item_button.clicked.connect(self.comment_on_item)
        self.comment_audit_button = self._button(
            row, "Comment on the au&dit…", "A comment on the whole audit, under its scenario"
        )
        self.comment_audit_button.clicked.connect(self.comment_on_audit)
        self.correct_button = self._button(
            row, "&Correct answer…", "Change this item's answer; kept in its history as yours"
        )
        self.correct_button.clicked.connect(self.correct_answer)
        row.addStretch(1)
        self.accept_button = self._button(
            row, "Acce&pt…", "The shop is reviewed; its audit changes no more"
        )
        self.accept_button.clicked.connect(self.accept_audit)
        self.return_button = self._button(
            row, "&Return to shopper…", "Reopen the audit for its shopper, with your comments"
        )
        self.return_button.clicked.connect(self.return_audit)
        layout.addLayout(row)
        self.refresh()

    @staticmethod
    def _button(row: QHBoxLayout, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the item
        row.addWidget(button)
        return button

    def refresh(self) -> None:
        runner = self.runner
        shop = runner.shop
        who = runner.shopper_name or (shop.shopper if shop is not None else "the shopper")
        written = len(self.open_comments())
        so_far = f" {count_of(written, 'comment')} written so far." if written else ""
        self.text.setText(
            f"Reviewing the audit {who} submitted: comment or correct, then accept or return "
            f"it.{so_far}"
        )
        self.text.setToolTip(
            "The answers are read-only. Comment on the item shown or on the whole audit, "
            "correct an answer (kept in its history as yours), then accept the audit or "
            "return it to the shopper with your comments."
        )
        for button in (
            self.comment_item_button,
            self.comment_audit_button,
            self.correct_button,
            self.accept_button,
            self.return_button,
        ):
            button.setEnabled(not self.busy)

    def open_comments(self) -> list[Comment]:
        """The comments written during this review (no verdict yet)."""
        return [c for c in self.runner.comments if c.verdict == ""]

    def _open(self, dialog: QDialog, then: Callable[[], None]) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            if self.dialog is dialog:
                self.dialog = None
            if result == QDialog.DialogCode.Accepted:
                then()

        dialog.finished.connect(finished)
        dialog.open()

    def _run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failure_title: str,
    ) -> None:
        self.busy = True
        self.refresh()

        def ok(result: Any) -> None:
            self.busy = False
            self._operation = None
            done(result)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.busy = False
            self._operation = None
            self.refresh()
            show_error(self, str(exc), title=failure_title)

        self._operation = run_soon(
            self,
            work,
            in_background=on_a_server(self.runner.engine),
            on_done=ok,
            on_error=failed,
        )

    # -- comments ---------------------------------------------------------------

    def comment_on_item(self) -> None:
        item = self.current()
        dialog = TextDialog(
            "Comment on this item",
            f"On “{item.prompt}”. The shopper sees it beside the item if you return the audit.",
            ok_text="&Add comment",
            parent=self,
        )
        self._open(dialog, lambda: self._add(dialog.text(), item.id))

    def comment_on_audit(self) -> None:
        dialog = TextDialog(
            "Comment on the audit",
            "On the audit as a whole. The shopper sees it under the scenario if you return "
            "the audit.",
            ok_text="&Add comment",
            parent=self,
        )
        self._open(dialog, lambda: self._add(dialog.text(), None))

    def _add(self, body: str, item_id: str | None) -> None:
        engine, audit_id = self.runner.engine, self.runner.audit_id
        self._run(
            lambda: add_comment(engine=engine, audit_id=audit_id, body=body, item_id=item_id),
            self.comment_added.emit,
            "Comment not added",
        )

    # -- a correction -------------------------------------------------------------

    def correct_answer(self) -> None:
        item = self.current()
        dialog = CorrectDialog(self.runner, item, self)
        self._open(
            dialog,
            lambda: self.correct_requested.emit(
                item.id,
                self.runner.value(item.id) if dialog.value is UNSET else dialog.value,
                dialog.new_note(),
            ),
        )

    # -- the verdict --------------------------------------------------------------

    def accept_audit(self) -> None:
        dialog = TextDialog(
            "Accept the audit",
            "The shop becomes reviewed and its audit changes no more. A comment is optional.",
            ok_text="&Accept",
            optional=True,
            parent=self,
        )
        self._open(dialog, lambda: self._verdict(dialog.text(), returning=False))

    def return_audit(self) -> None:
        written = self.open_comments()
        titles = {i.id: i.prompt for i in self.runner.template.items()}
        if written:
            listing = "<b>Your comments so far, sent with the return:</b><br>" + "<br>".join(
                f"• {html.escape(titles.get(c.item_id or '', 'The whole audit'))}: "
                f"{html.escape(' '.join(c.body.split()))}"
                for c in written
            )
            explanation = (
                "The audit reopens for its shopper, who sees your comments beside the items. "
                "Add a comment on the whole audit if you like."
            )
        else:
            listing = ""
            explanation = (
                "The audit reopens for its shopper. Say what to change (no comment was "
                "written on an item yet)."
            )
        dialog = TextDialog(
            "Return to the shopper",
            explanation,
            ok_text="&Return",
            optional=bool(written),
            listing=listing,
            parent=self,
        )
        self._open(dialog, lambda: self._verdict(dialog.text(), returning=True))

    def _verdict(self, comment: str, *, returning: bool) -> None:
        engine, audit_id = self.runner.engine, self.runner.audit_id

        def work() -> ShopRow:
            if returning:
                return return_to_shopper(engine=engine, audit_id=audit_id, comment=comment)
            return accept(engine=engine, audit_id=audit_id, comment=comment)

        def go(saved: bool) -> None:
            if not saved:
                show_error(
                    self,
                    "Your correction is not saved yet; the verdict waits until it is.",
                    title="Not yet",
                )
                return
            self._run(
                work,
                self.verdict_given.emit,
                "Not returned" if returning else "Not accepted",
            )

        self.before_verdict(go)
