"""The good and bad moments across touchpoints, on a timeline and listed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from shopper.domain.template import touchpoint_label
from shopper.domain.timeline import timeline_counts
from shopper.domain.vocabulary import MomentKind
from shopper.report.base import colored, table_style
from shopper.report.document import heading
from shopper.report.formats import local_time
from shopper.report.journey.context import MIN_ROW_SPLIT, NOTE_LIMIT, PROMPT_LIMIT, JourneyContext
from shopper.report.journey.facts import EventFacts
from shopper.report.styles import MOMENT_COLORS, NEUTRAL, SHADE
from shopper.report.text import markup
from shopper.report.timecharts import LaneDot, TimeScale, lane, time_axis

TIMELINE_LIMIT = 150
"""The moments table lists the newest this many; the chart above it shows them all."""
KIND_ROWS = {"good": 0, "friction": 1, "bad": 2}
SOURCE_LABELS = {
    "moment": "logged moment",
    "critical": "critical item failed",
    "note": "note on an item",
}


def moments_part(ctx: JourneyContext) -> list[Flowable]:
    """The moments on one lane a touchpoint, then the newest listed."""
    text, facts = ctx.text, ctx.facts
    events = sorted(facts.timeline, key=lambda e: e.at)
    counts = timeline_counts(events)
    story: list[Flowable] = [
        heading("Moments across touchpoints", 0),
        text.ours(
            "The good and bad moments of the audits, in time: what the shoppers logged "
            "(good, bad, friction), every critical item that failed, and the shoppers' "
            f"notes on items that passed or failed. {counts.describe()}.",
            "muted",
        ),
    ]
    if not events:
        return [*story, text.ours("No moments in these audits.", "body")]
    legend = "   ".join(
        f"{colored('●', MOMENT_COLORS[k])} {markup(MomentKind.label_of(k))}"
        for k in ("good", "friction", "bad")
    )
    story += [
        Spacer(1, 2 * mm),
        _lanes(ctx, events),
        Paragraph(f"{legend}   {markup('(top to bottom in each lane)')}", ctx.sheet.muted),
        Spacer(1, 4 * mm),
    ]
    shown = list(reversed(events))[:TIMELINE_LIMIT]
    if len(events) > len(shown):
        story.append(
            text.ours(
                f"The newest {len(shown):,} of {len(events):,} moments, newest first "
                "(the chart shows them all):",
                "small",
            )
        )
    else:
        story.append(text.ours("Every moment, newest first:", "small"))
    story.append(_events_table(ctx, shown))
    return story


def _lanes(ctx: JourneyContext, events: Sequence[EventFacts]) -> Table:
    """One lane per touchpoint: good moments on top, friction in the middle, bad below."""
    sheet = ctx.sheet
    label_w = 30 * mm
    lane_w = ctx.width - label_w
    lanes = [tp.touchpoint for tp in ctx.facts.touchpoints]
    lanes += sorted({e.touchpoint for e in events} - set(lanes))
    scale = TimeScale.around([e.at for e in events], 4, lane_w - 4)
    rows: list[list[Any]] = []
    for touchpoint in lanes:
        dots = [
            LaneDot(e.at, KIND_ROWS.get(e.kind, 1), MOMENT_COLORS.get(e.kind, NEUTRAL))
            for e in events
            if e.touchpoint == touchpoint
        ]
        rows.append(
            [
                Paragraph(markup(touchpoint_label(touchpoint)), sheet.grid),
                lane(dots, scale, width=lane_w, height=18),
            ]
        )
    rows.append(["", time_axis(scale, width=lane_w)])
    table = Table(rows, colWidths=[label_w, lane_w])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _events_table(ctx: JourneyContext, events: Sequence[EventFacts]) -> Table:
    text, sheet = ctx.text, ctx.sheet
    head = ["When", "Touchpoint", "Kind", "What happened"]
    data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in head]]
    for event in events:
        color = MOMENT_COLORS.get(event.kind, NEUTRAL)
        kind = [
            Paragraph(
                colored(f"<b>{markup(MomentKind.label_of(event.kind))}</b>", color),
                sheet.grid,
            ),
            text.ours(SOURCE_LABELS.get(event.source, event.source), "grid_muted"),
        ]
        what: list[Flowable] = []
        if event.title.strip():
            what.append(text.user(event.title, "grid_bold", limit=PROMPT_LIMIT, flat=True))
        if event.text.strip():
            what.append(text.user(event.text, "grid", limit=NOTE_LIMIT))
        data.append(
            [
                text.ours(local_time(event.at, event.tz, with_zone=False), "grid"),
                text.ours(touchpoint_label(event.touchpoint), "grid"),
                kind,
                what or [text.ours("—", "grid_muted")],
            ]
        )
    w = ctx.width
    widths = [25 * mm, 24 * mm, 27 * mm]
    widths.append(w - sum(widths))
    critical = [
        ("BACKGROUND", (0, r), (-1, r), SHADE)
        for r, event in enumerate(events, start=1)
        if event.source == "critical"
    ]
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
    table.setStyle(table_style(critical, head=True))
    return table
