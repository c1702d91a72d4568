"""Keeping the local database sound while the app runs: checkpoints, full checks, repair.

- The write-ahead log is checkpointed (TRUNCATE) on a clean close and after a minute with
  no change, so a lost `-wal` file loses as little as possible.
- `PRAGMA quick_check` runs on every open; the slower, complete `integrity_check` (which
  also finds an index that disagrees with its table) runs in the background after an
  unclean shutdown and otherwise at most once a day.
- When it finds damage, writing stops at once (every connection becomes query-only) and
  the user is told, with the fix: rebuilding the indexes when only they are damaged (no
  data is lost), otherwise restoring a backup.

An unclean shutdown is told by a marker file, `.running-PID` in the data folder, that a
clean close removes; a marker whose process is gone was left by a crash or a kill.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from shopper.domain.clock import now_utc
from shopper.domain.errors import StorageError
from shopper.services.files import process_running
from shopper.store.engine import checkpoint, stop_writing, writing_stopped
from shopper.store.integrity import (
    DamagedDatabaseError,
    clear_damage,
    damage_noted,
    explain,
    note_damage,
    problems,
)

if TYPE_CHECKING:
    # The backups (and with them the evidence and Pillow) are imported by the upkeep's
    # rounds, not by `mark_running` at start-up.
    from shopper.services.backups import BackupInfo

log = logging.getLogger(__name__)

IDLE_BEFORE_CHECKPOINT = timedelta(minutes=1)
FULL_CHECK_EVERY = timedelta(days=1)
MARKER_PREFIX = ".running-"
LAST_CHECK_FILE = ".last-full-check"

# What `integrity_check` says of an index that disagrees with its table: REINDEX rebuilds
# the index from the table, so nothing is lost.
_INDEX_ONLY = re.compile(
    r"^(row \d+ missing from index \S+|wrong # of entries in index \S+|"
    r"non-unique entry in UNIQUE index \S+|NULL value in \S+ of index \S+)$"
)


# -- clean and unclean shutdowns --------------------------------------------------------


def mark_running(data_dir: Path) -> bool:
    """Note that this process has the database open; True if a previous run ended uncleanly.

    Markers of processes that are gone are removed (their run ended without a clean close).
    """
    unclean = False
    for marker in _markers(data_dir):
        pid = _marker_pid(marker)
        if pid == os.getpid() or (pid is not None and process_running(pid)):
            continue
        unclean = True
        marker.unlink(missing_ok=True)
    with suppress(OSError):
        (data_dir / f"{MARKER_PREFIX}{os.getpid()}").touch(mode=0o600)
    return unclean


def mark_stopped(data_dir: Path) -> None:
    """A clean close: this process no longer has the database open."""
    (data_dir / f"{MARKER_PREFIX}{os.getpid()}").unlink(missing_ok=True)


def _markers(data_dir: Path) -> Iterator[Path]:
    try:
        yield from data_dir.glob(f"{MARKER_PREFIX}*")
    except OSError:
        return


def _marker_pid(marker: Path) -> int | None:
    text = marker.name[len(MARKER_PREFIX) :]
    return int(text) if text.isdigit() else None


# -- checkpoints ---------------------------------------------------------------------------


def checkpoint_if_idle(*, engine: Engine, db_path: Path, now: datetime | None = None) -> bool:
    """Checkpoint when the log holds changes and none came for a minute; True if it did."""
    wal = Path(f"{db_path}-wal")
    try:
        info = wal.stat()
    except OSError:
        return False
    if not info.st_size or writing_stopped(engine):
        return False
    changed = datetime.fromtimestamp(info.st_mtime, UTC)
    if (now or now_utc()) - changed < IDLE_BEFORE_CHECKPOINT:
        return False
    checkpoint(engine)
    return True


# -- the full check ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def indexes_only(self) -> bool:
        """Only indexes disagree with their tables: rebuilding them loses nothing."""
        return bool(self.problems) and all(_INDEX_ONLY.match(p) for p in self.problems)

    def advice(self) -> str:
        if self.ok:
            return "The database is sound."
        first = self.problems[0]
        more = f" and {len(self.problems) - 1} more problems" if len(self.problems) > 1 else ""
        if self.indexes_only:
            return (
                f"The database's indexes are damaged ({first}{more}); its data is intact. "
                "Shopper has stopped writing to it. Rebuild the indexes (no data is lost): "
                "File › Repair database, or `shopper repair`."
            )
        return (
            f"The database is damaged ({first}{more}). Shopper has stopped writing to it, so "
            "nothing more is lost; restore a backup (File › Restore backup…, or "
            "`shopper restore FILE`)."
        )


def full_check_due(data_dir: Path, *, unclean: bool, now: datetime | None = None) -> bool:
    if unclean or damage_noted(data_dir):
        return True
    try:
        last = datetime.fromtimestamp((data_dir / LAST_CHECK_FILE).stat().st_mtime, UTC)
    except OSError:
        return True
    return (now or now_utc()) - last >= FULL_CHECK_EVERY


def full_check(*, engine: Engine, db_path: Path, data_dir: Path) -> CheckResult:
    """Run `integrity_check` on a read-only connection; on damage, stop writing at once.

    Raises:
        StorageError: the file could not be read at all.
    """
    try:
        found = tuple(problems(db_path, full=True))
    except DamagedDatabaseError as exc:
        found = (exc.problem,)
    result = CheckResult(found)
    if result.ok:
        clear_damage(data_dir)
        with suppress(OSError):
            (data_dir / LAST_CHECK_FILE).touch(mode=0o600)
            os.utime(data_dir / LAST_CHECK_FILE)
    else:
        stop_writing(engine)
        note_damage(data_dir, found)
        log.error("integrity_check found damage in %s: %s", db_path, "; ".join(found[:5]))
    return result


# -- repair ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairResult:
    kept: Path | None
    """An untouched copy of the database as it was before the repair."""


def repair_indexes(*, engine: Engine, db_path: Path, data_dir: Path) -> RepairResult:
    """Rebuild every index from its table (REINDEX), when only indexes are damaged.

    A copy of the file as it was is kept in the backups folder first. Writing resumes only
    once a full check passes.

    Raises:
        StorageError: the damage is not only in indexes (restore a backup instead), or the
            rebuild did not make the database sound.
    """
    before = full_check(engine=engine, db_path=db_path, data_dir=data_dir)
    if before.ok:
        stop_writing(engine, False)
        return RepairResult(None)
    if not before.indexes_only:
        raise StorageError(
            f"the database {db_path} has damage that rebuilding indexes cannot mend "
            f"({before.problems[0]}); restore a backup"
        )
    checkpoint_safe(engine)
    kept = _copy_aside(db_path, data_dir / "backups")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA query_only=0")
            try:
                conn.exec_driver_sql("REINDEX")
                conn.commit()
            finally:
                conn.exec_driver_sql("PRAGMA query_only=1")  # as its checkout left it
    except Exception as exc:
        raise explain(exc, db_path, "repair") from exc
    after = full_check(engine=engine, db_path=db_path, data_dir=data_dir)
    if not after.ok:
        raise StorageError(
            f"rebuilding the indexes did not mend {db_path} ({after.problems[0]}); restore a "
            f"backup (the database as it was is kept as {kept})"
        )
    stop_writing(engine, False)
    log.info("rebuilt the indexes of %s; the database as it was is kept as %s", db_path, kept)
    return RepairResult(kept)


def checkpoint_safe(engine: Engine) -> None:
    with suppress(Exception):
        checkpoint(engine)


def _copy_aside(db_path: Path, backups_dir: Path) -> Path:
    """A byte-for-byte copy of the database and its log, beside the backups."""
    copy = db_path.with_name(f".{db_path.name}.repair-copy")
    try:
        shutil.copyfile(db_path, copy)
        wal = Path(f"{db_path}-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        from shopper.services.backups import set_aside

        kept = set_aside(copy, backups_dir)
    except OSError as exc:
        raise StorageError(f"could not keep a copy before the repair: {exc.strerror}") from exc
    assert kept is not None
    return kept


# -- one round of upkeep, as the app runs it every minute ---------------------------------


@dataclass(frozen=True)
class TickResult:
    check: CheckResult | None
    """The full check's result, when one was due."""
    backup: BackupInfo | None
    checkpointed: bool


def tick(
    *, engine: Engine, db_path: Path, data_dir: Path, check: bool, now: datetime | None = None
) -> TickResult:
    """The full check when due, a checkpoint when idle, an automatic backup when due.

    Nothing is written while writing is stopped (no checkpoint, no backup of damage).
    """
    result = full_check(engine=engine, db_path=db_path, data_dir=data_dir) if check else None
    if writing_stopped(engine):
        return TickResult(result, None, False)
    checkpointed = checkpoint_if_idle(engine=engine, db_path=db_path, now=now)
    from shopper.services.backups import auto_backup

    backup = auto_backup(engine=engine, backups_dir=data_dir / "backups", now=now)
    return TickResult(result, backup, checkpointed)
