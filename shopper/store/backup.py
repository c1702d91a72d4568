"""Online copies of the SQLite database: written aside, checked, flushed, then renamed.

The copy is made with SQLite's backup API on the engine's OWN connection. On a
SQLite with the WAL-reset bug the engine has exactly one connection, and a
second connection writing or checkpointing the same database could corrupt
it; reading through the engine's connection and writing only the new file
keeps that impossible.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import uuid
from contextlib import closing, suppress
from pathlib import Path

from sqlalchemy import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from shopper.domain.errors import StorageError
from shopper.store.engine import sqlite_path

PAGES_PER_STEP = 4096


def pg_dump_command(url: str | URL) -> str:
    """The pg_dump line that backs up a PostgreSQL database, without its password."""
    try:
        given = make_url(url)
    except ArgumentError:
        return "pg_dump --format=custom --file=shopper.dump DATABASE-URL"
    # A new URL, not `set(password=None)`: `set` takes None for "leave it as it is".
    bare = URL.create(
        "postgresql", given.username, None, given.host, given.port, given.database, given.query
    )
    target = shlex.quote(bare.render_as_string(hide_password=False))
    return f"pg_dump --format=custom --file=shopper.dump {target}"


def database_file(engine: Engine) -> Path:
    """The SQLite file behind an engine.

    Raises:
        StorageError: the engine is not on a SQLite file (PostgreSQL has its own tools).
    """
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is None:
        if engine.dialect.name == "postgresql":
            raise StorageError(
                "backups here cover the local SQLite database only; back up this team "
                f"database with `{pg_dump_command(engine.url)}` (docs/team.md)"
            )
        raise StorageError(
            "backups here cover a SQLite database file only (not one in memory, nor PostgreSQL)"
        )
    return path


def backup_to(engine: Engine, target: Path) -> int:
    """Copy the engine's database into `target` while the app keeps running; returns bytes.

    The copy appears under its name only when complete, checked and on disk.

    Raises:
        StorageError: the copy could not be made or failed its check; no file is left.
    """
    database_file(engine)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with closing(sqlite3.connect(temp)) as copy:
                source.backup(copy, pages=PAGES_PER_STEP)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                found = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        finally:
            raw.close()
        if found != ["ok"]:
            raise StorageError(f"the backup {target.name} failed its check: {found[0]}")
        _fsync_file(temp)
        os.replace(temp, target)
        fsync_folder(target.parent)
        return target.stat().st_size
    except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
        raise StorageError(f"could not write the backup {target}: {_reason(exc)}") from exc
    finally:
        with suppress(OSError):
            temp.unlink()


def install_copy(source: Path, target: Path) -> None:
    """Put a copy of `source` at `target` atomically (owner-only), dropping stale WAL files.

    The caller has closed every connection to `target`.

    Raises:
        StorageError: the copy could not be written; `target` is unchanged.
    """
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        # A WAL left beside the old file would be replayed onto the new one.
        for side in ("-wal", "-shm", "-journal"):
            Path(f"{target}{side}").unlink(missing_ok=True)
        os.replace(temp, target)
        fsync_folder(target.parent)
    except OSError as exc:
        raise StorageError(f"could not put {source.name} in place: {_reason(exc)}") from exc
    finally:
        with suppress(OSError):
            temp.unlink()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no folder handles)."""
    with suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(getattr(exc, "orig", None) or exc)
