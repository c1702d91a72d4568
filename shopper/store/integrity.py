"""Checking a SQLite database file without changing a byte of it.

The checks run on a read-only connection opened and closed before the app's
engine exists (or beside it: a reader never writes or checkpoints, so the
WAL-reset bug gate is not at stake). A damaged file is reported, never
repaired, replaced or written to.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

from shopper.domain.errors import StorageError

RESTORE_HINT = "restore a backup (File › Restore backup…, or `shopper restore FILE`)"


class DamagedDatabaseError(StorageError):
    """The database file is damaged or not a database; it was left exactly as it was."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = " ".join(problem.replace("***", "").split())
        super().__init__(
            f"the database {path} is damaged ({self.problem}); Shopper has not changed it; "
            f"{RESTORE_HINT}"
        )


class DiskError(StorageError):
    """The disk under the database is full or failing: the database itself is not damaged."""


# SQLite's primary result codes (an extended code keeps the primary one in its low byte).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CORRUPT = 5, 6, 10, 11
SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 13, 14, 26
NEARLY_FULL = 1024 * 1024
"""Less room than this beside the database counts as a full disk."""


def sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code of an error (from SQLAlchemy's wrapper too), if any."""
    cause = getattr(exc, "orig", None) or exc
    code = getattr(cause, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def free_bytes(path: Path) -> int | None:
    folder = path if path.is_dir() else path.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def disk_full_message(path: Path, free: int | None) -> str:
    room = f" ({free / 1024:,.0f} KB free)" if free is not None else ""
    return (
        f"the disk is full{room} where the database {path} is; free some space and try "
        "again (the database is not damaged and nothing was changed)"
    )


def explain(exc: BaseException, path: Path, action: str = "open") -> StorageError:
    """The error to show for a SQLite failure on `path`, told apart by its code, not its words.

    A full or failing disk is never reported as damage: "restore a backup" would be advice
    that loses recent work.
    """
    code = sqlite_code(exc)
    detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
    free = free_bytes(path)
    if code == SQLITE_FULL or (
        code in (SQLITE_IOERR, SQLITE_CANTOPEN) and free is not None and free < NEARLY_FULL
    ):
        return DiskError(disk_full_message(path, free))
    if code == SQLITE_IOERR:
        return DiskError(
            f"cannot {action} the database {path}: the disk reported an error ({detail}); "
            "the database was not changed; check the disk and try again"
        )
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return DamagedDatabaseError(path, detail)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StorageError(f"cannot {action} the database {path}: it is busy ({detail})")
    return StorageError(f"cannot {action} the database {path}: {detail}")


def in_wal_mode(path: Path) -> bool:
    """Whether a SQLite file's header says write-ahead log: opening it in WAL mode then
    changes nothing in it (a rollback-journal file would get its header rewritten)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return (
        len(header) == 20 and header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"
    )


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that cannot write to `path` (nor create it).

    Raises:
        StorageError: the file cannot be opened at all (missing, no permission).
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise explain(exc, path) from exc
    with closing(connection):
        yield connection


def problems(path: Path, *, full: bool = False) -> list[str]:
    """What `PRAGMA quick_check` (or the slower `integrity_check`) finds wrong; [] when sound.

    Raises:
        DamagedDatabaseError: the file is not a database at all.
        StorageError: the file cannot be read.
    """
    pragma = "integrity_check" if full else "quick_check"
    with read_only(path) as connection:
        try:
            rows = connection.execute(f"PRAGMA {pragma}").fetchall()
        except sqlite3.Error as exc:
            raise explain(exc, path, "read") from exc
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def check_file(path: Path, *, full: bool = False) -> None:
    """Refuse a damaged database file, saying what is wrong.

    Raises:
        DamagedDatabaseError: the check found damage (the file is unchanged).
        StorageError: the file cannot be read.
    """
    found = problems(path, full=full)
    if found:
        more = f" and {len(found) - 1} more problems" if len(found) > 1 else ""
        raise DamagedDatabaseError(path, f"{found[0]}{more}")


def foreign_key_problems(path: Path) -> int:
    """How many rows point at rows that do not exist (read-only)."""
    with read_only(path) as connection:
        try:
            return len(connection.execute("PRAGMA foreign_key_check").fetchall())
        except sqlite3.DatabaseError as exc:
            raise DamagedDatabaseError(path, str(exc)) from exc


# -- damage found by a full check, remembered across runs -------------------------------

DAMAGE_FILE = ".damage-found"
"""Written in the data folder when a full check finds damage, removed when one passes or the
database is replaced: until then every open of the database is read-only."""


def note_damage(data_dir: Path, found: list[str] | tuple[str, ...]) -> None:
    with suppress(OSError):
        (data_dir / DAMAGE_FILE).write_text("\n".join(found[:100]) + "\n", encoding="utf-8")


def damage_noted(data_dir: Path) -> bool:
    return (data_dir / DAMAGE_FILE).exists()


def clear_damage(data_dir: Path) -> None:
    with suppress(OSError):
        (data_dir / DAMAGE_FILE).unlink(missing_ok=True)
