"""The findings-by-theme report: what fails across audits, grouped by theme.

The same themes part the journey report prints, on a cover of its own: the companies
(one or all), the touchpoint (one or all), the period and how many audits it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Spacer

from shopper.domain.template import touchpoint_label
from shopper.report.base import plural
from shopper.report.document import (
    CONTENTS_FROM_PAGES,
    DEFAULT_PAGE_SIZE,
    ContentsSlot,
    ReportError,
)
from shopper.report.flowables import facts_table
from shopper.report.journey.context import JourneyContext
from shopper.report.journey.facts import JourneyFacts, ThemeFacts
from shopper.report.journey.themes import themes_part
from shopper.report.redact import NO_REDACTION, Redactor


@dataclass(frozen=True)
class FindingsFacts:
    """What the findings report prints.

    Attributes:
        scope: the company's name, or "All companies".
        touchpoint: the touchpoint in the filter; "" for every one.
        audits: completed audits in the filter.
        themes: the findings by theme, most findings first.
        since: the period's start (inclusive), if any.
        until: the period's end (exclusive), if any.
    """

    scope: str
    touchpoint: str
    audits: int
    themes: tuple[ThemeFacts, ...]
    since: datetime | None = None
    until: datetime | None = None


def build_findings_report(
    out: BinaryIO,
    facts: FindingsFacts,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the findings report as a PDF to a binary file object; returns the page count.

    Raises:
        ReportError: no audits in the filter, or an unknown page size.
    """
    if facts.audits <= 0:
        raise ReportError("nothing to report: no completed audits in this filter")
    journey = JourneyFacts(
        company=facts.scope,
        audits=facts.audits,
        touchpoints=(),
        themes=facts.themes,
        since=facts.since,
        until=facts.until,
    )
    report = _FindingsReport(journey, redactor, page_size=page_size, generated=generated)
    report.touchpoint = facts.touchpoint
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


class _FindingsReport(JourneyContext):
    touchpoint = ""

    def story(self) -> list[Flowable]:
        facts, text = self.facts, self.text
        where = touchpoint_label(self.touchpoint) if self.touchpoint else "Every touchpoint"
        story = self.cover_title(
            "FINDINGS BY THEME",
            facts.company,
            text.ours(f"{where} · {self.period_text()}", "subtitle"),
        )
        rows: list[tuple[str, Flowable]] = [
            ("Audits", text.ours(plural(facts.audits, "completed audit", grouped=True), "value")),
            ("Themes", text.ours(plural(len(facts.themes), "theme", grouped=True), "value")),
        ]
        if facts.themes:
            top = facts.themes[0]
            rows.append(
                (
                    "Most findings",
                    text.ours(f"{self.theme_name(top.theme)}: {self.findings_count(top)}", "value"),
                )
            )
        story += [Spacer(1, 4 * mm), facts_table(rows, width=self.width, label_share=0.22)]
        story += [NextPageTemplate("body"), PageBreak(), ContentsSlot()]
        story += themes_part(self)
        return story
