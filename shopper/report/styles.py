"""Fonts, colours and the paragraph style sheet of every report.

Fonts are registered with reportlab on first use, not at import time, so
importing the report package stays cheap. DejaVu Sans is the main face; a
character it lacks is drawn with the CJK face when that one has it (see
`font_runs`), so names and notes in any of the scripts we ship print as
themselves instead of as empty boxes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from shopper.resources import FONTS_DIR

SANS = "ShopperSans"
SANS_BOLD = "ShopperSans-Bold"
CJK = "ShopperCJK"

_FONT_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    CJK: "WenQuanYiMicroHei-CJK.ttf",
}

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
SHADE = colors.HexColor("#f0f4f8")
ACCENT = colors.HexColor("#2f5d8a")
GOOD = colors.HexColor("#2e7d32")
FAIR = colors.HexColor("#b7791f")
BAD = colors.HexColor("#c62828")
NEUTRAL = colors.HexColor("#9aa5b1")
MOMENT_COLORS: dict[str, colors.Color] = {"good": GOOD, "bad": BAD, "friction": FAIR}
"""The colour of each kind of moment a shopper logs (`MomentKind`)."""


@dataclass(frozen=True)
class Coverage:
    """The code points each registered face can draw."""

    main: frozenset[int]
    cjk: frozenset[int]


_lock = threading.Lock()
_coverage: Coverage | None = None


def register_fonts() -> Coverage:
    """Register the report fonts with reportlab once per process; thread-safe.

    Returns:
        Which characters the main and the fallback face have.
    """
    global _coverage  # noqa: PLW0603 - one registration per process, shared by all builds
    with _lock:
        if _coverage is None:
            faces = {}
            for name, filename in _FONT_FILES.items():
                font = TTFont(name, str(FONTS_DIR / filename))
                pdfmetrics.registerFont(font)
                faces[name] = frozenset(font.face.charToGlyph)
            pdfmetrics.registerFontFamily(
                SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD
            )
            pdfmetrics.registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)
            # Bold and regular text share one decision, so use what both weights have.
            _coverage = Coverage(main=faces[SANS] & faces[SANS_BOLD], cjk=faces[CJK])
        return _coverage


def font_runs(text: str) -> Iterator[tuple[str | None, str]]:
    """Split text into runs that one face can draw.

    Yields:
        (face, run): face is None for the paragraph's own (main) face, or the
        name of the fallback face that has every character of the run.
        Characters no face has stay with the main face.
    """
    coverage = register_fonts()
    current: str | None = None
    start = 0
    for index, char in enumerate(text):
        code = ord(char)
        face = CJK if code not in coverage.main and code in coverage.cjk else None
        if face != current:
            if index > start:
                yield current, text[start:index]
            current, start = face, index
    if len(text) > start:
        yield current, text[start:]


class Styles:
    """The paragraph styles of the reports, by role."""

    def __init__(self) -> None:
        register_fonts()
        base = ParagraphStyle(
            "Body",
            fontName=SANS,
            fontSize=9.5,
            leading=13,
            textColor=INK,
            spaceAfter=4,
            splitLongWords=True,
        )
        self.body = base
        self.title = ParagraphStyle(
            "Title", parent=base, fontName=SANS_BOLD, fontSize=26, leading=32, spaceAfter=6
        )
        self.subtitle = ParagraphStyle(
            "Subtitle", parent=base, fontSize=14, leading=19, textColor=MUTED, spaceAfter=18
        )
        self.h1 = ParagraphStyle(
            "H1",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=16,
            leading=21,
            textColor=ACCENT,
            spaceBefore=6,
            spaceAfter=10,
            keepWithNext=True,
        )
        self.h2 = ParagraphStyle(
            "H2",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=12,
            leading=16,
            spaceBefore=14,
            spaceAfter=6,
            keepWithNext=True,
        )
        self.h3 = ParagraphStyle(
            "H3", parent=base, fontName=SANS_BOLD, fontSize=10, leading=13.5, keepWithNext=True
        )
        self.small = ParagraphStyle("Small", parent=base, fontSize=8, leading=10.5, spaceAfter=0)
        self.muted = ParagraphStyle("Muted", parent=self.small, textColor=MUTED)
        self.cell = ParagraphStyle("Cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0)
        self.cell_bold = ParagraphStyle("CellBold", parent=self.cell, fontName=SANS_BOLD)
        self.cell_head = ParagraphStyle(
            "CellHead", parent=self.cell, fontName=SANS_BOLD, textColor=colors.white
        )
        self.cell_right = ParagraphStyle("CellRight", parent=self.cell, alignment=TA_RIGHT)
        # Dense grids (audits side by side, heat maps) print a size down from table cells.
        self.grid = ParagraphStyle("Grid", parent=self.cell, fontSize=7.5, leading=9.4)
        self.grid_bold = ParagraphStyle("GridBold", parent=self.grid, fontName=SANS_BOLD)
        self.grid_muted = ParagraphStyle("GridMuted", parent=self.grid, textColor=MUTED)
        self.grid_head = ParagraphStyle(
            "GridHead", parent=self.grid, fontName=SANS_BOLD, textColor=colors.white
        )
        self.grid_center = ParagraphStyle("GridCenter", parent=self.grid, alignment=TA_CENTER)
        self.grid_center_bold = ParagraphStyle(
            "GridCenterBold", parent=self.grid_center, fontName=SANS_BOLD, fontSize=9, leading=11
        )
        self.label = ParagraphStyle(
            "Label", parent=self.small, textColor=MUTED, fontSize=8.5, leading=11
        )
        self.value = ParagraphStyle("Value", parent=base, fontSize=11, leading=14.5, spaceAfter=0)
        self.stat = ParagraphStyle(
            "Stat", parent=base, fontName=SANS_BOLD, fontSize=12, leading=15, spaceAfter=0
        )
        self.node = ParagraphStyle("Node", parent=self.small, leading=10.2)
        self.node_head = ParagraphStyle("NodeHead", parent=self.cell, leading=11)
        self.score = ParagraphStyle(
            "Score",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=40,
            leading=46,
            alignment=TA_CENTER,
            textColor=colors.white,
            spaceAfter=0,
        )
        self.verdict = ParagraphStyle(
            "Verdict",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            textColor=colors.white,
            spaceAfter=0,
        )
        self.header = ParagraphStyle(
            "Header", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED, spaceAfter=0
        )
        self.header_right = ParagraphStyle("HeaderRight", parent=self.header, alignment=TA_RIGHT)
        self.toc_levels = [
            ParagraphStyle(
                "TOC1",
                parent=base,
                fontName=SANS_BOLD,
                fontSize=10.5,
                leading=15,
                leftIndent=0,
                firstLineIndent=0,
                spaceBefore=4,
            ),
            ParagraphStyle(
                "TOC2", parent=base, fontSize=9.5, leading=12.5, leftIndent=16, firstLineIndent=0
            ),
        ]


@cache
def styles() -> Styles:
    """The shared style sheet (styles are read-only once made)."""
    return Styles()
