"""The runner on a team database: saves off the GUI thread, one at a time and in order; a lost
connection is one line and a retry, and nothing is lost, written twice or half-written.

Against the real test server; it is stopped at a known statement (a `before_cursor_execute`
hook, see tests/services/test_team_faults.py), never by timing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shopper.domain.errors import StorageError
from shopper.domain.instruments import Instrument, PhoneStep
from shopper.domain.template import Item, ItemType
from shopper.domain.vocabulary import MomentKind
from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.save_queue import SaveQueue, SaveReport
from shopper.services.templates import list_templates
from shopper.store.tables import Moment
from shopper.ui.runner import view as view_module
from shopper.ui.runner.editors import YesNoEditor
from shopper.ui.runner.evidence import placeholder
from shopper.ui.runner.view import AuditRunnerView
from tests.postgres import PostgresServer, app_context
from tests.services.test_team_faults import stop_at
from tests.ui.helpers import Keyboard, new_audit, show, yes_no_template
from tests.ui.test_instruments import png_bytes

pytestmark = pytest.mark.postgres


@pytest.fixture
def team(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[AppContext]:
    with app_context("postgresql", request, data_dir) as context:
        yield context


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box the runner view would show."""
    shown: list[str] = []
    monkeypatch.setattr(
        view_module, "show_error", lambda _parent, message, **_kw: shown.append(message)
    )
    return shown


def phone_audit(ctx: AppContext) -> str:
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    phone = list_templates(engine=ctx.engine, touchpoint="phone")[0]
    return start_audit(engine=ctx.engine, company_id=company.id, template_id=phone.id).id


def open_view(qtbot: QtBot, ctx: AppContext, audit_id: str) -> AuditRunnerView:
    view = AuditRunnerView(AuditRunner(engine=ctx.engine, audit_id=audit_id), ctx.data_dir)
    show(qtbot, view)
    assert view.saves is not None  # a team database: queued
    return view


def yes_no_items(view: AuditRunnerView, count: int) -> list[Item]:
    items = [i for i in view.visible_items() if i.type is ItemType.YES_NO and i.show_if is None]
    assert len(items) >= count
    return items[:count]


def answer(qtbot: QtBot, view: AuditRunnerView, item: Item, value: Any) -> None:
    """The shopper goes to the item and clicks the answer's button. (Moving on waits for
    the saves before it, without blocking: the next item depends on the answers.)"""
    view.go_to(item.id)
    qtbot.waitUntil(lambda: view.current.id == item.id)
    editor = view.editor
    assert isinstance(editor, YesNoEditor)
    editor.buttons[editor.values.index(value)].click()


def shown(view: AuditRunnerView) -> Any:
    """The answer the item's buttons show."""
    editor = view.editor
    assert isinstance(editor, YesNoEditor)
    checked = [v for b, v in zip(editor.buttons, editor.values, strict=True) if b.isChecked()]
    return checked[0] if checked else None


def rows(ctx: AppContext, sql: str, audit_id: str) -> list[tuple[Any, ...]]:
    with ctx.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), {"audit": audit_id})]


def test_a_lost_connection_is_one_line_the_shopper_goes_on_and_everything_is_saved_once(
    qtbot: QtBot, postgres_server: PostgresServer, team: AppContext, errors: list[str]
) -> None:
    audit_id = phone_audit(team)
    view = open_view(qtbot, team, audit_id)
    lines: list[str] = []
    view.save_status.connect(lines.append)
    first, second, third = yes_no_items(view, 3)

    hook = stop_at(postgres_server, "INSERT INTO answer")
    event.listen(team.engine, "before_cursor_execute", hook)
    try:
        answer(qtbot, view, first, "yes")
        qtbot.waitUntil(lambda: view.saves is not None and view.saves.failure is not None)
        assert hook.fired  # type: ignore[attr-defined]
        # The shopper goes on: more answers (one changed twice), a note, a moment, a step.
        answer(qtbot, view, second, "no")
        answer(qtbot, view, second, "yes")
        answer(qtbot, view, third, "no")
        view.note.setPlainText("asked for my number twice")
        assert view.commit_typed()
        view.log_moment(MomentKind.BAD)
        view.moments_pane.note.setText("put on hold twice")  # its note, while it waits
        assert view.commit_typed()
        assert view.phone_map is not None
        for kind in (PhoneStep.CALL_START, PhoneStep.MENU, PhoneStep.HOLD_START):
            view.phone_map.record(kind)
        view.phone_map.record(PhoneStep.HOLD_START)  # H again: the hold ends
        assert view.current.id == third.id
        assert shown(view) == "no"  # still on screen
        view.go_to(second.id)
        assert shown(view) == "yes"  # what waits is shown, not what is stored
        assert view.flush() is False  # the window would ask before leaving the audit
    finally:
        event.remove(team.engine, "before_cursor_execute", hook)
        postgres_server.start()

    assert errors == []  # no message box: one line
    assert lines and all(line == lines[0] for line in lines)
    assert "\n" not in lines[0] and "saved when it is back" in lines[0]
    assert view.header.retry_button.isVisibleTo(view)
    assert rows(team, "SELECT item_id FROM answer WHERE audit_id = :audit", audit_id) == []

    view.header.retry_button.click()
    qtbot.waitUntil(view.saves_done, timeout=20_000)
    assert lines == [lines[0], ""]  # one line, gone once saved
    assert not view.header.retry_button.isVisibleTo(view)
    assert view.saved_label.text().startswith("Saved")

    answers = rows(
        team,
        "SELECT item_id, value, note FROM answer WHERE audit_id = :audit ORDER BY answered_at",
        audit_id,
    )
    ours = {first.id, second.id, third.id}  # the phone steps measured others
    assert [(i, json.loads(v), n) for i, v, n in answers if i in ours] == [
        (first.id, "yes", ""),
        (second.id, "yes", ""),
        (third.id, "no", "asked for my number twice"),
    ]
    moments = rows(team, "SELECT kind, note FROM moment WHERE audit_id = :audit", audit_id)
    assert moments == [(MomentKind.BAD, "put on hold twice")]
    steps = rows(
        team, "SELECT kind FROM instrument_event WHERE audit_id = :audit ORDER BY at", audit_id
    )
    kinds = [PhoneStep.CALL_START, PhoneStep.MENU, PhoneStep.HOLD_START, PhoneStep.HOLD_END]
    assert steps == [(kind,) for kind in kinds]
    assert view.runner.value(second.id) == "yes"
    assert view.runner.template is view.template  # reloaded for the retry, same template
    assert len(view.runner.moments) == 1 and len(view.runner.steps(Instrument.PHONE)) == 4
    summary = rows(team, "SELECT answered FROM audit WHERE id = :audit", audit_id)
    assert summary == [(view.runner.score.answered,)]


def test_answers_are_never_written_on_the_gui_thread(
    qtbot: QtBot, team: AppContext, monkeypatch: pytest.MonkeyPatch, errors: list[str]
) -> None:
    audit_id = phone_audit(team)
    view = open_view(qtbot, team, audit_id)
    threads: list[threading.Thread] = []
    set_answer = AuditRunner.set_answer

    def recorded(runner: AuditRunner, item_id: str, value: Any) -> Any:
        threads.append(threading.current_thread())
        return set_answer(runner, item_id, value)

    monkeypatch.setattr(AuditRunner, "set_answer", recorded)
    for item in yes_no_items(view, 2):
        answer(qtbot, view, item, "yes")
    assert view.flush()
    assert len(threads) == 2
    assert all(thread is not threading.main_thread() for thread in threads)
    assert errors == []


def test_flush_waits_for_the_queue(qtbot: QtBot, team: AppContext, errors: list[str]) -> None:
    audit_id = phone_audit(team)
    view = open_view(qtbot, team, audit_id)
    (item,) = yes_no_items(view, 1)

    def slow(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO answer"):
            time.sleep(0.5)  # on the queue's thread: the GUI goes on meanwhile

    event.listen(team.engine, "before_cursor_execute", slow)
    try:
        started = time.monotonic()
        answer(qtbot, view, item, "no")
        assert time.monotonic() - started < 0.4  # the GUI did not wait
        assert not view.saves_done()
        assert view.saved_label.text() == "Saving…"
        assert view.flush()
    finally:
        event.remove(team.engine, "before_cursor_execute", slow)
    assert view.saves_done()
    stored = rows(team, "SELECT value FROM answer WHERE audit_id = :audit", audit_id)
    assert [json.loads(v) for (v,) in stored] == ["no"]
    assert view.runner.value(item.id) == "no"
    assert errors == []


def test_a_moment_whose_commit_reply_was_lost_is_not_written_twice(
    postgres_server: PostgresServer, team: AppContext
) -> None:
    """The commit reached the server, its reply did not: the retry finds the moment stored."""
    audit_id = phone_audit(team)
    runner = AuditRunner(engine=team.engine, audit_id=audit_id)
    reports: list[SaveReport] = []
    saves = SaveQueue(runner, reports.append, retry_seconds=0.05)
    lost = {"armed": True, "moment": False}

    def before(session: Session) -> None:
        lost["moment"] = any(isinstance(o, Moment) for o in session.new)

    def after(_session: Session) -> None:
        if lost["armed"] and lost["moment"]:
            lost["armed"] = False
            raise OperationalError("COMMIT", None, ConnectionError("server closed the connection"))

    event.listen(Session, "before_commit", before)
    event.listen(Session, "after_commit", after)
    try:
        saves.submit(lambda r: r.add_moment(MomentKind.GOOD, note="kind voice"))
        saves.submit(lambda r: r.set_note(next(r.template.items()).id, "after it"))
        deadline = time.monotonic() + 20
        while saves.waiting() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        event.remove(Session, "before_commit", before)
        event.remove(Session, "after_commit", after)
        saves.close()
    kinds = [r.kind for r in reports]
    assert kinds == ["stopped", "resumed", "saved", "saved"]
    assert isinstance(reports[0].error, StorageError)
    assert rows(team, "SELECT note FROM moment WHERE audit_id = :audit", audit_id) == [
        ("kind voice",)
    ]
    state = reports[-1].state
    assert state is not None and [m.note for m in state.moments] == ["kind voice"]


def test_evidence_not_here_yet_is_fetched_off_the_gui_thread(
    qtbot: QtBot, team: AppContext, tmp_path: Path, errors: list[str]
) -> None:
    """Another machine attached a photo; here (an empty folder) its thumbnail shows a
    placeholder while the bytes come from the database on another thread, and Open waits."""
    audit_id = phone_audit(team)
    shopper = AuditRunner(engine=team.engine, audit_id=audit_id)
    item = next(shopper.template.items())
    shopper.attach(
        data_dir=tmp_path / "shopper", data=png_bytes(), filename="a.png", item_id=item.id
    )

    fetched_on: list[threading.Thread] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "evidence_blob" in statement and statement.lstrip().startswith("SELECT"):
            fetched_on.append(threading.current_thread())

    event.listen(team.engine, "before_cursor_execute", record)
    try:
        here = tmp_path / "manager"
        view = AuditRunnerView(AuditRunner(engine=team.engine, audit_id=audit_id), here)
        show(qtbot, view)
        pane = view.instruments.evidence_pane
        model = pane.model
        waiting = placeholder().cacheKey()
        assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() == waiting
        pane.table.selectRow(0)
        assert pane.open_selected() is None  # not here yet: it opens once fetched
        qtbot.waitUntil(lambda: getattr(pane, "viewer", None) is not None, timeout=10_000)
    finally:
        event.remove(team.engine, "before_cursor_execute", record)
    assert fetched_on and all(t is not threading.main_thread() for t in fetched_on)
    icon = model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert icon.cacheKey() != waiting and not icon.isNull()
    assert model.index(0, 0).data() == "a.png"  # intact, not flagged
    assert pane.viewer.picture is not None and not pane.viewer._pixmap.isNull()
    pane.viewer.close()
    assert errors == []


def test_keys_faster_than_the_server_answer_each_item_in_turn(
    qtbot: QtBot, team: AppContext, tmp_path: Path, errors: list[str]
) -> None:
    """The shopper does not wait for a slow server: each key answers the next item at once
    (which item is next is known from the answers still on their way)."""
    audit_id = new_audit(team, template_path=yes_no_template(tmp_path, count=8))
    view = open_view(qtbot, team, audit_id)
    view.focus_item()

    def slow(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO answer"):
            time.sleep(0.2)

    event.listen(team.engine, "before_cursor_execute", slow)
    try:
        keys = Keyboard(qtbot)
        started = time.monotonic()
        for key in "ynyaynny":
            keys.press(key)
        assert time.monotonic() - started < 1.0  # eight saves take 1.6 s on this server
        assert view.current.id == "rating"  # moved on past the eight, without waiting
        assert not view.saves_done()
        assert view.flush()
    finally:
        event.remove(team.engine, "before_cursor_execute", slow)
    expected = {"y": "yes", "n": "no", "a": "na"}
    stored = dict(rows(team, "SELECT item_id, value FROM answer WHERE audit_id = :audit", audit_id))
    assert {k: json.loads(v) for k, v in stored.items()} == {
        f"q{n}": expected[k] for n, k in enumerate("ynyaynny", start=1)
    }
    assert errors == []


def test_the_next_item_follows_an_answer_still_on_its_way(
    qtbot: QtBot, team: AppContext, errors: list[str]
) -> None:
    """ "No, no live person" shows the callback question next, before the server has it."""
    view = open_view(qtbot, team, phone_audit(team))

    def slow(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO answer"):
            time.sleep(0.5)

    event.listen(team.engine, "before_cursor_execute", slow)
    try:
        view.go_to("reached_human")
        view.focus_item()
        Keyboard(qtbot).press("n")
        assert view.runner.value("reached_human") is None  # not written yet
        assert view.current.id == "callback_offered"
        assert view.flush()
    finally:
        event.remove(team.engine, "before_cursor_execute", slow)
    assert view.runner.value("reached_human") == "no"
    assert errors == []
