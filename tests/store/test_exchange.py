"""Bulk inserts (`insert_rows`): SQLite's driver-level path writes what SQLAlchemy's insert does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, exc, insert
from sqlmodel import SQLModel

from shopper.domain.vocabulary import AuditStatus
from shopper.services.templates import list_templates, sync_builtin_templates
from shopper.store import exchange
from shopper.store.engine import open_database, session_scope, sqlite_url

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


def test_a_utc_time_is_written_as_the_columns_type_writes_it() -> None:
    from zoneinfo import ZoneInfo

    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    column = SQLModel.metadata.tables["answer"].c.answered_at
    fast = exchange._processor(column, dialect)
    slow = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert fast is not None and slow is not None and fast is not slow
    warsaw = ZoneInfo("Europe/Warsaw")
    times: list[datetime | None] = [T0 + timedelta(seconds=n * 3607.000013) for n in range(-99, 99)]
    times += [t.astimezone(warsaw) for t in times[:50] if t is not None]
    times += [datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, tzinfo=UTC), None]
    assert [fast(t) for t in times] == [slow(t) for t in times]
    with pytest.raises(ValueError, match="naive"):
        fast(datetime(2025, 1, 1))
