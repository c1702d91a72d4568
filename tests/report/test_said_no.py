"""The said-no summary PDF: the three lists, counts and days; text prints as typed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

from shopper.domain.said_no import NoEntry, summarize
from shopper.report.said_no import build_said_no_report
from tests.report.helpers import Pdf, squeeze

HOSTILE = "Refund <b>now</b> & <a href='file:///etc/passwd'>here</a> Łódź 東京"


def entry(n: int, asked: str, reason: str, refused: str = "") -> NoEntry:
    return NoEntry(
        id=f"e{n}",
        at=datetime(2026, 3, 1 + n, 10, tzinfo=UTC),
        tz="UTC",
        channel="phone",
        asked=asked,
        refused=refused,
        reason=reason,
        said_by="",
        theme="speed" if n % 2 else "",
        action_list="",
        note="",
    )


def test_the_pdf_has_the_lists_counts_and_days_with_text_as_typed() -> None:
    summary = summarize(
        company="North & <i>wind</i>",
        team="Desk",
        starts=date(2026, 3, 1),
        days=30,
        today=date(2026, 3, 10),
        zone="UTC",
        entries=[
            entry(1, HOSTILE, "policy", "Receipts only"),
            entry(2, "Sunday delivery", "not-offered"),
            entry(3, "Loyalty points", "not-known", "Did not know"),
        ],
    )
    out = BytesIO()
    pages = build_said_no_report(out, summary, generated=datetime(2026, 3, 10, tzinfo=UTC))
    pdf = Pdf.of(out.getvalue())
    assert pdf.page_count == pages >= 2
    text = squeeze(pdf.text)
    for expected in (
        "North&<i>wind</i>",
        "day10of30",
        squeeze(HOSTILE),
        "Policiestorevisit(1)",
        "Traininggaps(1)",
        "Productorserviceideas(1)",
        "Entriesperday",
        "2026-03-05:0(none)",
    ):
        assert expected in text, expected
