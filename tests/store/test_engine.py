"""Engine set-up: connection pragmas, the WAL-reset bug gate, upsert, file modes, UTC times."""

from __future__ import annotations

import select as select_module
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from shopper.domain.errors import StorageError
from shopper.store import engine as engine_module
from shopper.store.engine import (
    BUSY_TIMEOUT_MS,
    create_db_engine,
    driver_url,
    is_single_connection,
    kept_connections,
    one_statement,
    open_database,
    parse_version,
    session_scope,
    sqlite_url,
    table_names,
    upsert,
    upsert_and_update,
    wal_reset_bug_affected,
)
from shopper.store.tables import (
    Company,
    UTCDateTime,
)
from tests.postgres import PostgresServer

AFFECTED = "3.40.1"
FIXED = "3.51.3"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "engine.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    eng = open_database(sqlite_url(db_path))
    yield eng
    eng.dispose()


def _pragmas(engine: Engine) -> dict[str, Any]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        result = {
            name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
        cursor.close()
        return result
    finally:
        raw.close()


def _assert_our_pragmas(pragmas: dict[str, Any]) -> None:
    assert str(pragmas["journal_mode"]).lower() == "wal"
    assert pragmas["synchronous"] == 2  # FULL
    assert pragmas["foreign_keys"] == 1
    assert pragmas["busy_timeout"] > 0


# -- pragmas ----------------------------------------------------------------------


@pytest.mark.parametrize("version", [AFFECTED, FIXED])
def test_first_connection_and_one_after_dispose_get_the_pragmas(
    db_path: Path, version: str
) -> None:
    engine = create_db_engine(sqlite_url(db_path), sqlite_version=version)
    try:
        first = _pragmas(engine)
        _assert_our_pragmas(first)
        assert first["busy_timeout"] == BUSY_TIMEOUT_MS
        engine.dispose()
        after = _pragmas(engine)
        _assert_our_pragmas(after)
    finally:
        engine.dispose()


def test_connections_held_at_the_same_time_all_get_the_pragmas(db_path: Path) -> None:
    engine = create_db_engine(sqlite_url(db_path), sqlite_version=FIXED)
    try:
        raws = [engine.raw_connection() for _ in range(3)]
        try:
            dbapi = {id(raw.dbapi_connection) for raw in raws}
            assert len(dbapi) == 3
            for raw in raws:
                cursor = raw.cursor()
                assert cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
                assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2
                assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
                assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] > 0
                cursor.close()
        finally:
            for raw in raws:
                raw.close()
    finally:
        engine.dispose()


def test_opened_database_enforces_foreign_keys(engine: Engine) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), session_scope(engine) as session:
        session.execute(
            text(
                "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz) "
                "VALUES ('no-such-audit', 'x', NULL, '', '2025-01-01 00:00:00', 'UTC')"
            )
        )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM answer")).scalar_one() == 0


# -- versions and the WAL-reset bug gate -----------------------------------------------


def test_parse_version_compares_numerically() -> None:
    assert parse_version("3.44.6") == (3, 44, 6)
    assert parse_version("3.9.0") < parse_version("3.10.0")
    assert parse_version("3.44.10") > parse_version("3.44.9")
    assert parse_version("3.51.3") > parse_version("3.51.2")
    assert parse_version("3.45") < parse_version("3.45.0")


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("3.40.1", True),
        ("3.44.5", True),
        ("3.44.6", False),
        ("3.45.0", True),
        ("3.50.6", True),
        ("3.50.7", False),
        ("3.51.2", True),
        ("3.51.3", False),
        ("3.6.0", False),
        ("3.7.0", True),
        ("3.52.0", False),
        ("4.0.0", False),
    ],
)
def test_wal_reset_bug_affected(version: str, affected: bool) -> None:
    assert wal_reset_bug_affected(parse_version(version)) is affected


def test_affected_sqlite_gets_a_single_connection(db_path: Path) -> None:
    engine = create_db_engine(sqlite_url(db_path), sqlite_version=AFFECTED)
    try:
        assert is_single_connection(engine)
        first = engine.raw_connection()
        first_dbapi = first.dbapi_connection
        first.close()
        second = engine.raw_connection()
        try:
            assert second.dbapi_connection is first_dbapi
        finally:
            second.close()
    finally:
        engine.dispose()


def test_fixed_sqlite_gets_several_connections(db_path: Path) -> None:
    engine = create_db_engine(sqlite_url(db_path), sqlite_version=FIXED)
    try:
        assert not is_single_connection(engine)
        assert engine.pool.size() > 1  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_default_engine_follows_the_running_sqlite(db_path: Path) -> None:
    engine = create_db_engine(sqlite_url(db_path))
    try:
        expected = wal_reset_bug_affected(parse_version(sqlite3.sqlite_version))
        assert is_single_connection(engine) is expected
    finally:
        engine.dispose()


def test_single_connection_engine_is_shared_by_threads(db_path: Path) -> None:
    engine = create_db_engine(sqlite_url(db_path), sqlite_version=AFFECTED)
    meta = MetaData()
    table = Table("counter", meta, Column("k", String, primary_key=True), Column("v", Integer))
    meta.create_all(engine)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(20):
                with session_scope(engine) as session:
                    upsert(session, table, {"k": f"{worker}-{i}", "v": i}, keys=("k",))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM counter")).scalar_one() == 80
    finally:
        engine.dispose()


# -- upsert -----------------------------------------------------------------------


def test_upsert_is_idempotent_and_updates(engine: Engine) -> None:
    meta = MetaData()
    table = Table(
        "kv",
        meta,
        Column("a", String, primary_key=True),
        Column("b", Integer, primary_key=True),
        Column("value", String),
        Column("extra", Integer),
    )
    meta.create_all(engine)
    row = {"a": "x", "b": 1, "value": "first", "extra": 1}
    with session_scope(engine) as session:
        upsert(session, table, row, keys=("a", "b"))
    with session_scope(engine) as session:
        upsert(session, table, row, keys=("a", "b"))
    with session_scope(engine) as session:
        upsert(session, table, {**row, "value": "second", "extra": 2}, keys=("a", "b"))
        upsert(session, table, {**row, "b": 2}, keys=("a", "b"))
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.b)).all()
    assert [tuple(r) for r in rows] == [("x", 1, "second", 2), ("x", 2, "first", 1)]


def test_upsert_on_a_model_table(engine: Engine) -> None:
    company_table = Company.__table__  # type: ignore[attr-defined]
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    values = {
        "id": "c0ffee00-0000-4000-8000-000000000000",
        "name": "Acme",
        "sector": "",
        "timezone": "UTC",
        "business_hours": "{}",
        "holidays": "[]",
        "notes": "",
        "created_at": moment,
        "updated_at": moment,
    }
    for name in ("Acme", "Acme", "Acme Ltd"):
        with session_scope(engine) as session:
            upsert(session, company_table, {**values, "name": name}, keys=("id",))
    with Session(engine) as session:
        companies = list(session.exec(sqlmodel_select(Company)))
    assert len(companies) == 1
    assert companies[0].name == "Acme Ltd"
    assert companies[0].created_at == moment


# -- files ----------------------------------------------------------------------


def test_database_file_and_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "nested" / "data"
    path = folder / "shopper.db"
    engine = open_database(sqlite_url(path))
    try:
        with session_scope(engine) as session:
            session.add(Company(name="Private"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            if side.exists():
                assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, side.name
        assert {"company", "audit", "answer", "template_version", "audit_event"} <= set(
            table_names(engine)
        )
    finally:
        engine.dispose()


def test_folder_that_is_a_file_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(StorageError, match="blocker"):
        open_database(sqlite_url(blocker / "shopper.db"))


def test_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "shopper.db"
    path.write_bytes(b"this is not a database, just some text " * 200)
    with pytest.raises(StorageError, match=r"shopper\.db"):
        open_database(sqlite_url(path))
    assert path.read_bytes().startswith(b"this is not a database")


# -- UTC datetimes -----------------------------------------------------------------


def test_utc_datetime_round_trip_returns_aware_utc(engine: Engine) -> None:
    local = datetime(2025, 3, 30, 1, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Warsaw"))
    offset = datetime(2025, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=-7)))
    with session_scope(engine) as session:
        company = Company(name="Clock", created_at=local, updated_at=offset)
        session.add(company)
    with Session(engine) as session:
        stored = session.get(Company, company.id)
        assert stored is not None
        assert stored.created_at == local
        assert stored.created_at.tzinfo is UTC
        assert stored.created_at.hour == 0  # 01:30 CET is 00:30 UTC
        assert stored.updated_at == offset
        assert stored.updated_at.tzinfo is UTC
        raw = session.execute(
            text("SELECT created_at FROM company WHERE id = :id"), {"id": company.id}
        ).scalar_one()
    assert str(raw).startswith("2025-03-30 00:30:15")


def test_utc_datetime_refuses_naive(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as session:
        session.add(Company(name="Naive", created_at=datetime(2025, 1, 1, 12, 0)))
    with Session(engine) as session:
        assert list(session.exec(sqlmodel_select(Company))) == []


def test_utc_datetime_type_directly() -> None:
    column_type = UTCDateTime()
    dialect = create_db_engine("sqlite://").dialect
    with pytest.raises(ValueError, match="naive"):
        column_type.process_bind_param(datetime(2025, 1, 1), dialect)
    assert column_type.process_bind_param(None, dialect) is None
    assert column_type.process_result_value(None, dialect) is None
    bound = column_type.process_bind_param(
        datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))), dialect
    )
    assert bound == datetime(2025, 1, 1, 10)
    back = column_type.process_result_value(bound, dialect)
    assert back == datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert back is not None
    assert back.tzinfo is UTC


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://jan@db.example/shopper", "postgresql+psycopg://jan@db.example/shopper"),
        ("postgres://jan@db.example/shopper", "postgresql+psycopg://jan@db.example/shopper"),
        (
            "postgresql+psycopg://jan@h/s?sslmode=require",
            "postgresql+psycopg://jan@h/s?sslmode=require",
        ),
        ("sqlite:////tmp/shopper.db", "sqlite:////tmp/shopper.db"),
    ],
)
def test_a_plain_postgresql_url_gets_our_driver(given: str, used: str) -> None:
    # libpq's spelling would make SQLAlchemy look for psycopg2, which is not installed.
    assert driver_url(given) == used
    if used.startswith("postgresql"):
        engine = create_db_engine(given)
        assert engine.dialect.driver == "psycopg"
        engine.dispose()


# -- PostgreSQL: pinging pooled connections -------------------------------------------------


@pytest.fixture
def pg_engine(postgres_server: PostgresServer, pg_database: str) -> Iterator[Engine]:
    engine = create_db_engine(postgres_server.url(pg_database))
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> tuple[int, int]:
    """The server process of the pooled connection, and the connection's socket."""
    with engine.connect() as conn:
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        return pid, conn.connection.dbapi_connection.fileno()  # type: ignore[union-attr]


def count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_used_a_moment_ago_is_not_pinged(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = count_pings(pg_engine, monkeypatch)
    first, _ = backend_pid(pg_engine)  # a new connection: nothing to check
    again, _ = backend_pid(pg_engine)  # back from the pool at once, the server said nothing
    assert again == first
    assert pings == []


def test_a_connection_idle_a_while_is_pinged_and_kept(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = backend_pid(pg_engine)
    pings = count_pings(pg_engine, monkeypatch)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)  # as if it had sat idle
    again, _ = backend_pid(pg_engine)
    assert len(pings) == 1
    assert again == first  # alive: kept


def test_a_pooled_connection_the_server_ended_is_replaced_at_once(
    postgres_server: PostgresServer, pg_database: str, pg_engine: Engine
) -> None:
    # What pool_pre_ping did: a server restart or a terminated backend costs no failed
    # statement, even right after the connection's last use (no idle time to wait for).
    pid, socket = backend_pid(pg_engine)
    with postgres_server.admin(pg_database) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,)).fetchone()
    assert ended == (True,)
    readable, _, _ = select_module.select([socket], [], [], 10)  # its goodbye has arrived
    assert readable
    replaced, _ = backend_pid(pg_engine)
    assert replaced != pid


# -- PostgreSQL: an upsert and an update in one statement ------------------------------------


def test_upsert_and_update_is_one_statement_that_writes_both_or_neither(
    pg_engine: Engine,
) -> None:
    meta = MetaData()
    parent = Table(
        "parent",
        meta,
        Column("id", String, primary_key=True),
        Column("answered", Integer, nullable=False),
        Column("at", UTCDateTime),
    )
    child = Table(
        "child",
        meta,
        Column("parent_id", String, primary_key=True),
        Column("key", String, primary_key=True),
        Column("value", String),
        Column("at", UTCDateTime),
    )
    meta.create_all(pg_engine)
    with pg_engine.begin() as conn:
        conn.execute(parent.insert().values(id="p", answered=0))
    at = datetime(2025, 5, 12, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))

    def save(value: str, answered: Any, when: datetime) -> None:
        with one_statement(pg_engine) as conn:
            upsert_and_update(
                conn,
                table=child,
                values={"parent_id": "p", "key": "k", "value": value, "at": when},
                keys=("parent_id", "key"),
                target=parent,
                target_id="p",
                changes={"answered": answered, "at": when},
            )

    def rows() -> tuple[Any, ...]:
        with pg_engine.connect() as conn:
            return (
                [tuple(r) for r in conn.execute(select(child))],
                [tuple(r) for r in conn.execute(select(parent))],
            )

    save("first", 1, at)
    save("second", 2, at)  # the upsert updates
    saved = rows()
    assert saved == ([("p", "k", "second", at)], [("p", 2, at)])
    assert saved[0][0][3].tzinfo == UTC  # the column's own processing: stored as UTC

    with pytest.raises(ValueError, match="naive"):  # as through Core: UTCDateTime refuses it
        save("third", 3, datetime(2025, 5, 12, 10, 0))
    with pytest.raises(IntegrityError):  # the update is refused: the upsert is not kept either
        save("third", None, at)
    assert rows() == saved


# -- PostgreSQL: the connection one_statement keeps ------------------------------------------


def statement_pid(engine: Engine) -> int:
    """The server process of `one_statement`'s connection."""
    with one_statement(engine) as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def test_one_statement_keeps_its_connection_between_uses(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = count_pings(pg_engine, monkeypatch)
    first = statement_pid(pg_engine)
    assert kept_connections(pg_engine) == 1
    assert pg_engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    assert statement_pid(pg_engine) == first  # the same one, not checked out again
    assert pings == []
    with one_statement(pg_engine) as conn:
        assert conn.connection.dbapi_connection.autocommit  # type: ignore[union-attr]
        # While it is in use (another thread's save), a caller gets one from the pool.
        other = statement_pid(pg_engine)
        assert other != first
    assert pg_engine.pool.checkedout() == 1  # type: ignore[attr-defined]


def test_the_kept_connection_runs_its_statements_on_one_cursor_and_gives_it_back(
    pg_engine: Engine,
) -> None:
    # SQLAlchemy still runs each statement (its events see them); psycopg's cursor is kept.
    cursors: list[Any] = []

    def seen(_conn: Any, cursor: Any, *_: Any) -> None:
        cursors.append(cursor)

    event.listen(pg_engine, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            statement_pid(pg_engine)
        with pytest.raises(StatementError), one_statement(pg_engine) as conn:
            conn.exec_driver_sql("SELECT 1 / 0")
        with pg_engine.connect() as conn:  # the same connection, back in the pool
            first = conn.exec_driver_sql("SELECT 1")
            second = conn.exec_driver_sql("SELECT 2")  # each its own cursor again
            assert (first.scalar_one(), second.scalar_one()) == (1, 2)
    finally:
        event.remove(pg_engine, "before_cursor_execute", seen)
    assert len(cursors) == 6
    assert len({id(c) for c in cursors[:4]}) == 1
    assert cursors[4] is not cursors[0] and cursors[5] is not cursors[4]
    assert cursors[0].closed  # closed when its connection went back


def test_a_kept_connection_the_server_ended_is_replaced_at_once(
    postgres_server: PostgresServer, pg_database: str, pg_engine: Engine
) -> None:
    # As for a pooled one: a terminated backend costs no failed statement.
    pid = statement_pid(pg_engine)
    with one_statement(pg_engine) as conn:
        socket = conn.connection.dbapi_connection.fileno()  # type: ignore[union-attr]
    with postgres_server.admin(pg_database) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,)).fetchone()
    assert ended == (True,)
    readable, _, _ = select_module.select([socket], [], [], 10)  # its goodbye has arrived
    assert readable
    replaced = statement_pid(pg_engine)
    assert replaced != pid
    assert kept_connections(pg_engine) == 1
    assert statement_pid(pg_engine) == replaced


def test_a_kept_connection_idle_a_while_is_pinged_by_the_pool_and_kept(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = statement_pid(pg_engine)
    pings = count_pings(pg_engine, monkeypatch)
    later = time.monotonic() + engine_module.PING_AFTER_IDLE_S + 60  # as if it had sat idle
    monkeypatch.setattr(engine_module, "time", SimpleNamespace(monotonic=lambda: later))
    again = statement_pid(pg_engine)
    # Back to the pool, idle since its last statement (not since it went back), so the
    # pool pinged it on its way out again.
    assert len(pings) == 1
    assert again == first  # alive: kept
    assert kept_connections(pg_engine) == 1


def test_a_failed_statement_gives_the_kept_connection_back(pg_engine: Engine) -> None:
    first = statement_pid(pg_engine)
    with pytest.raises(StatementError), one_statement(pg_engine) as conn:
        conn.exec_driver_sql("SELECT 1 / 0")
    assert kept_connections(pg_engine) == 0
    assert pg_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert statement_pid(pg_engine) == first  # from the pool again, sound
    assert kept_connections(pg_engine) == 1


def test_disposing_the_engine_closes_the_kept_connection(pg_engine: Engine) -> None:
    with one_statement(pg_engine) as conn:
        dbapi_conn = conn.connection.dbapi_connection
    assert dbapi_conn is not None and not dbapi_conn.closed
    pg_engine.dispose()
    assert dbapi_conn.closed
    assert kept_connections(pg_engine) == 0
    statement_pid(pg_engine)  # the engine still works, with a new connection
    assert kept_connections(pg_engine) == 1
