"""The comparison report, built in memory and read back with pypdf."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopper.domain.errors import ShopperError
from shopper.report.comparison import column_groups
from shopper.report.redact import EMAIL_MASK, NAME_MASK, PHONE_MASK, Redactor
from tests.report.helpers import Pdf, squeeze
from tests.report.manager_helpers import (
    comparison_facts,
    example_audits,
    many_audits,
    render_comparison,
)
from tests.report.test_audit import HOSTILE, USER_TEXT

NOTES = {
    "follow_up": "Nobody followed up, although they promised to.",
    "greet": "A warm greeting this time.",
    "wait": "Answered after two minutes.",
    "solved": "Sorted out at once.",
}


def test_the_worked_example() -> None:
    """docs/scoring.md's four audits: the figures, the changes and the missing items."""
    pdf = Pdf.of(render_comparison(comparison_facts(example_audits(notes=NOTES), available=6)))
    pages = pdf.page_texts()
    cover = " ".join(pages[0].split())
    for text in ("AUDIT COMPARISON", "Acme Ltd", "4 audits, the newest of 6", "Ann, Ben, Cy, Dee"):
        assert text in cover, text
    assert "2025-01-01 – 2025-04-01" in cover
    assert "Compare example, versions 1–2" in cover
    assert "30 / 100" in cover  # the consistency index, 29.63
    assert "σ 6.0 points, 64–79%" in cover
    assert "flat (+0.4 points a month)" in cover
    assert f"Page 1 of {pdf.page_count}" in cover
    summary = " ".join(pages[1].split())
    for text in ("Scores over time", "Consistency index", "Score spread", "Trend"):
        assert text in summary
    assert "Dashed lines: Good from 80%, Needs work from 60%." in summary
    assert "sameness, not quality" in summary
    text = pdf.text
    flat = " ".join(text.split())
    # D against C: follow_up regressed, greet and wait fixed; A against D: solved fixed.
    assert "Regressed (1)" in text and "Fixed (2)" in text
    assert "Yes → No" in flat  # follow_up
    assert "Partly → Fully" in flat  # solved, first against last
    for note in ("Nobody followed up", "A warm greeting", "Sorted out at once"):
        assert note in flat
    assert "not in this version" in text
    assert "Item by audit" in text
    assert pdf.outline_titles() == [
        "Summary",
        "Audits",
        "Fixed and regressed",
        "Item by audit",
        "Shoppers' notes",
    ]
    notes = flat[flat.index("Shoppers' notes What the shoppers wrote") :]
    for note in NOTES.values():  # every note in full at the end, with its audit
        assert note in notes
    assert "#4 (2025-04-01) Dee" in notes
    assert "✎" in text  # the cells with a note are marked
    assert pdf.uris() == []
    assert pdf.image_count() == 0
    assert 3 <= pdf.page_count <= 6


@pytest.mark.parametrize(("page_size", "box"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_page_size(page_size: str, box: tuple[int, int]) -> None:
    pdf = Pdf.of(render_comparison(comparison_facts(example_audits()), page_size=page_size))
    media = pdf.reader.pages[-1].mediabox
    assert (round(float(media.width)), round(float(media.height))) == box


def test_hostile_and_multilingual_texts_print_literally() -> None:
    notes = dict(zip(NOTES, HOSTILE[1:5], strict=True))
    audits = example_audits(shoppers=HOSTILE[5:9], notes=notes, prompt=HOSTILE[9])
    facts = comparison_facts(audits, companies=[HOSTILE[0]])
    pdf = Pdf.of(render_comparison(facts))
    everything = squeeze(pdf.text)
    for text in [HOSTILE[0], *HOSTILE[5:9], HOSTILE[9], notes["follow_up"], notes["solved"]]:
        assert squeeze(text) in everything, text
    assert pdf.reader.metadata is not None
    assert pdf.reader.metadata.title == f"Audit comparison: {HOSTILE[0]} — Phone"
    assert pdf.uris() == []
    assert pdf.image_count() == 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    company=USER_TEXT,
    shoppers=st.lists(USER_TEXT, min_size=4, max_size=4),
    note=USER_TEXT,
    prompt=USER_TEXT,
)
def test_generated_texts_come_back_exactly(
    company: str, shoppers: list[str], note: str, prompt: str
) -> None:
    audits = example_audits(shoppers=shoppers, notes={"follow_up": note}, prompt=prompt)
    pdf = Pdf.of(render_comparison(comparison_facts(audits, companies=[company])))
    everything = squeeze(pdf.text)
    for text in [company, *shoppers, note, prompt]:
        if squeeze(text):
            assert squeeze(text) in everything, text
    assert pdf.uris() == []
    assert pdf.image_count() == 0


def test_several_companies_are_named() -> None:
    facts = comparison_facts(example_audits(), companies=["Łąka", "Ηλιος"])
    pdf = Pdf.of(render_comparison(facts))
    cover = pdf.page_texts()[0]
    assert "2 companies" in cover and "Łąka, Ηλιος" in cover
    assert "Company" in pdf.text  # a column of the audits table


def _body(page: str) -> str:
    """A page's text without the running header and footer (drawn first, three lines)."""
    return "\n".join(page.splitlines()[3:]).strip()


def test_50_audits_by_30_items_split_into_column_groups() -> None:
    pdf = Pdf.of(render_comparison(comparison_facts(many_audits(50, 30))))
    pages = pdf.page_texts()
    assert 12 <= pdf.page_count <= 60
    assert "Contents" in pages[2]
    groups = [f"Audits {g[0] + 1}–{g[-1] + 1} of 50" for g in column_groups(50, 6)]
    assert len(groups) == 9
    assert all(group in pages[2] for group in groups)  # listed in the contents
    starts = []
    for number, group in enumerate(groups):
        # Each group starts a page of its own; the first under the part's heading.
        lead = "Item by audit" if number == 0 else group
        found = [n for n, p in enumerate(pages) if _body(p).startswith(lead) and group in p]
        assert len(found) == 1, group
        starts.append(found[0])
    assert starts == sorted(starts)
    for begin, end in zip(starts, [*starts[1:], len(pages)], strict=True):
        # On every page of a group the item column and the audits' header row repeat...
        for page in pages[begin + 1 : end]:
            assert _body(page).startswith("Item")
        group_text = squeeze("".join(pages[begin:end]))
        # ...and the group lists every item.
        for item in ("Question 0: was it done properly?", "Question 29: was it done properly?"):
            assert squeeze(item) in group_text
    assert "#50" in pages[-1] or "#50" in pages[-2]
    assert "notinthisversion" in squeeze(pdf.text)
    # Text keeps its size however many audits there are: no line is squeezed in.
    assert all(len(line) < 200 for page in pages for line in page.splitlines())


def test_column_groups_are_even() -> None:
    assert column_groups(12, 5) == [range(0, 4), range(4, 8), range(8, 12)]
    assert column_groups(5, 6) == [range(0, 5)]
    assert [len(g) for g in column_groups(50, 6)] == [6] * 8 + [2]
    assert column_groups(0, 6) == []
    assert sum(len(g) for g in column_groups(97, 6)) == 97


@pytest.mark.parametrize("count", [0, 1])
def test_an_empty_comparison_is_a_clear_error(count: int) -> None:
    facts = comparison_facts(example_audits()[:count])
    with pytest.raises(ShopperError, match="at least 2 audits"):
        render_comparison(facts)


def test_redaction_masks_shoppers_and_notes_but_names_companies_only_if_listed() -> None:
    email, phone, name = "anna.k@example.com", "+48 22 123 45 67", "Anna Kowalska"
    audits = example_audits(
        shoppers=[name, "Ben", "Cy", f"Dee ({email})"],
        notes={"follow_up": f"{name} said to call {phone}"},
    )
    facts = comparison_facts(audits, companies=["Kowalska Trading"])
    data = render_comparison(facts, redactor=Redactor.for_names(["anna kowalska"]))
    text = Pdf.of(data).text
    for leaked in ("Anna Kowalska", "anna.k", "123 45 67"):
        assert leaked not in text
        assert leaked.encode() not in data
    assert NAME_MASK in text and EMAIL_MASK in text and PHONE_MASK in text
    assert "Kowalska Trading" in text  # the company is masked only when listed
    listed = render_comparison(facts, redactor=Redactor.for_names(["Kowalska Trading"]))
    assert "Kowalska Trading" not in Pdf.of(listed).text
