"""The page frame of every report and the one `build()` that writes it.

Pages carry a running header and a footer with "Page x of y"; headings feed
the PDF outline (the viewer's bookmarks) and, when the report turns out long,
a table of contents that takes the place of the `ContentsSlot` in the story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any, BinaryIO

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
)
from reportlab.platypus.tableofcontents import TableOfContents

from shopper.domain.errors import ShopperError
from shopper.report.styles import MUTED, RULE, SANS, styles
from shopper.report.text import markup, one_line

PAGE_SIZES: dict[str, tuple[float, float]] = {"a4": A4, "letter": LETTER}
DEFAULT_PAGE_SIZE = "a4"
CONTENTS_FROM_PAGES = 8
"""A report this long (without contents) gets a table of contents."""

MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
HEADER_TEXT_LIMIT = 90


class ReportError(ShopperError):
    """A report cannot be made as asked (unknown page size, unwritable file...)."""


def page_size_for(name: str) -> tuple[float, float]:
    """The page size called `name` ("a4" or "letter", any case)."""
    try:
        return PAGE_SIZES[name.strip().lower()]
    except KeyError:
        choices = ", ".join(PAGE_SIZES)
        raise ReportError(f"unknown page size {name!r}; use one of: {choices}") from None


@dataclass(frozen=True)
class PageInfo:
    """What the pages say about the report: PDF metadata and the running header.

    All texts are plain; they are escaped here. They should already be redacted.
    """

    title: str
    header_left: str
    header_right: str
    author: str = ""
    subject: str = ""
    generated: datetime | None = None
    creator: str = "Shopper"
    """The program and version named in the footer and the PDF metadata."""


@dataclass(frozen=True)
class HeadingInfo:
    level: int
    plain: str
    contents: bool


def heading(
    text: str,
    level: int,
    *,
    contents: bool = True,
    space_before: float | None = None,
    keep_with_next: bool = True,
) -> Paragraph:
    """A heading paragraph; at levels 0-1 also an outline entry and a contents line.

    Args:
        text: plain text (escaped here).
        level: 0 for a part of the report, 1 for a section within it, 2 below that.
        contents: whether it is listed in the table of contents.
        space_before: room above it, instead of its style's; like any space
            before, dropped at the top of a page.
        keep_with_next: keep it on the page of what follows. Say False before
            something that splits across pages and is taller than one (reportlab
            would move the pair to a new page), and put a `CondPageBreak` before it.
    """
    sheet = styles()
    style = (sheet.h1, sheet.h2, sheet.h3)[min(level, 2)]
    if space_before is not None or not keep_with_next:
        style = ParagraphStyle(
            f"{style.name}Own",
            parent=style,
            spaceBefore=style.spaceBefore if space_before is None else space_before,
            keepWithNext=keep_with_next,
        )
    para = Paragraph(markup(text), style)
    # An attribute, not a subclass: Paragraph.split() builds parts from self.__class__.
    para.shopper_heading = HeadingInfo(level, one_line(text, 120), contents)
    return para


class ContentsSlot(Flowable):
    """Where the table of contents goes if the report is long; nothing otherwise."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        return None


class _Document(BaseDocTemplate):
    def __init__(self, out: BinaryIO, *, pagesize: tuple[float, float], info: PageInfo) -> None:
        super().__init__(
            out,
            pagesize=pagesize,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=info.title,
            author=info.author,
            subject=info.subject,
            creator=info.creator,
            lang="und",
        )
        self.info = info
        # No frame padding: tables are laid out to the full width between the margins.
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate("cover", frames=[frame], onPage=self._draw_footer),
                PageTemplate("body", frames=[frame], onPage=self._draw_page),
            ]
        )
        self._heading_seq = 0

    def handle_documentBegin(self) -> None:
        self._heading_seq = 0  # keys must repeat exactly on every pass of multiBuild
        super().handle_documentBegin()

    def afterFlowable(self, flowable: Flowable) -> None:
        info = getattr(flowable, "shopper_heading", None)
        if not isinstance(info, HeadingInfo) or info.level > 1:
            return
        self._heading_seq += 1
        key = f"h{self._heading_seq}"
        canvas = self.canv
        canvas.bookmarkPage(key)
        canvas.addOutlineEntry(info.plain, key, level=info.level, closed=True)
        if info.contents:
            self.notify("TOCEntry", (info.level, flowable.text, self.page, key))

    def _draw_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        sheet = styles()
        width, height = self.pagesize
        top = height - MARGIN_TOP + 8 * mm
        half = self.width / 2 - 3 * mm
        left = _one_line_in(self.info.header_left, sheet.header, half)
        right = _one_line_in(self.info.header_right, sheet.header_right, half)
        for para, x in ((left, MARGIN_X), (right, width - MARGIN_X - half)):
            _w, h = para.wrap(half, 30 * mm)
            para.drawOn(canvas, x, top - h + 9)
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_X, top - 4, width - MARGIN_X, top - 4)
        canvas.restoreState()
        self._draw_footer(canvas, doc)

    def _draw_footer(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 7.5)
        canvas.setFillColor(MUTED)
        when = self.info.generated or datetime.now().astimezone()
        canvas.drawString(
            MARGIN_X, MARGIN_BOTTOM - 10 * mm, f"{self.info.creator} · {when:%Y-%m-%d %H:%M}"
        )
        canvas.restoreState()


def _one_line_in(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """Plain text as a paragraph clipped to one line of `width` (a header must not wrap
    over the rule below it)."""
    limit = HEADER_TEXT_LIMIT
    while True:
        para = Paragraph(markup(one_line(text, limit)), style)
        _w, h = para.wrap(width, 30 * mm)
        if h <= style.leading * 1.5 or limit <= 8:
            return para
        limit = limit * 4 // 5


def _numbered_canvas(page_width: float) -> type[Canvas]:
    """A canvas that holds pages back until the end, to print "Page x of y" on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.saveState()
                self.setFont(SANS, 7.5)
                self.setFillColor(MUTED)
                self.drawRightString(
                    page_width - MARGIN_X, MARGIN_BOTTOM - 10 * mm, f"Page {number} of {total}"
                )
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def _contents() -> list[Flowable]:
    toc = TableOfContents(levelStyles=styles().toc_levels, dotsMinLevel=0, rightColumnWidth=40)
    return [heading("Contents", 0, contents=False), toc, PageBreak()]


def build(
    out: BinaryIO,
    story: Callable[[], list[Flowable]],
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    info: PageInfo,
    contents_from_pages: int = CONTENTS_FROM_PAGES,
    likely_long: bool = False,
) -> int:
    """Lay out a report and write the PDF to a binary file object.

    Args:
        out: where the PDF goes (a file opened "wb", a BytesIO...).
        story: makes the report's flowables; called again for each layout
            pass, since reportlab consumes a story as it lays it out. The
            story starts on the cover page template; a `NextPageTemplate("body")`
            switches to pages with the running header.
        page_size: "a4" or "letter".
        info: metadata and header texts.
        contents_from_pages: from this many pages on, a table of contents is
            put where the story has a `ContentsSlot`.
        likely_long: the caller expects the contents: lay out with them straight
            away instead of measuring first (one layout pass fewer; if the report
            turns out short after all, it is laid out again without them).

    Returns:
        The number of pages written.

    Raises:
        ReportError: unknown page size.
    """
    size = page_size_for(page_size)
    canvasmaker = _numbered_canvas(size[0])
    if likely_long:
        with_contents = BytesIO()
        doc = _Document(with_contents, pagesize=size, info=info)
        doc.multiBuild(_with_contents(story()), canvasmaker=canvasmaker)
        # The contents page itself counts; without it the report must still be long.
        if doc.page - 1 >= contents_from_pages:
            out.write(with_contents.getvalue())
            return int(doc.page)
    first = BytesIO()
    doc = _Document(first, pagesize=size, info=info)
    doc.build(_without_contents(story()), canvasmaker=canvasmaker)
    if doc.page < contents_from_pages:
        out.write(first.getvalue())
        return int(doc.page)
    doc = _Document(out, pagesize=size, info=info)
    doc.multiBuild(_with_contents(story()), canvasmaker=canvasmaker)
    return int(doc.page)


def _without_contents(story: list[Flowable]) -> list[Flowable]:
    return [f for f in story if not isinstance(f, ContentsSlot)]


def _with_contents(story: list[Flowable]) -> list[Flowable]:
    result: list[Flowable] = []
    for flowable in story:
        if isinstance(flowable, ContentsSlot):
            result.extend(_contents())
        else:
            result.append(flowable)
    return result


__all__ = [
    "PAGE_SIZES",
    "ContentsSlot",
    "HeadingInfo",
    "NextPageTemplate",
    "PageInfo",
    "ReportError",
    "build",
    "heading",
    "page_size_for",
]
