"""Moving audits and bulk rows between databases: the direct insert (bundles) and
`insert_rows`'s driver-level path (the demo, said-no rows) write what SQLAlchemy's insert
writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, exc, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from shopper.domain.vocabulary import AuditStatus
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.services.templates import list_templates, sync_builtin_templates
from shopper.store import exchange
from shopper.store.engine import open_database, session_scope, sqlite_url
from shopper.store.tables import stored_utc_text
from tests.services.test_bundles import Clock, rich_audit

TABLES = ("audit", *exchange.CHILD_TABLES)


def audits_of(ctx: AppContext) -> list[exchange.AuditRows]:
    with session_scope(ctx.engine) as session:
        ids = exchange.audit_ids(session=session)
        return exchange.read_audits(session=session, audit_ids=ids)


def stored(path: Path) -> dict[str, Any]:
    """Every row of the audit tables, each value with its SQLite type, in primary-key order;
    and each audit's rows of each table in the order they were written."""
    found: dict[str, Any] = {}
    with sqlite3.connect(path) as raw:
        for table in TABLES:
            columns = [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
            typed = ", ".join(f"{c}, typeof({c})" for c in columns)
            key = "id" if table != "answer" else "audit_id, item_id"
            found[table] = raw.execute(f"SELECT {typed} FROM {table} ORDER BY {key}").fetchall()
            if table != "audit":
                found[f"{table} by audit"] = raw.execute(
                    f"SELECT audit_id, {key} FROM {table} ORDER BY audit_id, rowid"
                ).fetchall()
    return found


def insert_all(ctx: AppContext, audits: list[exchange.AuditRows], *, direct: bool) -> None:
    with session_scope(ctx.engine) as session:
        writes = exchange.insert_new_audits_direct if direct else exchange.insert_new_audits
        writes(session=session, audits=audits)


@pytest.fixture
def source(tmp_path: Path) -> Any:
    ctx = AppContext.open(tmp_path / "source")
    load_demo(engine=ctx.engine, audits=30, data_dir=ctx.data_dir)
    rich_audit(ctx, tmp_path, Clock(datetime(2025, 5, 1, 9, tzinfo=UTC)))
    yield ctx
    ctx.close()


def empty_copy(source: AppContext, folder: Path) -> AppContext:
    """A database with the source's companies and templates, and no audits."""
    ctx = AppContext.open(folder)
    assert ctx.db_path is not None and source.db_path is not None
    with sqlite3.connect(ctx.db_path) as raw:
        raw.execute("ATTACH DATABASE ? AS source", (str(source.db_path),))
        raw.execute("INSERT OR IGNORE INTO template_version SELECT * FROM source.template_version")
        raw.execute("INSERT INTO company SELECT * FROM source.company")
    return ctx


def test_the_direct_insert_writes_the_rows_sqlalchemy_writes(
    source: AppContext, tmp_path: Path
) -> None:
    audits = audits_of(source)
    for rows in audits:
        rows.audit.pop("version")  # as an import has them: the database counts its own
    assert any(a.children.get("evidence") for a in audits)
    assert any(a.children.get("instrument_event") for a in audits)
    assert any(a.audit["completed_at"] is None for a in audits)
    slow = empty_copy(source, tmp_path / "slow")
    fast = empty_copy(source, tmp_path / "fast")
    try:
        insert_all(slow, audits, direct=False)
        insert_all(fast, audits, direct=True)
        assert slow.db_path is not None and fast.db_path is not None
        written = stored(fast.db_path)
        assert written == stored(slow.db_path)
        assert len(written["answer"]) == sum(len(a.children.get("answer", [])) for a in audits)
    finally:
        slow.close()
        fast.close()


def test_rows_of_other_keys_go_through_sqlalchemy(source: AppContext, tmp_path: Path) -> None:
    """A column left to a default worked out per row (here the id) is filled as before."""
    audits = audits_of(source)[:3]
    for rows in audits:
        for event in rows.children["audit_event"]:
            event.pop("id")
    fast = empty_copy(source, tmp_path / "fast")
    try:
        insert_all(fast, audits, direct=True)
        assert fast.db_path is not None
        with sqlite3.connect(fast.db_path) as raw:
            ids = [row[0] for row in raw.execute("SELECT id FROM audit_event")]
        assert len(ids) == sum(len(a.children["audit_event"]) for a in audits)
        assert all(len(i) == 36 for i in ids)
    finally:
        fast.close()


def test_a_refused_row_raises_sqlalchemys_error_and_writes_nothing(
    source: AppContext, tmp_path: Path
) -> None:
    audits = audits_of(source)[:2]
    for rows in audits:
        rows.audit.pop("version")
    audits[1].children["answer"].append(dict(audits[1].children["answer"][0]))  # twice
    fast = empty_copy(source, tmp_path / "fast")
    try:
        with pytest.raises(IntegrityError, match="UNIQUE constraint failed"):
            insert_all(fast, audits, direct=True)
        assert fast.db_path is not None
        with sqlite3.connect(fast.db_path) as raw:
            assert raw.execute("SELECT count(*) FROM audit").fetchone() == (0,)
            assert raw.execute("SELECT count(*) FROM answer").fetchone() == (0,)
    finally:
        fast.close()


def test_owners_are_found_as_owners_of_finds_them(source: AppContext) -> None:
    audits = audits_of(source)
    wanted = {row["id"]: a.audit["id"] for a in audits for row in a.children.get("audit_event", [])}
    asked = [*wanted, "not-a-row", *[f"none-{n}" for n in range(1200)]]  # several chunks
    with session_scope(source.engine) as session:
        direct = exchange.owners_of_direct(session=session, table="audit_event", ids=asked)
        assert direct == exchange.owners_of(session=session, table="audit_event", ids=asked)
    assert direct == wanted


@pytest.mark.parametrize("change", ["left out", "another key"])
def test_a_row_of_other_keys_than_the_first_goes_through_sqlalchemy(
    source: AppContext, tmp_path: Path, change: str
) -> None:
    audits = audits_of(source)[:3]
    for rows in audits:
        rows.audit.pop("version")
    last = audits[-1].children["answer"][-1]
    if change == "left out":
        last.pop("note")
    else:
        last["surprise"] = 1
    outcomes = []
    for direct in (False, True):
        ctx = empty_copy(source, tmp_path / str(direct))
        try:
            insert_all(ctx, audits, direct=direct)
            assert ctx.db_path is not None
            outcomes.append(stored(ctx.db_path)["answer"])
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            ctx.close()
    assert outcomes[0] == outcomes[1]


T0 = datetime(2025, 3, 30, 0, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    made = [open_database(sqlite_url(tmp_path / name / "shopper.db")) for name in ("a", "b")]
    for engine in made:
        sync_builtin_templates(engine=engine)
    yield made[0], made[1]
    for engine in made:
        engine.dispose()


def _rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Rows of every kind of column: times (aware, in other zones), booleans, None, floats,
    enumerations, text; `version` and `source` left out for their defaults."""
    template = list_templates(engine=engine)[0]
    warsaw = T0.astimezone(datetime.now().astimezone().tzinfo)
    companies = [
        {"id": f"c{n}", "name": f"Company {n}", "created_at": T0, "updated_at": warsaw}
        | {"sector": "", "timezone": "UTC", "business_hours": "{}", "holidays": "[]"}
        | {"notes": "Ünïcode ✓", "allow_unassigned": n % 2 == 0}
        for n in range(3)
    ]
    audits = [
        {
            "id": f"a{n}",
            "company_id": f"c{n % 3}",
            "touchpoint": "phone",
            "template_id": template.id,
            "template_version": template.version,
            "shopper": "Ana",
            "status": AuditStatus.COMPLETED if n % 2 else AuditStatus.IN_PROGRESS,
            "started_at": T0 + timedelta(hours=n),
            "started_tz": "Europe/Warsaw",
            "completed_at": None if n % 2 == 0 else T0 + timedelta(hours=n, minutes=5),
            "completed_tz": None,
            "updated_at": T0,
            "current_item": None,
            "score_percent": None if n == 0 else 100 / 3 * n,
            "verdict": "Good",
            "passed": [None, True, False][n % 3],
            "critical_failures": n,
            "answered": 3,
            "visible": 4,
        }
        for n in range(7)
    ]
    answers = [
        {
            "audit_id": f"a{n}",
            "item_id": f"item_{k}",
            "value": None if k == 0 else '"yes"',
            "note": "",
            "answered_at": T0 + timedelta(seconds=k),
            "answered_tz": "UTC",
        }
        for n in range(7)
        for k in range(3)
    ]
    return {"company": companies, "audit": audits, "answer": answers}


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables written, each value with its SQLite storage class, by rowid."""
    path = engine.url.database
    assert path is not None
    found = {}
    with sqlite3.connect(path) as conn:
        for table in ("company", "audit", "answer"):
            names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            values = ", ".join(f"{n}, typeof({n})" for n in names)
            found[table] = conn.execute(
                f"SELECT rowid, {values} FROM {table} ORDER BY rowid"
            ).fetchall()
    return found


def test_the_driver_path_writes_the_rows_sqlalchemy_writes(
    engines: tuple[Engine, Engine],
) -> None:
    fast, generic = engines
    rows = _rows(fast)
    for table, batch in rows.items():  # the driver's path, not a fallback
        assert exchange._driver_insert(SQLModel.metadata.tables[table], batch[0], fast.dialect)
    with session_scope(fast) as session:
        for table, batch in rows.items():
            exchange.insert_rows(session=session, table=table, rows=batch, batch=4)
    with session_scope(generic) as session:
        for table, batch in rows.items():
            session.execute(insert(SQLModel.metadata.tables[table]), batch)
    written = _contents(fast)
    assert written == _contents(generic)
    assert [len(written[t]) for t in rows] == [3, 7, 21]


def test_a_row_missing_a_key_fails_as_sqlalchemys_insert_does(
    engines: tuple[Engine, Engine],
) -> None:
    rows = _rows(engines[0])
    del rows["answer"][5]["note"]
    for engine in engines:
        with session_scope(engine) as session:
            exchange.insert_rows(session=session, table="company", rows=rows["company"])
            exchange.insert_rows(session=session, table="audit", rows=rows["audit"])
    with session_scope(engines[0]) as session, pytest.raises(exc.StatementError) as fast:
        exchange.insert_rows(session=session, table="answer", rows=rows["answer"], batch=4)
    table = SQLModel.metadata.tables["answer"]
    with session_scope(engines[1]) as session, pytest.raises(exc.StatementError) as generic:
        session.execute(insert(table), rows["answer"][4:8])
    assert type(fast.value) is type(generic.value)
    assert "note" in str(fast.value)


def test_a_key_that_is_no_column_is_left_out_as_sqlalchemy_does(
    engines: tuple[Engine, Engine],
) -> None:
    with_extra, plain = engines
    rows = _rows(plain)["company"]
    with session_scope(with_extra) as session:
        extra = [{**row, "colour": "red"} for row in rows]
        exchange.insert_rows(session=session, table="company", rows=extra)
    with session_scope(plain) as session:
        exchange.insert_rows(session=session, table="company", rows=rows)
    assert _contents(with_extra) == _contents(plain)


def test_a_broken_row_rolls_back_with_the_rest(engines: tuple[Engine, Engine]) -> None:
    """The driver path writes in the session's transaction: an error undoes every batch."""
    engine = engines[0]
    rows = _rows(engine)
    rows["audit"][6]["company_id"] = "no such company"
    with pytest.raises(exc.IntegrityError), session_scope(engine) as session:
        exchange.insert_rows(session=session, table="company", rows=rows["company"])
        exchange.insert_rows(session=session, table="audit", rows=rows["audit"], batch=3)
    assert _contents(engine) == {"company": [], "audit": [], "answer": []}


def test_the_driver_insert_of_one_column_and_of_defaults() -> None:
    from sqlalchemy.dialects import sqlite

    table = Table(
        "t",
        MetaData(),
        Column("name", String),
        Column("count", Integer, default=3),
        Column("made", String, default=lambda: "per row"),
    )
    dialect = sqlite.dialect()
    assert exchange._driver_insert(table, {"name": "x"}, dialect) is None  # a default per row
    plain = Table("p", MetaData(), Column("name", String), Column("count", Integer, default=3))
    driver = exchange._driver_insert(plain, {"name": "x"}, dialect)
    assert driver is not None
    assert driver.sql == "INSERT INTO p (name, count) VALUES (?, ?)"
    assert driver.params([{"name": "x"}, {"name": "y", "other": 1}]) == [("x", 3), ("y", 3)]
    assert driver.params([{"name": "x"}, {}]) is None
    assert driver.params([]) == []


def typed_rows(path: Path, table: str) -> list[Any]:
    with sqlite3.connect(path) as raw:
        columns = [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
        typed = ", ".join(f"{c}, typeof({c})" for c in columns)
        return raw.execute(f"SELECT {typed} FROM {table} ORDER BY id").fetchall()


def sqlalchemy_insert(*, session: Any, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(SQLModel.metadata.tables[table]), rows)


def test_said_no_and_feedback_rows_go_in_as_sqlalchemy_writes_them(
    source: AppContext, tmp_path: Path
) -> None:
    from sqlmodel import select

    from shopper.store.tables import FeedbackEntry, SaidNoCampaign, SaidNoEntry

    models: dict[str, Any] = {
        "said_no_campaign": SaidNoCampaign,
        "said_no_entry": SaidNoEntry,
        "feedback_entry": FeedbackEntry,
    }
    with session_scope(source.engine) as session:
        rows = {
            table: [row.model_dump() for row in session.exec(select(model))]
            for table, model in models.items()
        }
    assert all(rows.values())
    slow = empty_copy(source, tmp_path / "slow")
    fast = empty_copy(source, tmp_path / "fast")
    try:
        for ctx, writes in ((slow, sqlalchemy_insert), (fast, exchange.insert_rows)):
            with session_scope(ctx.engine) as session:
                for table, found in rows.items():
                    writes(session=session, table=table, rows=found)
                writes(session=session, table="feedback_entry", rows=[])
        assert slow.db_path is not None and fast.db_path is not None
        for table in models:
            written = typed_rows(fast.db_path, table)
            assert written == typed_rows(slow.db_path, table)
            assert len(written) == len(rows[table])
    finally:
        slow.close()
        fast.close()


def test_times_known_from_their_text_are_written_as_the_times_themselves(
    source: AppContext, tmp_path: Path
) -> None:
    """The import's times go in as the text they were read from (`known`): byte for byte
    what SQLAlchemy writes of the same times (whole seconds, the first and last moments of
    the years allowed, microseconds, a time given in another zone); a batch with one time
    not known is written as it always was."""
    audits = audits_of(source)
    edges = [
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2000, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 2, 29, 12, tzinfo=UTC),
        datetime(2024, 2, 29, 14, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))),
    ]
    for n, rows in enumerate(audits):
        rows.audit.pop("version")
        for m, answer in enumerate(rows.children.get("answer", [])):
            answer["answered_at"] = edges[(n + m) % len(edges)]
    times = {
        v
        for a in audits
        for row in [a.audit, *(r for rows in a.children.values() for r in rows)]
        for v in row.values()
        if isinstance(v, datetime)
    }
    known, partly = exchange.KnownTimes(), exchange.KnownTimes()
    for moment in times:
        text = moment.astimezone(UTC).isoformat()
        assert stored_utc_text(text) is not None
        known.read(moment, text)
        if moment is not audits[0].audit["started_at"]:
            partly.read(moment, text)
    assert known.texts([None, *times]) is not None
    assert partly.texts(times) is None
    assert known.texts([datetime.fromisoformat(text)]) is None  # an equal time: another one
    slow = empty_copy(source, tmp_path / "slow")
    fast = empty_copy(source, tmp_path / "fast")
    some = empty_copy(source, tmp_path / "some")
    try:
        insert_all(slow, audits, direct=False)
        with session_scope(fast.engine) as session:
            exchange.insert_new_audits_direct(session=session, audits=audits, known=known)
        with session_scope(some.engine) as session:
            exchange.insert_new_audits_direct(session=session, audits=audits, known=partly)
        assert slow.db_path is not None and fast.db_path is not None and some.db_path
        assert stored(fast.db_path) == stored(slow.db_path) == stored(some.db_path)
    finally:
        slow.close()
        fast.close()
        some.close()


def test_rows_selected_on_the_driver_are_those_sqlalchemy_selects(source: AppContext) -> None:
    """`select_in` on SQLite's driver: the same rows and values (aware UTC times, None,
    numbers) as SQLAlchemy's select, a chunk at a time, an id not here found nowhere."""
    from sqlalchemy import select as sa_select

    table = SQLModel.metadata.tables["audit"]
    names = ("id", "updated_at", "status", "completed_at", "score_percent", "passed")
    with session_scope(source.engine) as session:
        ids = exchange.audit_ids(session=session)
        asked = [*ids[:5], *(f"not-here-{n}" for n in range(600)), *ids[5:]]  # two chunks
        found = exchange.select_in(
            session=session, table="audit", columns=names, key="id", values=asked
        )
        stmt = sa_select(*(table.c[n] for n in names)).where(table.c.id.in_(ids))
        expected = [tuple(row) for row in session.execute(stmt)]
    found.sort(key=lambda row: row[0])
    expected.sort(key=lambda row: row[0])
    assert found == expected and len(found) == len(ids)
    assert any(row[3] is None for row in found) and all(row[1].tzinfo is UTC for row in found)
    for got, want in zip(found, expected, strict=True):
        assert [type(v) for v in got] == [type(v) for v in want]
