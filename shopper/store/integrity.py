"""Checking a SQLite database file without changing a byte of it.

The checks run on a read-only connection opened and closed before the app's
engine exists (or beside it: a reader never writes or checkpoints, so the
WAL-reset bug gate is not at stake). A damaged file is reported, never
repaired, replaced or written to.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
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
        raise StorageError(f"cannot open the database {path}: {exc}") from exc
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
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "unable to open" in str(exc):
                raise StorageError(f"cannot read the database {path}: {exc}") from exc
            raise DamagedDatabaseError(path, str(exc)) from exc
        except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
            raise DamagedDatabaseError(path, str(exc)) from exc
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
