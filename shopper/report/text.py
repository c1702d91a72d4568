"""Text into Paragraph markup that prints exactly as typed.

reportlab's Paragraph reads a small XML-like markup: an unescaped `<a href>`
would become a link, `<img src>` would embed a file from disk and `&` would
start an entity. Every string that did not come from our own code goes
through `markup`, which escapes it, keeps its line breaks and marks the runs
that need the fallback font.
"""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

from shopper.report.styles import font_runs, register_fonts

# C0 and C1 controls other than tab and line breaks have no glyph and no place in a PDF.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
ELLIPSIS = "…"
MISSING = "\ufffd"
"""Stands in for a character no report font has, and for any beyond U+FFFF (emoji,
mostly): reportlab would write the first into the PDF's text as NUL and the second
as odd-length hex that readers cannot parse. Either way the reader sees a box."""


def clean(text: str) -> str:
    """Text with control characters and unpaired surrogates removed, breaks as "\\n"."""
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    text = _LINE_BREAKS.sub("\n", text)
    return _CONTROLS.sub("", text.replace("\t", " "))


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(text: str) -> str:
    """The text as a report prints it: `clean`, with characters no font has replaced.

    Spaces the fonts lack become plain spaces; soft hyphens, and invisible marks
    the fonts lack, are dropped; any other character they lack, and any beyond
    U+FFFF, is `MISSING`.
    """
    coverage = register_fonts()
    # A soft hyphen is only a hint where a word may break; reportlab hides it anyway.
    text = clean(text).replace("\xad", "")
    out = []
    for char in text:
        code = ord(char)
        category = unicodedata.category(char)
        if category == "Zs" and code not in coverage.main:
            # Not through the CJK face even where it has the space (U+3000): reportlab
            # breaks lines at spaces and joins with " ", which that face lacks.
            out.append(" ")
            continue
        if code <= 0xFFFF and (code in coverage.main or code in coverage.cjk or char == "\n"):
            out.append(char)
            continue
        if category == "Zs":
            out.append(" ")
        elif category not in ("Cf", "Mn", "Me") or code > 0xFFFF:
            out.append(MISSING)
    return "".join(out)


def markup(text: str) -> str:
    """Paragraph markup that shows `text` literally, line breaks kept (see `printable`)."""
    lines = printable(text).split("\n")
    return "<br/>".join(_line_markup(line) for line in lines)


def _line_markup(line: str) -> str:
    parts = []
    for face, run in font_runs(line):
        escaped = escape(run)
        parts.append(escaped if face is None else f'<font face="{face}">{escaped}</font>')
    return "".join(parts)


def clip(text: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters of text, cut at a space near the end if there is one.

    Returns:
        (text, clipped): the possibly shortened text, with an ellipsis when cut.
    """
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ", int(limit * 0.8))
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS, True


def one_line(text: str, limit: int) -> str:
    """Text on one line (breaks become spaces), clipped to `limit` characters."""
    return clip(" ".join(clean(text).split()), limit)[0]
