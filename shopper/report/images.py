"""Images for reports: checked, downscaled and re-encoded before they are embedded.

The original file never reaches the PDF. Pillow decodes it (by content, not
by name), it is shrunk to what the page needs and written again as a JPEG,
so a 40-megapixel photo costs a few dozen kilobytes and a file with a
surprise inside (a decompression bomb, a script renamed to .png, a truncated
download) becomes a placeholder saying why, while the report still builds.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 80_000_000
"""Refused before decoding: about 9000 x 9000, far beyond any screenshot or photo."""
JPEG_QUALITY = 82
EVIDENCE_MAX_SIDE = 1200
"""Evidence images are prepared once per report at this size, whatever size they print at:
the page width of the appendix at about 150 dpi, and a thumbnail reuses the same copy."""


@dataclass(frozen=True)
class PreparedImage:
    """A re-encoded JPEG ready to embed, with its size in pixels."""

    data: bytes
    width: int
    height: int
    path: Path | None = None
    """The JPEG written to a file of the report's own: reportlab embeds a JPEG file as
    it is, where JPEG bytes in memory would be decoded again at every draw."""


@dataclass(frozen=True)
class ImageProblem:
    """Why an image is shown as a placeholder: one line for the reader."""

    reason: str


def prepare_image(path: Path, *, max_side: int = 1200) -> PreparedImage | ImageProblem:
    """Decode, orient, downscale and re-encode an image file.

    Args:
        path: the image file; its name is not trusted, its content decides.
        max_side: the longest side, in pixels, of the embedded image.

    Returns:
        The image ready to embed, or the reason it cannot be shown.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        return ImageProblem(f"file cannot be read ({exc.strerror or exc})")
    if size > MAX_FILE_BYTES:
        return ImageProblem(f"file is too large ({size / 1_048_576:.0f} MB)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    return ImageProblem(f"image is too large to embed ({width} × {height} pixels)")
                # JPEG: decode at a fraction of the size. The box must keep the image's
                # shape: draft never goes below the size asked for on either side.
                scale = max_side / max(width, height, 1)
                if scale < 1:
                    img.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
                img.load()
                return _encode(img, max_side)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return ImageProblem("image is too large to embed (decompression bomb)")
    except UnidentifiedImageError:
        return ImageProblem("not an image this app can read")
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        # Pillow reports damaged data with any of these, depending on the format.
        return ImageProblem(f"image file is damaged ({_first_line(exc)})")


class PreparedImages:
    """Each image file of a report prepared once, however often the report shows it.

    The PDF then holds one copy of each picture (reportlab stores identical images
    once), and the layout passes of a long report decode each file only once.
    """

    def __init__(self, max_side: int = EVIDENCE_MAX_SIDE) -> None:
        self.max_side = max_side
        self._done: dict[Path, PreparedImage | ImageProblem] = {}
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def get(self, path: Path) -> PreparedImage | ImageProblem:
        if path not in self._done:
            prepared = prepare_image(path, max_side=self.max_side)
            if isinstance(prepared, PreparedImage):
                prepared = self._to_file(prepared)
            self._done[path] = prepared
        return self._done[path]

    def _to_file(self, prepared: PreparedImage) -> PreparedImage:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="shopper-report-")
        target = Path(self._folder.name) / f"{len(self._done)}.jpg"
        try:
            target.write_bytes(prepared.data)
        except OSError:
            return prepared  # embedded from memory instead: slower, same result
        return replace(prepared, path=target)

    def close(self) -> None:
        """Remove the report's image files (after the PDF is built)."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_STRIP_ROWS = 32
"""Rows of the output built at a time when a large image is shrunk."""


def _shrink(img: Image.Image, max_side: int) -> Image.Image:
    """A large decoded image reduced by a whole factor, a strip at a time.

    Only the decoded image and one strip of it in the output's mode are ever in memory,
    never a second full-size copy (a conversion, a rotation). What is left is less than
    twice `max_side` on its longer side, for the final, finer downscale.
    """
    width, height = img.size
    factor = max(width, height) // max_side
    if factor < 2:
        return img
    alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    mode = "RGBA" if alpha else "RGB"
    out = Image.new(mode, (-(-width // factor), -(-height // factor)))
    step = factor * _STRIP_ROWS
    for top in range(0, height, step):
        strip = img.crop((0, top, width, min(height, top + step)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        out.paste(strip.reduce(factor), (0, top // factor))
    return out


def print_copy(img: Image.Image, max_side: int = EVIDENCE_MAX_SIDE) -> bytes | None:
    """The JPEG a report prints of a decoded image, or None when the image is small enough
    to prepare from itself cheaply at report time."""
    if max(img.size) <= max_side:
        return None
    return _encode(img, max_side).data


def _encode(img: Image.Image, max_side: int) -> PreparedImage:
    turn = _TURNS.get(img.getexif().get(0x0112, 1))
    img = _shrink(img, max_side)  # before turning: turning copies the whole image
    if turn is not None:
        img = img.transpose(turn)
    if img.mode in ("RGBA", "LA", "P", "PA"):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=JPEG_QUALITY)  # no optimize pass: twice the time for ~5% bytes
    return PreparedImage(out.getvalue(), img.width, img.height)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__
