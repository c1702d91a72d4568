"""Which processes may have a SQLite database open at once: a lock file beside the database.

The lock belongs to the database file (its resolved path, however a command reached it:
`--data-dir`, `--db` or `SHOPPER_DB_URL`), in `shopper.db.lock` beside it.

- On a SQLite with the WAL-reset bug, every open is exclusive: two processes are two
  connections writing or checkpointing at once (the engine holds one connection within a
  process, see `engine.create_db_engine`).
- Otherwise opens share the lock, and only what replaces the file under everyone (a
  restore) takes it exclusively, so it is refused while another process has it open.

Opens within one process share one descriptor; the operating system drops the lock when
the process ends, however it ends.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from shopper.domain.errors import StorageError

LOCK_SUFFIX = ".lock"


@dataclass
class _Held:
    fd: int
    shared: int = 0
    exclusive: int = 0


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


class DatabaseInUseError(StorageError):
    """Another Shopper process has this database open."""


def lock_path(db_path: Path) -> Path:
    """The lock file of a database: beside its resolved path."""
    real = Path(os.path.realpath(db_path))
    return real.with_name(real.name + LOCK_SUFFIX)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int, exclusive: bool) -> bool:
        if not exclusive:
            return True  # Windows has no shared byte locks; an open file cannot be replaced
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

    def _try_lock(fd: int, exclusive: bool) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


def acquire(db_path: Path, *, exclusive: bool, why: str = "") -> Path:
    """Take (or share, within this process) the lock of a database file.

    Args:
        db_path: the SQLite file.
        exclusive: no other process may have it open while this is held.
        why: said to the user after "close it first" when another process holds it.

    Returns:
        The lock's key, for `release`.

    Raises:
        DatabaseInUseError: another process holds it in a way that excludes this one.
    """
    path = lock_path(db_path)
    with _guard:
        held = _held.get(path)
        if held is None:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the lock file {path}: {exc.strerror or exc}"
                ) from exc
            if not _try_lock(fd, exclusive):
                holder = _holder(fd)
                os.close(fd)
                raise _in_use(db_path, holder, why)
            held = _held[path] = _Held(fd)
            _note_pid(fd)
        elif exclusive and not held.exclusive and not _try_lock(held.fd, True):
            # This process shares it already, and so does another one.
            _try_lock(held.fd, False)
            raise _in_use(db_path, "", why)
        if exclusive:
            held.exclusive += 1
        else:
            held.shared += 1
    return path


def release(path: Path, *, exclusive: bool) -> None:
    """Give back one use of a lock taken with `acquire` (with the same `exclusive`)."""
    with _guard:
        held = _held.get(path)
        if held is None:
            return
        if exclusive:
            held.exclusive = max(0, held.exclusive - 1)
        else:
            held.shared = max(0, held.shared - 1)
        if held.exclusive or held.shared:
            if not held.exclusive:
                _try_lock(held.fd, False)  # back to sharing
            return
        del _held[path]
        _unlock(held.fd)
        os.close(held.fd)


def _note_pid(fd: int) -> None:
    with suppress(OSError, AttributeError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)


def _holder(fd: int) -> str:
    with suppress(OSError, ValueError, AttributeError):  # no pread on Windows
        return f" (process {int(os.pread(fd, 32, 0).decode().strip())})"
    return ""


def _in_use(db_path: Path, holder: str, why: str) -> DatabaseInUseError:
    reason = f": {why}" if why else ""
    return DatabaseInUseError(
        f"the database {db_path} is already open in another Shopper{holder}; close it first{reason}"
    )
