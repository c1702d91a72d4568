"""Moving audits between databases: the direct insert writes what SQLAlchemy's insert writes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.store import exchange
from shopper.store.engine import session_scope
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


def typed_rows(path: Path, table: str) -> list[Any]:
    with sqlite3.connect(path) as raw:
        columns = [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
        typed = ", ".join(f"{c}, typeof({c})" for c in columns)
        return raw.execute(f"SELECT {typed} FROM {table} ORDER BY id").fetchall()


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
        for ctx, writes in ((slow, exchange.insert_rows), (fast, exchange.insert_rows_direct)):
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
