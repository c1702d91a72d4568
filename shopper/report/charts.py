"""Charts drawn with reportlab graphics: the score ring and score bars.

Labels that a user typed (section titles) are never drawn inside a Drawing,
whose strings take one font and no fallback; the bar chart is a table of
Paragraph labels beside one Drawing per bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String, Wedge
from reportlab.lib.colors import Color, white
from reportlab.platypus import Paragraph, Table, TableStyle

from shopper.domain.template import Band
from shopper.report.styles import (
    BAD,
    FAIR,
    GOOD,
    INK,
    NEUTRAL,
    RULE,
    SANS,
    SANS_BOLD,
    SHADE,
    styles,
)
from shopper.report.text import markup


def band_color(percent: float | None, bands: Sequence[Band], *, failed: bool = False) -> Color:
    """Green for the best band, amber for other passing bands, red for failing ones."""
    if failed:
        return BAD
    if percent is None or not bands:
        return NEUTRAL
    ordered = sorted(bands, key=lambda b: b.min_percent, reverse=True)
    for index, band in enumerate(ordered):
        if percent >= band.min_percent - 1e-9:
            if not band.passed:
                return BAD
            return GOOD if index == 0 else FAIR
    return BAD


def band_marks(bands: Sequence[Band]) -> list[float]:
    """Where the band limits fall between 0 and 100%, for the marks on bars and charts."""
    return sorted({b.min_percent for b in bands if 0 < b.min_percent < 100})


def band_limits(bands: Sequence[Band], redact: Callable[[str], str]) -> str:
    """The limits those marks stand for: "Good from 80%, Needs work from 60%" (redacted)."""
    return ", ".join(
        f"{redact(b.name)} from {b.min_percent:.0f}%"
        for b in sorted(bands, key=lambda b: -b.min_percent)
        if 0 < b.min_percent < 100
    )


def percent_text(percent: float | None) -> str:
    return "—" if percent is None else f"{percent:.0f}%"


def score_ring(percent: float | None, color: Color, *, size: float = 110) -> Drawing:
    """A ring filled to `percent`, with the number in the middle."""
    drawing = Drawing(size, size)
    centre = size / 2
    outer = size / 2 - 2
    drawing.add(Circle(centre, centre, outer, fillColor=SHADE, strokeColor=None))
    if percent is not None and percent > 0:
        share = max(0.0, min(100.0, percent)) / 100
        if share >= 0.9999:
            drawing.add(Circle(centre, centre, outer, fillColor=color, strokeColor=None))
        else:
            drawing.add(
                Wedge(
                    centre,
                    centre,
                    outer,
                    90 - 360 * share,
                    90,
                    fillColor=color,
                    strokeColor=None,
                )
            )
    drawing.add(Circle(centre, centre, outer * 0.66, fillColor=white, strokeColor=None))
    drawing.add(
        String(
            centre,
            centre - size * 0.07,
            percent_text(percent),
            fontName=SANS_BOLD,
            fontSize=size * 0.2,
            fillColor=INK,
            textAnchor="middle",
        )
    )
    return drawing


def score_bar(
    percent: float | None,
    color: Color,
    *,
    width: float,
    height: float = 9,
    marks: Sequence[float] = (),
) -> Drawing:
    """A horizontal bar filled to `percent`, with thin marks at the band limits."""
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=SHADE, strokeColor=None))
    if percent is not None:
        filled = width * max(0.0, min(100.0, percent)) / 100
        drawing.add(Rect(0, 0, filled, height, fillColor=color, strokeColor=None))
    for mark in marks:
        if 0 < mark < 100:
            x = width * mark / 100
            drawing.add(Line(x, -1.5, x, height + 1.5, strokeColor=INK, strokeWidth=0.5))
    return drawing


@dataclass(frozen=True)
class BarRow:
    """One bar of a bar chart: a label the user may have typed, its score and colour."""

    label: str
    percent: float | None
    color: Color
    bold: bool = False


def bar_chart(rows: Sequence[BarRow], *, width: float, marks: Sequence[float] = ()) -> Table:
    """Labelled score bars, one row each, splitting across pages like any table."""
    sheet = styles()
    label_w = width * 0.38
    value_w = 36.0
    bar_w = width - label_w - value_w - 12
    data = []
    for row in rows:
        style = sheet.cell_bold if row.bold else sheet.cell
        data.append(
            [
                Paragraph(markup(row.label), style),
                score_bar(row.percent, row.color, width=bar_w, marks=marks),
                Paragraph(percent_text(row.percent), sheet.cell_right),
            ]
        )
    table = Table(data, colWidths=[label_w, bar_w + 12, value_w])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ("FONT", (0, 0), (-1, -1), SANS),
            ]
        )
    )
    return table
