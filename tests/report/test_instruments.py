"""The instrument parts of the audit report and the evidence appendix, read back with pypdf."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings

from shopper.domain.instruments import Step
from shopper.report.audit import EvidenceFact, InstrumentFacts, MomentFact
from shopper.report.document import MARGIN_X
from shopper.report.instruments import FIELD_LIMIT
from shopper.report.redact import EMAIL_MASK, NAME_MASK, PHONE_MASK, Redactor
from shopper.report.text import printable
from tests.report.helpers import (
    CALL_START,
    FRIDAY_AFTERNOON,
    Pdf,
    at,
    email_exchange,
    facts,
    phone_call,
    render,
    squeeze,
    warsaw_calendar,
    web_path,
)
from tests.report.images import bomb_png, not_an_image, photo, truncated_jpeg
from tests.report.test_audit import ANSWERS, HOSTILE, NOTES, USER_TEXT


def _with(**instruments: Any) -> InstrumentFacts:
    return InstrumentFacts(calendar=warsaw_calendar(), **instruments)


def _evidence(number: int, path: Path, kind: str = "image", **extra: Any) -> EvidenceFact:
    data = path.read_bytes()
    return EvidenceFact(
        id=f"ev{number}",
        kind=kind,
        filename=path.name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        path=path,
        added_at=CALL_START + timedelta(minutes=number),
        added_tz="Europe/Warsaw",
        **extra,
    )


def _lines_stay_on_the_page(pdf: Pdf) -> None:
    """No text starts outside the margins and no extracted line is wider than a page."""
    for page in pdf.reader.pages:
        width = float(page.mediabox.width)
        starts: list[float] = []

        def keep(text: str, cm: Any, tm: Any, *_rest: Any, starts: list[float] = starts) -> None:
            if text.strip():
                starts.append(tm[4] * cm[0] + cm[4])

        page.extract_text(visitor_text=keep)
        assert all(MARGIN_X - 1 <= x <= width - MARGIN_X for x in starts), starts
    for text in pdf.page_texts():
        assert all(len(line) < 200 for line in text.splitlines())


# -- the phone call ----------------------------------------------------------------------


def test_a_recorded_call_is_drawn_with_its_figures() -> None:
    pdf = Pdf.of(render(facts(answers=ANSWERS, instruments=_with(phone=phone_call()))))
    assert pdf.outline_titles() == ["Summary", "Findings", "Phone call", "Checklist"]
    page = next(p for p in pdf.page_texts() if "Call map" in p)
    flat = " ".join(page.split())
    for label in (
        "Where the time went",
        "1. Call started",
        "answered after 0:06",
        "2. Menu · level 1",
        "pressed 3",
        "pressed #",
        "4. Menu · level 3",
        "↺ The same prompt as step 3: the menu looped.",
        "6. On hold",
        "4:30 on hold",
        "7. Person answered",
        "Name: Marta",
        "Information: customer number",
        "9. Transferred",
        "11. Call ended",
        "Options (3): 1 sales, 2 billing, 3 support",
        "Dialled 2026-11-23 10:00 (Europe/Warsaw)",
    ):
        assert label in flat, label
    figures = {
        "Menu depth": "3 levels",
        "Loops": "1",
        "Time to a person": "6:10",
        "Call length": "13:00",
        "On hold": "5:45",
        "Talking": "5:35",
        "Handoffs": "1",
        "Asked again": "1 time",
    }
    for label, value in figures.items():
        assert label in flat and value in flat, label
    assert "Menus 1:40" in flat and "On hold 5:45" in flat and "Talking 5:35" in flat
    assert pdf.uris() == []
    assert pdf.image_count() == 0


def _long_call(count: int) -> list[Step]:
    """A call of `count` steps: menus with long prompts in many scripts, holds, people."""
    steps = [Step("s0", "call_start", CALL_START, {})]
    kinds = ["menu", "menu", "menu", "hold_start", "human", "repeat", "transfer"]
    for n in range(1, count - 1):
        kind = kinds[n % len(kinds)]
        hostile = HOSTILE[n % len(HOSTILE)]
        data: dict[str, Any] = {}
        if kind == "menu":
            repeats = 600 // len(hostile) + 1  # well beyond what a box shows
            data = {"prompt": f"{n}: " + " ".join([hostile] * repeats), "key": f"<{n}>"}
        elif kind == "human":
            data = {"name": hostile}
        elif kind == "repeat":
            data = {"what": hostile}
        steps.append(Step(f"s{n}", kind, at(25 * n), data))
    steps.append(Step("end", "dead_end", at(25 * count), {"note": HOSTILE[1]}))
    return steps


@pytest.mark.parametrize("page_size", ["a4", "letter"])
def test_a_40_step_call_with_long_prompts_splits_across_pages(page_size: str) -> None:
    steps = _long_call(40)
    pdf = Pdf.of(
        render(facts(answers=ANSWERS, instruments=_with(phone=steps)), page_size=page_size)
    )
    texts = pdf.page_texts()
    map_pages = [t for t in texts if "Call map" in t]
    assert len(map_pages) >= 2
    assert all("Call map, continued" in t for t in map_pages[1:])
    everything = squeeze(pdf.text)
    for number in range(1, 41):
        assert f"{number}." in everything
    assert squeeze("40. Dead end / disconnected") in everything
    assert squeeze("The call could not go on from here.") in everything
    for step in steps:
        prompt = str(step.data.get("prompt", ""))
        if prompt:
            # Clipped, but its beginning prints exactly as heard, markup and all.
            assert squeeze(prompt[:120]) in everything, prompt[:40]
            assert squeeze(prompt) not in everything
        for key in ("name", "what"):
            if key in step.data:
                assert squeeze(str(step.data[key])) in everything
    assert squeeze("pressed <1>") in everything
    assert pdf.uris() == []
    assert pdf.image_count() == 0
    _lines_stay_on_the_page(pdf)


def test_a_call_without_a_start_or_with_a_step_before_it_still_builds() -> None:
    no_start = [s for s in phone_call() if s.kind != "call_start"]
    pdf = Pdf.of(render(facts(instruments=_with(phone=no_start))))
    assert "The start of the call was not recorded" in " ".join(pdf.text.split())
    assert "Menu depth" not in pdf.text
    early = [*phone_call(), Step("x", "menu", CALL_START - timedelta(seconds=5), {})]
    flat = " ".join(Pdf.of(render(facts(instruments=_with(phone=early)))).text.split())
    assert "The figures cannot be worked out" in flat and "−0:05" in flat


def test_a_call_that_only_started() -> None:
    start = [Step("s", "call_start", CALL_START, {})]
    text = Pdf.of(render(facts(instruments=_with(phone=start)))).text
    assert "1. Call started" in text and "Where the time went" not in text


# -- the website path -----------------------------------------------------------------------


def test_website_path_with_screenshots_and_a_broken_one(tmp_path: Path) -> None:
    shots = [photo(tmp_path / f"page-{n}.png", (1280 + n, 800), "PNG") for n in range(3)]
    broken = not_an_image(tmp_path / "page-3.png")
    attachments = [_evidence(n, p) for n, p in enumerate([*shots, broken])]
    steps = web_path({n: f"ev{n}" for n in range(4)})
    data = render(facts(instruments=_with(web=steps), attachments=attachments))
    pdf = Pdf.of(data)
    assert pdf.image_count() == len(shots)  # each once, though shown on the path and after
    assert pdf.uris() == []
    page = " ".join(next(t for t in pdf.page_texts() if "Website path" in t).split())
    for text in (
        "Clicks to contact 3",
        "Time to contact 2:55",
        "Channel reached Web form",
        "Channels found E-mail address, Web form, Chat bot",
        "Contact on the first page no",
        "Where the visit began",
        "Clicked: “Still need help?”",
        "Contact visible on this page: yes",
        "Channels seen: Web form, E-mail address",
        "Contact found: Web form",
        "+2:55",
        "E1 · page-0.png",
        "Image not shown: not an image",
    ):
        assert text in page, text
    everything = squeeze(pdf.text)
    assert (
        squeeze("https://acme.example/help/contact/form?topic=billing&ref=<b>x</b>") in everything
    )
    assert pdf.outline_titles()[-1] == "Appendix: evidence"
    assert len(data) < 900_000


def test_screenshots_that_cannot_be_shown_say_why() -> None:
    gone = EvidenceFact("ev0", "image", "page-1.png", 10, "ab" * 32, path=None)
    audio = EvidenceFact("ev1", "audio", "call.mp3", 10, "cd" * 32, path=None)
    steps = web_path({0: "ev0", 1: "ev1", 2: "missing"})
    flat = " ".join(
        Pdf.of(render(facts(instruments=_with(web=steps), attachments=[gone, audio]))).text.split()
    )
    assert "Screenshot E1 · page-1.png: the file is not at hand." in flat
    assert "Attached audio file: E2 · call.mp3" in flat
    assert "The screenshot is no longer attached." in flat


def test_pages_after_the_contact_was_found_are_marked() -> None:
    steps = [*web_path(), Step("late", "page", at(400), {"url": "https://acme.example/jobs"})]
    flat = " ".join(Pdf.of(render(facts(instruments=_with(web=steps)))).text.split())
    assert "Visited after the contact was found; not counted." in flat
    assert "Pages 4" in flat


# -- the e-mail exchange --------------------------------------------------------------------


def test_an_exchange_across_a_weekend_counts_business_hours_in_the_company_zone() -> None:
    pdf = Pdf.of(render(facts(instruments=_with(email=email_exchange()))))
    page = " ".join(next(t for t in pdf.page_texts() if "E-mail exchange" in t).split())
    for text in (
        "Times are in the company's zone, Europe/Warsaw",
        "Business hours: Mon–Fri 09:00–17:00",
        "Enquiry sent Fri 2026-11-20 16:00",
        "First reply Mon 2026-11-23 10:00",
        "Response, business hours 2 h",  # Friday 16-17 and Monday 9-10
        "Response, calendar time 2 d 18 h",
        "Follow-up received yes",
        "Billing question <#123>",
        "2 h business · 2 d 18 h calendar",
        "Tue 2026-11-24 13:00",
        "13 h business · 3 d 21 h calendar",
        "open (business hours)",
    ):
        assert text in page, text
    assert pdf.outline_titles() == ["Summary", "Findings", "E-mail exchange", "Checklist"]


def test_an_unanswered_enquiry_shows_how_long_it_has_waited() -> None:
    # Generated Tuesday 09:00 in Warsaw: Friday 16-17 and all of Monday were open.
    flat = " ".join(
        Pdf.of(render(facts(instruments=_with(email=email_exchange(replied=False))))).text.split()
    )
    assert "First reply none yet" in flat
    assert "Waiting, business hours 9 h" in flat
    assert "Waiting, calendar time 3 d 17 h" in flat
    assert "now" in flat


def test_a_reply_before_the_enquiry_is_reported_not_fatal() -> None:
    steps = [
        Step("r", "reply", FRIDAY_AFTERNOON - timedelta(hours=1), {}),
        *email_exchange(replied=False),
    ]
    flat = " ".join(Pdf.of(render(facts(instruments=_with(email=steps)))).text.split())
    assert "The response time cannot be worked out" in flat
    assert "before the enquiry" in flat


def test_an_unknown_company_zone_falls_back_to_utc() -> None:
    calendar = warsaw_calendar()
    odd = InstrumentFacts(
        email=email_exchange(), calendar=type(calendar)("Mars/Olympus", calendar.hours)
    )
    flat = " ".join(Pdf.of(render(facts(instruments=odd))).text.split())
    assert "Unknown time zone 'Mars/Olympus': UTC is used." in flat
    assert "Enquiry sent Fri 2026-11-20 15:00" in flat


# -- moments --------------------------------------------------------------------------------


def test_moments_in_time_order_with_their_items_and_evidence(tmp_path: Path) -> None:
    moments = [
        MomentFact("good", at(600), "Europe/Warsaw", HOSTILE[2], item_id="solved", id="m1"),
        MomentFact("bad", at(60), "UTC", HOSTILE[1], id="m2"),
        MomentFact("friction", at(300), "Europe/Warsaw", HOSTILE[11], item_id="gone", id="m3"),
    ]
    shot = _evidence(0, photo(tmp_path / "hold.jpg", (300, 200)), moment_id="m2")
    pdf = Pdf.of(render(facts(answers=ANSWERS, moments=moments, attachments=[shot])))
    page = next(t for t in pdf.page_texts() if "What the shopper did not expect" in t)
    flat = " ".join(page.split())
    assert "1 good moment, 1 bad moment, 1 friction point" in flat
    order = [flat.index(label) for label in ("Bad moment", "Friction point", "Good moment")]
    assert order == sorted(order)
    assert "2026-11-23 09:01 (UTC)" in flat and "2026-11-23 10:10 (Europe/Warsaw)" in flat
    for note in (HOSTILE[1], HOSTILE[2], HOSTILE[11]):
        assert squeeze(note) in squeeze(page)
    assert "Item 2.1: Was the problem solved?" in flat
    assert "Item gone (not in this checklist)" in flat
    assert "Evidence: E1 hold.jpg" in flat
    assert pdf.uris() == []
    assert pdf.image_count() == 1


# -- the appendix ---------------------------------------------------------------------------


def test_appendix_shows_images_lists_other_files_and_survives_bad_ones(tmp_path: Path) -> None:
    good = [photo(tmp_path / "desk.jpg", (2400, 1800)), photo(tmp_path / "sign.png", (300, 500))]
    bad = [
        truncated_jpeg(tmp_path / "cut.jpg"),
        not_an_image(tmp_path / "script.png"),
        bomb_png(tmp_path / "bomb.png"),
    ]
    pdf_file = tmp_path / "letter.pdf"
    pdf_file.write_bytes(b"%PDF-1.4 a letter")
    mail = tmp_path / "reply <b>.eml"
    mail.write_bytes(b"From: a@example.com\nSubject: hi\n\nHello")
    moment = MomentFact("bad", at(60), "UTC", "Rude reply", id="m1")
    attachments = [
        _evidence(0, good[0], item_id="answered", caption="Queue at <b>noon</b>"),
        _evidence(1, good[1], moment_id="m1"),
        *(_evidence(2 + n, path, item_id="menu") for n, path in enumerate(bad)),
        _evidence(5, pdf_file, kind="pdf", item_id="solved", caption="The letter"),
        _evidence(6, mail, kind="email"),
    ]
    data = render(facts(answers=ANSWERS, notes=NOTES, moments=[moment], attachments=attachments))
    pdf = Pdf.of(data)
    assert pdf.image_count() == len(good)  # the desk shows as a finding's thumbnail too
    assert pdf.uris() == []
    appendix = " ".join(
        " ".join(t.split())
        for t in pdf.page_texts()[
            pdf.page_texts().index(next(t for t in pdf.page_texts() if "Appendix: evidence" in t)) :
        ]
    )
    assert "5 images and 2 other files" in appendix
    assert "E1 · desk.jpg" in appendix and "Queue at <b>noon</b>" in appendix
    assert "Item 1.1: Did a person answer?" in appendix
    assert "Bad moment, 2026-11-23 09:01 (UTC): Rude reply" in appendix
    assert f"SHA-256 {attachments[0].sha256[:12]}" in appendix
    assert appendix.count("Image not shown") == len(bad)
    for reason in ("damaged", "not an image", "too large"):
        assert reason in appendix
    for text in (
        "E6",
        "PDF",
        "letter.pdf",
        "E7",
        "E-mail",
        "reply <b>.eml",
        "The audit as a whole",
    ):
        assert text in appendix, text
    assert attachments[5].sha256[:12] in squeeze(appendix)
    assert "Item 2.1: Was the problem solved?" in appendix
    assert len(data) < 1_200_000


def test_no_attachments_no_appendix() -> None:
    assert "Appendix" not in Pdf.of(render(facts(answers=ANSWERS))).text


# -- the whole report -----------------------------------------------------------------------


def _everything(tmp_path: Path) -> Any:
    shot = _evidence(0, photo(tmp_path / "home.png", (640, 400), "PNG"))
    moments = [MomentFact("good", at(100), "Europe/Warsaw", "Kind agent", id="m1")]
    instruments = _with(phone=phone_call(), web=web_path({0: "ev0"}), email=email_exchange())
    return facts(
        answers=ANSWERS, notes=NOTES, moments=moments, instruments=instruments, attachments=[shot]
    )


def test_every_part_is_in_the_outline_and_the_contents(tmp_path: Path) -> None:
    pdf = Pdf.of(render(_everything(tmp_path), contents_from_pages=2))
    parts = ["Phone call", "Website path", "E-mail exchange", "Moments", "Appendix: evidence"]
    assert pdf.outline_titles() == [
        "Summary",
        "Contents",
        "Findings",
        *parts[:4],
        "Checklist",
        parts[4],
    ]
    contents = squeeze(next(t for t in pdf.page_texts() if "Contents" in t))
    for part in parts:
        assert squeeze(part) in contents


def test_redaction_reaches_every_instrument_text(tmp_path: Path) -> None:
    name, email, phone = "Ewa Nowak", "ewa@example.com", "+48 600 100 200"
    secret = f"{name} {email} {phone}"
    photo_path = photo(tmp_path / f"{name}.png", (200, 100), "PNG")
    shot = _evidence(0, photo_path, caption=secret)
    call = [
        Step("a", "call_start", CALL_START, {}),
        Step("b", "menu", at(5), {"prompt": f"Call {phone} or mail {email}", "options": secret}),
        Step("c", "human", at(20), {"name": name}),
        Step("d", "repeat", at(30), {"what": secret}),
        Step("e", "call_end", at(40), {"note": secret}),
    ]
    page = {
        "url": f"https://x.example/{email}",
        # Clipping would cut the number in two; it is masked whole first.
        "title": "-" * (FIELD_LIMIT - 10) + phone,
        "clicked": secret,
        "note": secret,
        "evidence_id": "ev0",
    }
    web = [Step("w", "page", at(0), page)]
    mail = [Step("m", "sent", FRIDAY_AFTERNOON, {"subject": secret})]
    audit = facts(
        moments=[MomentFact("bad", at(10), "UTC", secret, id="m")],
        instruments=_with(phone=call, web=web, email=mail),
        attachments=[shot],
    )
    data = render(audit, redactor=Redactor.for_names([name]))
    text = Pdf.of(data).text
    for leaked in ("Nowak", "ewa@", "+48 600", "600 100"):
        assert leaked not in text, leaked
        assert leaked.encode() not in data
    for mask in (NAME_MASK, EMAIL_MASK, PHONE_MASK):
        assert mask in text
    assert "Nowak" in Pdf.of(render(audit)).text


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=USER_TEXT, second=USER_TEXT)
def test_generated_instrument_texts_come_back_exactly(first: str, second: str) -> None:
    call = [
        Step("a", "call_start", CALL_START, {}),
        Step("b", "menu", at(5), {"prompt": first, "key": second[:20]}),
        Step("c", "human", at(20), {"name": second[:60]}),
    ]
    web = [Step("w", "page", at(0), {"url": first, "title": second, "clicked": first})]
    mail = [Step("m", "sent", FRIDAY_AFTERNOON, {"subject": second})]
    audit = facts(
        moments=[MomentFact("friction", at(10), "UTC", first)],
        instruments=_with(phone=call, web=web, email=mail),
    )
    pdf = Pdf.of(render(audit))
    everything = squeeze(pdf.text)
    # Where a field is one line, its line breaks print as spaces.
    for text in (first, second, second[:20], second[:60]):
        if squeeze(text):
            assert squeeze(printable(text)) in everything, text
    assert pdf.uris() == []
    assert pdf.image_count() == 0


def test_an_audit_with_every_part_builds_on_letter(tmp_path: Path) -> None:
    pdf = Pdf.of(render(_everything(tmp_path), page_size="letter"))
    assert 8 <= pdf.page_count <= 14
    assert pdf.image_count() == 1
    _lines_stay_on_the_page(pdf)


def test_step_details_of_any_json_type_print() -> None:
    odd: dict[str, Any] = {"prompt": ["a", 1], "key": 7, "options": {"x": 1}, "note": True}
    call = [Step("a", "call_start", CALL_START, {}), Step("b", "menu", at(5), odd)]
    web = [Step("w", "page", at(0), {"url": 42, "title": None, "channels": "phone"})]
    flat = " ".join(Pdf.of(render(facts(instruments=_with(phone=call, web=web)))).text.split())
    assert "pressed 7" in flat and '“["a", 1]”' in flat
    assert "(no title noted)" in flat and "42" in flat


def test_datetime_in_any_zone_is_ordered_in_real_time() -> None:
    warsaw = ZoneInfo("Europe/Warsaw")
    call = [
        Step("b", "human", datetime(2026, 11, 23, 10, 1, tzinfo=warsaw), {"name": "Ola"}),
        Step("a", "call_start", datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC), {}),
    ]
    flat = " ".join(Pdf.of(render(facts(instruments=_with(phone=call)))).text.split())
    assert flat.index("1. Call started") < flat.index("2. Person answered")
    assert "Time to a person 0:30" in flat
