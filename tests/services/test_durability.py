"""No acknowledged answer is ever lost: kills at random moments, a full disk, the WAL gate."""

from __future__ import annotations

import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from shopper.services.backups import make_backup
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.store.engine import (
    BUSY_TIMEOUT_MS,
    is_single_connection,
    parse_version,
    wal_reset_bug_affected,
)
from tests.data_helpers import COUNT_ITEMS, integrity, new_counts_audit

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 60


def test_the_apps_connections_have_the_durable_settings(ctx: AppContext) -> None:
    raw = ctx.engine.raw_connection()
    try:
        cursor = raw.cursor()
        settings = {
            name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
        cursor.close()
    finally:
        raw.close()
    assert settings == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL: a commit is on disk when it returns
        "foreign_keys": 1,
        "busy_timeout": BUSY_TIMEOUT_MS,
    }
    affected = wal_reset_bug_affected(parse_version(sqlite3.sqlite_version))
    assert is_single_connection(ctx.engine) is affected


def test_backups_never_open_a_second_connection_to_the_database(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WAL-reset bug needs two connections writing or checkpointing; backups use one."""
    new_counts_audit(ctx, tmp_path)
    opened: list[str] = []
    real_connect = sqlite3.connect

    def spy(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", spy)
    backup = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")
    db = str(ctx.data_dir / "shopper.db")
    assert all(db not in path or "backups" in path for path in opened), opened
    assert backup.path.exists()


# -- killed at random moments --------------------------------------------------------------

# A parent that imports everything once, then forks one writer per round, so a
# round costs milliseconds of start-up instead of a Python start.
FORK_SERVER = r"""
import os, sys
from pathlib import Path
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner

data_dir, audit_id, items = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
print("ready", flush=True)
for line in sys.stdin:
    round_no = int(line)
    pid = os.fork()
    if pid == 0:
        ctx = AppContext.open(data_dir)
        runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
        seq = 0
        while True:
            seq += 1
            item = items[seq % len(items)]
            value = round_no * 1_000_000 + seq
            runner.set_answer(item, value)
            os.write(1, f"ack {item} {value}\n".encode())
    print(f"pid {pid}", flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


class Lines:
    """Lines from a child's stdout, with timeouts."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.fd = stream.fileno()
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.buffer = b""

    def until(self, deadline: float) -> Iterator[str]:
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                yield line.decode()
            left = deadline - time.monotonic()
            if left <= 0 or not self.selector.select(left):
                return
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return
            self.buffer += chunk

    def next(self, timeout: float = 30.0) -> str:
        for line in self.until(time.monotonic() + timeout):
            return line
        raise AssertionError("the child said nothing")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork server needs POSIX")
def test_killed_at_random_moments_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    audit_id = new_counts_audit(ctx, tmp_path)
    ctx.close()
    rng = random.Random(20251123)
    child = subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER, str(folder), audit_id, ",".join(COUNT_ITEMS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert child.stdin is not None and child.stdout is not None
    lines = Lines(child.stdout)
    acked: dict[str, int] = {}
    total = killed_among_writes = 0
    try:
        assert lines.next() == "ready"
        for round_no in range(1, ROUNDS + 1):
            child.stdin.write(f"{round_no}\n".encode())
            child.stdin.flush()
            pid = int(lines.next().removeprefix("pid "))
            # Armed only once the child has acknowledged its first write, however long
            # opening the database took on this machine: every kill lands among writes.
            total += _ack(lines.next(), acked)
            deadline = time.monotonic() + rng.uniform(0.0, 0.05)
            for line in lines.until(deadline):
                total += _ack(line, acked)
            os.kill(pid, signal.SIGKILL)
            killed_among_writes += 1
            while (line := lines.next()) != "reaped":
                total += _ack(line, acked)  # written before the kill: acknowledged
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    assert killed_among_writes == ROUNDS >= 50
    assert total > ROUNDS
    assert integrity(folder / "shopper.db") == ["ok"]
    ctx = AppContext.open(folder)
    try:
        runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
        for item, value in acked.items():
            # Each write is larger than every earlier one: an acknowledged write may only
            # have been overtaken by a later write, never lost.
            assert runner.value(item) >= value, item
    finally:
        ctx.close()


def _ack(line: str, acked: dict[str, int]) -> int:
    kind, item, value = line.split()
    assert kind == "ack", line
    acked[item] = max(acked.get(item, 0), int(value))
    return 1


# -- a full disk ----------------------------------------------------------------------------

FULL_DISK = r"""
import resource, signal, sys
from pathlib import Path
from shopper.domain.errors import StorageError
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
folder, audit_id, items = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
ctx = AppContext.open(folder)
runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
sizes = [p.stat().st_size for p in folder.glob("shopper.db*")]
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (max(sizes) + 96 * 1024, hard))
for n in range(1, 100_000):
    item = items[n % len(items)]
    note = f"{n} " + "words of a long note " * 150
    try:
        runner.set_note(item, note)
    except StorageError as exc:
        print(f"error {item} {exc}", flush=True)
        print(f"memory {runner.note(item).split(' ', 1)[0] or '-'}", flush=True)
        break
    print(f"ack {item} {n}", flush=True)
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
runner.set_note("remark", "room again")
print("recovered", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_is_a_clear_error_and_loses_nothing_committed(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    audit_id = new_counts_audit(ctx, tmp_path)
    ctx.close()
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(folder), audit_id, ",".join(COUNT_ITEMS)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    acks = [line.split() for line in lines if line.startswith("ack ")]
    errors = [line for line in lines if line.startswith("error ")]
    assert len(acks) >= 3
    assert len(errors) == 1
    _, failed_item, message = errors[0].split(" ", 2)
    assert message.startswith("could not save: ")
    assert "\n" not in message
    # The runner's memory still holds the last saved note, not the one that failed.
    last_for_item = {item: int(n) for _, item, n in acks}
    memory = next(line for line in lines if line.startswith("memory ")).split()[1]
    assert memory == str(last_for_item.get(failed_item, "-"))
    assert lines[-1] == "recovered"
    assert integrity(folder / "shopper.db") == ["ok"]
    ctx = AppContext.open(folder)
    try:
        runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
        for item, n in last_for_item.items():
            assert runner.note(item).split(" ", 1)[0] == str(n), item
        assert runner.note("remark") == "room again"
    finally:
        ctx.close()
