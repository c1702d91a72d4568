"""XLSForm in and out (docs/templates.md, "XLSForm").

The sample workbooks in tests/fixtures/xlsform come from pyxform's own test suite (forms
written for ODK and KoboToolbox); every one is checked against pyxform's own parse.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from shopper.domain.errors import TemplateError
from shopper.domain.template import ItemType
from shopper.domain.template_loader import load_template_file
from shopper.domain.xlsform import (
    XlsformUnsupportedError,
    read_xlsform,
    read_xlsform_bytes,
    xlsform_bytes,
    xlsform_sheets,
)
from shopper.services.templates import builtin_template_files
from tests.domain import template_strategies as ts

SAMPLES = sorted((Path(__file__).parents[1] / "fixtures" / "xlsform").glob("*.xls*"))
BUILTINS = builtin_template_files()

# The mapping of docs/templates.md, from pyxform's names of the question types.
EXPECTED_TYPE = {
    "integer": {ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION},
    "int": {ItemType.NUMBER},
    "decimal": {ItemType.NUMBER, ItemType.DURATION},
    "range": {ItemType.RATING},
    "text": {ItemType.TEXT},
    "string": {ItemType.TEXT},
    "date": {ItemType.DATETIME},
    "time": {ItemType.DATETIME},
    "dateTime": {ItemType.DATETIME},
    "select one": {ItemType.YES_NO, ItemType.SINGLE_CHOICE},
    "select all that apply": {ItemType.MULTI_CHOICE},
    "note": {ItemType.INFO},
}


def pyxform_questions(path: Path) -> list[dict[str, Any]]:
    """pyxform's own parse: every question and note of the form (not groups or its meta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        form = convert(xlsform=str(path), warnings=[])._pyxform
    assert form is not None
    found: list[dict[str, Any]] = []

    def walk(element: dict[str, Any]) -> None:
        for child in element.get("children") or []:
            if child.get("type") in ("group", "repeat", "loop"):
                if not (child.get("control") or {}).get("bodyless"):
                    walk(child)
            else:
                found.append(child)

    walk(form)
    return found


def survey_rows(path: Path) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return len(get_xlsform(str(path)).survey or [])


def md(text: str, tmp_path: Path, name: str = "form.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the outside samples ------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_imports_as_pyxform_reads_it_or_is_refused(path: Path) -> None:
    try:
        questions = pyxform_questions(path)
    except PyXFormError as exc:
        # A broken workbook: refused with pyxform's own message, on one line.
        with pytest.raises(TemplateError) as caught:
            read_xlsform(path)
        message = str(caught.value)
        assert "\n" not in message
        assert message == f"{path.name}: pyxform: {' '.join(str(exc).split())}"
        return
    try:
        template = read_xlsform(path).template
    except XlsformUnsupportedError as exc:
        assert exc.unsupported, "a refusal names what it cannot hold"
        assert "\n" not in str(exc)
        rows = survey_rows(path)
        for entry in exc.unsupported:
            assert entry.sheet == "survey"
            assert entry.row is not None and 2 <= entry.row <= rows + 1, entry
        # The rest imports with --skip-unsupported, or nothing a checklist can hold is left.
        try:
            partial = read_xlsform(path, skip_unsupported=True)
        except TemplateError as rest:
            assert "no question a checklist can hold" in str(rest)
        else:
            assert partial.unsupported == exc.unsupported
            assert 0 < partial.template.item_count < len(questions)
            by_name = {q["name"]: q for q in questions}
            for item in partial.template.items():
                assert item.type in EXPECTED_TYPE[by_name[item.id]["type"]]
        return
    assert template.item_count == len(questions)
    for item, question in zip(template.items(), questions, strict=True):
        assert item.id == question["name"]
        assert item.type in EXPECTED_TYPE[question["type"]], (item.id, question["type"])


def test_the_samples_are_all_there() -> None:
    """The parametrized test above must not pass by finding no files."""
    assert {p.name for p in SAMPLES} >= {"bad_calc.xlsx", "unknown_question_type.xls", "group.xlsx"}


def test_a_calculation_is_refused_by_row(tmp_path: Path) -> None:
    with pytest.raises(XlsformUnsupportedError) as caught:
        read_xlsform(SAMPLES[[p.name for p in SAMPLES].index("bad_calc.xlsx")])
    assert [str(u) for u in caught.value.unsupported] == [
        "survey row 2, column type: a calculate cannot be held (a checklist only asks)"
    ]


# -- the mapping ---------------------------------------------------------------------

FORM = (SAMPLES[0].parent / "visit.md").read_text(encoding="utf-8")


def test_the_mapping_of_a_form(tmp_path: Path) -> None:
    result = read_xlsform(md(FORM, tmp_path))
    template = result.template
    assert result.unsupported == []
    assert (template.title, template.version, template.language) == (
        "Shop visit",
        4,
        "English (en)",
    )
    assert [s.id for s in template.sections] == ["visit", "visit.inner", "visit-2"]
    visit, inner, _after = template.sections
    assert visit.description == ""  # a note is an information item in its place
    intro = visit.items[0]
    assert (intro.id, intro.type, intro.prompt) == ("intro", ItemType.INFO, "Watch closely.")
    assert visit.title_in("fr") == "La visite"
    assert inner.title == "The visit › Inside"  # nested groups: their labels joined
    greet = template.item("greet")
    assert greet.type is ItemType.YES_NO and not greet.allow_na
    assert (greet.weight, greet.critical, greet.theme, greet.required) == (3, True, "empathy", True)
    assert greet.help == "Within a minute"
    assert greet.prompt_in("fr") == "Salué ?"
    how = template.item("how")
    assert [(o.key, o.score, o.label_in("fr")) for o in how.options] == [
        ("smile", 1.0, "Un sourire"),
        ("nod", 0.5, "Un signe de tête"),
    ]
    assert how.show_if is not None and (how.show_if.item, how.show_if.values) == ("greet", ("yes",))
    extras = template.item("extras")
    assert extras.type is ItemType.MULTI_CHOICE
    assert (
        extras.show_if is not None and extras.show_if.negate and extras.show_if.values == ("nod",)
    )
    assert template.item("mood").scale is not None
    why = template.item("why").show_if
    assert why is not None and why.values == (1, 2, 5) and not why.negate
    waited = template.item("waited")
    assert waited.type is ItemType.NUMBER
    assert waited.show_if is not None and waited.show_if.values == ("tea", "cake")
    when = template.item("when")
    assert when.type is ItemType.DATETIME
    assert when.show_if is not None and when.show_if.negate and when.show_if.values == (0, 1)


@pytest.mark.parametrize(
    "relevant",
    [
        "once(${greet})",
        "${greet} = 'yes' and ${how} = 'nod'",  # two questions: one show-if cannot say it
        "${waited} > 3",  # numeric comparison on an open number
        "selected(${extras}, 'tea') and selected(${extras}, 'cake')",
        "${extras} = 'tea'",
    ],
)
def test_a_relevant_that_cannot_be_translated_names_its_row(relevant: str, tmp_path: Path) -> None:
    form = FORM.replace("${waited} != 0 and ${waited} != 1", relevant.replace("|", "\\|"))
    with pytest.raises(XlsformUnsupportedError) as caught:
        read_xlsform(md(form, tmp_path))
    assert [str(u) for u in caught.value.unsupported] == [
        f'survey row 12, column relevant: cannot translate "{relevant}"'
        + (" (a show-if depends on one question)" if "how" in relevant else "")
        + (" (use selected() for a multiple choice)" if relevant.endswith("'tea'") else "")
    ]
    # --skip-unsupported imports the rest and says what it left out.
    partial = read_xlsform(md(form, tmp_path), skip_unsupported=True)
    assert not partial.template.has_item("when")
    whole = read_xlsform(md(FORM, tmp_path, "whole.md")).template
    assert [i.id for i in partial.template.items()] == [
        i.id for i in whole.items() if i.id != "when"
    ]
    assert [str(u) for u in partial.unsupported] == [str(u) for u in caught.value.unsupported]


def test_every_unsupported_row_is_listed(tmp_path: Path) -> None:
    form = FORM.replace(
        "| integer                | waited |", "| hidden                 | waited |"
    )
    form = form.replace(
        "| range                  | mood   |", "| geopoint               | mood   |"
    )
    with pytest.raises(XlsformUnsupportedError) as caught:
        read_xlsform(md(form, tmp_path))
    listed = [str(u) for u in caught.value.unsupported]
    assert listed[:2] == [
        "survey row 8, column type: a 'geopoint' question cannot be held",
        "survey row 11, column type: a hidden cannot be held (a checklist only asks)",
    ]
    # Questions whose condition names a left-out question are left out too, and say so.
    assert (
        'survey row 9, column relevant: cannot translate "${mood} <= 2 or ${mood} = 5" '
        "('mood' is not an imported question)" in listed
    )
    partial = read_xlsform(md(form, tmp_path), skip_unsupported=True)
    assert {i.id for i in partial.template.items()} == {"intro", "greet", "how", "extras"}


def test_a_fault_of_the_format_names_the_survey_row(tmp_path: Path) -> None:
    form = FORM.replace("| 3               | true ", "| -1              | true ")
    with pytest.raises(TemplateError) as caught:
        read_xlsform(md(form, tmp_path))
    assert str(caught.value) == (
        "form.md: survey row 4, column shopper::weight: must not be negative, got -1"
    )


def test_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"^form\.txt: not an XLSForm workbook"):
        read_xlsform(md("x", tmp_path, "form.txt"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TemplateError) as caught:
        read_xlsform(broken)
    assert str(caught.value).startswith("broken.xlsx: pyxform")
    assert "\n" not in str(caught.value)


# -- writing ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", BUILTINS, ids=[p.name for p in BUILTINS])
def test_every_builtin_exports_and_imports_back_equal(path: Path) -> None:
    template = load_template_file(path).template
    raw = xlsform_bytes(template)
    # pyxform converts the workbook to an XForm without error...
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert(xlsform=raw, file_type=".xlsx", warnings=[])
    # ...and reading it back gives the same template.
    assert read_xlsform_bytes(raw, name=f"{path.stem}.xlsx").template == template


def test_extras_go_in_shopper_columns() -> None:
    template = load_template_file(BUILTINS[0]).template
    header = xlsform_sheets(template)["survey"][0]
    assert {"shopper::weight", "shopper::critical", "shopper::theme"} <= set(header)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_generated_templates_export_and_import_back_equal(data: st.DataObject) -> None:
    with ts.xlsform_friendly():
        template = data.draw(ts.templates(max_items=5))
    assert read_xlsform_bytes(xlsform_bytes(template), name="t.xlsx").template == template


def test_the_samples_are_the_shared_ones() -> None:
    """tests/fixtures/xlsform is a copy of ../shared/xlsform-examples (with its licence), so
    the tests run anywhere: SHA256SUMS, written from the shared folder, names every file of it
    with its hash, and the copies must be those bytes (visit.md and notes.md, Markdown forms,
    are ours)."""
    folder = SAMPLES[0].parent
    sums = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name] = digest
    copies = {p.name for p in folder.iterdir() if p.name != "SHA256SUMS"}
    assert copies - set(sums) == {"visit.md", "notes.md"}
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert {p.name for p in SAMPLES} <= set(sums)


# -- notes and information items ------------------------------------------------------

NOTES = (SAMPLES[0].parent / "notes.md").read_text(encoding="utf-8")


def test_a_note_is_an_information_item_in_place(tmp_path: Path) -> None:
    template = read_xlsform(md(NOTES, tmp_path)).template
    assert [(i.id, i.type) for i in template.items()] == [
        ("open", ItemType.YES_NO),
        ("knock", ItemType.INFO),
        ("said", ItemType.TEXT),
    ]
    knock = template.item("knock")
    assert (knock.prompt, knock.help, knock.prompt_in("fr")) == (
        "Knock twice.",
        "Loudly",
        "Frappez deux fois.",
    )
    assert knock.show_if is not None and (knock.show_if.item, knock.show_if.values) == (
        "open",
        ("no",),
    )
    assert template.sections[0].description == "Go at noon."  # shopper::description
    # And back: the note as a note row, the description on its group's row; equal again.
    survey = xlsform_sheets(template)["survey"]
    header = survey[0]
    rows = [dict(zip(header, row, strict=True)) for row in survey[1:]]
    assert [r["type"] for r in rows] == [
        "begin_group",
        "select_one yes_no",
        "note",
        "text",
        "end_group",
    ]
    assert rows[0]["shopper::description"] == "Go at noon."
    assert (rows[2]["name"], rows[2]["relevant"]) == ("knock", "${open} = 'no'")
    again = read_xlsform_bytes(xlsform_bytes(template), name="notes.xlsx").template
    assert again == template


def test_a_note_takes_no_checklist_field(tmp_path: Path) -> None:
    form = NOTES.replace("| shopper::description |", "| shopper::weight |").replace(
        "| Go at noon.          |", "|                 |"
    )
    form = form.replace(
        "| ${open} = 'no'   |                      |", "| ${open} = 'no'   | 2               |"
    )
    with pytest.raises(XlsformUnsupportedError) as caught:
        read_xlsform(md(form, tmp_path))
    assert [str(u) for u in caught.value.unsupported] == [
        "survey row 4, column shopper::weight: a note (an information item) takes no field"
    ]
