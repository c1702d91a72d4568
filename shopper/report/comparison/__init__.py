"""The comparison report: repeated audits side by side, item by item.

Pages: a cover with the latest score and the figures; a summary with the
scores over time (band limits drawn in), the consistency figures explained in
one line each and the items that vary most; the audits compared; what was
fixed and what regressed (the latest audit against the one before, the first
against the last, and every pair of consecutive audits); the item-by-audit
table; and the shoppers' notes, item by item. The item table keeps its text
readable however many audits there are: the audits are split into groups of
columns, each group on pages of its own with the item column repeated, rather
than squeezed into one unreadable row.

The rules behind every figure are `shopper.domain.compare`'s (docs/scoring.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from reportlab.platypus import Flowable, NextPageTemplate, PageBreak

from shopper.report.comparison.audits import audits_part
from shopper.report.comparison.changes import changes_part
from shopper.report.comparison.context import ComparisonContext
from shopper.report.comparison.cover import cover
from shopper.report.comparison.facts import ComparisonFacts
from shopper.report.comparison.notes import notes_part
from shopper.report.comparison.summary import summary_part
from shopper.report.comparison.table import column_groups, items_part
from shopper.report.document import (
    CONTENTS_FROM_PAGES,
    DEFAULT_PAGE_SIZE,
    ContentsSlot,
    ReportError,
)
from shopper.report.redact import NO_REDACTION, Redactor

MIN_AUDITS = 2


def build_comparison_report(
    out: BinaryIO,
    facts: ComparisonFacts,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the comparison report as a PDF to a binary file object.

    Args:
        out: where the PDF goes.
        facts: the audits compared.
        page_size: "a4" or "letter".
        redactor: masks e-mail addresses, phone numbers and names in every user text.
        generated: the time printed as "generated" (default: now).
        creator: the program and version, for the footer and the PDF metadata.
        contents_from_pages: reports this long get a table of contents.

    Returns:
        The number of pages.

    Raises:
        ReportError: fewer than two audits, or an unknown page size.
    """
    count = len(facts.comparison.audits)
    if count < MIN_AUDITS:
        raise ReportError(
            f"nothing to compare: a comparison needs at least {MIN_AUDITS} audits, "
            f"{'got one' if count == 1 else 'got none'}"
        )
    report = _ComparisonReport(facts, redactor, page_size=page_size, generated=generated)
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


class _ComparisonReport(ComparisonContext):
    """Makes the story of a comparison report; `story()` may be called once per layout pass."""

    def story(self) -> list[Flowable]:
        story: list[Flowable] = []
        story += cover(self)
        story += [NextPageTemplate("body"), PageBreak()]
        story += summary_part(self)
        story += [PageBreak(), ContentsSlot()]
        story += audits_part(self)
        story += changes_part(self)
        story += [PageBreak()]
        story += items_part(self)
        story += notes_part(self)
        return story


__all__ = [
    "MIN_AUDITS",
    "ComparisonFacts",
    "build_comparison_report",
    "column_groups",
]
