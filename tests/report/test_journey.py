"""The journey report, built in memory and read back with pypdf."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from shopper.domain.compare import trend
from shopper.domain.errors import ShopperError
from shopper.report.journey import TIMELINE_LIMIT, rate_trend_text
from shopper.report.redact import EMAIL_MASK, NAME_MASK, PHONE_MASK, Redactor
from tests.report.helpers import Pdf, squeeze
from tests.report.manager_helpers import journey_facts, render_journey
from tests.report.test_audit import HOSTILE, USER_TEXT


def flat(text: str) -> str:
    return " ".join(text.split())


def test_pages_and_figures() -> None:
    pdf = Pdf.of(render_journey(journey_facts()))
    pages = pdf.page_texts()
    cover = flat(pages[0])
    for text in (
        "COMPANY JOURNEY",
        "Acme Ltd",
        "2025-01-01 – 2025-12-31",
        "8 completed audits across 3 touchpoints",
        "Strongest Website, 85% on average",
        "Weakest Phone, 65% on average",
        "Most findings Speed: 8 findings (7 failed items, 1 bad moment or friction point)",
        # Only logged moments are moments (a note and a critical failure are counted apart).
        "1 good moment, 0 bad moments, 0 friction points logged; also 1 critical failure, 1",
        "Latest score by touchpoint",
        f"Page 1 of {pdf.page_count}",
    ):
        assert text in cover, text
    text = flat(pdf.text)
    # Per touchpoint: latest, verdict, average and trend.
    assert "Phone 4 80% Good" in text and "65%" in text
    assert "↗ +15.0 per month" in text
    assert "Email 1 — Not scored yet" in text
    # The heat map: a share and the failures of every measured cell, "All" summed up.
    assert "Themes by touchpoint" in text
    assert "30% 6 of 10" in text and "89% 1 of 9" in text
    assert "58% 7 of 19" in text  # speed over all touchpoints: 11 of 19 points
    assert "No theme" in text
    # Findings by theme: counts, the worst items, the latest findings.
    assert "Findings by theme" in text
    assert "Speed — 8 findings" in text and "Empathy — 2 findings" in text
    assert "Items that failed most" in text and "4 of 4" in text
    assert "Critical · Failed item — Did they call back?" in text
    assert "Friction point" in text
    # The moments, on lanes and listed newest first.
    assert "Moments across touchpoints" in text
    assert "Every moment, newest first" in text
    assert pdf.outline_titles() == [
        "Touchpoints",
        "Themes by touchpoint",
        "Findings by theme",
        "Moments across touchpoints",
    ]
    assert pdf.uris() == []
    assert pdf.image_count() == 0
    assert 4 <= pdf.page_count <= 8


@pytest.mark.parametrize(("page_size", "box"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_page_size(page_size: str, box: tuple[int, int]) -> None:
    pdf = Pdf.of(render_journey(journey_facts(), page_size=page_size))
    media = pdf.reader.pages[-1].mediabox
    assert (round(float(media.width)), round(float(media.height))) == box


def test_hostile_and_multilingual_texts_print_literally() -> None:
    facts = journey_facts(
        company=HOSTILE[0],
        prompt=HOSTILE[1],
        note=HOSTILE[2],
        moment=HOSTILE[11],
        verdict=HOSTILE[7],
        theme=HOSTILE[3],
    )
    pdf = Pdf.of(render_journey(facts))
    everything = squeeze(pdf.text)
    for text in (HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[11], HOSTILE[7]):
        assert squeeze(text) in everything, text
    assert squeeze(HOSTILE[3].capitalize()) in everything  # a custom theme tag, as titled
    assert pdf.reader.metadata is not None
    assert pdf.reader.metadata.title == f"Company journey: {HOSTILE[0]}"
    assert pdf.uris() == []
    assert pdf.image_count() == 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(company=USER_TEXT, prompt=USER_TEXT, note=USER_TEXT, moment=USER_TEXT)
def test_generated_texts_come_back_exactly(
    company: str, prompt: str, note: str, moment: str
) -> None:
    facts = journey_facts(company=company, prompt=prompt, note=note, moment=moment)
    pdf = Pdf.of(render_journey(facts))
    everything = squeeze(pdf.text)
    for text in (company, prompt, note, moment):
        if squeeze(text):
            assert squeeze(text) in everything, text
    assert pdf.uris() == []
    assert pdf.image_count() == 0


def test_a_long_timeline_lists_the_newest() -> None:
    count = TIMELINE_LIMIT + 40
    pdf = Pdf.of(render_journey(journey_facts(events=count)))
    text = flat(pdf.text)
    assert f"The newest {TIMELINE_LIMIT} of {count} moments" in text
    assert 8 <= pdf.page_count <= 40


def test_no_audits_is_a_clear_error() -> None:
    facts = replace(journey_facts(), audits=0, touchpoints=())
    with pytest.raises(ShopperError, match="no completed audits"):
        render_journey(facts)


def test_nothing_found_still_builds() -> None:
    facts = replace(journey_facts(events=0), themes=(), heat={}, heat_themes=())
    text = flat(Pdf.of(render_journey(facts)).text)
    assert "No scored items in these audits." in text
    assert "No failed items, bad moments or friction points." in text
    assert "No moments in these audits." in text


def test_redaction_masks_every_user_text_and_the_company_only_if_listed() -> None:
    email, phone, name = "anna.k@example.com", "+48 22 123 45 67", "Anna Kowalska"
    facts = journey_facts(
        company="Kowalska Trading",
        note=f"{name} said to call {phone}",
        moment=f"Wrote to {email}",
        prompt=f"Did {name} call back?",
    )
    data = render_journey(facts, redactor=Redactor.for_names([name]))
    text = Pdf.of(data).text
    for leaked in ("Anna Kowalska", "anna.k", "123 45 67"):
        assert leaked not in text
        assert leaked.encode() not in data
    assert NAME_MASK in text and EMAIL_MASK in text and PHONE_MASK in text
    assert "Kowalska Trading" in text
    listed = render_journey(facts, redactor=Redactor.for_names(["kowalska trading"]))
    assert "Kowalska Trading" not in Pdf.of(listed).text


def test_a_rising_failure_rate_reads_as_worse() -> None:
    months = [datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3)]

    def words(*rates: float) -> str:
        return rate_trend_text(trend(list(zip(months, rates, strict=False))))

    assert words(10, 20, 30).startswith("↗ worse, +")
    assert words(30, 20, 10).startswith("↘ better, -")
    assert words(20, 20, 20) == "→ steady"
    assert words(5) == "—"
