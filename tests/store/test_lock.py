"""Which processes may have a database open at once: the lock file of the database itself."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopper.cli import main
from shopper.services.context import AppContext
from shopper.store import lock as process_lock
from shopper.store.engine import parse_version, sqlite_url, wal_reset_bug_affected
from shopper.store.lock import DatabaseInUseError
from tests.data_helpers import snapshot

AFFECTED = wal_reset_bug_affected(parse_version(sqlite3.sqlite_version))
only_with_the_wal_bug = pytest.mark.skipif(
    not AFFECTED, reason="this SQLite is fixed: several processes may share a database"
)

# Holds a database open, or its lock alone (exclusively), until told to stop.
HOLD = """
import sys
from pathlib import Path
from shopper.services.context import AppContext
from shopper.store import lock
if sys.argv[2] == "open":
    ctx = AppContext.open(Path(sys.argv[1]))
else:
    lock.acquire(Path(sys.argv[1]) / "shopper.db", exclusive=True)
print("open", flush=True)
sys.stdin.readline()
"""


def _hold(folder: Path, how: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "open"
    return child


@pytest.fixture
def other_process(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    folder = tmp_path / "data"
    child = _hold(folder, "open")
    yield folder, child
    if child.poll() is None:
        child.kill()
        child.wait()


@pytest.fixture
def sole_holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """Another process holding the database alone (as a restore does, on any SQLite)."""
    folder = tmp_path / "data"
    AppContext.open(folder).close()
    child = _hold(folder, "alone")
    yield folder, child
    if child.poll() is None:
        child.kill()
        child.wait()


@only_with_the_wal_bug
def test_a_second_process_is_refused_with_one_clear_message(
    other_process: tuple[Path, subprocess.Popen[str]],
) -> None:
    folder, child = other_process
    with pytest.raises(
        DatabaseInUseError, match=rf"already open in another Shopper \(process {child.pid}\)"
    ):
        AppContext.open(folder)
    # Once the other process is gone (however it ended), the database opens.
    child.kill()
    child.wait()
    AppContext.open(folder).close()


@pytest.mark.skipif(AFFECTED, reason="this SQLite has the WAL bug: one process at a time")
def test_without_the_wal_bug_processes_share_the_database(
    other_process: tuple[Path, subprocess.Popen[str]],
) -> None:
    folder, _child = other_process
    AppContext.open(folder).close()


@only_with_the_wal_bug
def test_the_command_line_says_so_and_exits_2(
    other_process: tuple[Path, subprocess.Popen[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _child = other_process
    with pytest.raises(SystemExit) as info:
        main(["--data-dir", str(folder), "audits", "list"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already open in another Shopper" in err[0]


def test_the_lock_belongs_to_the_database_file_whatever_route_reaches_it(
    sole_holder: tuple[Path, subprocess.Popen[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, _child = sole_holder
    db = folder / "shopper.db"
    other = tmp_path / "other-data"
    link = tmp_path / "link.db"
    link.symlink_to(db)
    before = snapshot(folder)
    routes = [
        ["--data-dir", str(folder)],
        ["--data-dir", str(other), "--db", sqlite_url(db)],
        ["--data-dir", str(other), "--db", sqlite_url(link)],
        ["--data-dir", str(other), "--db", f"sqlite:///{folder}/../data/shopper.db"],
    ]
    for route in routes:
        with pytest.raises(SystemExit) as info:
            main([*route, "demo", "--audits", "1"])
        assert info.value.code == 2, route
        assert "already open in another Shopper" in capsys.readouterr().err
    monkeypatch.setenv("SHOPPER_DB_URL", sqlite_url(db))
    with pytest.raises(DatabaseInUseError):
        AppContext.open(other)
    assert snapshot(folder) == before


def test_the_lock_file_sits_beside_the_resolved_database(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    via_alias = process_lock.lock_path(tmp_path / "alias" / "shopper.db")
    assert via_alias == (tmp_path / "real" / "shopper.db.lock").resolve()


def test_opens_within_one_process_share_the_lock(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = AppContext.open(folder)
    second = AppContext.open(folder)
    first.close()
    probe = [sys.executable, "-c", HOLD, str(folder), "alone"]
    still_held = subprocess.run(probe, input="\n", capture_output=True, text=True, check=False)
    assert "already open" in still_held.stderr
    second.close()
    free = subprocess.run(probe, input="\n", capture_output=True, text=True, check=False)
    assert free.returncode == 0 and free.stdout.strip() == "open"


def test_an_exclusive_use_waits_for_no_one_in_its_own_process(tmp_path: Path) -> None:
    """The app's own restore takes the lock alone while the app itself has the database open."""
    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    key = process_lock.acquire(folder / "shopper.db", exclusive=True)
    probe = [sys.executable, "-c", HOLD, str(folder), "open"]
    held = subprocess.run(probe, input="\n", capture_output=True, text=True, check=False)
    assert "already open" in held.stderr
    process_lock.release(key, exclusive=True)
    ctx.close()
