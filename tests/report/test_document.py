"""The page frame: page sizes, "page x of y", headers, outline and the table of contents."""

from __future__ import annotations

from io import BytesIO

import pytest
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak

from shopper.report.document import (
    ContentsSlot,
    PageInfo,
    ReportError,
    build,
    heading,
    page_size_for,
)
from shopper.report.flowables import para
from tests.report.helpers import Pdf, squeeze

INFO = PageInfo(title="T <b>", header_left="Left <i>head</i>", header_right="Right & co")


def story(parts: int = 3) -> list[Flowable]:
    flowables: list[Flowable] = [
        para("Cover"),
        NextPageTemplate("body"),
        PageBreak(),
        ContentsSlot(),
    ]
    for n in range(1, parts + 1):
        flowables += [heading(f"Part {n} <x>", 0), para("text " * 50), PageBreak()]
    return flowables


def test_page_sizes() -> None:
    assert page_size_for(" Letter ") == (612, 792)
    with pytest.raises(ReportError, match="unknown page size 'a5'; use one of: a4, letter"):
        page_size_for("a5")


def test_pages_are_numbered_and_headed() -> None:
    out = BytesIO()
    pages = build(out, story, info=INFO)
    pdf = Pdf.of(out.getvalue())
    assert pages == pdf.page_count == 4
    texts = pdf.page_texts()
    assert "Page 1 of 4" in texts[0] and "Page 4 of 4" in texts[3]
    assert "Left <i>head</i>" not in texts[0]  # the cover has no running header
    assert "Left <i>head</i>" in texts[1] and "Right & co" in texts[1]
    assert pdf.reader.metadata is not None and pdf.reader.metadata.title == "T <b>"
    assert pdf.outline_titles() == ["Part 1 <x>", "Part 2 <x>", "Part 3 <x>"]
    assert "Contents" not in pdf.text


def test_long_reports_get_contents_that_point_to_the_right_pages() -> None:
    out = BytesIO()
    pages = build(out, story, info=INFO, contents_from_pages=3)
    pdf = Pdf.of(out.getvalue())
    assert pages == pdf.page_count == 5
    # Each line draws its dots and page number first, then its title.
    contents = squeeze(pdf.page_texts()[1])
    for part, page in ((1, 3), (2, 4), (3, 5)):
        assert f".{page}Part{part}<x>" in contents
    assert "Part 3 <x>" in pdf.page_texts()[4]
    assert pdf.uris() == []
