"""Opening a damaged database: refused with what is wrong, and never changed or replaced."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from shopper.domain.errors import StorageError
from shopper.services.context import AppContext
from shopper.store import integrity as checks
from shopper.store.engine import open_database, sqlite_url
from shopper.store.integrity import DamagedDatabaseError, DiskError, check_file, problems
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


# -- a full or failing disk is not damage ------------------------------------------------


def _error(code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("some words SQLite chose")
    exc.sqlite_errorcode = code
    return exc


@pytest.mark.parametrize(
    ("code", "free", "kind", "words"),
    [
        (13, 50 * 1024**3, DiskError, "the disk is full"),  # SQLITE_FULL, whatever df says
        (10 | (19 << 8), 12 * 1024, DiskError, "the disk is full (12 KB free)"),  # IOERR_SHMSIZE
        (14, 4 * 1024, DiskError, "the disk is full (4 KB free)"),  # CANTOPEN, no room
        (10 | (4 << 8), 50 * 1024**3, DiskError, "the disk reported an error"),  # IOERR_WRITE
        (11, 50 * 1024**3, DamagedDatabaseError, "is damaged"),  # SQLITE_CORRUPT
        (26, 50 * 1024**3, DamagedDatabaseError, "is damaged"),  # SQLITE_NOTADB
        (5, 50 * 1024**3, StorageError, "busy"),  # SQLITE_BUSY
    ],
)
def test_errors_are_told_apart_by_their_code(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    free: int,
    kind: type[Exception],
    words: str,
) -> None:
    monkeypatch.setattr(checks, "free_bytes", lambda _path: free)
    found = checks.explain(_error(code), tmp_path / "shopper.db")
    assert type(found) is kind
    assert words in str(found)
    assert str(tmp_path / "shopper.db") in str(found)
    if kind is DiskError:
        assert "restore" not in str(found)


LIMITED_OPEN = r"""
import resource, signal, sys
from pathlib import Path
from shopper.services.context import AppContext
from shopper.domain.errors import StorageError
from shopper.store.integrity import DamagedDatabaseError, DiskError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    AppContext.open(Path(sys.argv[1]))
except StorageError as exc:
    print(type(exc).__name__, exc)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_disk_that_refuses_every_write_is_not_called_damage(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    AppContext.open(folder).close()
    for side in ("-wal", "-shm"):
        Path(f"{folder / 'shopper.db'}{side}").unlink(missing_ok=True)
    before = (folder / "shopper.db").read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", LIMITED_OPEN, str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.startswith("DiskError "), done.stdout + done.stderr
    assert "damaged" not in done.stdout
    assert (folder / "shopper.db").read_bytes() == before


def _tmpfs(where: Path, size_kb: int) -> bool:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0,
    reason="mounting a small file system needs root on Linux",
)
def test_a_healthy_database_on_a_full_disk_says_the_disk_is_full(tmp_path: Path) -> None:
    source = tmp_path / "made"
    AppContext.open(source).close()
    disk = tmp_path / "disk"
    room = (source / "shopper.db").stat().st_size // 1024 + 200  # the database and a little
    if not _tmpfs(disk, room):
        pytest.skip("this machine may not mount a tmpfs")
    try:
        shutil.copy(source / "shopper.db", disk / "shopper.db")
        with contextlib.suppress(OSError), (disk / "fill").open("wb") as fill:
            while True:
                fill.write(b"\0" * 4096)
                fill.flush()
        before = (disk / "shopper.db").read_bytes()
        with pytest.raises(DiskError, match=r"the disk is full \(\d+ KB free\)"):
            AppContext.open(disk)
        assert (disk / "shopper.db").read_bytes() == before
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
