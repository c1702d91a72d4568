"""The audit report, built in memory and read back with pypdf."""

from __future__ import annotations

import string
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopper.domain.template import Item, ItemType
from shopper.report.audit import EvidenceImage, MomentFact
from shopper.report.redact import EMAIL_MASK, NAME_MASK, PHONE_MASK, Redactor
from shopper.report.text import printable
from tests.report.helpers import (
    STARTED,
    Pdf,
    facts,
    make_template,
    mixed_template,
    render,
    squeeze,
    yes_no,
)
from tests.report.images import bomb_png, not_an_image, photo, truncated_jpeg

ANSWERS: dict[str, Any] = {
    "answered": "no",
    "wait": 300,
    "menu": 2,
    "solved": "yes",
    "channel": "phone",
    "remark": "They never called back.",
}
NOTES = {
    "answered": "Rang 14 times; the line went dead each time.",
    "solved": "Solved on the second call, politely.",
}

HOSTILE = [
    "<b>not bold</b> & <i>not italic",
    "<a href='https://evil.example/steal'>click me</a>",
    '<img src="/etc/passwd"/> <img src="file:///etc/shadow" width="900"/>',
    "&amp; &lt; &#60; &#x3C; &nbsp; &bogus;",
    "<font face='Courier' size='72'>huge</font> <para> <br/> ]]> <!-- -->",
    "Zażółć gęślą jaźń — Łódź",
    "Καλημέρα, Ελλάδα",
    "Съешь же ещё этих мягких французских булок",
    "Tiếng Việt có dấu: Nguyễn Thị Ánh",
    "مرحبا بالعالم",
    "שלום עולם",
    "日本語の文章と中文、한국어 텍스트",
]


def test_mixed_audit_pages_and_texts() -> None:
    pdf = Pdf.of(render(facts(answers=ANSWERS, notes=NOTES)))
    pages = pdf.page_texts()
    assert 4 <= pdf.page_count <= 6
    cover, summary = pages[0], pages[1]
    for text in ("Acme Ltd", "Tess Tester", "Phone check (version 3)", "Critical failure"):
        assert text in cover
    assert "2026-11-23 10:30 (Europe/Warsaw)" in cover  # 09:30 UTC in the audit's zone
    assert f"Page 1 of {pdf.page_count}" in cover
    for text in ("Summary", "Scores by section", "Critical failures", "Top findings"):
        assert text in summary
    assert "Did a person answer?" in summary
    assert "Best moments" in summary and "Solved on the second call" in summary
    everything = squeeze(pdf.text)
    for note in [*NOTES.values(), str(ANSWERS["remark"])]:
        assert squeeze(note) in everything
    assert "Checklist" in pdf.text
    assert pdf.uris() == []
    assert pdf.image_count() == 0


def test_metadata_and_header_carry_the_company() -> None:
    pdf = Pdf.of(render(facts(company="Łąka & <Co>")))
    assert pdf.reader.metadata is not None
    assert pdf.reader.metadata.title == "Audit report: Łąka & <Co> — Phone"
    assert "Audit report · Łąka & <Co>" in pdf.page_texts()[1]


@pytest.mark.parametrize("page_size", ["a4", "letter"])
def test_page_size(page_size: str) -> None:
    pdf = Pdf.of(render(facts(answers=ANSWERS), page_size=page_size))
    box = pdf.reader.pages[0].mediabox
    expected = {"a4": (595, 842), "letter": (612, 792)}[page_size]
    assert (round(float(box.width)), round(float(box.height))) == expected


def test_hostile_and_multilingual_texts_print_literally() -> None:
    notes = dict(zip(ANSWERS, HOSTILE, strict=False))
    audit = facts(
        answers={**ANSWERS, "remark": "\n".join(HOSTILE[6:])},
        notes=notes,
        company=HOSTILE[0],
        shopper=HOSTILE[8],
    )
    pdf = Pdf.of(render(audit))
    everything = squeeze(pdf.text)
    for text in HOSTILE:
        assert squeeze(text) in everything, text
    assert pdf.uris() == []
    assert pdf.image_count() == 0


# Letters of the scripts a report must print, with markup characters and fragments among them.
_LETTERS = (
    string.ascii_letters
    + string.digits
    + string.punctuation
    + "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
    + "αβγδεζηθλμξπσφψωΆΈΉΩ"
    + "абвгдежзийклмнопрстуфхцчшщъыьэюяЁЖЩ"
    + "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    + "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    + "אבגדהוזחטיכלמנסעפצקרשת"
    + "日本語中文字東京大阪ひらがなカタカナ한국어서울"
    + "€£¥§©®°±µ¶·¿×÷–—‘’“”„…‰"
)
_FRAGMENTS = [
    "<b>",
    "</b>",
    "<a href='https://evil.example/'>",
    "</a>",
    '<img src="/etc/passwd"/>',
    "&amp;",
    "&#60;",
    "&",
    "<br/>",
    "<para>",
    "]]>",
    "<!--",
    "\n",
    "  ",
]
USER_TEXT = st.lists(
    st.one_of(
        st.text(st.sampled_from(_LETTERS), min_size=1, max_size=14), st.sampled_from(_FRAGMENTS)
    ),
    min_size=1,
    max_size=8,
).map("".join)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    company=USER_TEXT,
    shopper=USER_TEXT,
    notes=st.lists(USER_TEXT, min_size=6, max_size=6),
)
def test_generated_texts_come_back_exactly(company: str, shopper: str, notes: list[str]) -> None:
    """Every string a user could type reaches the PDF as text, unchanged but for whitespace."""
    texts = dict(zip(ANSWERS, notes, strict=True))
    pdf = Pdf.of(render(facts(answers=ANSWERS, notes=texts, company=company, shopper=shopper)))
    everything = squeeze(pdf.text)
    for text in [company, shopper, *notes]:
        if squeeze(text):
            assert squeeze(text) in everything, text
    assert pdf.uris() == []
    assert pdf.image_count() == 0


ANY_TEXT = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=40
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes=st.lists(ANY_TEXT, min_size=6, max_size=6))
def test_any_unicode_prints_as_promised(notes: list[str]) -> None:
    """Scripts without a font print as a replacement mark, never as a NUL or a broken map."""
    pdf = Pdf.of(render(facts(answers=ANSWERS, notes=dict(zip(ANSWERS, notes, strict=True)))))
    text = pdf.text
    assert "\x00" not in text
    everything = squeeze(text)
    for note in notes:
        assert squeeze(printable(note)) in everything, note


def test_empty_audit_builds() -> None:
    pdf = Pdf.of(render(facts(answers={}, notes={})))
    assert pdf.page_count == 4
    assert "Not scored yet" in pdf.page_texts()[0]
    assert "No scored answers yet." in pdf.page_texts()[1]
    assert "No item failed or scored low." in pdf.text


def test_checklist_without_items_builds() -> None:
    pdf = Pdf.of(render(facts(make_template([("Empty", [])]), answers={})))
    assert "This checklist shows no items." in pdf.text


def test_a_2000_character_word_wraps_inside_the_page() -> None:
    word = "W" * 2000
    pdf = Pdf.of(render(facts(answers={"answered": "no"}, notes={"answered": word}, company=word)))
    everything = squeeze(pdf.text)
    assert word in everything
    for page in pdf.page_texts():
        assert all(len(line) < 200 for line in page.splitlines())


def test_a_50000_character_note_prints_in_full() -> None:
    note = " ".join(f"w{n:05d}" for n in range(8400))[:50_000]
    pdf = Pdf.of(render(facts(answers={"answered": "no"}, notes={"answered": note})))
    assert "Notes in full" in pdf.text
    assert squeeze(note) in squeeze(pdf.body_text())
    assert 10 <= pdf.page_count <= 30


def test_500_items_build_with_contents() -> None:
    items = [yes_no(f"q{n}", f"Question {n}?") for n in range(500)]
    template = make_template([(f"Part {k}", items[k * 50 : (k + 1) * 50]) for k in range(10)])
    answers = {f"q{n}": "no" if n % 4 == 0 else "yes" for n in range(500)}
    pdf = Pdf.of(render(facts(template, answers)))
    pages = pdf.page_texts()
    assert 20 <= pdf.page_count <= 80
    assert "Summary" in pages[1]
    contents = next(p for p in pages if "Contents" in p)
    assert "Checklist" in contents and "Part 9" in contents
    assert squeeze("Question 499?") in squeeze(pdf.text)
    # The table header repeats on every page the checklist continues on.
    checklist_pages = [p for p in pages if "Question 2" in p and "Answer" in p]
    assert len(checklist_pages) >= 5


def test_short_reports_have_no_contents() -> None:
    assert "Contents" not in Pdf.of(render(facts(answers=ANSWERS))).text


def test_outline_lists_the_parts() -> None:
    pdf = Pdf.of(render(facts(answers=ANSWERS, notes=NOTES)))
    assert pdf.outline_titles() == ["Summary", "Findings", "Checklist"]


def test_evidence_thumbnails_and_placeholders(tmp_path: Path) -> None:
    good = [
        photo(tmp_path / "counter.jpg", (2400, 1800)),
        photo(tmp_path / "sign.png", (400, 300), "PNG"),
    ]
    bad: list[Path | EvidenceImage] = [
        truncated_jpeg(tmp_path / "cut.jpg"),
        not_an_image(tmp_path / "script.png"),
        bomb_png(tmp_path / "bomb.png"),
    ]
    evidence: dict[str, list[Path | EvidenceImage]] = {
        "answered": [EvidenceImage(good[0], "counter.jpg", "Queue at <b>noon</b>"), good[1]],
        "menu": bad,
    }
    data = render(facts(answers=ANSWERS, notes=NOTES, evidence=evidence))
    pdf = Pdf.of(data)
    assert pdf.image_count() == len(good)
    assert pdf.uris() == []
    text = pdf.text
    assert text.count("Image not shown") == len(bad)
    for reason in ("damaged", "not an image", "too large"):
        assert squeeze(reason) in squeeze(text)
    assert "Queue at <b>noon</b>" in text
    assert len(data) < 600_000  # re-encoded thumbnails, not the 2400 x 1800 original


def test_evidence_beyond_four_is_counted(tmp_path: Path) -> None:
    # Sizes differ: reportlab stores identical pictures once.
    pictures = [photo(tmp_path / f"p{n}.jpg", (80 + n, 60)) for n in range(6)]
    pdf = Pdf.of(render(facts(answers=ANSWERS, evidence={"answered": pictures})))
    assert pdf.image_count() == 4
    assert "+ 2 more" in pdf.text


def test_good_moments_are_best_moments() -> None:
    moments = [
        MomentFact("good", STARTED + timedelta(minutes=3), "Europe/Warsaw", "Agent used my name"),
        MomentFact("bad", STARTED, "UTC", "Hold music too loud"),
    ]
    summary = Pdf.of(render(facts(answers=ANSWERS, moments=moments))).page_texts()[1]
    assert "Agent used my name" in summary
    assert "2026-11-23 10:33 (Europe/Warsaw)" in summary
    assert "Hold music" not in summary


def test_redaction_masks_every_user_text() -> None:
    email, phone, name = "anna.k@example.com", "+48 22 123 45 67", "Anna Kowalska"
    secret = f"{name} gave {email} and {phone}"
    template = make_template([(f"Desk of {name}", [yes_no("q", f"Did {name} smile?")])])
    audit = facts(
        template,
        {"q": "no"},
        {"q": secret},
        company=f"Shop of {name}",
        shopper=f"{name} ({email})",
    )
    redactor = Redactor.for_names(["anna kowalska"])
    data = render(audit, redactor=redactor)
    pdf = Pdf.of(data)
    text = pdf.text
    for leaked in ("Kowalska", "anna.k", "123 45 67"):
        assert leaked not in text
        assert leaked.encode() not in data  # nor in the metadata
    assert NAME_MASK in text and EMAIL_MASK in text and PHONE_MASK in text
    assert pdf.reader.metadata is not None
    assert "Kowalska" not in str(pdf.reader.metadata.author)
    unredacted = Pdf.of(render(audit)).text
    assert "Kowalska" in unredacted


def test_numbers_and_dates_are_not_redacted() -> None:
    template = make_template([("Counts", [yes_no("q", "Q?"), mixed_template().item("wait")])])
    assert template.item("wait").type is ItemType.DURATION
    pdf = Pdf.of(render(facts(template, {"q": "yes", "wait": 1234567}), redactor=Redactor(True)))
    assert "342:56:07" in pdf.text  # a duration, not a phone number
    assert "2026-11-23 10:30" in pdf.text


@pytest.mark.parametrize(
    ("points", "most", "text"),
    [
        (0, 1, "0 of 1 point"),
        (1, 1, "1 of 1 point"),
        (2.5, 3, "2.5 of 3 points"),
        (0, 0.5, "0 of 0.5 points"),
    ],
)
def test_points_agree_with_the_most_there_is(points: float, most: float, text: str) -> None:
    from shopper.report.audit import _points_of

    assert _points_of(points, most) == text


def test_an_information_item_is_left_out_of_the_report() -> None:
    """An information item is text the shopper read: the report (answers and findings)
    leaves it out, and the questions keep their numbers."""
    template = make_template(
        [
            (
                "Reaching a person",
                [
                    yes_no("answered", "Did a person answer?"),
                    Item(id="look", prompt="Ask for Pat by name now.", type=ItemType.INFO),
                    yes_no("named", "Did they know Pat?"),
                ],
            )
        ]
    )
    pdf = Pdf.of(render(facts(template, {"answered": "yes", "named": "no"})))
    text = squeeze(pdf.text)
    assert squeeze("Ask for Pat by name now.") not in text
    assert squeeze("Did they know Pat?") in text
    assert "1.2" in text and "1.3" not in text
