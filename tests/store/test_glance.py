"""The start-up glance: the same lists the engine reads, from plain sqlite3, never a write."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from shopper.services import audits as audit_service
from shopper.services.companies import CompanyInput, create_company, list_companies
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.services.glance import glance_at
from shopper.store.glance import ORDERS, Filters, glance
from shopper.store.repo import AUDIT_ORDER


@pytest.fixture
def demo_folder(data_dir: Path) -> Path:
    ctx = AppContext.open(data_dir)
    load_demo(engine=ctx.engine, audits=150)
    # A company with no audits, a name that sorts by case, one that is not ASCII.
    for name in ("aardvark Ltd", "Żabka Polska", "Zeta <b>&amp;</b>"):
        create_company(engine=ctx.engine, data=CompanyInput(name=name, sector="Retail"))
    ctx.close()
    raw = sqlite3.connect(data_dir / "shopper.db")  # an audit not scored yet
    raw.execute(
        "UPDATE audit SET score_percent = NULL, passed = NULL, completed_at = NULL "
        "WHERE id = (SELECT min(id) FROM audit)"
    )
    raw.commit()
    raw.close()
    return data_dir


def test_the_glance_reads_what_the_engine_reads(demo_folder: Path) -> None:
    ctx = AppContext.open(demo_folder)
    try:
        companies = list_companies(engine=ctx.engine)
        rows = audit_service.list_audits(engine=ctx.engine)
        some_company = next(c.id for c in companies if c.audits)
        statuses = {r.status for r in rows}
        assert len(statuses) > 1  # completed and in progress, at least
        assert any(r.score_percent is None for r in rows)
        assert any(r.passed is False for r in rows)
        assert set(ORDERS) == set(AUDIT_ORDER)
        for order in ORDERS:
            for descending in (True, False):
                for limit in (400, 7):
                    for scope in (
                        {},
                        {"company_id": some_company},
                        {"touchpoint": "phone"},
                        {"status": "completed"},
                        {"company_id": some_company, "status": "in_progress"},
                    ):
                        seen = glance_at(
                            demo_folder,
                            Filters(**scope, order=order, descending=descending, limit=limit),
                        )
                        assert seen is not None
                        assert seen.companies == companies
                        assert seen.audits == audit_service.list_audits(
                            engine=ctx.engine,
                            order=order,
                            descending=descending,
                            limit=limit,
                            company_id=scope.get("company_id"),
                            touchpoint=scope.get("touchpoint"),
                            status=scope.get("status"),
                        ), (order, descending, limit, scope)
    finally:
        ctx.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_glance_writes_nothing(demo_folder: Path) -> None:
    db = demo_folder / "shopper.db"
    before = digest(db)
    assert not (demo_folder / "shopper.db-wal").exists()
    assert glance(db, Filters()) is not None
    assert digest(db) == before
    # SQLite's read-only WAL reader may leave an empty log beside it: nothing in it.
    wal = demo_folder / "shopper.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_no_glance_where_opening_must_decide(tmp_path: Path, demo_folder: Path) -> None:
    assert glance(tmp_path / "missing.db", Filters()) is None
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert glance(junk, Filters()) is None
    assert glance(demo_folder / "shopper.db", Filters(order="no such column")) is None

    # A rollback-journal file (opening would rewrite its header) gets no glance.
    journal = tmp_path / "journal.db"
    source = sqlite3.connect(demo_folder / "shopper.db")
    copy = sqlite3.connect(journal)
    source.backup(copy)
    source.close()
    copy.execute("PRAGMA journal_mode=DELETE")
    copy.close()
    assert glance(journal, Filters()) is None

    # A migration due (an older revision): opening migrates first, so no glance.
    older = sqlite3.connect(demo_folder / "shopper.db")
    older.execute("UPDATE alembic_version SET version_num = '0001'")
    older.commit()
    older.close()
    assert glance(demo_folder / "shopper.db", Filters()) is None


def test_an_empty_database_glances_empty_lists(data_dir: Path) -> None:
    AppContext.open(data_dir).close()
    seen = glance_at(data_dir, Filters())
    assert seen is not None
    assert (seen.companies, seen.audits) == ([], [])
