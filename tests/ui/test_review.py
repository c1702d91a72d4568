"""The manager's review in the GUI: View › Review queue, the runner opened for review (comment,
correct, accept, return), the comments beside the items for the shopper, and the history
dialogs; on SQLite, and once on a team database through the background worker."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from shopper.domain.answers import format_answer
from shopper.domain.errors import AuditStateError
from shopper.domain.history import HistoryEntry, HistoryKind
from shopper.domain.shops import ShopState
from shopper.domain.template import Item
from shopper.services import review, shops
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.ui import review_queue as queue_ui
from shopper.ui.main_window import PAGE_RUNNER, MainWindow
from shopper.ui.review_queue import ReviewQueueDialog
from shopper.ui.runner import review as review_ui
from shopper.ui.runner.history import HistoryDialog, what_text, without_repeats
from shopper.ui.runner.outline import COMMENT_MARK, COMMENTS_ROLE
from shopper.ui.runner.review import CorrectDialog, TextDialog
from shopper.ui.runner.view import AuditRunnerView
from shopper.ui.workers import wait_for_background
from tests.services.test_review import Shopper, submitted
from tests.services.test_shops import World, make_world, phone
from tests.ui.helpers import show_window
from tests.ui.test_labels import problems

TIMEOUT = 20_000


@pytest.fixture
def world(ctx: AppContext) -> World:
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    return World(ctx, company, "sqlite")


@pytest.fixture
def shop(world: World, tmp_path: Path) -> tuple[str, str, list[Item]]:
    """A submitted shop: (shop id, audit id, the two items answered "yes" / "first text")."""
    return submitted(world, Shopper(world, tmp_path / "jan"))


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    made = show_window(qtbot, MainWindow(ctx))
    yield made
    made.close()
    assert wait_for_background(30)


def open_queue(qtbot: QtBot, window: MainWindow) -> ReviewQueueDialog:
    window.show_review_queue()
    dialog = window.review_queue_dialog
    qtbot.waitUntil(lambda: dialog.rows is not None, timeout=TIMEOUT)
    return dialog


def texts(dialog: ReviewQueueDialog) -> list[list[str]]:
    model = dialog.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def review_view(qtbot: QtBot, window: MainWindow, audit_id: str) -> AuditRunnerView:
    """The audit opened for review from the queue (Enter on its row)."""
    dialog = open_queue(qtbot, window)
    [number] = [n for n, r in enumerate(dialog.model.rows()) if r.audit_id == audit_id]
    dialog.table.selectRow(number)
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    return opened(qtbot, window)


def opened(qtbot: QtBot, window: MainWindow) -> AuditRunnerView:
    qtbot.waitUntil(lambda: window.runner_view is not None, timeout=TIMEOUT)
    view = window.runner_view
    assert view is not None
    qtbot.waitUntil(view.isVisible)  # shown once the window lays it out
    return view


def finish(qtbot: QtBot, bar: Any, button: QPushButton, fill: Callable[[Any], None]) -> Any:
    """Click a review button, fill the dialog it opens, and press its OK."""
    button.click()
    dialog = bar.dialog
    assert dialog is not None
    fill(dialog)
    dialog.accept()
    return dialog


def write(text: str) -> Callable[[TextDialog], None]:
    return lambda dialog: dialog.text_edit.setPlainText(text)


def state_of(world: World, shop_id: str) -> str:
    return shops.get_shop(engine=world.engine, shop_id=shop_id).state


def test_the_queue_lists_a_submitted_shop_and_opens_it_for_review(
    qtbot: QtBot,
    qtmodeltester: object,
    world: World,
    shop: tuple[str, str, list[Item]],
    window: MainWindow,
) -> None:
    shop_id, audit_id, items = shop
    shops.create_shop(engine=world.engine, data=phone())  # assigned: not in the queue
    assert window.review_queue_action.isEnabled()  # on SQLite the one user is a manager
    dialog = open_queue(qtbot, window)
    qtmodeltester.check(queue_ui.QueueModel(), force_py=True)  # type: ignore[attr-defined]
    [row] = texts(dialog)
    assert row[1:] == ["Northwind", "Phone", "jan", "2025-06-20", row[5]]
    assert row[5].endswith("%")
    assert dialog.summary.text().startswith("1 shop waiting for review")
    assert dialog.review_button.isEnabled()
    assert problems(dialog) == []
    view = review_view(qtbot, window, audit_id)
    assert window.stack.currentIndex() == PAGE_RUNNER
    assert view.runner.reviewer is not None and view.review_bar is not None
    assert view.review_bar.isVisible()
    assert not view.banner.isVisible()  # no "reopen": the bar says what may be done
    assert problems(view) == []
    # The shopper's answers, read-only.
    view.go_to(items[0].id)
    editor = view.editor
    assert editor is not None
    assert all(not b.isEnabled() for b in editor.findChildren(QPushButton))
    assert view.note.isReadOnly()
    assert state_of(world, shop_id) == ShopState.SUBMITTED


def test_return_with_an_item_comment_shows_it_beside_the_item_when_opened_again(
    qtbot: QtBot, world: World, shop: tuple[str, str, list[Item]], window: MainWindow
) -> None:
    shop_id, audit_id, items = shop
    first = items[0]
    view = review_view(qtbot, window, audit_id)
    bar = view.review_bar
    assert bar is not None
    view.go_to(first.id)
    finish(qtbot, bar, bar.comment_item_button, write("Which menu option did you choose?"))
    qtbot.waitUntil(lambda: len(view.runner.comments) == 1, timeout=TIMEOUT)
    assert view.item_panel.comments.isVisible()
    assert "Which menu option did you choose?" in view.item_panel.comments.text()
    index = view.outline_model.item_index(first.id)
    assert index.data(COMMENTS_ROLE) == 1
    assert index.data().startswith(f"{COMMENT_MARK} ")
    # Return: the dialog lists what was written; the audit comment goes with it.
    bar.return_button.click()
    dialog = bar.dialog
    assert isinstance(dialog, TextDialog)
    assert "Which menu option did you choose?" in dialog.listing.text()
    assert dialog.listing.isVisible() and dialog.ok_button.isEnabled()
    dialog.text_edit.setPlainText("Please say what you were told & by whom.")
    dialog.accept()
    qtbot.waitUntil(lambda: window.runner_view is None, timeout=TIMEOUT)
    assert state_of(world, shop_id) == ShopState.RETURNED
    queue = window.review_queue_dialog
    qtbot.waitUntil(lambda: queue.rows == [], timeout=TIMEOUT)
    # The shopper opens it again: in progress, the comments beside the item and in the header.
    window.open_audit(audit_id)
    again = opened(qtbot, window)
    assert again.review_bar is None
    assert not again.runner.read_only
    again.go_to(first.id)
    comments = again.item_panel.comments
    assert comments.isVisible()
    assert "Which menu option did you choose?" in comments.text()
    assert again.header.audit_comments.isVisible()
    assert "Please say what you were told &amp; by whom." in again.header.audit_comments.text()
    assert again.outline_model.item_index(first.id).data(COMMENTS_ROLE) == 1
    assert again.outline_model.item_index(items[1].id).data(COMMENTS_ROLE) == 0


def test_return_without_a_comment_is_refused_in_the_dialog(
    qtbot: QtBot, world: World, shop: tuple[str, str, list[Item]], window: MainWindow
) -> None:
    shop_id, audit_id, _items = shop
    view = review_view(qtbot, window, audit_id)
    bar = view.review_bar
    assert bar is not None
    bar.return_button.click()
    dialog = bar.dialog
    assert isinstance(dialog, TextDialog)
    assert not dialog.ok_button.isEnabled()  # nothing written yet: a comment is needed
    dialog.text_edit.setPlainText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.reject()
    assert state_of(world, shop_id) == ShopState.SUBMITTED
    assert window.runner_view is view


def test_accept_moves_the_shop_to_reviewed_and_the_queue_refreshes(
    qtbot: QtBot, world: World, shop: tuple[str, str, list[Item]], window: MainWindow
) -> None:
    shop_id, audit_id, _items = shop
    view = review_view(qtbot, window, audit_id)
    bar = view.review_bar
    assert bar is not None
    dialog = finish(qtbot, bar, bar.accept_button, lambda _d: None)  # no comment: fine
    assert isinstance(dialog, TextDialog)
    qtbot.waitUntil(lambda: window.runner_view is None, timeout=TIMEOUT)
    assert state_of(world, shop_id) == ShopState.REVIEWED
    queue = window.review_queue_dialog
    qtbot.waitUntil(lambda: queue.rows == [], timeout=TIMEOUT)
    assert queue.summary.text().startswith("No shop waits for review")


def test_a_refused_verdict_is_one_message_and_the_review_stays_open(
    qtbot: QtBot,
    world: World,
    shop: tuple[str, str, list[Item]],
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop_id, audit_id, _items = shop
    view = review_view(qtbot, window, audit_id)
    bar = view.review_bar
    assert bar is not None
    review.accept(engine=world.engine, audit_id=audit_id)  # someone else was quicker
    messages: list[str] = []
    monkeypatch.setattr(review_ui, "show_error", lambda _p, text, **_k: messages.append(text))
    finish(qtbot, bar, bar.accept_button, write("Fine"))
    qtbot.waitUntil(lambda: not bar.busy, timeout=TIMEOUT)
    assert len(messages) == 1 and "only a submitted shop" in messages[0]
    assert "\n" not in messages[0]
    assert window.runner_view is view and bar.accept_button.isEnabled()
    assert state_of(world, shop_id) == ShopState.REVIEWED


def history_texts(qtbot: QtBot, view: AuditRunnerView) -> list[list[str]]:
    dialog = view.history_dialog
    assert isinstance(dialog, HistoryDialog)
    qtbot.waitUntil(lambda: dialog.entries is not None, timeout=TIMEOUT)
    model = dialog.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_a_correction_lands_in_the_items_history_dialog(
    qtbot: QtBot, world: World, shop: tuple[str, str, list[Item]], window: MainWindow
) -> None:
    _shop_id, audit_id, items = shop
    first = items[0]
    assert first.type.value == "yes_no"
    view = review_view(qtbot, window, audit_id)
    bar = view.review_bar
    assert bar is not None
    view.go_to(first.id)

    yes, no = format_answer(first, "yes"), format_answer(first, "no")

    def choose_no(dialog: CorrectDialog) -> None:
        assert f"The shopper's answer: {yes}." in dialog.was.text()
        [no] = [b for b in dialog.editor.findChildren(QPushButton) if b.text().startswith("No")]
        no.click()
        dialog.note.setPlainText("Heard on the recording")

    finish(qtbot, bar, bar.correct_button, choose_no)
    qtbot.waitUntil(lambda: view.runner.value(first.id) == "no", timeout=TIMEOUT)
    assert view.note.toPlainText() == "Heard on the recording"  # the item shows it at once
    qtbot.keyClick(view.item_panel.frame, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    rows = history_texts(qtbot, view)
    [corrected] = [r for r in rows if "corrected by the reviewer" in r[3]]
    reviewer = review.reviewer_login(engine=world.engine, audit_id=audit_id)
    assert corrected[1] == (reviewer or "—")
    assert corrected[0].endswith(f"({view.runner.zone})")
    assert corrected[2] == f"{yes} → {no} — note: Heard on the recording"
    assert view.history_dialog is not None
    assert view.history_dialog.windowTitle() == f"History of “{first.prompt}”"
    assert problems(view.history_dialog) == []


def test_the_history_dialog_lists_a_changed_answer_with_old_and_new(
    qtbot: QtBot, world: World, shop: tuple[str, str, list[Item]], window: MainWindow
) -> None:
    _shop_id, audit_id, items = shop
    first = items[0]
    review.return_to_shopper(
        engine=world.engine, audit_id=audit_id, items={first.id: "Are you sure?"}
    )
    window.open_audit(audit_id)
    view = opened(qtbot, window)
    view.go_to(first.id)
    assert "Are you sure?" in view.item_panel.comments.text()
    qtbot.keyClick(view.item_panel.frame, Qt.Key.Key_N)  # the shopper changes it: yes → no
    assert AuditRunner(engine=world.engine, audit_id=audit_id).value(first.id) == "no"
    view.go_to(first.id)
    view.item_panel.history_button.click()
    rows = history_texts(qtbot, view)
    yes, no = format_answer(first, "yes"), format_answer(first, "no")
    changed = [r for r in rows if r[3] == "Answer changed"]
    assert [r[2] for r in changed] == [f"{yes} → {no}"]
    assert "Comment with the return: Are you sure?" in [r[3] for r in rows]
    # The whole audit's: every entry, with the item it is about.
    view.header.history_button.click()
    dialog = view.history_dialog
    assert isinstance(dialog, HistoryDialog) and dialog.item_id is None
    whole = history_texts(qtbot, view)
    assert problems(dialog) == []
    whats = [r[4] for r in whole]
    assert "Submitted for review" in whats and "Returned to the shopper" in whats
    [answer] = [r for r in whole if r[4] == "Answer changed"]
    assert answer[2] == first.prompt and answer[3] == f"{yes} → {no}"


# -- a team database ---------------------------------------------------------------------


@pytest.mark.postgres
def test_on_a_team_database_the_queue_and_the_verdict_run_in_the_background(
    qtbot: QtBot,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: dict[str, list[bool]] = {}

    def watched(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def run(**kwargs: Any) -> Any:
            threads.setdefault(name, []).append(
                threading.current_thread() is threading.main_thread()
            )
            return call(**kwargs)

        return run

    monkeypatch.setattr(queue_ui, "review_queue", watched("queue", review.review_queue))
    monkeypatch.setattr(review_ui, "add_comment", watched("comment", review.add_comment))
    monkeypatch.setattr(review_ui, "return_to_shopper", watched("return", review.return_to_shopper))
    with make_world("postgresql", request, tmp_path) as team_world:
        jan = Shopper(team_world, tmp_path / "jan")
        try:
            shop_id, audit_id, items = submitted(team_world, jan)
            window = show_window(qtbot, MainWindow(team_world.ctx))
            try:
                assert window.review_queue_action.isEnabled()
                view = review_view(qtbot, window, audit_id)
                queue = window.review_queue_dialog
                assert [r.shopper for r in queue.model.rows()] == ["jan"]
                bar = view.review_bar
                assert bar is not None and view.saves is not None
                view.go_to(items[1].id)
                finish(qtbot, bar, bar.comment_item_button, write("Too short"))
                qtbot.waitUntil(lambda: len(view.runner.comments) == 1, timeout=TIMEOUT)
                assert "Too short" in view.item_panel.comments.text()
                finish(qtbot, bar, bar.return_button, lambda _d: None)
                qtbot.waitUntil(lambda: window.runner_view is None, timeout=TIMEOUT)
                qtbot.waitUntil(lambda: queue.rows == [], timeout=TIMEOUT)
            finally:
                window.close()
                assert wait_for_background(30)
            assert shops.get_shop(engine=jan.engine, shop_id=shop_id).state == "returned"
            [comment] = AuditRunner(engine=jan.engine, audit_id=audit_id).comments
            assert (comment.item_id, comment.body) == (items[1].id, "Too short")
        finally:
            jan.close()
    assert threads["queue"] and not any(threads["queue"])
    assert threads["comment"] == [False] and threads["return"] == [False]


def test_a_verdicts_comment_is_shown_once_in_the_history() -> None:
    at = datetime(2026, 12, 1, 17, 18, tzinfo=UTC)
    moved = HistoryEntry(at, "UTC", "mia", HistoryKind.SHOP, "Returned", detail="Fix it")
    said = HistoryEntry(at, "UTC", "mia", HistoryKind.COMMENT, "Fix it", detail="returned")
    other = HistoryEntry(at, "UTC", "mia", HistoryKind.SHOP, "Cancelled", detail="Gone")
    shown = [what_text(e) for e in without_repeats([moved, said, other])]
    assert shown == ["Returned", "Comment with the return: Fix it", "Cancelled — Gone"]


def test_a_handed_in_audit_offers_no_reopen_to_its_shopper(
    qtbot: QtBot, world: World, shop: tuple[str, str, list[Item]], window: MainWindow
) -> None:
    """Submitted (then reviewed), its audit is the reviewer's: the banner says so, and
    neither the button nor the runner reopens it."""
    shop_id, audit_id, _items = shop
    assert window.open_audit(audit_id)
    view = opened(qtbot, window)
    assert view.runner.handed_in == "submitted"
    assert view.banner.isVisible()
    assert "submitted for review" in view.header.banner_text.text()
    assert not view.header.reopen_button.isVisibleTo(view)
    with pytest.raises(AuditStateError, match="handed in"):
        view.runner.reopen()
    review.accept(engine=world.engine, audit_id=audit_id)
    assert window.open_audit(audit_id)
    view = opened(qtbot, window)
    qtbot.waitUntil(lambda: view.runner.handed_in == "reviewed", timeout=TIMEOUT)
    assert "accepted by its reviewer" in view.header.banner_text.text()
    assert not view.header.reopen_button.isVisibleTo(view)
    assert state_of(world, shop_id) == ShopState.REVIEWED
