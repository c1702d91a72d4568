"""Writing files the user asked for: whole or not at all.

A file is written to a temporary name in the same folder, flushed to disk
and renamed over the target, so a crash or a full disk never leaves half a
file under the name the user chose.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from shopper.domain.errors import StorageError


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` only if the `with` block succeeds.

    Raises:
        StorageError: the folder is missing or not writable, or the disk is full.
    """
    folder = path.parent
    if path.is_dir():
        raise StorageError(f"{path}: is a folder; give a file name")
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
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no directory handles."""
    with suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
