"""What the audit, comparison and journey reports share.

- `Report`: one report being laid out: the page it is laid out for, the
  redactor, the style sheet, its cover and the one way it is written (`write`);
- `Writer`: paragraphs of text someone typed (redacted, clipped, escaped) and of
  text this code wrote (escaped only): the one place a report redacts a paragraph;
- `plural`, `colored`: words and colours in Paragraph markup;
- `table_style`, `HEAD_ROW`: the padding and header row most report tables have.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, BinaryIO, Generic, TypeVar

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from shopper.domain.wording import plural_of
from shopper.report.charts import percent_text
from shopper.report.document import (
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PageInfo,
    build,
    page_size_for,
)
from shopper.report.flowables import Redact, boxed, facts_table
from shopper.report.styles import ACCENT, RULE, Styles, styles
from shopper.report.text import clip, markup, one_line

Command = tuple[Any, ...]
"""One command of a reportlab `TableStyle`."""

BADGE_WIDTH = 58 * mm
BADGE_GAP = 8 * mm

HEAD_ROW: tuple[Command, ...] = (
    ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
)
"""A header row on the accent colour, and a hairline under every row below it."""

FactsT = TypeVar("FactsT")


# -- paragraphs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Writer:
    """Paragraphs for one report: text someone typed is redacted, clipped and escaped;
    text this code wrote (numbers, dates, labels) is escaped only."""

    redact: Redact

    def user(
        self, text: str, style: str = "body", *, limit: int | None = None, flat: bool = False
    ) -> Paragraph:
        """A paragraph of user text; clipped after redaction, so a mask is never cut.

        Args:
            text: the text as typed.
            style: the name of a paragraph style.
            limit: clip to this many characters.
            flat: put it on one line (line breaks become spaces).
        """
        return Paragraph(self.user_markup(text, limit=limit, flat=flat), getattr(styles(), style))

    def user_markup(self, text: str, *, limit: int | None = None, flat: bool = False) -> str:
        """User text as Paragraph markup, for combining with markup of our own."""
        shown = self.redact(text)
        if flat:
            shown = one_line(shown, limit or len(shown) + 1)
        elif limit is not None:
            shown = clip(shown, limit)[0]
        return markup(shown)

    def ours(self, text: str, style: str = "body") -> Paragraph:
        """A paragraph of text this code wrote: escaped only."""
        return Paragraph(markup(text), getattr(styles(), style))


def plural(count: int, noun: str, many: str | None = None, *, grouped: bool = False) -> str:
    """A count and its noun: "1 audit", "3 audits", "2 bad moments or friction points".

    Args:
        count: how many.
        noun: the noun for one.
        many: the noun for several, when `domain.wording.plural_of` does not know it.
        grouped: write thousands with commas ("1,250 audits").
    """
    number = f"{count:,}" if grouped else f"{count}"
    return f"{number} {noun if count == 1 else many or plural_of(noun)}"


def colored(text_markup: str, color: Color) -> str:
    """Paragraph markup drawn in `color`."""
    return f'<font color="#{color.hexval()[2:]}">{text_markup}</font>'


# -- tables ----------------------------------------------------------------------------


def table_style(
    extra: Sequence[Command] = (), *, padding: float = 3, head: bool = False
) -> TableStyle:
    """Cells aligned to the top, 4 points in from the sides, `padding` above and below.

    Args:
        extra: more commands; they come last, so they win over the padding.
        padding: the room above and below each cell's content, in points.
        head: the first row is a header (`HEAD_ROW`).
    """
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), padding),
            ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
            *(HEAD_ROW if head else ()),
            *extra,
        ]
    )


# -- the report ------------------------------------------------------------------------


class Report(ABC, Generic[FactsT]):
    """One report being laid out; a subclass says what it prints (`story`, `page_info`).

    Attributes:
        facts: what the report prints.
        redact: masks personal data in every text someone typed.
        text: the report's paragraphs (see `Writer`).
        sheet: the style sheet.
        width: the width between the margins, in points.
        height: the height between the margins, in points.
        generated: the time printed as "generated".
    """

    def __init__(
        self,
        facts: FactsT,
        redactor: Redact,
        *,
        page_size: str,
        generated: datetime | None = None,
    ) -> None:
        """Set up a report of `facts` for a page size.

        Raises:
            ReportError: unknown page size.
        """
        size = page_size_for(page_size)
        self.facts = facts
        self.page_size = page_size
        self.redact = redactor
        self.text = Writer(redactor)
        self.sheet: Styles = styles()
        self.width = size[0] - 2 * MARGIN_X
        self.height = size[1] - MARGIN_TOP - MARGIN_BOTTOM
        self.generated = generated or datetime.now().astimezone()

    @abstractmethod
    def page_info(self) -> PageInfo:
        """The PDF metadata and running header (the time and creator are filled in)."""

    @abstractmethod
    def story(self) -> list[Flowable]:
        """The report's flowables; called again for each layout pass."""

    def likely_long(self) -> bool:
        """Whether the report will surely need its table of contents (see `build`)."""
        return False

    def close(self) -> None:
        """Let go of what the layout needed (prepared images...) once the PDF is written."""
        return None

    def write(self, out: BinaryIO, *, creator: str, contents_from_pages: int) -> int:
        """Lay the report out and write the PDF to `out`.

        Args:
            out: where the PDF goes.
            creator: the program and version, for the footer and the PDF metadata.
            contents_from_pages: reports this long get a table of contents.

        Returns:
            The number of pages.
        """
        info = replace(self.page_info(), generated=self.generated, creator=creator)
        try:
            return build(
                out,
                self.story,
                page_size=self.page_size,
                info=info,
                contents_from_pages=contents_from_pages,
                likely_long=self.likely_long(),
            )
        finally:
            self.close()

    # -- cover -------------------------------------------------------------------------

    def cover_title(self, label: str, company: str, subtitle: Paragraph) -> list[Flowable]:
        """The top of a cover: what the report is, the company (as typed) and a subtitle."""
        return [
            Spacer(1, 18 * mm),
            self.text.ours(label, "label"),
            Spacer(1, 2 * mm),
            self.text.user(company or "Unnamed company", "title"),
            subtitle,
        ]

    def cover_figures(
        self,
        percent: float | None,
        verdict: str,
        *,
        fill: Color,
        rows: Sequence[tuple[str, Flowable]],
    ) -> list[Flowable]:
        """A score badge beside the key facts.

        Args:
            percent: the score on the badge.
            verdict: the line under it, plain text already redacted.
            fill: the badge's colour.
            rows: label / value rows beside it.
        """
        badge = boxed(
            [
                Paragraph(markup(percent_text(percent)), self.sheet.score),
                Spacer(1, 2 * mm),
                Paragraph(markup(verdict), self.sheet.verdict),
            ],
            width=BADGE_WIDTH,
            fill=fill,
            padding=14,
        )
        details_w = self.width - BADGE_WIDTH - BADGE_GAP
        layout = Table(
            [[badge, facts_table(rows, width=details_w, label_share=0.3)]],
            colWidths=[BADGE_WIDTH + BADGE_GAP, details_w],
        )
        layout.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return [Spacer(1, 6 * mm), layout, Spacer(1, 8 * mm)]


__all__ = ["HEAD_ROW", "Command", "Report", "Writer", "colored", "plural", "table_style"]
