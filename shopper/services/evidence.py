"""Evidence files: checked, then stored once by content hash under the data folder, and on a
team database (PostgreSQL) in the database too, so every machine that may read an audit can
read its files (`EvidenceStore`, the one way services reach an evidence file's bytes).

Accepted: images (PNG, JPEG, GIF, WebP, BMP, TIFF), audio (WAV, MP3, OGG,
M4A, FLAC), e-mails (.eml) and PDFs, up to `MAX_EVIDENCE_BYTES`. A file is
refused, with nothing stored, when it is too big, unreadable, not what its
name says, or an image that is damaged or would decompress to an absurd size.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from shopper.domain.errors import ShopperError, StorageError
from shopper.services.files import atomic_file
from shopper.store import blobs
from shopper.store.engine import error_line, session_scope

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
MAX_IMAGE_PIXELS = 80_000_000  # about 9000 x 9000; far beyond any screenshot or photo

IMAGE_FORMATS = {
    "PNG": "png",
    "JPEG": "jpg",
    "GIF": "gif",
    "WEBP": "webp",
    "BMP": "bmp",
    "TIFF": "tiff",
}
HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
}
"""ISO media brands of still images (HEIC, AVIF): the same container as M4A, not audio."""
EXTENSIONS = {
    "image": {"png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff"},
    "audio": {"wav", "mp3", "ogg", "oga", "m4a", "flac"},
    "email": {"eml"},
    "pdf": {"pdf"},
}
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
    "flac": "audio/flac",
    "eml": "message/rfc822",
    "pdf": "application/pdf",
}
"""The media type kept beside the bytes in the team database, by the sniffed extension."""
FILE_FILTER = "Evidence ({})".format(
    " ".join(f"*.{ext}" for exts in EXTENSIONS.values() for ext in sorted(exts))
)


class EvidenceError(ShopperError):
    """A file cannot be attached as evidence."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    kind: str
    extension: str
    size: int
    width: int = 0
    height: int = 0
    print_copy: bytes | None = field(default=None, repr=False, compare=False)
    """A large image's print-size JPEG, made while it was decoded for the check, so a
    report never decodes a 9000-pixel original again (see `find_print_copy`)."""


def evidence_path(data_dir: Path, sha256: str, extension: str) -> Path:
    return data_dir / "evidence" / sha256[:2] / f"{sha256}.{extension}"


def _print_copy_path(data_dir: Path, sha256: str, copy: bytes) -> Path:
    # Named by its own hash too, so a changed copy shows as plainly as a changed original.
    digest = hashlib.sha256(copy).hexdigest()[:32]
    return data_dir / "evidence" / sha256[:2] / f"{sha256}.print-{digest}.jpg"


def store_print_copy(data_dir: Path, sha256: str, copy: bytes) -> None:
    """Keep the print-size copy of an image (once; atomic, private)."""
    target = _print_copy_path(data_dir, sha256, copy)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, copy)


def find_print_copy(data_dir: Path, sha256: str) -> Path | None:
    """The intact print-size copy of an image, if one was made; None otherwise."""
    folder = data_dir / "evidence" / sha256[:2]
    try:
        candidates = sorted(folder.glob(f"{sha256}.print-*.jpg"))
    except OSError:
        return None
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if path.name == _print_copy_path(data_dir, sha256, data).name:
            return path
    return None


def _sniff(data: bytes) -> tuple[str, str] | None:
    """(kind, extension) from the first bytes, or None for an unknown kind."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "gif"
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image", "webp"
    if head.startswith(b"BM"):
        return "image", "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image", "tiff"
    if head[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio", "wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio", "mp3"
    if head.startswith(b"OggS"):
        return "audio", "ogg"
    if head.startswith(b"fLaC"):
        return "audio", "flac"
    if data[4:8] == b"ftyp" and data[8:12] not in HEIF_BRANDS:
        return "audio", "m4a"
    if head.startswith(b"%PDF-"):
        return "pdf", "pdf"
    if _looks_like_email(data):
        return "email", "eml"
    return None


def _looks_like_email(data: bytes) -> bool:
    try:
        text = data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data[:65536].decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            return False
    message = email.parser.Parser(policy=email.policy.default).parsestr(text, headersonly=True)
    keys = {k.lower() for k in message}
    return bool(keys & {"from", "to"}) and bool(keys & {"subject", "date", "message-id"})


def check_evidence(data: bytes, filename: str) -> StoredFile:
    """Check that the bytes are an acceptable evidence file of the kind the name says.

    Raises:
        EvidenceError: one line naming the file and the fault.
    """
    name = Path(filename).name or "file"
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceError(
            f"{name}: {len(data) / 1024 / 1024:.1f} MiB is over the limit of "
            f"{MAX_EVIDENCE_BYTES // 1024 // 1024} MiB for one piece of evidence"
        )
    if not data:
        raise EvidenceError(f"{name}: the file is empty")
    sniffed = _sniff(data)
    suffix = Path(name).suffix.lower().lstrip(".")
    if sniffed is None:
        raise EvidenceError(
            f"{name}: not an image, audio file, e-mail (.eml) or PDF that Shopper can keep"
        )
    kind, extension = sniffed
    if suffix and suffix not in EXTENSIONS[kind]:
        claimed = next((k for k, exts in EXTENSIONS.items() if suffix in exts), None)
        what = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} file ({extension.upper()})"
        if claimed is not None:
            raise EvidenceError(f"{name}: the name says .{suffix} but the content is {what}")
    width = height = 0
    copy = None
    if kind == "image":
        width, height, extension, copy = _check_image(data, name, extension)
    digest = hashlib.sha256(data).hexdigest()
    return StoredFile(digest, kind, extension, len(data), width, height, copy)


def _check_image(data: bytes, name: str, sniffed: str) -> tuple[int, int, str, bytes | None]:
    # Pillow (with the report's image code) is imported when a picture is first checked:
    # the backups and the bundles import this module at start-up.
    from PIL import Image, UnidentifiedImageError

    from shopper.report.images import print_copy

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data)) as image:
                width, height = image.size
                fmt = image.format or ""
                if width * height > MAX_IMAGE_PIXELS:
                    raise EvidenceError(
                        f"{name}: the image is {width} x {height} pixels; the limit is "
                        f"{MAX_IMAGE_PIXELS:,} pixels"
                    )
                image.verify()
            with Image.open(BytesIO(data)) as image:
                image.load()  # verify() skips the pixel data; a truncated file fails here
                copy = print_copy(image)
        except EvidenceError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise EvidenceError(f"{name}: the image would decompress to an unsafe size") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise EvidenceError(f"{name}: the image is damaged or unreadable ({exc})") from exc
    # Pillow may name a variant (a camera's JPEG is "MPO"): keep the sniffed extension.
    return width, height, IMAGE_FORMATS.get(fmt, sniffed), copy


def store_evidence(data_dir: Path, data: bytes, filename: str) -> StoredFile:
    """Check the bytes and keep them under their hash (once; atomic, private).

    Raises:
        EvidenceError: the file is refused; nothing was written.
    """
    checked = check_evidence(data, filename)
    target = evidence_path(data_dir, checked.sha256, checked.extension)
    if not (target.exists() and verify_stored(data_dir, checked.sha256, checked.extension)):
        # Kept once; a damaged or altered copy is replaced.
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, data)
    if checked.print_copy is not None:
        store_print_copy(data_dir, checked.sha256, checked.print_copy)
    return checked


@dataclass(frozen=True)
class EvidenceStore:
    """Where the bytes of evidence files are: the data folder, and on a team database the
    database too (chosen by the engine's dialect).

    On a team database the bytes are kept in `evidence_blob`, and the data folder is this
    machine's cache of them: content-addressed, so a cached file whose hash matches is the
    file. A file missing from the folder is fetched from the database, if this login may
    read it, and kept there; its thumbnail and print copy are made here, on the reader's
    machine.
    """

    data_dir: Path
    engine: Engine | None = field(default=None, repr=False)
    """The team database's engine; None when the folder is the only store."""
    _absent: set[str] = field(default_factory=set, repr=False, compare=False)
    """Hashes the database had no readable bytes for: asked once per store, not per paint."""

    @classmethod
    def for_engine(cls, engine: Engine | None, data_dir: Path) -> EvidenceStore:
        in_database = engine is not None and engine.dialect.name == "postgresql"
        return cls(data_dir, engine if in_database else None)

    @property
    def in_database(self) -> bool:
        return self.engine is not None

    def keep(self, data: bytes, filename: str) -> StoredFile:
        """Check the bytes and keep them in the folder (see `store_evidence`); on a team
        database `keep_in_database` must follow in the transaction that cites them.

        Raises:
            EvidenceError: the file is refused; nothing was written.
        """
        return store_evidence(self.data_dir, data, filename)

    def keep_in_database(self, session: Session, sha256: str, extension: str, data: bytes) -> None:
        """On a team database, write checked bytes into it, once (after the evidence row
        citing them is in the session: a shopper may add only bytes their own audit cites)."""
        if self.in_database:
            session.flush()
            blobs.insert_blob(
                session=session,
                sha256=sha256,
                media_type=MEDIA_TYPES.get(extension, "application/octet-stream"),
                data=data,
            )

    def path(self, sha256: str, extension: str) -> Path:
        """The file of a piece of evidence in the folder, fetched first from the team
        database when it is not here; it may still be missing (`intact` says)."""
        target = evidence_path(self.data_dir, sha256, extension)
        if self.in_database and sha256 not in self._absent and not target.exists():
            self._fetch(sha256, extension)
        return target

    def intact(self, sha256: str, extension: str) -> bool:
        """Whether the file is here and has its recorded hash; on a team database a missing
        or damaged copy here is fetched again first."""
        return verify_stored(self.data_dir, sha256, extension) or (
            self.in_database
            and self._fetch(sha256, extension)
            and verify_stored(self.data_dir, sha256, extension)
        )

    def read(self, sha256: str, extension: str) -> bytes:
        """The bytes of an intact piece of evidence.

        Raises:
            OSError: the file is missing (here and in the database).
        """
        return self.path(sha256, extension).read_bytes()

    def printable(self, sha256: str, extension: str) -> Path:
        """The file a report prints: a large image's print-size copy when it has one (never
        decoding 9000 pixels again), else the file itself."""
        path = self.path(sha256, extension)
        return find_print_copy(self.data_dir, sha256) or path

    def _fetch(self, sha256: str, extension: str) -> bool:
        assert self.engine is not None
        with session_scope(self.engine) as session:
            data = blobs.read_blob(session=session, sha256=sha256)
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            self._absent.add(sha256)
            return False
        self._absent.discard(sha256)
        target = evidence_path(self.data_dir, sha256, extension)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, data)
        if find_print_copy(self.data_dir, sha256) is None:
            try:
                copy = check_evidence(data, target.name).print_copy
            except EvidenceError:
                copy = None  # the report shows its own placeholder for a damaged image
            if copy is not None:
                store_print_copy(self.data_dir, sha256, copy)
        return True


@dataclass(frozen=True)
class EvidenceUpload:
    """What `upload_missing_evidence` did."""

    uploaded: int
    """Files whose bytes were put into the team database from this data folder."""
    missing: tuple[str, ...]
    """Hashes still without bytes in the database: not (intact) in this data folder either."""


def upload_missing_evidence(*, engine: Engine, data_dir: Path) -> EvidenceUpload:
    """On a team database, put into it the bytes of every piece of evidence (that this login
    may read) which has none there, from this machine's data folder: evidence attached before
    its bytes lived in the database (schema revision 0002), when they were only files in the
    data folder of the machine that attached them. Only an intact file (its hash is its name)
    is sent, each in its own transaction; nothing on SQLite.

    Raises:
        StorageError: the database refused or could not be reached (what was sent stays).
    """
    store = EvidenceStore.for_engine(engine, data_dir)
    if not store.in_database:
        return EvidenceUpload(0, ())
    try:
        with session_scope(engine) as session:
            wanted = blobs.missing_blobs(session=session)
        uploaded, missing = 0, []
        for sha256, extension in wanted:
            path = evidence_path(data_dir, sha256, extension)
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            if hashlib.sha256(data).hexdigest() != sha256:
                missing.append(sha256)
                continue
            with session_scope(engine) as session:
                store.keep_in_database(session, sha256, extension, data)
            uploaded += 1
    except SQLAlchemyError as exc:
        raise StorageError(f"could not upload the evidence files: {error_line(exc)}") from exc
    return EvidenceUpload(uploaded, tuple(missing))


def read_evidence_file(path: Path) -> bytes:
    """Read a file the user chose, refusing early what is too big to be evidence."""
    try:
        size = path.stat().st_size
        if size > MAX_EVIDENCE_BYTES:
            raise EvidenceError(
                f"{path.name}: {size / 1024 / 1024:.1f} MiB is over the limit of "
                f"{MAX_EVIDENCE_BYTES // 1024 // 1024} MiB for one piece of evidence"
            )
        with path.open("rb") as handle:
            return handle.read(MAX_EVIDENCE_BYTES + 1)
    except OSError as exc:
        raise EvidenceError(f"{path.name}: cannot read the file: {exc.strerror or exc}") from exc


def write_atomic(target: Path, data: bytes) -> None:
    """Write bytes whole or not at all, owner-only (see `files.atomic_file`)."""
    with atomic_file(target) as handle:
        handle.write(data)


def verify_stored(data_dir: Path, sha256: str, extension: str) -> bool:
    """Whether the stored file still has the hash recorded for it (tampering shows)."""
    path = evidence_path(data_dir, sha256, extension)
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def read_email(path: Path) -> str:
    """An e-mail (.eml) as text: the headers that matter, then its plain-text body (the HTML
    one, tags and all, when there is no plain one), exactly as written."""
    with path.open("rb") as handle:
        message = email.parser.BytesParser(policy=email.policy.default).parse(handle)
    lines = [
        f"{name}: {message[name]}"
        for name in ("From", "To", "Cc", "Date", "Subject")
        if message.get(name) is not None
    ]
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return "\n".join(lines) + "\n\n" + str(text)
