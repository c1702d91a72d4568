"""Charts of things over time: score trends, sparklines, monthly bars, moments on lanes.

Like `charts`, nothing a user typed is drawn inside a Drawing (its strings
take one font and no fallback): the texts here are numbers and dates this
code writes. Lane labels and legends go in Paragraphs beside or below.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib.colors import Color, white

from shopper.domain.compare import trend
from shopper.domain.palette import heat_rgb
from shopper.report.styles import ACCENT, BAD, INK, MUTED, NEUTRAL, RULE, SANS, SHADE

LABEL_SIZE = 6.5
VALUES_UP_TO = 16
"""A trend chart with at most this many points writes each score above its dot."""


def heat_fill(percent: float | None) -> Color | None:
    """The heat scale of `domain.palette` as a reportlab colour."""
    rgb = heat_rgb(percent)
    return None if rgb is None else Color(*(channel / 255 for channel in rgb))


# -- time axis --------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    return moment.replace(year=moment.year + index // 12, month=index % 12 + 1)


def time_ticks(start: datetime, end: datetime, *, most: int = 8) -> list[tuple[datetime, str]]:
    """Tick marks for a time axis from start to end (UTC), at most `most` of them, labelled."""
    start, end = _utc(start), _utc(end)
    days = (end - start).total_seconds() / 86400
    ticks: list[tuple[datetime, str]] = []
    if days <= 60:
        step = next(n for n in (1, 2, 7, 14, 28) if days / n <= most)
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        if day < start:
            day += timedelta(days=1)
        while day <= end:
            ticks.append((day, f"{day:%d %b}"))
            day += timedelta(days=step)
        return ticks
    months = days / 30.4
    step = next((n for n in (1, 2, 3, 6, 12, 24, 60) if months / n <= most), 120)
    moment = _month_start(start)
    if moment < start:
        moment = _add_months(moment, 1)
    while (moment.month - 1) % min(step, 12):  # every quarter starts in Jan, Apr, Jul, Oct
        moment = _add_months(moment, 1)
    while step > 12 and moment.year % (step // 12):
        moment = _add_months(moment, 12)
    while moment <= end:
        label = f"{moment:%Y}" if step >= 12 else f"{moment:%b %Y}"
        ticks.append((moment, label))
        moment = _add_months(moment, step)
    return ticks


@dataclass(frozen=True)
class TimeScale:
    """Maps moments to x positions between `left` and `right`."""

    start: datetime
    end: datetime
    left: float
    right: float

    @classmethod
    def around(cls, moments: Sequence[datetime], left: float, right: float) -> TimeScale:
        """A scale with a little room either side of the moments (a day either side of one)."""
        first, last = min(map(_utc, moments)), max(map(_utc, moments))
        span = last - first
        pad = span * 0.04 if span > timedelta(hours=1) else timedelta(days=1)
        return cls(first - pad, last + pad, left, right)

    def x(self, moment: datetime) -> float:
        total = (self.end - self.start).total_seconds()
        share = (_utc(moment) - self.start).total_seconds() / total
        return self.left + share * (self.right - self.left)


def _draw_time_axis(drawing: Drawing, scale: TimeScale, *, y: float, tick: float = 3) -> None:
    drawing.add(Line(scale.left, y, scale.right, y, strokeColor=MUTED, strokeWidth=0.6))
    room = (scale.right - scale.left) / 48  # a label needs about 48 points
    for moment, label in time_ticks(scale.start, scale.end, most=max(2, int(room))):
        x = scale.x(moment)
        drawing.add(Line(x, y - tick, x, y, strokeColor=MUTED, strokeWidth=0.5))
        drawing.add(
            String(
                x,
                y - tick - 7.5,
                label,
                fontName=SANS,
                fontSize=LABEL_SIZE,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )


# -- score trend ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One audit's score on the trend chart, in its band's colour."""

    at: datetime
    percent: float
    color: Color


def trend_chart(
    points: Sequence[TrendPoint],
    *,
    width: float,
    height: float,
    marks: Sequence[float] = (),
    fit: bool = True,
) -> Drawing:
    """Scores (0-100 %) over time: dots in band colours joined by a line, the band limits
    as dashed lines and, with `fit`, the least-squares line dotted through them."""
    drawing = Drawing(width, height)
    left, right, bottom, top = 30.0, width - 8.0, 20.0, height - 8.0

    def y_of(percent: float) -> float:
        return bottom + (top - bottom) * max(0.0, min(100.0, percent)) / 100

    drawing.add(Rect(left, bottom, right - left, top - bottom, fillColor=SHADE, strokeColor=None))
    for level in range(0, 101, 20):
        y = y_of(level)
        drawing.add(Line(left, y, right, y, strokeColor=white, strokeWidth=0.8))
        drawing.add(
            String(
                left - 4,
                y - 2.3,
                f"{level}%",
                fontName=SANS,
                fontSize=LABEL_SIZE,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
    for mark in marks:
        if 0 < mark < 100:
            drawing.add(
                Line(
                    left,
                    y_of(mark),
                    right,
                    y_of(mark),
                    strokeColor=INK,
                    strokeWidth=0.6,
                    strokeDashArray=[3, 2],
                )
            )
    ordered = sorted(points, key=lambda p: _utc(p.at))
    if not ordered:
        return drawing
    scale = TimeScale.around([p.at for p in ordered], left + 6, right - 6)
    _draw_time_axis(drawing, scale, y=bottom)
    coords = [(scale.x(p.at), y_of(p.percent)) for p in ordered]
    line = trend([(p.at, p.percent) for p in ordered]).line() if fit else None
    if line is not None:
        (start, start_y), (end, end_y) = line
        drawing.add(
            Line(
                scale.x(start),
                y_of(start_y),
                scale.x(end),
                y_of(end_y),
                strokeColor=MUTED,
                strokeWidth=1,
                strokeDashArray=[1, 2],
            )
        )
    if len(coords) > 1:
        drawing.add(
            PolyLine(
                [v for xy in coords for v in xy],
                strokeColor=ACCENT,
                strokeWidth=1.1,
                fillColor=None,
            )
        )
    radius = 3.0 if len(coords) <= 30 else 2.2
    for point, (x, y) in zip(ordered, coords, strict=True):
        drawing.add(Circle(x, y, radius, fillColor=point.color, strokeColor=white, strokeWidth=0.7))
    if len(ordered) <= VALUES_UP_TO:
        for point, (x, y) in zip(ordered, coords, strict=True):
            above = y + radius + 2.5 if y < top - 12 else y - radius - 8
            drawing.add(
                String(
                    x,
                    above,
                    f"{point.percent:.0f}",
                    fontName=SANS,
                    fontSize=LABEL_SIZE,
                    fillColor=INK,
                    textAnchor="middle",
                )
            )
    return drawing


def sparkline(
    values: Sequence[float],
    *,
    width: float,
    height: float,
    color: Color = ACCENT,
    last_color: Color | None = None,
    marks: Sequence[float] = (),
) -> Drawing:
    """Scores (0-100 %) oldest to newest as a small line; the newest one a dot."""
    drawing = Drawing(width, height)
    pad = 2.5
    drawing.add(Rect(0, 0, width, height, fillColor=SHADE, strokeColor=None))

    def y_of(percent: float) -> float:
        return pad + (height - 2 * pad) * max(0.0, min(100.0, percent)) / 100

    for mark in marks:
        if 0 < mark < 100:
            drawing.add(Line(0, y_of(mark), width, y_of(mark), strokeColor=RULE, strokeWidth=0.5))
    if not values:
        return drawing
    step = (width - 2 * pad) / max(1, len(values) - 1)
    coords = [(pad + n * step, y_of(v)) for n, v in enumerate(values)]
    if len(values) == 1:
        coords = [(width / 2, y_of(values[0]))]
    else:
        drawing.add(
            PolyLine(
                [v for xy in coords for v in xy], strokeColor=color, strokeWidth=0.9, fillColor=None
            )
        )
    x, y = coords[-1]
    drawing.add(Circle(x, y, 2.2, fillColor=last_color or color, strokeColor=None))
    return drawing


# -- monthly bars -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthBar:
    """One month: how many items failed out of how many were scored."""

    month: date
    failed: int
    scored: int

    @property
    def rate(self) -> float | None:
        return 100.0 * self.failed / self.scored if self.scored else None


def month_bars(
    months: Sequence[MonthBar], *, width: float, height: float, labels: bool = True
) -> Drawing:
    """Failure rate per month as bars (taller is worse); a month without audits is a dot.

    The scale runs from 0 to the worst month, rounded up to a multiple of 10 %, which
    is written at the top left; with `labels`, months are named below the bars.
    """
    drawing = Drawing(width, height)
    bottom = 10.0 if labels else 1.0
    top = height - (8.0 if labels else 1.0)
    rates = [m.rate for m in months if m.rate is not None]
    ceiling = max(10.0, math.ceil(max(rates, default=0.0) / 10) * 10)
    drawing.add(Line(0, bottom, width, bottom, strokeColor=RULE, strokeWidth=0.6))
    if labels:
        drawing.add(
            String(
                0,
                height - 6,
                f"{ceiling:.0f}% failed",
                fontName=SANS,
                fontSize=LABEL_SIZE,
                fillColor=MUTED,
            )
        )
    if not months:
        return drawing
    slot = width / len(months)
    bar = max(1.0, min(slot * 0.7, 18.0))
    every = max(1, math.ceil(len(months) * 30 / width)) if labels else 0
    for n, month in enumerate(months):
        centre = slot * (n + 0.5)
        if month.rate is None:
            drawing.add(Circle(centre, bottom + 1.5, 0.9, fillColor=NEUTRAL, strokeColor=None))
        else:
            h = (top - bottom) * month.rate / ceiling
            drawing.add(
                Rect(centre - bar / 2, bottom, bar, max(h, 0.6), fillColor=BAD, strokeColor=None)
            )
        if every and n % every == 0:
            text = f"{month.month:%b}" if month.month.month != 1 else f"{month.month:%Y}"
            drawing.add(
                String(
                    centre,
                    1,
                    text,
                    fontName=SANS,
                    fontSize=LABEL_SIZE - 0.5,
                    fillColor=MUTED,
                    textAnchor="middle",
                )
            )
    return drawing


# -- moments on lanes -------------------------------------------------------------------


@dataclass(frozen=True)
class LaneDot:
    at: datetime
    row: int
    """0 for the top row of the lane, 1 the middle, 2 the bottom."""
    color: Color


LANE_ROWS = 3


def lane(dots: Sequence[LaneDot], scale: TimeScale, *, width: float, height: float = 16) -> Drawing:
    """One lane of a timeline: a faint line and a dot per event, rows by kind."""
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=SHADE, strokeColor=None))
    gap = height / (LANE_ROWS + 1)
    for dot in dots:
        y = height - gap * (dot.row + 1)
        drawing.add(
            Circle(
                scale.x(dot.at),
                y,
                2.1,
                fillColor=dot.color,
                fillOpacity=0.7,
                strokeColor=None,
            )
        )
    return drawing


def time_axis(scale: TimeScale, *, width: float, height: float = 16) -> Drawing:
    """The dates under a stack of lanes that share `scale`."""
    drawing = Drawing(width, height)
    _draw_time_axis(drawing, scale, y=height - 1)
    return drawing


__all__ = [
    "LaneDot",
    "MonthBar",
    "TimeScale",
    "TrendPoint",
    "heat_fill",
    "lane",
    "month_bars",
    "sparkline",
    "time_axis",
    "time_ticks",
    "trend_chart",
]
