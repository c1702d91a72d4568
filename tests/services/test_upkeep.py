"""Upkeep while the app runs: checkpoints, the full check, writing stopped, the repair."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shopper.domain.errors import StorageError
from shopper.services import upkeep
from shopper.services.context import AppContext, EmptyDatabaseError
from shopper.services.runner import AuditRunner
from shopper.store.engine import writing_stopped
from shopper.store.integrity import check_file, damage_noted
from tests.data_helpers import integrity, make_backup_file, new_counts_audit, snapshot
from tests.test_cli import ok, user_error


def damage_an_index(db: Path) -> None:
    """Make an index disagree with its table while every page stays well formed.

    The index page is saved, the indexed values change, then the old page is written
    back: `quick_check` (structure only) passes, `integrity_check` does not.
    """
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'ix_company_name'"
        ).fetchone()[0]
    with db.open("rb") as handle:
        handle.seek(size * (root - 1))
        page = handle.read(size)
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("UPDATE company SET name = upper(name)")
        connection.commit()
    with db.open("r+b") as handle:
        handle.seek(size * (root - 1))
        handle.write(page)


@pytest.fixture
def filled(data_dir: Path, tmp_path: Path) -> str:
    ctx = AppContext.open(data_dir)
    try:
        for n in range(30):
            new_counts_audit(ctx, tmp_path, company=f"company number {n:02}")
        audit_id = new_counts_audit(ctx, tmp_path, company="the one we answer")
        AuditRunner(engine=ctx.engine, audit_id=audit_id).set_answer("c1", 1)
    finally:
        ctx.close()
    return audit_id


# -- checkpoints --------------------------------------------------------------------------


def test_a_clean_close_empties_the_write_ahead_log(data_dir: Path, filled: str) -> None:
    ctx = AppContext.open(data_dir)
    AuditRunner(engine=ctx.engine, audit_id=filled).set_answer("c2", 5)
    wal = data_dir / "shopper.db-wal"
    assert wal.stat().st_size > 0
    ctx.close()
    assert not wal.exists() or wal.stat().st_size == 0
    # Everything is in the database file itself now.
    for side in ("-wal", "-shm"):
        Path(f"{data_dir / 'shopper.db'}{side}").unlink(missing_ok=True)
    ctx = AppContext.open(data_dir)
    try:
        assert AuditRunner(engine=ctx.engine, audit_id=filled).value("c2") == 5
    finally:
        ctx.close()


def test_a_checkpoint_comes_after_a_minute_without_changes(data_dir: Path, filled: str) -> None:
    ctx = AppContext.open(data_dir)
    try:
        AuditRunner(engine=ctx.engine, audit_id=filled).set_answer("c2", 6)
        db = data_dir / "shopper.db"
        wal = Path(f"{db}-wal")
        changed = datetime.fromtimestamp(wal.stat().st_mtime, UTC)
        soon = changed + timedelta(seconds=20)
        assert not upkeep.checkpoint_if_idle(engine=ctx.engine, db_path=db, now=soon)
        assert wal.stat().st_size > 0
        later = changed + timedelta(seconds=61)
        assert upkeep.checkpoint_if_idle(engine=ctx.engine, db_path=db, now=later)
        assert wal.stat().st_size == 0
        assert not upkeep.checkpoint_if_idle(engine=ctx.engine, db_path=db, now=later)
    finally:
        ctx.close()


# -- unclean shutdowns and the full check ------------------------------------------------


def test_an_unclean_shutdown_is_noticed_at_the_next_open(data_dir: Path, filled: str) -> None:
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from shopper.services.context import AppContext\n"
        "AppContext.open(Path(sys.argv[1]))\n"
        "os._exit(0)\n"  # no clean close: as a crash or a kill
    )
    subprocess.run([sys.executable, "-c", code, str(data_dir)], check=True)
    ctx = AppContext.open(data_dir)
    try:
        assert ctx.unclean_shutdown
        assert upkeep.full_check_due(data_dir, unclean=ctx.unclean_shutdown)
    finally:
        ctx.close()
    ctx = AppContext.open(data_dir)
    try:
        assert not ctx.unclean_shutdown
    finally:
        ctx.close()


def test_the_full_check_runs_at_most_daily(data_dir: Path, filled: str) -> None:
    ctx = AppContext.open(data_dir)
    try:
        assert upkeep.full_check_due(data_dir, unclean=False)  # never checked
        result = upkeep.full_check(
            engine=ctx.engine, db_path=data_dir / "shopper.db", data_dir=data_dir
        )
        assert result.ok
        now = datetime.now(UTC)
        assert not upkeep.full_check_due(data_dir, unclean=False, now=now)
        assert upkeep.full_check_due(data_dir, unclean=True, now=now)
        assert upkeep.full_check_due(
            data_dir, unclean=False, now=now + timedelta(days=1, seconds=1)
        )
    finally:
        ctx.close()


def test_index_damage_the_quick_check_misses_stops_writing_and_is_repaired(
    data_dir: Path, filled: str
) -> None:
    db = data_dir / "shopper.db"
    damage_an_index(db)
    check_file(db)  # the quick check on open finds nothing: the old hole
    ctx = AppContext.open(data_dir)
    try:
        result = upkeep.full_check(engine=ctx.engine, db_path=db, data_dir=data_dir)
        assert not result.ok and result.indexes_only
        assert "Rebuild the indexes" in result.advice()
        assert writing_stopped(ctx.engine)
        before = snapshot(data_dir)
        runner = AuditRunner(engine=ctx.engine, audit_id=filled)
        with pytest.raises(StorageError, match="found damaged, so Shopper stopped writing"):
            runner.set_answer("c3", 2)
        assert runner.value("c3") is None  # what was saved before is what it shows
        after = snapshot(data_dir)
        assert {k: v for k, v in after.items() if k != "shopper.log"} == {
            k: v for k, v in before.items() if k != "shopper.log"
        }
    finally:
        ctx.close()
    # Any later open, by any process, stays read-only until it is mended.
    assert damage_noted(data_dir)
    ctx = AppContext.open(data_dir)
    try:
        assert writing_stopped(ctx.engine)
        repaired = upkeep.repair_indexes(engine=ctx.engine, db_path=db, data_dir=data_dir)
        assert repaired.kept is not None and repaired.kept.exists()
        assert not writing_stopped(ctx.engine)
        assert integrity(db) == ["ok"]
        AuditRunner(engine=ctx.engine, audit_id=filled).set_answer("c3", 2)
    finally:
        ctx.close()
    assert not damage_noted(data_dir)


def test_other_damage_is_not_repaired_but_sent_to_the_backups(
    data_dir: Path, filled: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = AppContext.open(data_dir)
    try:
        before = (data_dir / "shopper.db").read_bytes()
        monkeypatch.setattr(
            upkeep, "problems", lambda *_a, **_k: ["Page 7: btreeInitPage() returns error code 11"]
        )
        with pytest.raises(StorageError, match="rebuilding indexes cannot mend"):
            upkeep.repair_indexes(
                engine=ctx.engine, db_path=data_dir / "shopper.db", data_dir=data_dir
            )
        assert writing_stopped(ctx.engine)
        assert (data_dir / "shopper.db").read_bytes() == before
        result = upkeep.CheckResult(("Page 7: btreeInitPage() returns error code 11",))
        assert not result.indexes_only
        assert "restore a backup" in result.advice()
    finally:
        ctx.close()


def test_the_command_line_names_the_repair_and_makes_it(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str
) -> None:
    damage_an_index(data_dir / "shopper.db")
    line = user_error(capsys, "check")
    assert "only indexes are damaged: `shopper repair` rebuilds them" in line
    out = ok(capsys, "repair")
    assert "Rebuilt the indexes" in out
    assert "ok (integrity_check)" in ok(capsys, "check")
    assert "nothing to repair" in ok(capsys, "repair")


# -- an empty database file in a folder that was used ------------------------------------


def test_an_empty_database_in_a_used_folder_offers_the_latest_backup(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str
) -> None:
    latest = make_backup_file(data_dir)
    db = data_dir / "shopper.db"
    db.write_bytes(b"")
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    with pytest.raises(EmptyDatabaseError) as refused:
        AppContext.open(data_dir)
    assert str(latest) in str(refused.value)
    assert db.stat().st_size == 0
    line = user_error(capsys, "audits", "list")
    assert "is empty (0 bytes)" in line and str(latest) in line
    assert db.stat().st_size == 0
    ok(capsys, "restore", str(latest))
    assert ok(capsys, "audits", "list").count("\n") == 31


def test_an_empty_database_in_a_new_folder_is_simply_created(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "shopper.db").write_bytes(b"")
    AppContext.open(folder).close()
    assert (folder / "shopper.db").stat().st_size > 0


def test_markers_of_running_processes_are_left_alone(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    alive = data_dir / f".running-{os.getppid()}"
    alive.touch()
    assert not upkeep.mark_running(data_dir)
    assert alive.exists()
    upkeep.mark_stopped(data_dir)


# -- the quick check deferred at start-up (the GUI: `AppContext.open(check_later=True)`) -------


def damage_a_table_in_wal_mode(db: Path) -> None:
    """Garble the audits' first page, then mark the file as in WAL mode again (the header
    byte SQLite reads), as a damaged file left by a running app would be."""
    from tests.data_helpers import damage

    with closing(sqlite3.connect(db)) as connection:
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'audit'"
        ).fetchone()[0]
    damage(db, page=root)
    with db.open("r+b") as handle:
        handle.seek(18)
        handle.write(b"\x02\x02")


def test_a_deferred_check_holds_the_writes_until_it_passes(data_dir: Path, filled: str) -> None:
    import threading

    ctx = AppContext.open(data_dir, check_later=True)
    try:
        assert ctx.check_pending
        runner = AuditRunner(engine=ctx.engine, audit_id=filled)  # reads go on
        saved = threading.Event()

        def save() -> None:
            runner.set_answer("c1", 4)
            saved.set()

        writer = threading.Thread(target=save)
        writer.start()
        assert not saved.wait(0.5)  # held: the file has not been checked yet
        assert ctx.finish_check().ok
        writer.join(20)
        assert saved.is_set() and not ctx.check_pending
        assert not writing_stopped(ctx.engine)
    finally:
        ctx.close()
    reopened = AppContext.open(data_dir)
    try:
        assert AuditRunner(engine=reopened.engine, audit_id=filled).values["c1"] == 4
    finally:
        reopened.close()


def test_damage_found_by_the_deferred_check_is_never_written_to(
    data_dir: Path, filled: str
) -> None:
    import threading

    from shopper.store.integrity import DamagedDatabaseError

    db = data_dir / "shopper.db"
    damage_a_table_in_wal_mode(db)
    before = snapshot(data_dir)
    with pytest.raises(DamagedDatabaseError):
        AppContext.open(data_dir)  # checked first, as ever, without check_later
    ctx = AppContext.open(data_dir, check_later=True)
    failures: list[Exception] = []
    try:
        assert ctx.check_pending

        def write() -> None:
            try:
                upkeep.checkpoint(ctx.engine)  # a write to the file itself
            except Exception as exc:
                failures.append(exc)

        writer = threading.Thread(target=write)
        writer.start()
        result = ctx.finish_check()
        writer.join(20)
        assert not result.ok and "damaged" in result.advice()
        assert failures, "the held write went on"
        assert writing_stopped(ctx.engine) and damage_noted(data_dir)
    finally:
        ctx.close()
    assert {k: v for k, v in snapshot(data_dir).items() if not k.startswith(".")} == {
        k: v for k, v in before.items() if not k.startswith(".")
    }
    assert integrity(db) != ["ok"]


def test_a_file_opening_would_change_is_checked_first_even_so(data_dir: Path, filled: str) -> None:
    from shopper.store.integrity import DamagedDatabaseError
    from tests.data_helpers import damage

    db = data_dir / "shopper.db"
    damage(db)  # in rollback-journal mode: opening in WAL mode would rewrite its header
    before = db.read_bytes()
    with pytest.raises(DamagedDatabaseError):
        AppContext.open(data_dir, check_later=True)
    assert db.read_bytes() == before
