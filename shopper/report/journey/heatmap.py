"""The theme × touchpoint heat map."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table, TableStyle

from shopper.domain.template import touchpoint_label
from shopper.domain.themes import Tally, theme_title
from shopper.report.charts import percent_text
from shopper.report.document import heading
from shopper.report.journey.context import JourneyContext
from shopper.report.styles import ACCENT, MUTED, RULE
from shopper.report.text import markup
from shopper.report.timecharts import heat_fill


def heat_part(ctx: JourneyContext) -> list[Flowable]:
    """The share of points each theme earned at each touchpoint, as a heat map."""
    text, sheet, facts = ctx.text, ctx.sheet, ctx.facts
    story: list[Flowable] = [
        CondPageBreak(80 * mm),
        heading("Themes by touchpoint", 0, space_before=10 * mm),
        text.ours(
            "The share of the points each theme's items earned, over every audit of the "
            "touchpoint in the period (scored items only). Red at 0%, amber at 60%, green "
            "from 80%. Below each share: how many of the theme's scored items failed, of "
            "how many.",
            "muted",
        ),
    ]
    touchpoints = [tp.touchpoint for tp in facts.touchpoints]
    if not facts.heat_themes or not facts.heat:
        return [*story, text.ours("No scored items in these audits.", "body")]
    theme_w = 34 * mm
    other = (ctx.width - theme_w) / (len(touchpoints) + 1)
    labels = [touchpoint_label(t) for t in touchpoints] + ["All"]
    # A touchpoint's name breaks between words, never inside one: narrow columns
    # get a smaller header instead.
    head_style = fitted(sheet.grid_head, labels, other - 6)
    head: list[Any] = [Paragraph(markup("Theme"), sheet.grid_head)]
    head += [Paragraph(markup(label), head_style) for label in labels]
    data: list[list[Any]] = [head]
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("GRID", (1, 1), (-1, -1), 1.2, Color(1, 1, 1)),
        ("LINEBEFORE", (-1, 0), (-1, -1), 1.5, MUTED),
        ("LINEBELOW", (0, 1), (0, -1), 0.25, RULE),
    ]
    for r, theme in enumerate(facts.heat_themes, start=1):
        row: list[Any] = [text.user(theme_title(theme), "grid_bold", limit=80, flat=True)]
        total = Tally()
        cells = [facts.heat.get((theme, t)) for t in touchpoints]
        for cell in cells:
            if cell is not None:
                total.add(cell)
        for c, tally in enumerate([*cells, total if total.scored else None], start=1):
            row.append(_heat_cell(ctx, tally))
            fill = heat_fill(tally.percent) if tally is not None else None
            if fill is not None:
                commands.append(("BACKGROUND", (c, r), (c, r), fill))
        data.append(row)
    table = Table(data, colWidths=[theme_w] + [other] * (len(touchpoints) + 1), repeatRows=1)
    table.setStyle(TableStyle(commands))
    story += [table, Spacer(1, 2 * mm), _heat_legend(ctx)]
    return story


def _heat_cell(ctx: JourneyContext, tally: Tally | None) -> list[Flowable]:
    if tally is None or tally.percent is None:
        return [ctx.text.ours("—", "grid_center")]
    return [
        ctx.text.ours(percent_text(tally.percent), "grid_center_bold"),
        ctx.text.ours(f"{tally.failed:,} of {tally.scored:,}", "grid_center"),
    ]


def _heat_legend(ctx: JourneyContext) -> Table:
    steps = [0, 20, 40, 60, 70, 80, 100]
    cells = [ctx.text.ours(f"{p}%", "grid_center") for p in steps]
    cells.append(ctx.text.ours("— not measured", "grid_muted"))
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for c, percent in enumerate(steps):
        fill = heat_fill(percent)
        assert fill is not None
        commands.append(("BACKGROUND", (c, 0), (c, 0), fill))
    widths = [12 * mm] * len(steps) + [30 * mm]
    table = Table([cells], colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def fitted(style: ParagraphStyle, texts: Sequence[str], width: float) -> ParagraphStyle:
    """`style`, or a smaller size of it, so that no word of the texts is wider than `width`."""
    widest = max(
        (stringWidth(word, style.fontName, style.fontSize) for t in texts for word in t.split()),
        default=0.0,
    )
    if widest <= width:
        return style
    size = max(5.0, style.fontSize * width / widest)
    return ParagraphStyle(
        f"{style.name}Fitted",
        parent=style,
        fontSize=size,
        leading=size * style.leading / style.fontSize,
    )
