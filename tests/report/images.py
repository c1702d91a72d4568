"""Image files for tests: good ones made with Pillow, and broken ones made by hand."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from PIL import Image


def photo(path: Path, size: tuple[int, int] = (800, 600), fmt: str = "JPEG") -> Path:
    img = Image.new("RGB", size, (40, 120, 200))
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            img.putpixel((x, y), (255, 255, 0))
    img.save(path, fmt)
    return path


def transparent_png(path: Path) -> Path:
    Image.new("RGBA", (300, 200), (200, 30, 30, 90)).save(path, "PNG")
    return path


def truncated_jpeg(path: Path) -> Path:
    good = photo(path.with_suffix(".full.jpg"))
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def not_an_image(path: Path) -> Path:
    path.write_text("#!/bin/sh\necho this is a script named like a picture\n", encoding="utf-8")
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bomb_png(path: Path, side: int = 60_000) -> Path:
    """A tiny PNG whose header claims side x side pixels (3.6 gigapixels by default)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
    return path
