"""One process at a time on a SQLite database whose SQLite has the WAL-reset bug.

Inside a process the engine holds a single connection (`engine.create_db_engine`);
across processes (the app open while `shopper import` runs, say) this lock file
keeps a second process out, because two processes are two connections writing
or checkpointing at once. Opens of the same folder within one process share
the lock; the operating system drops it when the process ends, however it ends.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import suppress
from pathlib import Path

from shopper.domain.errors import StorageError

LOCK_NAME = "shopper.lock"

_held: dict[Path, tuple[int, int]] = {}
"""Lock file -> (open descriptor, how many opens in this process use it)."""
_guard = threading.Lock()


class DatabaseInUseError(StorageError):
    """Another Shopper process has this data folder's database open."""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


def acquire(folder: Path) -> Path:
    """Take (or share, within this process) the lock of a data folder.

    Raises:
        DatabaseInUseError: another process holds it.
    """
    path = (folder / LOCK_NAME).resolve()
    with _guard:
        if path in _held:
            fd, users = _held[path]
            _held[path] = (fd, users + 1)
            return path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            holder = ""
            with suppress(OSError, ValueError, AttributeError):  # no pread on Windows
                holder = f" (process {int(os.pread(fd, 32, 0).decode().strip())})"
            os.close(fd)
            raise DatabaseInUseError(
                f"the database in {folder} is already open in another Shopper{holder}; "
                "close it first: with this version of SQLite two programs writing the same "
                "database at once could damage it"
            )
        with suppress(OSError, AttributeError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        _held[path] = (fd, 1)
        return path


def release(path: Path) -> None:
    """Give back one use of a lock taken with `acquire`."""
    with _guard:
        if path not in _held:
            return
        fd, users = _held[path]
        if users > 1:
            _held[path] = (fd, users - 1)
            return
        del _held[path]
        _unlock(fd)
        os.close(fd)
