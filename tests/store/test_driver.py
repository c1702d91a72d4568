"""Statements run on SQLite's driver: the same SQL, values and errors as SQLAlchemy's."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import SQLModel

from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import list_templates
from shopper.store.driver import driver_statement, run_on_driver, type_processor
from shopper.store.engine import (
    hold_writes,
    session_scope,
    stop_writing,
    upsert,
    upsert_statement,
)
from shopper.store.repo import ANSWER_KEY, _audit_update
from shopper.store.tables import stored_utc_text

T0 = datetime(2025, 3, 30, 0, 30, 15, 123456, tzinfo=UTC)


def test_a_utc_time_is_written_as_the_columns_type_writes_it() -> None:
    from zoneinfo import ZoneInfo

    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    column = SQLModel.metadata.tables["answer"].c.answered_at
    fast = type_processor(column.type, dialect)
    slow = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert fast is not None and slow is not None and fast is not slow
    warsaw = ZoneInfo("Europe/Warsaw")
    times: list[datetime | None] = [T0 + timedelta(seconds=n * 3607.000013) for n in range(-99, 99)]
    times += [t.astimezone(warsaw) for t in times[:50] if t is not None]
    times += [datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, tzinfo=UTC), None]
    assert [fast(t) for t in times] == [slow(t) for t in times]
    with pytest.raises(ValueError, match="naive"):
        fast(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-30T00:30:15.123456+00:00",
        "2025-03-30T00:30:15+00:00",  # whole seconds: the text has no fraction
        "2025-03-30T00:30:15.000000+00:00",
        "2000-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59.999999+00:00",
        "2024-02-29T23:59:59+00:00",
        "1000-01-01T00:00:00+00:00",
        "0999-12-31T23:00:00+00:00",
        "0001-01-01T00:00:00.000001+00:00",
    ],
)
def test_a_time_stored_from_its_text_is_stored_as_the_column_writes_it(text: str) -> None:
    """`stored_utc_text` of canonical UTC text: the column type's own text of that time."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    column = SQLModel.metadata.tables["answer"].c.answered_at
    slow = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert slow is not None
    assert stored_utc_text(text) == slow(datetime.fromisoformat(text))


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-30T02:30:15+02:00",  # another offset: not the text of a UTC time
        "2025-03-30T00:30:15Z",
        "2025-03-30T00:30:15-00:00",
        "2025-03-30T00:30:15.123+00:00",
        "2025-03-30T00:30:15,123456+00:00",
        "2025-03-30 00:30:15+00:00",
        "2025-03-30T00:30+00:00",
        "2025-03-30T00:30:15",
        "20250330T003015+00:00",
        "2025-W13-7T00:30:15+00:00",
        "2025-03-30T24:00:00+00:00",
        "\u0662\u0660\u0662\u0665-03-30T00:30:15+00:00",
    ],
)
def test_only_canonical_utc_text_gives_its_stored_text(text: str) -> None:
    assert stored_utc_text(text) is None


def answer_row(audit_id: str, value: str, at: datetime) -> dict[str, object]:
    return {
        "audit_id": audit_id,
        "item_id": "overall",
        "value": value,
        "note": "naïve “quotes” ' ; DROP TABLE answer; --",
        "answered_at": at,
        "answered_tz": "Europe/Warsaw",
        "source": "shopper",
    }


def typed(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as raw:
        return raw.execute(sql).fetchall()


@pytest.fixture
def two_audits(data_dir: Path) -> tuple[AppContext, str, str]:
    ctx = AppContext.open(data_dir)
    phone = next(t for t in list_templates(engine=ctx.engine, touchpoint="phone") if t.builtin)
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Driver & Co"))
    first = start_audit(engine=ctx.engine, company_id=company.id, template_id=phone.id)
    second = start_audit(engine=ctx.engine, company_id=company.id, template_id=phone.id)
    return ctx, first.id, second.id


def test_the_driver_writes_what_sqlalchemy_writes(two_audits: tuple[AppContext, str, str]) -> None:
    """The answer's upsert and the audit's update (with its `version + 1`), run once through
    the session and once on the driver: the same stored values and storage classes."""
    ctx, ours, theirs = two_audits
    tables = SQLModel.metadata.tables
    values = {"score_percent": 61.5, "answered": 3, "updated_at": T0, "current_item": "overall"}
    for at, value in ((T0, '"yes"'), (T0 + timedelta(hours=1), "4")):  # insert, then update
        with session_scope(ctx.engine) as session:
            upsert(session, tables["answer"], answer_row(theirs, value, at), keys=ANSWER_KEY)
            session.connection().execute(_audit_update(tuple(values)), {"_id": theirs, **values})
        row = answer_row(ours, value, at)
        run_on_driver(
            ctx.engine,
            [
                (upsert_statement("sqlite", tables["answer"], tuple(row), ANSWER_KEY), row),
                (_audit_update(tuple(values)), {"_id": ours, **values}),
            ],
        )
    assert ctx.db_path is not None
    answers = typed(
        ctx.db_path,
        "SELECT audit_id, value, typeof(value), note, answered_at, typeof(answered_at), "
        "answered_tz, source FROM answer ORDER BY audit_id = 'x'",
    )
    by_audit = {row[0]: row[1:] for row in answers}
    assert by_audit[ours] == by_audit[theirs]
    assert by_audit[ours][0] == "4"
    audits = {
        row[0]: row[1:]
        for row in typed(
            ctx.db_path,
            "SELECT id, version, score_percent, typeof(score_percent), answered, updated_at, "
            "current_item FROM audit",
        )
    }
    assert audits[ours] == audits[theirs]
    assert audits[ours][0] == 3  # made at 1, and one more for each of the two updates
    ctx.close()


def test_a_statement_is_compiled_once() -> None:
    from sqlalchemy.dialects import sqlite

    statement = _audit_update(("answered",))
    dialect = sqlite.dialect()
    assert driver_statement(statement, dialect) is driver_statement(statement, dialect)
    compiled = driver_statement(statement, dialect)
    assert compiled.sql.count("?") == len(compiled.names) == 3  # answered, version's 1, id
    assert tuple(compiled.params({"answered": 5, "_id": "a"})) == (5, 1, "a")
    assert tuple(compiled.params({"answered": 5, "_id": "a", "version_1": 7})) == (5, 1, "a")


def test_a_failed_statement_rolls_back_and_raises_sqlalchemys_error(
    two_audits: tuple[AppContext, str, str],
) -> None:
    ctx, ours, _theirs = two_audits
    tables = SQLModel.metadata.tables
    row = answer_row(ours, '"yes"', T0)
    bad = sa.update(tables["audit"]).where(tables["audit"].c.id == sa.bindparam("_id"))
    bad = bad.values(company_id=sa.bindparam("company_id"))  # no such company: refused
    with pytest.raises(DBAPIError):
        run_on_driver(
            ctx.engine,
            [
                (upsert_statement("sqlite", tables["answer"], tuple(row), ANSWER_KEY), row),
                (bad, {"_id": ours, "company_id": "no such company"}),
            ],
        )
    assert ctx.db_path is not None
    assert typed(ctx.db_path, "SELECT count(*) FROM answer") == [(0,)]  # the upsert went too
    ctx.close()


def test_a_save_on_a_database_found_damaged_is_refused_and_writes_nothing(
    two_audits: tuple[AppContext, str, str],
) -> None:
    """The driver's connections come from the pool, whose checkout makes them read-only
    once writing stopped: the runner's save is refused with its message."""
    ctx, ours, _theirs = two_audits
    runner = AuditRunner(engine=ctx.engine, audit_id=ours)
    runner.set_answer("overall", 4)
    stop_writing(ctx.engine)
    try:
        with pytest.raises(Exception, match="damaged"):
            runner.set_answer("overall", 2)
        with pytest.raises(OperationalError):
            run_on_driver(ctx.engine, [(sa.text("DELETE FROM answer"), {})])
    finally:
        stop_writing(ctx.engine, stop=False)
    assert ctx.db_path is not None
    assert typed(ctx.db_path, "SELECT value FROM answer") == [("4",)]
    ctx.close()


def test_the_connection_goes_back_to_the_pool_whatever_happens(
    two_audits: tuple[AppContext, str, str],
) -> None:
    """Taken from the pool without SQLAlchemy's proxy: after a commit, a refused statement or
    an error of our own, the connection is back, in no transaction, and the next write works."""
    ctx, ours, _theirs = two_audits
    tables = SQLModel.metadata.tables
    pool = ctx.engine.pool
    assert isinstance(pool, sa.QueuePool)
    row = answer_row(ours, '"yes"', T0)
    upsert_answer = upsert_statement("sqlite", tables["answer"], tuple(row), ANSWER_KEY)
    refused = sa.text("INSERT INTO answer (audit_id, item_id) VALUES ('no such audit', 'x')")
    run_on_driver(ctx.engine, [(upsert_answer, row)])
    with pytest.raises(DBAPIError):  # the foreign key, so the connection has our pragmas
        run_on_driver(ctx.engine, [(upsert_answer, row), (refused, {})])
    with pytest.raises(KeyError):  # a value left out: raised before SQLite hears of it
        run_on_driver(ctx.engine, [(upsert_answer, row), (upsert_answer, {})])
    assert pool.checkedout() == 0
    ctx.engine.dispose()  # a new connection is made, with the same pragmas
    with pytest.raises(DBAPIError):
        run_on_driver(ctx.engine, [(refused, {})])
    run_on_driver(ctx.engine, [(upsert_answer, answer_row(ours, "5", T0))])
    assert pool.checkedout() == 0
    with ctx.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT value FROM answer").all() == [("5",)]
    ctx.close()


@pytest.mark.parametrize("sound", [True, False])
def test_a_save_waits_for_the_check_made_at_opening(
    two_audits: tuple[AppContext, str, str], sound: bool
) -> None:
    """The pool's checkout events still apply: a write waits while the deferred integrity
    check runs, then goes on if it finds the file sound and is refused if damaged."""
    ctx, ours, _theirs = two_audits
    tables = SQLModel.metadata.tables
    row = answer_row(ours, '"yes"', T0)
    work = [(upsert_statement("sqlite", tables["answer"], tuple(row), ANSWER_KEY), row)]
    errors: list[BaseException] = []

    def save() -> None:
        try:
            run_on_driver(ctx.engine, work)
        except BaseException as exc:
            errors.append(exc)

    gate = hold_writes(ctx.engine)
    writer = threading.Thread(target=save)
    writer.start()
    writer.join(0.3)
    assert writer.is_alive()  # held: nothing written yet
    assert ctx.db_path is not None
    assert typed(ctx.db_path, "SELECT count(*) FROM answer") == [(0,)]
    gate.decide(sound=sound)
    writer.join(10)
    assert not writer.is_alive()
    assert len(errors) == (0 if sound else 1)
    assert all(isinstance(e, DBAPIError) for e in errors)  # refused by SQLite, as SQLAlchemy's
    assert typed(ctx.db_path, "SELECT count(*) FROM answer") == [(1 if sound else 0,)]
    ctx.close()
