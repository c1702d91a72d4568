"""AuditRunner: every answer and note is committed at once, with the audit's score summary."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from shopper.domain.errors import AnswerError, AuditStateError, ShopperError, StorageError
from shopper.domain.scoring import score_audit
from shopper.domain.template import NA, Item, ItemType, Template
from shopper.domain.vocabulary import AuditStatus
from shopper.services import runner as runner_module
from shopper.services.audits import load_audit, start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import MAX_NOTE, AuditRunner, MissingAnswersError
from shopper.services.templates import get_template, list_templates
from shopper.store import repo
from shopper.store.engine import create_db_engine, kept_connections, session_scope
from shopper.store.tables import (
    Answer,
    Audit,
    AuditEvent,
)
from tests.postgres import DATABASES, app_context

ZONE = "Europe/Warsaw"
T0 = datetime(2025, 5, 12, 8, 0, tzinfo=UTC)


class TickingClock:
    """A clock that moves one second per reading, so every save has its own moment."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(params=DATABASES)
def ctx(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[AppContext]:
    """Saving answers runs on SQLite and on a team database (as a manager)."""
    with app_context(request.param, request, data_dir) as context:
        yield context


@pytest.fixture
def phone(ctx: AppContext) -> Template:
    infos = list_templates(engine=ctx.engine, touchpoint="phone")
    assert len(infos) == 1
    return get_template(engine=ctx.engine, template_id=infos[0].id, version=infos[0].version)


@pytest.fixture
def audit_id(ctx: AppContext, phone: Template) -> str:
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Blue Harbor Bank"))
    audit = start_audit(
        engine=ctx.engine,
        company_id=company.id,
        template_id=phone.id,
        shopper="Ana",
        zone=ZONE,
        at=T0,
    )
    return audit.id


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def make_runner(ctx: AppContext, audit_id: str, clock: TickingClock) -> Callable[[], AuditRunner]:
    def make() -> AuditRunner:
        return AuditRunner(engine=ctx.engine, audit_id=audit_id, zone=ZONE, clock=clock)

    return make


@pytest.fixture
def runner(make_runner: Callable[[], AuditRunner]) -> AuditRunner:
    return make_runner()


def valid_answer(item: Item) -> Any:
    kind = item.type
    if kind is ItemType.YES_NO:
        return item.pass_answer
    if kind is ItemType.RATING:
        assert item.scale is not None
        return item.scale.max
    if kind is ItemType.SINGLE_CHOICE:
        return item.options[0].key
    if kind is ItemType.MULTI_CHOICE:
        return [item.options[0].key]
    if kind in (ItemType.NUMBER, ItemType.COUNT):
        return item.target.good if item.target else 1
    if kind is ItemType.DURATION:
        return "0:10"
    if kind is ItemType.DATETIME:
        return {"utc": "2025-05-12T07:55:00+00:00", "tz": ZONE}
    return "Keep it up."


def answer_required(runner: AuditRunner, **chosen: Any) -> None:
    """Answer every required visible item, using `chosen` answers where given."""
    for item_id, value in chosen.items():
        runner.set_answer(item_id, value)
    while runner.score.required_missing:
        item_id = runner.score.required_missing[0]
        runner.set_answer(item_id, chosen.get(item_id, valid_answer(runner.template.item(item_id))))


def finish_audit(engine: Engine, audit_id: str) -> None:
    """Answer what is required and complete an audit in progress (a shop is submitted only
    with its audit completed)."""
    runner = AuditRunner(engine=engine, audit_id=audit_id)
    if runner.audit.status == AuditStatus.IN_PROGRESS:
        answer_required(runner)
        runner.complete()


def snapshot(engine: Engine, audit_id: str) -> tuple[Any, ...]:
    """Everything the database holds about an audit."""
    with Session(engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        answers = sorted(
            (a.item_id, a.value, a.note, a.answered_at, a.answered_tz)
            for a in session.exec(select(Answer).where(col(Answer.audit_id) == audit_id))
        )
        events = sorted(
            (e.kind, e.at, e.detail)
            for e in session.exec(select(AuditEvent).where(col(AuditEvent.audit_id) == audit_id))
        )
        return (audit.model_dump(), answers, events)


def db_audit(engine: Engine, audit_id: str) -> Audit:
    with Session(engine) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        return audit


def db_op_error(message: str = "disk I/O error") -> OperationalError:
    return OperationalError("INSERT INTO answer ...", {}, sqlite3.OperationalError(message))


def break_answer_saving(monkeypatch: pytest.MonkeyPatch, message: str = "disk I/O error") -> None:
    """Every write of an answer fails: alone (an answer or a note) or with other work."""

    def broken(**_kwargs: Any) -> None:
        raise db_op_error(message)

    monkeypatch.setattr(repo, "save_answer", broken)
    monkeypatch.setattr(repo, "save_answer_with_audit", broken)


# -- saving --------------------------------------------------------------------------


def test_set_answer_commits_at_once(
    ctx: AppContext, runner: AuditRunner, make_runner: Callable[[], AuditRunner], audit_id: str
) -> None:
    saved = runner.set_answer("reached_human", "yes")
    assert runner.last_saved == saved
    assert runner.value("reached_human") == "yes"

    other = make_runner()
    assert other.value("reached_human") == "yes"
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    record = detail.answers["reached_human"]
    assert record.value == "yes"
    assert record.answered_at == saved
    assert record.answered_tz == ZONE

    # A separate engine (its own connection) reads the committed answer from the file.
    independent = create_db_engine(ctx.db_url)
    try:
        seen = load_audit(engine=independent, audit_id=audit_id)
        assert seen.answers["reached_human"].value == "yes"
    finally:
        independent.dispose()


def test_values_are_normalised_before_saving(
    runner: AuditRunner, make_runner: Callable[[], AuditRunner]
) -> None:
    runner.set_answer("greeting_wait", "1:15")
    runner.set_answer("menu_depth", "2")
    runner.set_answer("prompts_clear", NA)
    runner.set_answer("call_started_at", {"utc": "2025-05-12T10:00:00+02:00", "tz": ZONE})
    reloaded = make_runner()
    assert reloaded.value("greeting_wait") == 75.0
    assert reloaded.value("menu_depth") == 2
    assert reloaded.value("prompts_clear") == NA
    assert reloaded.value("call_started_at") == {"utc": "2025-05-12T08:00:00+00:00", "tz": ZONE}
    assert reloaded.values == runner.values


def test_summary_columns_follow_the_answers(
    ctx: AppContext, runner: AuditRunner, audit_id: str
) -> None:
    fresh = db_audit(ctx.engine, audit_id)
    assert fresh.answered == 0
    assert fresh.score_percent is None
    assert fresh.visible == runner.score.visible

    runner.set_answer("reached_human", "no")
    stored = db_audit(ctx.engine, audit_id)
    assert stored.answered == 1
    assert stored.score_percent == 0.0
    assert stored.verdict == "Critical failure"
    assert stored.passed is False
    assert stored.critical_failures == 1
    assert stored.current_item == "reached_human"

    runner.set_answer("reached_human", "yes")
    runner.set_answer("overall", 3)
    stored = db_audit(ctx.engine, audit_id)
    expected = score_audit(runner.template, runner.values)
    assert stored.answered == expected.answered == 2
    assert stored.visible == expected.visible
    assert stored.visible > fresh.visible  # reaching a person shows the representative items
    assert stored.score_percent == pytest.approx(expected.percent)
    assert stored.verdict == expected.verdict
    assert stored.passed is expected.passed
    assert stored.critical_failures == 0
    assert stored.updated_at == runner.last_saved

    with Session(ctx.engine) as session:
        row = repo.list_audits(session=session, ids=[audit_id])[0]
    assert row.score_percent == pytest.approx(expected.percent)
    assert row.answered == 2
    assert row.verdict == expected.verdict


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        ("reached_human", "maybe"),
        ("reached_human", NA),  # this item does not allow N/A
        ("reached_human", True),
        ("overall", 9),
        ("overall", "five"),
        ("overall", 2.5),
        ("menu_depth", -1),
        ("issue_resolved", "somewhat"),
        ("greeting_wait", "soon"),
        ("greeting_wait", -5),
        ("call_started_at", "yesterday"),
        ("call_started_at", {"utc": "2025-05-12T10:00:00", "tz": ZONE}),
        ("advice", 42),
        ("follow_up_days", -1),
        ("no_such_item", "yes"),
    ],
)
def test_bad_value_raises_and_changes_nothing(
    ctx: AppContext, runner: AuditRunner, audit_id: str, item_id: str, value: Any
) -> None:
    runner.set_answer("overall", 4)
    runner.set_answer("reached_human", "yes")
    before = snapshot(ctx.engine, audit_id)
    values, score, saved = runner.values, runner.score, runner.last_saved
    with pytest.raises(AnswerError):
        runner.set_answer(item_id, value)
    assert snapshot(ctx.engine, audit_id) == before
    assert runner.values == values
    assert runner.score == score
    assert runner.last_saved == saved


def test_set_note(
    ctx: AppContext, runner: AuditRunner, make_runner: Callable[[], AuditRunner], audit_id: str
) -> None:
    runner.set_note("overall", "Polite — but read from a script «verbatim»")
    assert runner.value("overall") is None
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert detail.answers["overall"].note == "Polite — but read from a script «verbatim»"
    assert detail.answers["overall"].value is None
    assert runner.score.answered == 0

    runner.set_answer("overall", 4)
    runner.set_note("overall", "Changed my mind")
    reloaded = make_runner()
    assert reloaded.value("overall") == 4
    assert reloaded.note("overall") == "Changed my mind"
    runner.set_answer("overall", 5)
    assert make_runner().note("overall") == "Changed my mind"

    before = snapshot(ctx.engine, audit_id)
    with pytest.raises(AnswerError):
        runner.set_note("overall", "x" * (MAX_NOTE + 1))
    with pytest.raises(AnswerError):
        runner.set_note("no_such_item", "hello")
    assert snapshot(ctx.engine, audit_id) == before


def test_clearing_with_none(
    ctx: AppContext, runner: AuditRunner, make_runner: Callable[[], AuditRunner], audit_id: str
) -> None:
    runner.set_answer("overall", 4)
    runner.set_note("overall", "keep me")
    runner.set_answer("advice", "Shorter menu")
    assert db_audit(ctx.engine, audit_id).answered == 2

    runner.set_answer("overall", None)
    runner.set_answer("advice", "   ")  # blank text clears too
    assert runner.value("overall") is None
    assert runner.value("advice") is None
    assert "overall" not in runner.values
    assert runner.score.answered == 0
    assert db_audit(ctx.engine, audit_id).answered == 0
    assert db_audit(ctx.engine, audit_id).score_percent is None

    reloaded = make_runner()
    assert reloaded.value("overall") is None
    assert reloaded.note("overall") == "keep me"
    assert reloaded.score.answered == 0
    assert {k: v for k, v in reloaded.values.items() if v is not None} == runner.values
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert detail.answers["overall"].value is None


# -- completing and reopening ------------------------------------------------------------


def test_complete_refuses_missing_required_items_in_template_order(
    ctx: AppContext, runner: AuditRunner, phone: Template, audit_id: str
) -> None:
    expected = tuple(
        i.id for i in phone.items() if i.required and i.show_if is None and i.later is None
    )
    assert expected[:3] == ("call_started_at", "greeting_wait", "menu_depth")
    before = snapshot(ctx.engine, audit_id)
    with pytest.raises(MissingAnswersError) as info:
        runner.complete()
    assert info.value.item_ids == expected
    assert isinstance(info.value, AuditStateError)
    assert phone.item("call_started_at").prompt in str(info.value)
    assert snapshot(ctx.engine, audit_id) == before
    assert not runner.read_only

    runner.set_answer("menu_depth", 1)
    runner.set_answer("reached_human", "yes")
    with pytest.raises(MissingAnswersError) as info:
        runner.complete()
    missing = info.value.item_ids
    order = [i.id for i in phone.items()]
    assert list(missing) == sorted(missing, key=order.index)
    assert "menu_depth" not in missing
    assert "reached_human" not in missing
    assert {"time_to_human", "hold_time", "rep_greeting"} <= set(missing)
    assert "callback_offered" not in missing


def test_items_hidden_by_show_if_are_not_required(
    ctx: AppContext, runner: AuditRunner, audit_id: str
) -> None:
    runner.set_answer("reached_human", "yes")
    assert "rep_greeting" in runner.score.required_missing
    runner.set_answer("reached_human", "no")
    missing = runner.score.required_missing
    assert "rep_greeting" not in missing
    assert "time_to_human" not in missing
    assert "callback_offered" in missing
    assert not runner.is_visible("rep_greeting")

    answer_required(runner, reached_human="no", follow_up="no")
    assert runner.value("rep_greeting") is None
    assert runner.value("follow_up_days") is None
    runner.complete()
    assert db_audit(ctx.engine, audit_id).status == AuditStatus.COMPLETED


def test_complete_records_the_moment_and_zone(
    ctx: AppContext, runner: AuditRunner, audit_id: str
) -> None:
    answer_required(runner, reached_human="yes", follow_up="no")
    at = runner.complete()
    assert runner.read_only
    assert runner.audit.completed_at == at
    assert runner.audit.completed_tz == ZONE

    stored = db_audit(ctx.engine, audit_id)
    assert stored.status == AuditStatus.COMPLETED
    assert stored.completed_at == at
    assert stored.completed_tz == ZONE
    assert stored.updated_at == at

    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert [e.kind for e in detail.events] == ["created", "completed"]
    completed = detail.events[-1]
    assert completed.at == at
    assert completed.tz == ZONE


def test_completed_audit_refuses_changes(
    ctx: AppContext, runner: AuditRunner, make_runner: Callable[[], AuditRunner], audit_id: str
) -> None:
    answer_required(runner, reached_human="no", follow_up="no")
    runner.complete()
    before = snapshot(ctx.engine, audit_id)
    for current in (runner, make_runner()):
        assert current.read_only
        with pytest.raises(AuditStateError):
            current.set_answer("overall", 1)
        with pytest.raises(AuditStateError):
            current.set_answer("overall", None)
        with pytest.raises(AuditStateError):
            current.set_note("overall", "too late")
        with pytest.raises(AuditStateError):
            current.complete()
        current.set_current("advice")  # ignored, not an error
    assert snapshot(ctx.engine, audit_id) == before


def test_reopen_records_an_event_and_allows_changes(
    ctx: AppContext, runner: AuditRunner, make_runner: Callable[[], AuditRunner], audit_id: str
) -> None:
    with pytest.raises(AuditStateError):
        runner.reopen()
    answer_required(runner, reached_human="no", follow_up="no")
    runner.complete()

    at = make_runner().reopen("typo in the advice")
    reloaded = make_runner()
    assert not reloaded.read_only
    assert db_audit(ctx.engine, audit_id).status == AuditStatus.IN_PROGRESS
    assert db_audit(ctx.engine, audit_id).completed_at is None
    assert db_audit(ctx.engine, audit_id).completed_tz is None
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert [e.kind for e in detail.events] == ["created", "completed", "reopened"]
    reopened = detail.events[-1]
    assert reopened.at == at
    assert reopened.tz == ZONE
    assert reopened.detail == "typo in the advice"

    reloaded.set_answer("advice", "Fixed advice")
    assert make_runner().value("advice") == "Fixed advice"
    again = reloaded.complete()
    assert db_audit(ctx.engine, audit_id).completed_at == again
    kinds = [e.kind for e in load_audit(engine=ctx.engine, audit_id=audit_id).events]
    assert kinds == ["created", "completed", "reopened", "completed"]


# -- resuming ------------------------------------------------------------------------------


def _set_current_in_db(engine: Engine, audit_id: str, item_id: str | None) -> None:
    with session_scope(engine) as session:
        session.execute(update(Audit).where(col(Audit.id) == audit_id).values(current_item=item_id))


def test_resume_item(
    ctx: AppContext, runner: AuditRunner, make_runner: Callable[[], AuditRunner], audit_id: str
) -> None:
    assert runner.resume_item() == "call_started_at"  # a new audit opens on its first item

    runner.set_answer("call_started_at", {"utc": "2025-05-12T07:55:00+00:00", "tz": ZONE})
    runner.set_answer("greeting_wait", 10)
    runner.set_answer("menu_loops", 0)
    assert make_runner().resume_item() == "menu_loops"

    runner.set_current("overall")
    assert make_runner().resume_item() == "overall"

    # No stored position: the first visible item without an answer.
    _set_current_in_db(ctx.engine, audit_id, None)
    assert make_runner().resume_item() == "menu_depth"
    # A stored position on an item that is now hidden or no longer exists is skipped.
    _set_current_in_db(ctx.engine, audit_id, "time_to_human")
    assert make_runner().resume_item() == "menu_depth"
    _set_current_in_db(ctx.engine, audit_id, "removed_item")
    assert make_runner().resume_item() == "menu_depth"


def test_resume_item_skips_hidden_and_cleared(
    ctx: AppContext, runner: AuditRunner, make_runner: Callable[[], AuditRunner], audit_id: str
) -> None:
    answer_required(runner, reached_human="no", follow_up="no")
    runner.set_answer("greeting_wait", None)
    _set_current_in_db(ctx.engine, audit_id, None)
    assert make_runner().resume_item() == "greeting_wait"


# -- storage failures ----------------------------------------------------------------------


def test_storage_failure_keeps_memory_and_database_unchanged(
    ctx: AppContext, runner: AuditRunner, audit_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.set_answer("overall", 4)
    before = snapshot(ctx.engine, audit_id)
    values, score, saved = runner.values, runner.score, runner.last_saved
    current = runner.audit.current_item

    break_answer_saving(monkeypatch)
    with pytest.raises(StorageError, match="disk I/O error") as info:
        runner.set_answer("overall", 1)
    assert isinstance(info.value, ShopperError)
    with pytest.raises(StorageError):
        runner.set_answer("reached_human", "yes")
    with pytest.raises(StorageError):
        runner.set_note("overall", "lost?")
    assert runner.values == values
    assert runner.value("overall") == 4
    assert runner.note("overall") == ""
    assert runner.score == score
    assert runner.last_saved == saved
    assert runner.audit.current_item == current
    assert snapshot(ctx.engine, audit_id) == before

    monkeypatch.undo()
    runner.set_answer("overall", 1)
    assert load_audit(engine=ctx.engine, audit_id=audit_id).answers["overall"].value == 1


def test_failure_after_the_answer_was_written_rolls_it_back(
    ctx: AppContext, runner: AuditRunner, audit_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.set_answer("overall", 4)
    before = snapshot(ctx.engine, audit_id)
    summary = runner_module._summary

    def refused_summary(score: Any) -> dict[str, Any]:
        # The database refuses the audit's progress (NOT NULL): on SQLite after the answer's
        # upsert in the same transaction, on PostgreSQL within the save's one statement.
        return summary(score) | {"answered": None}

    monkeypatch.setattr(runner_module, "_summary", refused_summary)
    with pytest.raises(StorageError, match="answered"):
        runner.set_answer("overall", 2)
    assert runner.value("overall") == 4
    assert snapshot(ctx.engine, audit_id) == before


def test_storage_failure_while_completing(
    ctx: AppContext, runner: AuditRunner, audit_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_required(runner, reached_human="no", follow_up="no")
    before = snapshot(ctx.engine, audit_id)

    def broken(**_kwargs: Any) -> None:
        raise db_op_error("database is locked")

    monkeypatch.setattr(repo, "add_event", broken)
    with pytest.raises(StorageError, match="locked"):
        runner.complete()
    assert not runner.read_only
    assert runner.audit.completed_at is None
    assert snapshot(ctx.engine, audit_id) == before


@pytest.fixture
def _no_leaks(ctx: AppContext) -> Iterator[None]:
    yield
    # On a team database a save keeps its one connection for the next save, on purpose.
    kept = kept_connections(ctx.engine)
    assert ctx.engine.pool.checkedout() == kept  # type: ignore[attr-defined]


@pytest.mark.usefixtures("_no_leaks")
def test_failures_return_the_connection(
    runner: AuditRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_answer_saving(monkeypatch)
    for _ in range(3):
        with pytest.raises(StorageError):
            runner.set_answer("overall", 3)
    monkeypatch.undo()
    runner.set_answer("overall", 3)


@pytest.mark.postgres
def test_an_answer_on_the_team_database_is_one_statement_without_begin_commit_or_ping(
    request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The round trips of a save: the answer and the audit's progress in one statement, in
    # autocommit (psycopg then sends neither BEGIN nor COMMIT: the statement is its own
    # transaction), on a connection used a moment ago (not pinged).
    with app_context("postgresql", request, data_dir) as team:
        company = create_company(engine=team.engine, data=CompanyInput(name="Blue Harbor Bank"))
        phone = list_templates(engine=team.engine, touchpoint="phone")[0]
        audit = start_audit(engine=team.engine, company_id=company.id, template_id=phone.id)
        runner = AuditRunner(engine=team.engine, audit_id=audit.id, zone=ZONE)
        runner.set_answer("overall", 4)
        sent: list[tuple[str, bool]] = []

        def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            sent.append((statement, conn.connection.dbapi_connection.autocommit))

        pings: list[object] = []
        monkeypatch.setattr(team.engine.dialect, "do_ping", pings.append)
        event.listen(team.engine, "before_cursor_execute", record)
        try:
            runner.set_answer("overall", 2)
            runner.set_note("overall", "two rings — „za długo”")
        finally:
            event.remove(team.engine, "before_cursor_execute", record)
        assert len(sent) == 2
        for statement, autocommit in sent:
            assert "INSERT INTO answer" in statement
            assert "UPDATE audit" in statement
            assert autocommit
        assert pings == []

        saved = load_audit(engine=team.engine, audit_id=audit.id)
        assert saved.values["overall"] == 2
        assert saved.answers["overall"].note == "two rings — „za długo”"
        assert saved.audit.answered == 1
        assert saved.audit.current_item == "overall"
        assert saved.audit.updated_at == runner.last_saved
