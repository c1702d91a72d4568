"""Online backups through the engine's own connection, and putting a copy in place."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from shopper.domain.errors import StorageError
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.store.backup import backup_to, database_file, install_copy
from shopper.store.engine import create_db_engine, is_single_connection
from tests.data_helpers import COUNT_ITEMS, count_rows, integrity, new_counts_audit


def test_backup_is_a_checked_private_self_contained_copy(ctx: AppContext, tmp_path: Path) -> None:
    audit_id = new_counts_audit(ctx, tmp_path)
    AuditRunner(engine=ctx.engine, audit_id=audit_id).set_answer("c1", 7)
    target = tmp_path / "copy.db"
    size = backup_to(ctx.engine, target)
    assert size == target.stat().st_size > 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert integrity(target) == ["ok"]
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        value = copy.execute("SELECT value FROM answer WHERE item_id = 'c1'").fetchone()[0]
    assert value == "7"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_backup_while_the_single_connection_is_busy_elsewhere(tmp_path: Path) -> None:
    """On a SQLite with the WAL-reset bug the backup waits for the engine's one connection."""
    ctx = AppContext.open(tmp_path / "data")
    ctx.engine.dispose()
    ctx.engine = create_db_engine(ctx.db_url, sqlite_version="3.40.1")
    assert is_single_connection(ctx.engine)
    audit_id = new_counts_audit(ctx, tmp_path)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    errors: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        value = 0
        try:
            while not stop.is_set():
                value += 1
                runner.set_answer(COUNT_ITEMS[value % len(COUNT_ITEMS)], value)
                time.sleep(0.002)  # a fast typist; the pool is not fair to a waiting thread
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        copies = [tmp_path / f"copy{n}.db" for n in range(5)]
        for copy in copies:
            backup_to(ctx.engine, copy)
    finally:
        stop.set()
        writer.join(timeout=30)
        ctx.close()
    assert errors == []
    for copy in copies:
        assert integrity(copy) == ["ok"]
        assert count_rows(copy, "audit") == 1


def test_failed_backup_leaves_nothing(ctx: AppContext, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "copy.db"
    with pytest.raises(StorageError, match="could not write the backup"):
        backup_to(ctx.engine, target)
    assert not target.parent.exists()


def test_only_a_sqlite_file_can_be_backed_up() -> None:
    engine = create_db_engine("sqlite://")
    try:
        with pytest.raises(StorageError, match="PostgreSQL"):
            database_file(engine)
    finally:
        engine.dispose()


def test_a_team_database_is_backed_up_with_pg_dump_and_told_so() -> None:
    engine = create_db_engine("postgresql://jan:s3cret@db.example/shopper")
    try:
        with pytest.raises(StorageError) as info:
            database_file(engine)
    finally:
        engine.dispose()
    assert "`pg_dump --format=custom --file=shopper.dump postgresql://jan@db.example/shopper`" in (
        str(info.value)
    )
    assert "s3cret" not in str(info.value)


def test_install_copy_replaces_the_file_and_drops_a_stale_log(tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    with closing(sqlite3.connect(source)) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (42)")
        connection.commit()
    target = tmp_path / "shopper.db"
    target.write_bytes(b"old")
    Path(f"{target}-wal").write_bytes(b"stale log that must not be replayed")
    install_copy(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert not Path(f"{target}-wal").exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
