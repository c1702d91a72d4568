"""The journey report: one company across its touchpoints.

Pages: a cover with the period, the strongest and weakest touchpoints and the
latest score of each as bars; the touchpoints side by side (latest, average,
trend, every score as a sparkline); the theme × touchpoint heat map; the
findings grouped by theme (counts, the items that fail most, the failure rate
month by month, the latest findings); and the good and bad moments across
touchpoints, drawn on a timeline and listed.

The figures are those of the app's Journey and Findings windows
(docs/scoring.md, "The company journey" and "Findings by theme"); the services
fill `JourneyFacts` from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from reportlab.platypus import Flowable, NextPageTemplate, PageBreak

from shopper.report.document import (
    CONTENTS_FROM_PAGES,
    DEFAULT_PAGE_SIZE,
    ContentsSlot,
    ReportError,
)
from shopper.report.journey.context import JourneyContext
from shopper.report.journey.cover import cover
from shopper.report.journey.facts import (
    EventFacts,
    FindingFacts,
    JourneyFacts,
    ThemeFacts,
    ThemeItemFacts,
    TouchpointFacts,
)
from shopper.report.journey.heatmap import heat_part
from shopper.report.journey.moments import TIMELINE_LIMIT, moments_part
from shopper.report.journey.themes import rate_trend_text, themes_part
from shopper.report.journey.touchpoints import touchpoints_part
from shopper.report.redact import NO_REDACTION, Redactor
from shopper.report.timecharts import MonthBar


def build_journey_report(
    out: BinaryIO,
    facts: JourneyFacts,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the journey report as a PDF to a binary file object.

    Args:
        out: where the PDF goes.
        facts: the company's journey.
        page_size: "a4" or "letter".
        redactor: masks e-mail addresses, phone numbers and names in every user text.
        generated: the time printed as "generated" (default: now).
        creator: the program and version, for the footer and the PDF metadata.
        contents_from_pages: reports this long get a table of contents.

    Returns:
        The number of pages.

    Raises:
        ReportError: no audits in the period, or an unknown page size.
    """
    if facts.audits <= 0 or not facts.touchpoints:
        raise ReportError(
            f"nothing to report: {facts.company!r} has no completed audits in this period"
        )
    report = _JourneyReport(facts, redactor, page_size=page_size, generated=generated)
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


class _JourneyReport(JourneyContext):
    """Makes the story of a journey report; `story()` may be called once per layout pass."""

    def story(self) -> list[Flowable]:
        story: list[Flowable] = []
        story += cover(self)
        story += [NextPageTemplate("body"), PageBreak(), ContentsSlot()]
        story += touchpoints_part(self)
        story += heat_part(self)
        story += [PageBreak()]
        story += themes_part(self)
        story += [PageBreak()]
        story += moments_part(self)
        return story


__all__ = [
    "TIMELINE_LIMIT",
    "EventFacts",
    "FindingFacts",
    "JourneyFacts",
    "MonthBar",
    "ThemeFacts",
    "ThemeItemFacts",
    "TouchpointFacts",
    "build_journey_report",
    "rate_trend_text",
]
