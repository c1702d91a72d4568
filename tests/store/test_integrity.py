"""Opening a damaged database: refused with what is wrong, and never changed or replaced."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from shopper.domain.errors import StorageError
from shopper.services.context import AppContext
from shopper.store.engine import open_database, sqlite_url
from shopper.store.integrity import DamagedDatabaseError, check_file, problems
from tests.data_helpers import damage, integrity, new_counts_audit, snapshot


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A data folder whose database holds a few hundred rows over several pages."""
    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    try:
        for n in range(12):
            new_counts_audit(ctx, tmp_path, company=f"Company {n} " + "x" * 150)
    finally:
        ctx.close()
    return folder


def test_sound_database_has_no_problems(filled: Path) -> None:
    assert problems(filled / "shopper.db") == []
    assert problems(filled / "shopper.db", full=True) == []
    check_file(filled / "shopper.db")


def test_damaged_database_is_refused_and_left_byte_for_byte(filled: Path) -> None:
    db = filled / "shopper.db"
    damage(db)
    before = snapshot(filled)
    with pytest.raises(DamagedDatabaseError) as info:
        AppContext.open(filled)
    message = str(info.value)
    assert "shopper.db is damaged" in message
    assert "restore a backup" in message
    assert "\n" not in message
    # Refused again the next time: never "repaired" or replaced by a new empty database.
    with pytest.raises(DamagedDatabaseError):
        open_database(sqlite_url(db))
    assert snapshot(filled) == before
    assert integrity(db) != ["ok"]


def test_file_that_is_not_a_database_is_damaged_and_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "shopper.db"
    db.write_bytes(b"PK\x03\x04 this is a zip, not a database " * 100)
    before = db.read_bytes()
    with pytest.raises(DamagedDatabaseError) as refused:
        open_database(sqlite_url(db))
    assert str(db) in str(refused.value)
    assert "\n" not in str(refused.value)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shopper.db"]


def test_a_rollback_journal_database_keeps_its_header_when_refused(filled: Path) -> None:
    """Opening for writing would switch it to WAL (bytes 18-19); the check is read-only."""
    db = filled / "shopper.db"
    damage(db)  # also leaves it in rollback-journal mode
    header = db.read_bytes()[:100]
    assert header[18:20] == b"\x01\x01"
    with pytest.raises(DamagedDatabaseError):
        open_database(sqlite_url(db))
    assert db.read_bytes()[:100] == header


def test_unreadable_file_is_a_storage_error_not_damage(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "shopper.db"
    with pytest.raises(StorageError) as info:
        problems(missing)
    assert not isinstance(info.value, DamagedDatabaseError)


def test_check_reads_a_database_it_may_not_write(filled: Path) -> None:
    db = filled / "shopper.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
    db.chmod(0o400)
    try:
        assert problems(db) == []
    finally:
        db.chmod(0o600)
