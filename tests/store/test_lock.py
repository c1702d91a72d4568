"""One process at a time on a database whose SQLite has the WAL-reset bug."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopper.cli import main
from shopper.services.context import AppContext
from shopper.store.engine import parse_version, wal_reset_bug_affected
from shopper.store.lock import DatabaseInUseError

pytestmark = pytest.mark.skipif(
    not wal_reset_bug_affected(parse_version(sqlite3.sqlite_version)),
    reason="this SQLite is fixed: several processes may share a database",
)

HOLD = """
import sys, time
from pathlib import Path
from shopper.services.context import AppContext
ctx = AppContext.open(Path(sys.argv[1]))
print("open", flush=True)
sys.stdin.readline()
ctx.close()
"""


@pytest.fixture
def other_process(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    folder = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "open"
    yield folder, child
    if child.poll() is None:
        child.kill()
        child.wait()


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


def test_the_command_line_says_so_and_exits_2(
    other_process: tuple[Path, subprocess.Popen[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _child = other_process
    with pytest.raises(SystemExit) as info:
        main(["--data-dir", str(folder), "audits", "list"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already open in another Shopper" in err[0]


def test_opens_within_one_process_share_the_lock(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = AppContext.open(folder)
    second = AppContext.open(folder)
    first.close()
    probe = [sys.executable, "-c", HOLD, str(folder)]
    still_held = subprocess.run(probe, input="\n", capture_output=True, text=True, check=False)
    assert "already open" in still_held.stderr
    second.close()
    free = subprocess.run(probe, input="\n", capture_output=True, text=True, check=False)
    assert free.returncode == 0 and free.stdout.strip() == "open"
