"""What the parts of a journey report share: the facts, the page, the period."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from reportlab.lib.colors import Color

from shopper.domain.themes import theme_title
from shopper.report.base import Report, plural
from shopper.report.charts import band_color, band_marks
from shopper.report.document import PageInfo
from shopper.report.formats import local_day
from shopper.report.journey.facts import JourneyFacts, ThemeFacts

NOTE_LIMIT = 500
PROMPT_LIMIT = 240
MIN_ROW_SPLIT = 30


class JourneyContext(Report[JourneyFacts]):
    """What the parts of a journey report share while it is laid out."""

    @cached_property
    def marks(self) -> list[float]:
        """The band limits drawn on bars and sparklines."""
        return band_marks(self.facts.bands)

    def period_text(self) -> str:
        """The period the report covers: "2026-01-01 – 2026-06-30", "since 2026-01-01"."""
        since, until = self.facts.since, self.facts.until
        if since and until:
            last = until - timedelta(seconds=1)
            return f"{since:%Y-%m-%d} – {last:%Y-%m-%d}"
        if since:
            return f"since {since:%Y-%m-%d}"
        if until:
            return f"until {until - timedelta(seconds=1):%Y-%m-%d}"
        return "all completed audits"

    def audit_span(self) -> str:
        """The first and last day an audit started in the period."""
        points = [
            (moment, tp) for tp in self.facts.touchpoints for moment, _ in tp.trend.points
        ] + [(tp.latest_at, tp) for tp in self.facts.touchpoints if tp.latest_at is not None]
        if not points:
            return "—"
        first = min(points, key=lambda p: p[0])
        last = max(points, key=lambda p: p[0])
        since = local_day(first[0], first[1].latest_tz)
        return f"{since} – {local_day(last[0], last[1].latest_tz)}"

    def score_color(self, percent: float | None, passed: bool | None = None) -> Color:
        return band_color(percent, self.facts.bands, failed=passed is False)

    def theme_name(self, theme: str) -> str:
        """A theme's title as printed: redacted, since a custom theme tag is typed text."""
        return self.redact(theme_title(theme))

    def findings_count(self, theme: ThemeFacts) -> str:
        """ "12 findings (9 failed items, 3 bad moments or friction points)"."""
        parts = [plural(theme.failed, "failed item", grouped=True)]
        if theme.moments:
            parts.append(
                plural(
                    theme.moments,
                    "bad moment or friction point",
                    "bad moments or friction points",
                    grouped=True,
                )
            )
        return f"{plural(theme.total, 'finding', grouped=True)} ({', '.join(parts)})"

    def page_info(self) -> PageInfo:
        facts = self.facts
        return PageInfo(
            title=self.redact(f"Company journey: {facts.company}"),
            header_left=self.redact(f"Company journey · {facts.company}"),
            header_right=self.period_text(),
            subject=f"{plural(facts.audits, 'audit')} across "
            f"{plural(len(facts.touchpoints), 'touchpoint')}",
        )
