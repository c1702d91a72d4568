"""Where the data lives and the open database: one object the GUI and CLI share.

The data folder defaults to the user's data folder (platformdirs); it is
overridden by `--data-dir` or `SHOPPER_DATA_DIR`, and the database URL by
`--db` or `SHOPPER_DB_URL` (a PostgreSQL URL for team mode).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from sqlite3 import sqlite_version
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from shopper.paths import DB_FILENAME, default_data_dir
from shopper.services import files
from shopper.store import lock as process_lock
from shopper.store.connect import ConnectionFacts, connection_facts
from shopper.store.engine import (
    checkpoint,
    ensure_private_dir,
    open_database,
    parse_version,
    sqlite_path,
    sqlite_url,
    stop_writing,
    wal_reset_bug_affected,
    write_gate,
    writes_held,
    writing_stopped,
)
from shopper.store.integrity import DamagedDatabaseError, damage_noted

if TYPE_CHECKING:
    from shopper.services.upkeep import CheckResult

log = logging.getLogger(__name__)

LOG_FILENAME = "shopper.log"


@dataclass
class AppContext:
    """The data folder and the engine of one running app or command."""

    data_dir: Path
    db_url: str
    engine: Engine = field(repr=False)
    lock: Path | None = field(default=None, repr=False)
    """The database file's process lock, held while it is open (see store.lock)."""
    lock_exclusive: bool = field(default=False, repr=False)
    closed: bool = field(default=False, repr=False)
    unclean_shutdown: bool = field(default=False, repr=False)
    """The last run on this database ended without a clean close (a crash, a kill)."""
    connection: ConnectionFacts | None = field(default=None, repr=False)
    """A team database's server, login and encryption; None on SQLite."""

    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        db_url: str | None = None,
        *,
        password: str | None = None,
        check_later: bool = False,
    ) -> AppContext:
        """Open (creating if needed) the data folder and database, and load built-in templates.

        `password` is a team database's, when ~/.pgpass does not hold it (never stored).
        With `check_later` (the GUI's start-up), a SQLite file that opening cannot change is
        opened before its integrity check: `check_pending` is then True, every write waits,
        and the caller runs `finish_check` off the GUI thread (which also loads the built-in
        templates), while the lists are read.

        Raises:
            StorageError: the database cannot be opened; `PasswordNeededError` when the
                team database asks for a password that was not given.
        """
        folder = (data_dir or default_data_dir()).expanduser().resolve()
        ensure_private_dir(folder)
        url = db_url or os.environ.get("SHOPPER_DB_URL") or sqlite_url(folder / DB_FILENAME)
        ensure_private_dir(folder / "evidence")
        db_file = sqlite_path(url)
        lock = None
        exclusive = wal_reset_bug_affected(parse_version(sqlite_version))
        if db_file is not None:
            ensure_private_dir(db_file.parent)
            why = WAL_BUG_REASON if exclusive else "another program holds it alone (a restore)"
            lock = process_lock.acquire(db_file, exclusive=exclusive, why=why)
        guarded = protected_paths(folder, db_file)
        files.protect(guarded)
        try:
            if db_file is not None:
                refuse_empty_database(folder, db_file)
            engine = open_database(
                url,
                backup=_backup_before_migration(folder / "backups"),
                password=password,
                check_later=check_later,
            )
            ctx = cls(folder, url, engine, lock, exclusive)
            if engine.dialect.name == "postgresql":
                ctx.connection = connection_facts(engine)
            if db_file is not None:
                from shopper.services import upkeep

                ctx.unclean_shutdown = upkeep.mark_running(folder)
                if damage_noted(folder):
                    stop_writing(engine)  # until a repair or a restore: see services.upkeep
            if not writes_held(engine):
                from shopper.services.templates import sync_builtin_templates

                sync_builtin_templates(engine=engine)
            files.remove_stale_staging(folder)
        except BaseException:
            files.unprotect(guarded)
            if lock is not None:
                process_lock.release(lock, exclusive=exclusive)
            raise
        return ctx

    @property
    def check_pending(self) -> bool:
        """Opened with `check_later` and not checked yet: writes wait for `finish_check`."""
        return writes_held(self.engine)

    def finish_check(self) -> CheckResult:
        """The integrity check deferred at opening (`PRAGMA quick_check`, on a read-only
        connection): sound, the held writes go on and the built-in templates are loaded;
        damaged, writing stops for good (as when the full check finds damage, see
        `services.upkeep`) and the held writes are refused. Runs off the GUI thread.

        Raises:
            StorageError: the file could not be read; writing stays stopped.
        """
        from shopper.services.templates import sync_builtin_templates
        from shopper.services.upkeep import CheckResult
        from shopper.store.integrity import note_damage, problems

        gate, db_path = write_gate(self.engine), self.db_path
        if gate is None or gate.decided or db_path is None:
            return CheckResult(())
        try:
            found = problems(db_path)
        except DamagedDatabaseError as exc:  # not a database at all, past its header
            found = [exc.problem]
        except BaseException:
            stop_writing(self.engine)
            gate.decide(sound=False)
            raise
        if found:
            stop_writing(self.engine)  # first: a connection checked out next is query-only
            note_damage(self.data_dir, found)
            gate.decide(sound=False)
            log.error("quick_check found damage in %s: %s", db_path, "; ".join(found[:5]))
            return CheckResult(tuple(found))
        gate.decide(sound=True)
        sync_builtin_templates(engine=self.engine)
        return CheckResult(())

    @property
    def db_path(self) -> Path | None:
        """The SQLite file, or None in team mode (PostgreSQL)."""
        return sqlite_path(self.db_url)

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILENAME

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    def adopt(self, engine: Engine) -> None:
        """Work on this engine from now on (a restore's fresh one); the old one is disposed."""
        if engine is not self.engine:
            self.engine.dispose()
            self.engine = engine

    def close(self) -> None:
        """Close cleanly: the write-ahead log emptied into the database, then every
        connection closed and the lock given back."""
        gate = write_gate(self.engine)
        if gate is not None and not gate.decided:
            gate.decide(sound=False)  # never checked: closing writes nothing (no checkpoint)
            stop_writing(self.engine)
        if not self.closed and self.db_path is not None and not writing_stopped(self.engine):
            try:
                checkpoint(self.engine)
            except Exception as exc:  # a full disk, say: the log stays and is replayed
                log.warning("no checkpoint on closing: %s", exc)
        self.engine.dispose()
        if self.closed:
            return
        self.closed = True
        if self.db_path is not None:
            from shopper.services import upkeep

            upkeep.mark_stopped(self.data_dir)
        files.unprotect(protected_paths(self.data_dir, self.db_path))
        if self.lock is not None:
            process_lock.release(self.lock, exclusive=self.lock_exclusive)
            self.lock = None


WAL_BUG_REASON = (
    "with this version of SQLite two programs writing the same database at once could damage it"
)


class EmptyDatabaseError(DamagedDatabaseError):
    """The database file is empty though the data folder was used: offer the latest backup."""

    def __init__(self, path: Path, latest: Path | None) -> None:
        super().__init__(path, "it is empty (0 bytes)")
        where = (
            f"restore the latest backup: `shopper restore {latest}` (or File › Restore backup…)"
            if latest is not None
            else "there is no backup to restore; move the empty file away to start afresh"
        )
        self.args = (
            f"the database {path} is empty (0 bytes), though this data folder was used "
            f"before; Shopper has not touched it; {where}",
        )


def refuse_empty_database(folder: Path, db_file: Path) -> None:
    """Refuse a 0-byte database in a folder that holds backups, evidence or a log.

    SQLite would take the empty file as a new database, and the first write would make it
    one: the work in the backups would then look lost.

    Raises:
        EmptyDatabaseError: naming the latest backup, if there is one.
    """
    try:
        if db_file.stat().st_size != 0:
            return
    except FileNotFoundError:
        return
    from shopper.services.backups import list_backups

    backups = list_backups(folder / "backups")
    used = bool(backups) or _has_files(folder / "evidence") or _non_empty(folder / LOG_FILENAME)
    if used:
        raise EmptyDatabaseError(db_file, backups[0].path if backups else None)


def _has_files(folder: Path) -> bool:
    try:
        return any(p.is_file() for p in folder.rglob("*"))
    except OSError:
        return False


def _non_empty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def protected_paths(folder: Path, db_file: Path | None) -> list[Path]:
    """What no user output may replace: the data folder, and the database's own files."""
    paths = [folder]
    if db_file is not None:
        paths += [Path(f"{db_file}{side}") for side in ("", "-wal", "-shm", "-journal")]
        paths.append(process_lock.lock_path(db_file))
    return paths


def _backup_before_migration(backups_dir: Path) -> Callable[[Engine, str], object]:
    def backup(engine: Engine, revision: str) -> object:
        from shopper.services.backups import make_backup

        return make_backup(
            engine=engine, backups_dir=backups_dir, reason=f"before-migration-{revision.lower()}"
        )

    return backup


def setup_logging(log_path: Path) -> None:
    """Log to a rotating file in the data folder (once per process and file)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "baseFilename", None) == str(log_path):
            return
    handler = _PrivateRotatingFileHandler(
        log_path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file, the fresh one after a rollover too, is owner-only.

    A log that cannot be written (a full disk) says so in one line, once, and never
    prints logging's traceback for each record.
    """

    _complained = False

    def _open(self) -> Any:
        stream = super()._open()
        with suppress(OSError):
            os.chmod(self.baseFilename, 0o600)
        return stream

    def handleError(self, record: logging.LogRecord) -> None:
        if self._complained:
            return
        self._complained = True
        exc = sys.exc_info()[1]
        reason = getattr(exc, "strerror", None) or exc or "unknown error"
        with suppress(Exception):
            sys.stderr.write(
                f"shopper: warning: cannot write the log {self.baseFilename} ({reason}); "
                "going on without it\n"
            )
