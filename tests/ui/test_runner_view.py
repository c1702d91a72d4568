"""The audit runner driven like a shopper would: keyboard first, everything saved at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import OperationalError

from shopper.domain.errors import StorageError
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import load_audit
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.store import repo
from shopper.ui.runner.outline import OutlineModel
from shopper.ui.runner.view import AuditRunnerView
from tests.ui.helpers import Keyboard, new_audit, show, yes_no_template

CTRL = Qt.KeyboardModifier.ControlModifier


def open_view(qtbot: QtBot, ctx: AppContext, audit_id: str) -> AuditRunnerView:
    view = AuditRunnerView(AuditRunner(engine=ctx.engine, audit_id=audit_id), ctx.data_dir)
    show(qtbot, view)
    view.focus_item()
    return view


def stored(ctx: AppContext, audit_id: str) -> dict[str, object]:
    return load_audit(engine=ctx.engine, audit_id=audit_id).values


def test_yes_no_section_by_keys_alone(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=8))
    view = open_view(qtbot, ctx, audit_id)
    keys = Keyboard(qtbot)
    answers = "ynyaynny"
    for key in answers:
        keys.press(key)
    values = stored(ctx, audit_id)
    expected = {"y": "yes", "n": "no", "a": "na"}
    assert {f"q{n}": values[f"q{n}"] for n in range(1, 9)} == {
        f"q{n}": expected[k] for n, k in enumerate(answers, start=1)
    }
    assert keys.presses / len(answers) <= 1.5
    # The last answer moved on to the next section.
    assert view.current.id == "rating"


def test_digits_enter_and_tab_cover_every_type(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=1))
    view = open_view(qtbot, ctx, audit_id)
    keys = Keyboard(qtbot)
    keys.press("y")
    assert view.current.id == "rating"
    keys.press("4")
    assert view.current.id == "remark"
    assert isinstance(keys.focus(), QPlainTextEdit)
    keys.type("Zażółć <b>gęślą</b> & 東京")
    keys.press(Qt.Key.Key_Tab)
    assert stored(ctx, audit_id) == {
        "q1": "yes",
        "rating": 4,
        "remark": "Zażółć <b>gęślą</b> & 東京",
    }
    keys.press(Qt.Key.Key_Backtab)
    assert view.current.id == "rating"


def test_show_if_items_appear_and_disappear_live(qtbot: QtBot, ctx: AppContext) -> None:
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id)
    view.go_to("reached_human")
    keys = Keyboard(qtbot)
    keys.press("n")
    # No human reached: the call-back question follows, the representative items are hidden.
    assert view.current.id == "callback_offered"
    hidden = [it.id for it in view.runner.template.items() if not view.runner.is_visible(it.id)]
    assert "rep_knowledgeable" in hidden and "time_to_human" in hidden
    model = view.outline_model
    rep_index = model.item_index("rep_knowledgeable")
    assert view.outline.isRowHidden(rep_index.row(), rep_index.parent())
    view.go_to("reached_human")
    keys.press("y")
    assert view.current.id == "time_to_human"
    assert not view.outline.isRowHidden(rep_index.row(), rep_index.parent())


def test_complete_refuses_missing_and_jumps_to_first(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=3))
    view = open_view(qtbot, ctx, audit_id)
    keys = Keyboard(qtbot)
    keys.press("y")
    keys.press(Qt.Key.Key_Return, CTRL)
    assert load_audit(engine=ctx.engine, audit_id=audit_id).audit.status == AuditStatus.IN_PROGRESS
    assert view.current.id == "q2"
    for key in ("n", "y", "5"):
        keys.press(key)
    keys.press(Qt.Key.Key_Return, CTRL)
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert detail.audit.status == AuditStatus.COMPLETED
    assert view.runner.read_only
    assert view.banner.isVisibleTo(view)
    # Read-only: keys change nothing.
    view.go_to("q1")
    keys.press("n")
    assert stored(ctx, audit_id)["q1"] == "yes"
    view.reopen()
    assert not view.runner.read_only
    events = [e.kind for e in load_audit(engine=ctx.engine, audit_id=audit_id).events]
    assert events == ["created", "completed", "reopened"]


def test_saved_label_after_commit_and_failure_keeps_text(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=1))
    view = open_view(qtbot, ctx, audit_id)
    assert not view.saved_label.text().startswith("Saved ")
    Keyboard(qtbot).press("y")
    assert view.saved_label.text().startswith("Saved ")

    view.go_to("remark")

    def broken(**_kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(repo, "save_answer", broken)
    monkeypatch.setattr(repo, "save_answer_with_audit", broken)  # an answer or note alone
    keys = Keyboard(qtbot)
    keys.type("precious words")
    assert view.flush() is False
    assert view.saved_label.text() == "Not saved!"
    assert "disk I/O error" in view.saved_label.toolTip()
    editor_text = view.editor.input_widget() if view.editor else None
    assert isinstance(editor_text, QPlainTextEdit)
    assert editor_text.toPlainText() == "precious words"
    # Moving on is refused while the text is unsaved.
    view.step(1)
    assert view.current.id == "remark"
    monkeypatch.undo()
    assert view.flush() is True
    assert stored(ctx, audit_id)["remark"] == "precious words"
    assert view.saved_label.text().startswith("Saved ")


def test_typing_is_saved_after_a_pause_and_on_flush(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=1))
    view = open_view(qtbot, ctx, audit_id)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_E, CTRL)
    assert keys.focus() is view.note
    keys.type("rude")
    qtbot.waitUntil(
        lambda: load_audit(engine=ctx.engine, audit_id=audit_id).answers.get("q1") is not None,
        timeout=3000,
    )
    assert load_audit(engine=ctx.engine, audit_id=audit_id).answers["q1"].note == "rude"
    keys.type(" agent")
    view.flush()  # what quitting does
    assert load_audit(engine=ctx.engine, audit_id=audit_id).answers["q1"].note == "rude agent"


def test_number_that_does_not_parse_stays_on_screen(qtbot: QtBot, ctx: AppContext) -> None:
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id)
    view.go_to("menu_depth")
    keys = Keyboard(qtbot)
    assert isinstance(keys.focus(), QLineEdit)
    keys.type("two")
    keys.press(Qt.Key.Key_Return)
    assert view.current.id == "menu_depth"
    assert "menu_depth" not in stored(ctx, audit_id)
    line = keys.focus()
    assert isinstance(line, QLineEdit) and line.text() == "two"
    line.selectAll()
    keys.type("3")
    keys.press(Qt.Key.Key_Return)
    assert stored(ctx, audit_id)["menu_depth"] == 3
    assert view.current.id == "menu_prompts"


def test_resume_opens_where_it_was_left(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=5))
    view = open_view(qtbot, ctx, audit_id)
    keys = Keyboard(qtbot)
    for key in "yyy":
        keys.press(key)
    assert view.current.id == "q4"
    view.close()
    again = open_view(qtbot, ctx, audit_id)
    assert again.current.id == "q4"


def test_outline_model(qtmodeltester: object, ctx: AppContext) -> None:
    audit_id = new_audit(ctx)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    runner.set_answer("reached_human", "yes")
    model = OutlineModel(runner)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.rowCount() == len(runner.template.sections)


def test_storage_error_on_answer_keeps_old_answer(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=2))
    view = open_view(qtbot, ctx, audit_id)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise StorageError("could not save: database is locked")

    monkeypatch.setattr(view.runner, "set_answer", refuse)
    Keyboard(qtbot).press("y")
    assert view.saved_label.text() == "Not saved!"
    assert "q1" not in stored(ctx, audit_id)
    assert QApplication.focusWidget() is not None
