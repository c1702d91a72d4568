"""Evidence files: what is accepted, what is refused (with nothing stored), and storage."""

from __future__ import annotations

import stat
import struct
import wave
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from shopper.services import evidence as evidence_module
from shopper.services.evidence import (
    EvidenceError,
    check_evidence,
    evidence_path,
    read_evidence_file,
    store_evidence,
    verify_stored,
)


def image_bytes(fmt: str, size: tuple[int, int] = (6, 4), mode: str = "RGB", **kw: object) -> bytes:
    buffer = BytesIO()
    Image.new(mode, size, "red" if mode != "1" else 1).save(buffer, fmt, **kw)
    return buffer.getvalue()


def png() -> bytes:
    return image_bytes("PNG")


def wav_bytes() -> bytes:
    buffer = BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
EML = (
    "From: Support <support@example.com>\r\n"
    "To: Ana <ana@example.org>\r\n"
    "Subject: Re: Your question about fees\r\n"
    "Date: Mon, 19 May 2025 10:00:00 +0200\r\n"
    "Message-ID: <abc@example.com>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Dzień dobry, thank you for writing.\r\n"
).encode()


def evidence_files(data_dir: Path) -> list[Path]:
    root = data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG that declares a huge 1-bit image (all zeros compress to almost nothing)."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    raw = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


# -- accepted kinds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "kind", "extension"),
    [
        (image_bytes("PNG"), "screen.png", "image", "png"),
        (image_bytes("JPEG"), "photo.jpg", "image", "jpg"),
        (image_bytes("JPEG"), "photo.JPEG", "image", "jpg"),
        (image_bytes("GIF"), "anim.gif", "image", "gif"),
        (image_bytes("WEBP"), "shot.webp", "image", "webp"),
        (image_bytes("BMP"), "old.bmp", "image", "bmp"),
        (image_bytes("TIFF"), "scan.tif", "image", "tiff"),
        (wav_bytes(), "call.wav", "audio", "wav"),
        (PDF, "letter.pdf", "pdf", "pdf"),
        (EML, "reply.eml", "email", "eml"),
        (image_bytes("PNG"), "no-suffix", "image", "png"),
    ],
)
def test_accepted_kinds(data: bytes, filename: str, kind: str, extension: str) -> None:
    checked = check_evidence(data, filename)
    assert checked.kind == kind
    assert checked.extension == extension
    assert checked.size == len(data)
    if kind == "image":
        assert (checked.width, checked.height) == (6, 4)


def iso_media(brand: bytes) -> bytes:
    """The start of an ISO base media file (M4A, MP4, HEIC, AVIF): an ftyp box."""
    return (
        struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x00\x00" + brand + b"mp42" + bytes(64)
    )


def test_m4a_audio_is_accepted() -> None:
    checked = check_evidence(iso_media(b"M4A "), "voicemail.m4a")
    assert (checked.kind, checked.extension) == ("audio", "m4a")


@pytest.mark.parametrize("brand", [b"heic", b"mif1", b"avif"])
@pytest.mark.parametrize("filename", ["IMG_0001.HEIC", "IMG_0001.m4a", "IMG_0001"])
def test_a_heic_or_avif_photo_is_not_taken_for_audio(brand: bytes, filename: str) -> None:
    # Same container as M4A; Shopper cannot show these images, so they are refused
    # instead of being kept (and played) as audio.
    with pytest.raises(EvidenceError, match="not an image, audio file"):
        check_evidence(iso_media(brand), filename)


def test_a_camera_jpeg_keeps_the_jpg_extension() -> None:
    # Phones and cameras write JPEGs with a second picture (MPO); Pillow names the
    # format "MPO", but the file is a JPEG and must be stored as one.
    first, second = Image.new("RGB", (6, 4), "red"), Image.new("RGB", (6, 4), "blue")
    buffer = BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    checked = check_evidence(buffer.getvalue(), "IMG_0001.JPG")
    assert checked.kind == "image"
    assert checked.extension == "jpg"


# -- refused -------------------------------------------------------------------------


def test_over_the_size_limit(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    data = png()
    monkeypatch.setattr(evidence_module, "MAX_EVIDENCE_BYTES", len(data) - 1)
    with pytest.raises(EvidenceError, match=r"screen\.png: .*over the limit"):
        store_evidence(data_dir, data, "screen.png")
    assert evidence_files(data_dir) == []
    monkeypatch.setattr(evidence_module, "MAX_EVIDENCE_BYTES", len(data))
    assert store_evidence(data_dir, data, "screen.png").size == len(data)


def test_the_real_limit_is_50_mib() -> None:
    assert evidence_module.MAX_EVIDENCE_BYTES == 50 * 1024 * 1024


def test_empty_file(data_dir: Path) -> None:
    with pytest.raises(EvidenceError, match=r"empty\.png: the file is empty"):
        store_evidence(data_dir, b"", "empty.png")
    assert evidence_files(data_dir) == []


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"just some text, not a picture\n", "notes.png", "not an image"),
        (b"\x00\x01\x02\x03" * 100, "blob.bin", "not an image"),
        (png(), "report.pdf", r"the name says \.pdf but the content is an image file \(PNG\)"),
        (PDF, "scan.png", r"the name says \.png but the content is a pdf file"),
        (EML, "mail.jpg", r"the name says \.jpg but the content is an email file"),
        (wav_bytes(), "voice.eml", r"the name says \.eml but the content is an audio file \(WAV\)"),
    ],
)
def test_name_and_content_must_agree(
    data_dir: Path, data: bytes, filename: str, message: str
) -> None:
    with pytest.raises(EvidenceError, match=message) as caught:
        store_evidence(data_dir, data, filename)
    assert str(caught.value).startswith(filename)
    assert "\n" not in str(caught.value)
    assert evidence_files(data_dir) == []


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_png(data_dir: Path, keep: float) -> None:
    data = image_bytes("PNG", (64, 64))
    with pytest.raises(EvidenceError, match="damaged or unreadable"):
        store_evidence(data_dir, data[: int(len(data) * keep)], "cut.png")
    assert evidence_files(data_dir) == []


def test_a_truncated_jpeg(data_dir: Path) -> None:
    data = image_bytes("JPEG", (64, 64))
    with pytest.raises(EvidenceError, match="damaged or unreadable"):
        store_evidence(data_dir, data[: len(data) // 2], "cut.jpg")
    assert evidence_files(data_dir) == []


def test_a_corrupt_png_chunk(data_dir: Path) -> None:
    data = bytearray(image_bytes("PNG", (64, 64)))
    data[40] ^= 0xFF  # inside the image data: its checksum no longer matches
    with pytest.raises(EvidenceError, match="damaged or unreadable"):
        store_evidence(data_dir, bytes(data), "bad.png")
    assert evidence_files(data_dir) == []


def test_a_decompression_bomb(data_dir: Path) -> None:
    data = bomb_png()
    assert len(data) < 100_000
    with pytest.raises(EvidenceError, match=r"bomb\.png: .*(unsafe size|pixels)") as caught:
        store_evidence(data_dir, data, "bomb.png")
    assert "\n" not in str(caught.value)
    assert evidence_files(data_dir) == []


def test_a_pillow_made_bomb(data_dir: Path) -> None:
    data = image_bytes("PNG", (20_000, 20_000), mode="1", optimize=True)
    assert len(data) < 200_000
    with pytest.raises(EvidenceError, match="unsafe size"):
        store_evidence(data_dir, data, "huge.png")
    assert evidence_files(data_dir) == []


def test_an_image_over_our_own_pixel_limit(data_dir: Path) -> None:
    # 9000 x 9500 = 85.5 M pixels: under Pillow's warning limit, over Shopper's.
    data = bomb_png(9000, 9500)
    with pytest.raises(EvidenceError, match=r"9000 x 9500 pixels; the limit is 80,000,000"):
        store_evidence(data_dir, data, "big.png")
    assert evidence_files(data_dir) == []


def test_the_bomb_check_does_not_leave_warnings_as_errors() -> None:
    import warnings

    with pytest.raises(EvidenceError):
        check_evidence(bomb_png(), "bomb.png")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.warn(Image.DecompressionBombWarning("test"), stacklevel=1)
    assert len(seen) == 1


# -- storage ---------------------------------------------------------------------------


def test_stored_under_its_hash_privately_and_verifiable(data_dir: Path) -> None:
    data = png()
    stored = store_evidence(data_dir, data, "screen.png")
    path = evidence_path(data_dir, stored.sha256, stored.extension)
    assert path == data_dir / "evidence" / stored.sha256[:2] / f"{stored.sha256}.png"
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert verify_stored(data_dir, stored.sha256, stored.extension) is True
    assert evidence_files(data_dir) == [path]
    # No temporary files are left behind.
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_the_same_file_twice_is_stored_once(data_dir: Path) -> None:
    data = png()
    first = store_evidence(data_dir, data, "a.png")
    second = store_evidence(data_dir, data, "b.png")
    assert first == second
    assert len(evidence_files(data_dir)) == 1
    other = store_evidence(data_dir, image_bytes("PNG", (7, 7)), "c.png")
    assert other.sha256 != first.sha256
    assert len(evidence_files(data_dir)) == 2


def test_tampering_shows(data_dir: Path) -> None:
    stored = store_evidence(data_dir, png(), "screen.png")
    path = evidence_path(data_dir, stored.sha256, stored.extension)
    tampered = bytearray(path.read_bytes())
    tampered[-1] ^= 0x01
    path.write_bytes(bytes(tampered))
    assert verify_stored(data_dir, stored.sha256, stored.extension) is False


def test_a_missing_stored_file_does_not_verify(data_dir: Path) -> None:
    stored = store_evidence(data_dir, png(), "screen.png")
    evidence_path(data_dir, stored.sha256, stored.extension).unlink()
    assert verify_stored(data_dir, stored.sha256, stored.extension) is False


def test_storing_again_repairs_a_tampered_copy(data_dir: Path) -> None:
    data = png()
    stored = store_evidence(data_dir, data, "screen.png")
    path = evidence_path(data_dir, stored.sha256, stored.extension)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0x01]))  # same size, different bytes
    store_evidence(data_dir, data, "screen.png")
    assert verify_stored(data_dir, stored.sha256, stored.extension) is True


# -- reading a chosen file ----------------------------------------------------------------


def test_read_evidence_file(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    path.write_bytes(png())
    assert read_evidence_file(path) == png()


def test_read_evidence_file_missing(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match=r"gone\.png: cannot read the file"):
        read_evidence_file(tmp_path / "gone.png")


def test_read_evidence_file_on_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "folder.png"
    folder.mkdir()
    with pytest.raises(EvidenceError, match=r"folder\.png: cannot read the file"):
        read_evidence_file(folder)


def test_read_evidence_file_too_big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(png())
    monkeypatch.setattr(evidence_module, "MAX_EVIDENCE_BYTES", 10)
    with pytest.raises(EvidenceError, match=r"big\.png: .*over the limit"):
        read_evidence_file(path)
