"""Follow-ups in the app: complete on the day, answer later, and View › Waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from shopper.domain.clock import now_utc
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import load_audit
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.ui.main_window import MainWindow
from shopper.ui.runner.view import AuditRunnerView
from shopper.ui.waiting import FollowUpModel, RepliesModel, WaitingDialog, left_text
from tests.data_helpers import new_follow_up_audit
from tests.ui.helpers import Keyboard, new_audit, show, show_window

TIMEOUT = 15000


@pytest.fixture
def audit_id(ctx: AppContext, tmp_path: Path) -> str:
    return new_follow_up_audit(ctx, tmp_path, at=now_utc() - timedelta(hours=1))


def open_view(qtbot: QtBot, ctx: AppContext, audit_id: str) -> AuditRunnerView:
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="Europe/Warsaw")
    view = AuditRunnerView(runner, ctx.data_dir, None)
    show(qtbot, view)
    view.focus_item()
    return view


def status_of(ctx: AppContext, audit_id: str) -> str:
    return load_audit(engine=ctx.engine, audit_id=audit_id).audit.status


def test_complete_on_the_day_then_answer_the_follow_up(
    qtbot: QtBot, ctx: AppContext, audit_id: str
) -> None:
    view = open_view(qtbot, ctx, audit_id)
    keys = Keyboard(qtbot)
    keys.press("y")  # greeted
    keys.press("n")  # solved
    assert view.current.id == "follow_up"
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    box = view.wait_box
    assert box is not None and box.isVisible()
    assert "Did they follow up within five working days?" in box.text()
    assert status_of(ctx, audit_id) == AuditStatus.IN_PROGRESS  # nothing before the answer
    wait = next(b for b in box.findChildren(QPushButton) if "awaiting" in b.text())
    qtbot.mouseClick(wait, Qt.MouseButton.LeftButton)
    assert status_of(ctx, audit_id) == AuditStatus.AWAITING_FOLLOW_UP
    assert view.header.banner.isVisible()
    assert "awaiting follow-up" in view.header.banner_text.text()
    assert "counts as No" in view.header.banner_text.text()

    # The day's answers are closed: Y on "Were you greeted?" changes nothing.
    view.go_to("greeted")
    assert (view.item_panel.editor is not None and not view.item_panel.editor.isEnabled()) or (
        view.item_panel.note.isReadOnly()
    )
    keys.press("n")
    assert view.runner.value("greeted") == "yes"
    # The follow-up comes: Y answers it, its details open, Ctrl+Enter completes.
    view.go_to("follow_up")
    assert not view.item_panel.note.isReadOnly()
    keys.press("y")
    assert view.current.id == "how"
    keys.type("A call")
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert status_of(ctx, audit_id) == AuditStatus.COMPLETED
    assert load_audit(engine=ctx.engine, audit_id=audit_id).answers["how"].value == "A call"
    assert view.runner.read_only and "Read-only" in view.header.banner_text.text()


def test_completing_again_before_the_follow_up_says_what_waits(
    qtbot: QtBot, ctx: AppContext, audit_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.ui.runner import view as view_module

    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "yes")
    runner.complete(wait=True)
    view = open_view(qtbot, ctx, audit_id)
    errors: list[str] = []
    monkeypatch.setattr(view_module, "show_error", lambda _p, message, **_k: errors.append(message))
    view.complete()
    assert len(errors) == 1 and "is not answered yet" in errors[0]
    assert view.current.id == "follow_up"
    assert view.wait_box is None


def test_the_waiting_dialog_lists_follow_ups_and_replies(
    qtbot: QtBot, qtmodeltester: object, ctx: AppContext, audit_id: str
) -> None:
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "yes")
    runner.complete(wait=True)
    email = new_audit(ctx, touchpoint="email")
    AuditRunner(engine=ctx.engine, audit_id=email).add_step("email", "sent")

    dialog = WaitingDialog(ctx.engine)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=TIMEOUT)
    assert dialog.follow_model.rowCount() == 1 and dialog.reply_model.rowCount() == 1
    row = dialog.follow_model.row(0)
    assert row is not None and row.item_id == "follow_up" and row.due is not None
    assert dialog.follow_model.index(0, 1).data().endswith("days left")
    assert "1 audit awaiting follow-up; 1 enquiry waiting for a reply." in dialog.summary.text()
    for model in (dialog.follow_model, dialog.reply_model):
        qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.open_item) as signal:
        dialog.follow_table.activated.emit(dialog.follow_model.index(0, 0))
    assert signal.args == [audit_id, "follow_up"]
    with qtbot.waitSignal(dialog.open_audit) as reply:
        dialog.reply_table.activated.emit(dialog.reply_model.index(0, 0))
    assert reply.args == [email]


def test_left_text() -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert left_text(now + timedelta(days=5, hours=1), now) == "5 days left"
    assert left_text(now + timedelta(days=1, hours=1), now) == "1 day left"
    assert left_text(now + timedelta(hours=3), now) == "due today"
    assert left_text(now, now) == "overdue"
    assert left_text(None, now) == "—"
    assert FollowUpModel().columnCount() == 6 and RepliesModel().columnCount() == 5


def test_the_app_settles_a_passed_window_and_waiting_opens_the_item(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    weeks_ago = now_utc() - timedelta(days=30)
    old = new_follow_up_audit(ctx, tmp_path, at=weeks_ago)
    runner = AuditRunner(engine=ctx.engine, audit_id=old, clock=lambda: weeks_ago)
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "yes")
    runner.complete(wait=True)
    fresh = new_follow_up_audit(ctx, tmp_path, at=now_utc() - timedelta(hours=1))
    runner = AuditRunner(engine=ctx.engine, audit_id=fresh)
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "no")
    runner.complete(wait=True)

    window = show_window(qtbot, MainWindow(ctx))
    qtbot.waitUntil(lambda: status_of(ctx, old) == AuditStatus.COMPLETED, timeout=TIMEOUT)
    assert load_audit(engine=ctx.engine, audit_id=old).answers["follow_up"].value == "no"
    assert status_of(ctx, fresh) == AuditStatus.AWAITING_FOLLOW_UP
    qtbot.waitUntil(lambda: "follow-up never came" in window.statusBar().currentMessage())

    assert window.waiting_action.text() == "&Waiting…"
    window.waiting_action.trigger()
    dialog = window.waiting_dialog
    qtbot.waitUntil(lambda: not dialog.loading, timeout=TIMEOUT)
    assert [r.audit.audit_id for r in dialog.follow_model.rows()] == [fresh]
    dialog.follow_table.activated.emit(dialog.follow_model.index(0, 0))
    assert window.runner_view is not None
    assert window.runner_view.runner.audit_id == fresh
    assert window.runner_view.current.id == "follow_up"
    assert window.runner_view.runner.awaiting


def test_a_settled_audit_open_in_the_runner_is_shown_completed(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    weeks_ago = now_utc() - timedelta(days=30)
    old = new_follow_up_audit(ctx, tmp_path, at=weeks_ago)
    runner = AuditRunner(engine=ctx.engine, audit_id=old, clock=lambda: weeks_ago)
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "yes")
    runner.complete(wait=True)
    window = show_window(qtbot, MainWindow(ctx))
    assert window.open_audit(old)
    with session_scope(ctx.engine) as session:  # as the start-up settling does
        repo.update_audit(session=session, audit_id=old, values={"status": "completed"})
    window._follow_ups_settled([old])
    assert window.runner_view is not None and window.runner_view.runner.read_only
