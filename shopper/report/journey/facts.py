"""What the journey report prints, as plain data (the services fill it in)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shopper.domain.compare import Trend
from shopper.domain.template import DEFAULT_BANDS, Band
from shopper.domain.themes import Tally
from shopper.report.timecharts import MonthBar


@dataclass(frozen=True)
class TouchpointFacts:
    """One touchpoint's scores: `trend.points` holds every score, oldest first."""

    touchpoint: str
    audits: int
    average: float | None
    trend: Trend
    latest_percent: float | None = None
    latest_verdict: str = ""
    latest_passed: bool | None = None
    latest_at: datetime | None = None
    latest_tz: str = "UTC"


@dataclass(frozen=True)
class ThemeItemFacts:
    """An item that failed, and how often, in one theme."""

    prompt: str
    touchpoint: str
    failed: int
    scored: int


@dataclass(frozen=True)
class FindingFacts:
    """A failed item ("failed_item"), a bad moment ("bad") or a friction point ("friction")."""

    kind: str
    touchpoint: str
    at: datetime
    tz: str
    prompt: str = ""
    answer: str = ""
    note: str = ""
    critical: bool = False


@dataclass(frozen=True)
class ThemeFacts:
    """The findings of one theme: counts, failure rate by month, worst items, the newest."""

    theme: str
    failed: int
    moments: int
    scored: int
    audits: int
    months: tuple[MonthBar, ...] = ()
    trend: Trend = field(default_factory=lambda: Trend((), None))
    """Of the monthly failure rate: rising means worse."""
    items: tuple[ThemeItemFacts, ...] = ()
    """Most failures first."""
    findings: tuple[FindingFacts, ...] = ()
    """Newest first."""

    @property
    def total(self) -> int:
        return self.failed + self.moments

    @property
    def rate(self) -> float | None:
        return 100.0 * self.failed / self.scored if self.scored else None


@dataclass(frozen=True)
class EventFacts:
    """A good or bad moment on the timeline: "good", "bad" or "friction"."""

    at: datetime
    tz: str
    touchpoint: str
    kind: str
    title: str = ""
    text: str = ""
    source: str = "moment"
    """"moment" (the moments log), "critical" or "note" (see services.journey)."""


@dataclass(frozen=True)
class JourneyFacts:
    """What the journey report prints.

    Attributes:
        company: the company's name.
        audits: completed audits in the period.
        touchpoints: one per touchpoint audited, in the order to show them.
        heat_themes: the heat map's rows, in the order to show them.
        heat: (theme, touchpoint) -> the points of that theme's items there.
        themes: the findings by theme, most findings first.
        timeline: the good and bad moments, oldest first.
        since: the period's start (inclusive), if any.
        until: the period's end (exclusive), if any.
        bands: the score bands (for colours and the marks on bars).
    """

    company: str
    audits: int
    touchpoints: tuple[TouchpointFacts, ...]
    heat_themes: tuple[str, ...] = ()
    heat: Mapping[tuple[str, str], Tally] = field(default_factory=dict)
    themes: tuple[ThemeFacts, ...] = ()
    timeline: tuple[EventFacts, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    bands: tuple[Band, ...] = DEFAULT_BANDS
