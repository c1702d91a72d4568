"""Reading a bundle's zip without trusting it.

Everything is checked on the central directory before a byte is
decompressed: the number of members, their names, kinds and sizes, the
compression ratio, that no two entries share or overlap their data, and that
the manifest lists every member with its SHA-256. Members are then read into
memory with a bound, or copied to a file the caller names; a member's own
name never reaches the file system.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import struct
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from shopper.domain.errors import ShopperError

FORMAT_NAME = "shopper-bundle"
FORMAT_VERSION = (1, 0)
MANIFEST = "manifest.json"
MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 100
RATIO_FLOOR = 64 * 1024
"""Members smaller than this are too small to be a bomb; their ratio is not checked."""
MAX_JSON_BYTES = 256 * 1024**2

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = b"PK\x03\x04"


class BundleError(ShopperError):
    """A bundle is refused: damaged, hostile, or from a newer Shopper. Nothing was changed."""


class BundleArchive:
    """An opened, checked bundle. Use as a context manager.

    Raises (on opening):
        BundleError: naming the bundle and the first fault found.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        try:
            self._file: BinaryIO = path.open("rb")
        except OSError as exc:
            raise BundleError(f"{self.name}: cannot read the file: {exc.strerror or exc}") from exc
        try:
            self._zip = self._open()
            self._infos = {info.filename: info for info in self._zip.infolist()}
            self._check_entries()
            self.manifest = self._read_manifest()
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------

    def fail(self, message: str) -> BundleError:
        return BundleError(f"{self.name}: {message}; nothing was imported")

    @staticmethod
    def label(name: str) -> str:
        """A member name short enough for a message (evidence names are 73 characters)."""
        return f"{name[:21]}…" if name.startswith("evidence/") and len(name) > 22 else name

    def _open(self) -> zipfile.ZipFile:
        declared = _declared_entries(self._file)
        if declared is None:
            raise self.fail("not a Shopper bundle (not a zip file)")
        if declared > MAX_MEMBERS:
            raise self.fail(f"has {declared:,} members; a bundle may have at most {MAX_MEMBERS:,}")
        try:
            return zipfile.ZipFile(self._file)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise self.fail(f"not a Shopper bundle (damaged zip: {exc})") from exc

    def _check_entries(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.fail(
                f"has {len(infos):,} members; a bundle may have at most {MAX_MEMBERS:,}"
            )
        if len(self._infos) != len(infos):
            counts = Counter(i.filename for i in infos)
            twice = next(n for n, count in counts.items() if count > 1)
            raise self.fail(f"the member {self.label(twice)!r} appears twice")
        total = packed = 0
        for info in infos:
            _check_name(self, info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise self.fail(f"the member {self.label(info.filename)!r} is a symbolic link")
            kind = stat.S_IFMT(mode)  # 0 when the zip tool recorded no file type
            if info.is_dir() or kind not in (0, stat.S_IFREG):
                raise self.fail(f"the member {self.label(info.filename)!r} is not a plain file")
            if info.flag_bits & 0x1:
                raise self.fail(f"the member {self.label(info.filename)!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.fail(
                    f"the member {self.label(info.filename)!r} uses an unsupported compression"
                )
            total += info.file_size
            packed += info.compress_size
            if total > MAX_TOTAL_BYTES:
                raise self.fail(
                    "would unpack to more than 2 GiB; a bundle may hold at most 2 GiB uncompressed"
                )
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
                raise self.fail(
                    f"the member {self.label(info.filename)!r} has a compression ratio over "
                    f"{MAX_RATIO} (a zip bomb?)"
                )
        if total > RATIO_FLOOR and total > MAX_RATIO * packed:
            raise self.fail(f"has a compression ratio over {MAX_RATIO} (a zip bomb?)")
        self._check_layout(infos)

    def _check_layout(self, infos: list[zipfile.ZipInfo]) -> None:
        """Each member's data must lie apart from every other's, before the central directory."""
        end_of_data = self._zip.start_dir
        previous_end = 0
        previous = ""
        ordered = sorted(infos, key=lambda i: i.header_offset)
        if ordered and ordered[0].header_offset != 0:
            # zipfile finds the members past anything prepended (a script, say); we do not.
            raise self.fail(
                f"has {ordered[0].header_offset:,} bytes of something else before its first member"
            )
        for info in ordered:
            if info.header_offset < previous_end:
                raise self.fail(
                    f"the members {previous!r} and {self.label(info.filename)!r} overlap "
                    "(a zip bomb?)"
                )
            self._file.seek(info.header_offset)
            header = self._file.read(30)
            if len(header) < 30 or header[:4] != _LOCAL_HEADER:
                raise self.fail(
                    f"the member {self.label(info.filename)!r} is damaged (no local header)"
                )
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            data_end = info.header_offset + 30 + name_len + extra_len + info.compress_size
            if info.flag_bits & 0x8:
                data_end += 12  # the data descriptor that follows the data
            if data_end > end_of_data:
                raise self.fail(
                    f"the member {self.label(info.filename)!r} runs into the zip's directory"
                )
            previous_end = data_end
            previous = info.filename

    def _read_manifest(self) -> dict[str, Any]:
        if MANIFEST not in self._infos:
            raise self.fail("not a Shopper bundle (no manifest.json)")
        manifest = self.json(MANIFEST, verify=False)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise self.fail(f"not a Shopper bundle (manifest format is not {FORMAT_NAME!r})")
        version = manifest.get("format_version")
        match = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", str(version))
        if not isinstance(version, str) or match is None:
            raise self.fail(f"manifest.json: format_version {version!r} is not like '1.0'")
        major = int(match.group(1))
        if major > FORMAT_VERSION[0]:
            raise self.fail(
                f"made by a newer version of Shopper (bundle format {version}; this version "
                f"reads {FORMAT_VERSION[0]}.x); update Shopper to import it"
            )
        if major < 1:
            raise self.fail(f"manifest.json: unknown bundle format {version}")
        members = manifest.get("members")
        if not isinstance(members, dict):
            raise self.fail("manifest.json: members: expected an object of member names")
        self.hashes: dict[str, str] = {}
        for name, entry in members.items():
            digest = entry.get("sha256") if isinstance(entry, dict) else None
            if not isinstance(digest, str) or not _HEX64.match(digest):
                raise self.fail(f"manifest.json: members: {name!r} has no valid sha256")
            if name not in self._infos:
                raise self.fail(
                    f"the member {self.label(name)!r} listed in the manifest is missing"
                )
            self.hashes[name] = digest
        for name in self._infos:
            if name != MANIFEST and name not in self.hashes:
                raise self.fail(f"the member {self.label(name)!r} is not listed in the manifest")
        return manifest

    # -- reading -----------------------------------------------------------------

    def names(self) -> list[str]:
        return [n for n in self._infos if n != MANIFEST]

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def read(self, name: str, limit: int, *, verify: bool = True) -> bytes:
        """A member's bytes (at most `limit`), checked against the manifest's SHA-256."""
        info = self._infos[name]
        if info.file_size > limit:
            raise self.fail(f"the member {self.label(name)!r} is larger than {limit:,} bytes")
        data = b"".join(self._chunks(info, limit))
        if verify:
            self._verify(name, hashlib.sha256(data).hexdigest())
        return data

    def json(self, name: str, *, verify: bool = True) -> Any:
        data = self.read(name, MAX_JSON_BYTES, verify=verify)
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise self.fail(f"{name}: not valid JSON ({_short(exc)})") from exc

    def copy_to(self, name: str, target: BinaryIO, limit: int) -> str:
        """Copy a member into an open file of ours; returns its (checked) SHA-256."""
        info = self._infos[name]
        if info.file_size > limit:
            raise self.fail(f"the member {self.label(name)!r} is larger than {limit:,} bytes")
        digest = hashlib.sha256()
        for chunk in self._chunks(info, limit):
            digest.update(chunk)
            target.write(chunk)
        self._verify(name, digest.hexdigest())
        return digest.hexdigest()

    def _chunks(self, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
        read = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(1 << 20):
                    read += len(chunk)
                    if read > limit or read > info.file_size:
                        raise self.fail(
                            f"the member {self.label(info.filename)!r} is larger than it says"
                        )
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise self.fail(
                f"the member {self.label(info.filename)!r} is damaged ({_short(exc)})"
            ) from exc

    def _verify(self, name: str, digest: str) -> None:
        if self.hashes.get(name) != digest:
            raise self.fail(f"the checksum of {self.label(name)!r} does not match the manifest")

    # -- closing -----------------------------------------------------------------

    def close(self) -> None:
        with suppress(Exception):
            self._zip.close()
        self._file.close()

    def __enter__(self) -> BundleArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _check_name(archive: BundleArchive, name: str) -> None:
    parts = name.split("/")
    if (
        not name
        or len(name) > 255
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or _DRIVE.match(name)
        or any(part in ("", ".", "..") for part in parts)
        or not name.isprintable()
    ):
        raise archive.fail(f"unsafe member name {name!r}")


def _declared_entries(handle: BinaryIO) -> int | None:
    """The member count the zip's end record declares, read before parsing the directory."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_size = min(size, 22 + 65535)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    count: int = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    locator = tail.rfind(_EOCD64_LOCATOR, 0, at)
    if count == 0xFFFF and locator >= 0 and at - locator == 20:
        (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        handle.seek(offset)
        record = handle.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            (count,) = struct.unpack("<Q", record[32:40])
    return count


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
