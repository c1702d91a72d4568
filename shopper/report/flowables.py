"""Small flowable builders shared by the reports: texts, fact tables, images.

Every builder that takes a string a user typed escapes it (via `markup`) and
passes it through the report's redactor first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable, Image, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import KeepInFrame

from shopper.report.images import ImageProblem, PreparedImages, prepare_image
from shopper.report.styles import MUTED, RULE, SHADE, styles
from shopper.report.text import markup, one_line

Redact = Callable[[str], str]


def para(text: str, style_name: str = "body", *, redact: Redact | None = None) -> Paragraph:
    """A paragraph of plain text (escaped; redacted first when `redact` is given)."""
    if redact is not None:
        text = redact(text)
    return Paragraph(markup(text), getattr(styles(), style_name))


def facts_table(
    rows: Sequence[tuple[str, Flowable]], *, width: float, label_share: float = 0.28
) -> Table:
    """Label / value rows, labels muted on the left."""
    sheet = styles()
    data = [[Paragraph(markup(label), sheet.label), value] for label, value in rows]
    table = Table(data, colWidths=[width * label_share, width * (1 - label_share)])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
            ]
        )
    )
    return table


def boxed(flowables: list[Flowable], *, width: float, fill: Color, padding: float = 10) -> Table:
    """Flowables in a filled box of the given width."""
    table = Table([[flowables]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("LEFTPADDING", (0, 0), (-1, -1), padding),
                ("RIGHTPADDING", (0, 0), (-1, -1), padding),
                ("TOPPADDING", (0, 0), (-1, -1), padding),
                ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
            ]
        )
    )
    return table


def placeholder(reason: str, name: str, *, width: float, height: float) -> Flowable:
    """A grey box in place of an image that cannot be shown, saying why."""
    sheet = styles()
    text = [
        Paragraph(markup("Image not shown: " + one_line(reason, 120)), sheet.muted),
        Paragraph(markup(one_line(name, 80)), sheet.muted),
    ]
    table = Table(
        [[KeepInFrame(width - 8, height - 8, text, mode="shrink")]],
        colWidths=[width],
        rowHeights=[height],
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("BOX", (0, 0), (-1, -1), 0.5, MUTED),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def picture(
    path: Path,
    *,
    width: float,
    height: float,
    name: str = "",
    redact: Redact | None = None,
    images: PreparedImages | None = None,
) -> Flowable:
    """An image file fitted into width x height points, or a placeholder saying why not.

    Args:
        path: the image file.
        width: the largest width on the page, in points.
        height: the largest height on the page, in points.
        name: what to call the file on a placeholder (default: its file name).
        redact: masks personal data in the name shown on a placeholder.
        images: the report's prepared images, shared by every use of a file;
            without it the file is prepared for this size alone.
    """
    label = name or path.name
    if redact is not None:
        label = redact(label)
    if images is not None:
        prepared = images.get(path)
    else:
        # Twice the displayed size in pixels keeps screenshots legible when printed.
        prepared = prepare_image(path, max_side=int(max(width, height) * 2))
    if isinstance(prepared, ImageProblem):
        return placeholder(prepared.reason, label, width=width, height=min(height, 60))
    scale = min(width / prepared.width, height / prepared.height)
    source: str | BytesIO = str(prepared.path) if prepared.path else BytesIO(prepared.data)
    return Image(source, width=prepared.width * scale, height=prepared.height * scale)


def framed(flowable: Flowable) -> Flowable:
    """A picture with a hairline around it, so a white page shows its edges; a
    placeholder (already boxed) is returned as it is."""
    if not isinstance(flowable, Image):
        return flowable
    table = Table([[flowable]], colWidths=[flowable.drawWidth], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


@dataclass(frozen=True)
class EvidenceImage:
    """An image file attached as evidence, with the name and caption the user gave it."""

    path: Path
    name: str = ""
    caption: str = ""


def thumbnails(
    images: Sequence[Path | EvidenceImage],
    *,
    width: float,
    height: float,
    redact: Redact | None = None,
    prepared: PreparedImages | None = None,
) -> list[Flowable]:
    """Evidence images for a column of the given width, each at most `height` tall.

    Each image is followed by its caption, if it has one.
    """
    column: list[Flowable] = []
    for image in images:
        evidence = image if isinstance(image, EvidenceImage) else EvidenceImage(image)
        name = evidence.name or evidence.path.name
        column.append(
            picture(
                evidence.path,
                width=width,
                height=height,
                name=name,
                redact=redact,
                images=prepared,
            )
        )
        if evidence.caption.strip():
            column.append(para(evidence.caption, "muted", redact=redact))
    return column


def stat_grid(stats: Sequence[tuple[str, str]], *, width: float, columns: int = 4) -> Table:
    """Figures as tiles: a muted label over a bold value, `columns` to a row.

    Labels and values are plain text this code wrote (escaped here, not redacted).
    """
    sheet = styles()
    cells = [
        [Paragraph(markup(label), sheet.label), Paragraph(markup(value), sheet.stat)]
        for label, value in stats
    ]
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)] or [[[]]]
    rows[-1] += [[]] * (columns - len(rows[-1]))
    gap = 6.0
    table = Table(rows, colWidths=[width / columns] * columns)
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), gap),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell:
                commands.append(("LINEBEFORE", (c, r), (c, r), 2, RULE))
    table.setStyle(TableStyle(commands))
    return table
