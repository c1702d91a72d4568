"""Writing files the user asked for: whole or not at all, and never over our own data.

A file is written to a temporary name in the same folder, flushed to disk
and renamed over the target, so a crash or a full disk never leaves half a
file under the name the user chose. Only a regular file is ever replaced (a
device, a pipe or a folder under that name is refused), and an output the user
names (`output_file`) may not land in an open data folder or on an open
database file: `AppContext` protects those while it has them open.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from shopper.domain.errors import StorageError
from shopper.store.backup import fsync_folder

STAGING_PREFIX = ".import-"
"""Folders an import unpacks into, named `.import-PID-…` after the process that made them."""

_protected: Counter[Path] = Counter()
"""Resolved folders and files no user output may replace, with how many opens protect each."""
_protected_lock = threading.Lock()


def protect(paths: Iterable[Path]) -> None:
    """Keep user outputs off these folders (and everything in them) and files."""
    with _protected_lock:
        _protected.update(Path(os.path.realpath(p)) for p in paths)


def unprotect(paths: Iterable[Path]) -> None:
    """Undo one `protect` of the same paths."""
    with _protected_lock:
        _protected.subtract(Path(os.path.realpath(p)) for p in paths)
        for path in [p for p, users in _protected.items() if users <= 0]:
            del _protected[path]


def check_output(path: Path) -> Path:
    """Refuse an output path inside a protected folder, on a protected file, or not a file.

    Returns:
        The path with `~` expanded.

    Raises:
        StorageError: naming the path and why it cannot be written.
    """
    path = path.expanduser()
    target = Path(os.path.realpath(path))
    with _protected_lock:
        guarded = list(_protected)
    for place in guarded:
        if target == place or place in target.parents:
            if place.is_dir():
                raise StorageError(
                    f"{path}: is inside Shopper's data folder {place}; choose a file outside it"
                )
            raise StorageError(f"{path}: is Shopper's own database file; choose another file")
    _check_replaceable(path)
    return path


def _check_replaceable(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode  # follows a symbolic link to what it names
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"{path}: cannot write here: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode):
        raise StorageError(f"{path}: is a folder; give a file name")
    if not stat.S_ISREG(mode):
        raise StorageError(f"{path}: is not an ordinary file (a device or a pipe); give a file")


@contextmanager
def output_file(path: Path) -> Iterator[BinaryIO]:
    """`atomic_file` for a file the user named: checked with `check_output` first."""
    with atomic_file(check_output(path)) as handle:
        yield handle


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` only if the `with` block succeeds.

    Raises:
        StorageError: the folder is missing or not writable, or the disk is full.
    """
    folder = path.parent
    _check_replaceable(path)
    if not folder.is_dir():
        raise StorageError(f"{path}: the folder {folder} does not exist")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write here: {exc.strerror or exc}") from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with suppress(OSError):
            temp.unlink()
        raise StorageError(f"{path}: could not write the file: {exc.strerror or exc}") from exc
    except BaseException:
        with suppress(OSError):
            temp.unlink()
        raise
    fsync_folder(folder)


def remove_stale_staging(data_dir: Path) -> list[Path]:
    """Remove the staging folders that imports killed midway left behind; returns them.

    A folder whose process still runs (another Shopper importing now) is left alone.
    """
    removed = []
    try:
        entries = list(data_dir.glob(f"{STAGING_PREFIX}*"))
    except OSError:
        return []
    for folder in entries:
        pid_text = folder.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        pid = int(pid_text) if pid_text.isdigit() else None
        if pid is not None and (pid == os.getpid() or process_running(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def process_running(pid: int) -> bool:
    """Whether a process with this id runs (on Windows, assumed so: it cannot be probed)."""
    if sys.platform == "win32":  # signal 0 is CTRL_C_EVENT there: never probe that way
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, but is not ours to signal
    return True
