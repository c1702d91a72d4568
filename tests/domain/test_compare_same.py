"""`compare` (each template version planned once, each distinct answer scored and formatted
once, repeated cells shared) gives exactly what it gave when it scored every audit with
`score_audit` and made every cell afresh: that computation is kept here, word for word, as
the reference. Property tests over the built-in checklists, a tricky template in two
versions, drawn templates, and a template whose conditions make a cycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopper.domain import compare as compare_module
from shopper.domain.answers import format_answer
from shopper.domain.compare import (
    AuditColumn,
    AuditInput,
    Cell,
    Comparison,
    ItemRow,
    agreement,
    classify_change,
    compare,
    merged_item_order,
    spread,
    trend,
)
from shopper.domain.scoring import AuditScore, Outcome, score_audit
from shopper.domain.template import NA, Item, ItemType, Section, ShowIf, Template
from shopper.domain.template_loader import load_template_bytes
from tests.domain.template_strategies import templates
from tests.domain.test_scoring_rescore import HEADER, TEMPLATES, TRICKY, candidates

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


# -- the reference: compare as it was before it planned ----------------------------------


def reference_compare(audits: list[AuditInput]) -> Comparison:
    ordered = sorted(audits, key=lambda a: (a.started_at, a.audit_id))
    scores: list[AuditScore] = [score_audit(a.template, a.values) for a in ordered]
    columns = tuple(
        AuditColumn(
            audit_id=a.audit_id,
            started_at=a.started_at,
            started_tz=a.started_tz,
            shopper=a.shopper,
            template_id=a.template.id,
            template_title=a.template.title,
            template_version=a.template.version,
            percent=s.percent,
            verdict=s.verdict,
            passed=s.passed,
        )
        for a, s in zip(ordered, scores, strict=True)
    )
    newest_first: dict[tuple[str, int], Template] = {}
    for audit in reversed(ordered):
        newest_first.setdefault((audit.template.id, audit.template.version), audit.template)
    sections: dict[str, str] = {}
    for template in reversed(newest_first.values()):
        for section in template.sections:
            for item in section.items:
                sections[item.id] = section.title
    rows = []
    weighted = total_weight = 0.0
    for item in merged_item_order(list(newest_first.values())):
        if not item.answerable:
            continue
        cells: list[Cell] = []
        for audit, score in zip(ordered, scores, strict=True):
            cells.append(_reference_cell(audit, score, item.id, cells[-1] if cells else None))
        agree = agreement([c.outcome for c in cells if c.outcome is not None])
        rows.append(
            ItemRow(
                item_id=item.id,
                prompt=item.prompt,
                section=sections[item.id],
                theme=item.theme,
                weight=item.weight,
                cells=tuple(cells),
                agreement=agree,
            )
        )
        if agree is not None and item.weight > 0:
            weighted += item.weight * agree
            total_weight += item.weight
    percents = [s.percent for s in scores if s.percent is not None]
    dated = [
        (a.started_at, s.percent)
        for a, s in zip(ordered, scores, strict=True)
        if s.percent is not None
    ]
    return Comparison(
        audits=columns,
        rows=tuple(rows),
        consistency=100.0 * weighted / total_weight if total_weight else None,
        spread=spread(percents),
        trend=trend(dated),
    )


def _reference_cell(audit: AuditInput, score: AuditScore, item_id: str, prev: Cell | None) -> Cell:
    if not audit.template.has_item(item_id):
        change = None if prev is None else classify_change(prev.outcome, prev.value, None, None)
        return Cell(None, change=change)
    item = audit.template.item(item_id)
    result = score.items[item_id]
    outcome = result.outcome
    value = audit.values.get(item_id)
    if outcome in (Outcome.HIDDEN, Outcome.UNANSWERED):
        value = None
    return Cell(
        outcome=outcome,
        value=value,
        display=format_answer(item, value),
        note=audit.notes.get(item_id, ""),
        points=result.points,
        max_points=result.max_points,
        change=None if prev is None else classify_change(prev.outcome, prev.value, outcome, value),
    )


def same(audits: list[AuditInput]) -> Comparison:
    got, want = compare(audits), reference_compare(audits)
    assert got == want
    # Equal is not enough: 1 == 1.0 == True and -0.0 == 0.0, but each shows otherwise.
    assert repr(got) == repr(want)
    # A list or mapping answer is the audit's own in its cell, as it was read, not another's.
    by_id = {a.audit_id: a for a in audits}
    for row in got.rows:
        for column, cell in zip(got.audits, row.cells, strict=True):
            if isinstance(cell.value, list | dict):
                assert cell.value is by_id[column.audit_id].values[row.item_id]
    return got


# -- the audits compared ------------------------------------------------------------------


# A second version of the tricky template: an item dropped (z), one added (x), one that
# asks no more (w is information: shown in its audits when a version that asks it is the
# newest, no row when this one is), another scale, a weight and a condition changed.
TRICKY_V2 = HEADER.replace("version: 1", "version: 2") + TRICKY.replace(
    "      - {id: z, prompt: Z, type: yes_no, weight: 0, required: true}\n",
    "      - {id: x, prompt: X, type: yes_no, weight: 2, na: true}\n",
).replace(
    "{id: w, prompt: W, type: duration, weight: 2, target: {good: 30, bad: 300}}",
    "{id: w, prompt: W, type: info}",
).replace(
    "{id: e, prompt: E, type: rating, weight: 1.5,",
    "{id: e, prompt: E, type: rating, scale: {min: 0, max: 10}, weight: 2.5,",
).replace("show_if: {item: n, equals: 10}", "show_if: {item: n, not_equals: 10}")
V1 = load_template_bytes((HEADER + TRICKY).encode(), name="t.yaml").template
V2 = load_template_bytes(TRICKY_V2.encode(), name="t2.yaml").template
NOTES = ["", "", "", "late", "rude at the till", "late"]


@st.composite
def histories(draw: st.DrawFn, versions: list[Template]) -> list[AuditInput]:
    """2-10 audits on the given versions: answers drawn among each item's stored forms
    (N/A, unanswered, numbers with and without a fraction, answers the conditions hide),
    notes, and start times that may tie."""
    audits = []
    for number in range(draw(st.integers(min_value=2, max_value=10))):
        template = draw(st.sampled_from(versions))
        values: dict[str, Any] = {}
        notes: dict[str, str] = {}
        for item in template.items():
            choices = candidates(item)
            value = draw(st.sampled_from(choices)) if choices else None
            if value is not None:
                values[item.id] = value
            note = draw(st.sampled_from(NOTES))
            if note:
                notes[item.id] = note
        audits.append(
            AuditInput(
                audit_id=f"a{draw(st.integers(0, 99)):02d}-{number}",
                started_at=T0 + timedelta(days=draw(st.integers(0, 5))),
                template=template,
                values=values,
                notes=notes,
                shopper=draw(st.sampled_from(["", "Ann"])),
                started_tz=draw(st.sampled_from(["UTC", "Europe/Warsaw"])),
            )
        )
    return audits


@pytest.mark.parametrize("template", TEMPLATES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_template_compared_as_before(template: Template, data: Any) -> None:
    same(data.draw(histories([template])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(audits=histories([V1, V2]))
def test_two_versions_compared_as_before(audits: list[AuditInput]) -> None:
    same(audits)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_templates_compared_as_before(data: Any) -> None:
    first = data.draw(templates())
    second = data.draw(templates())
    # The second as another version of the first: the same id, items lined up by id.
    later = replace(second, id=first.id, version=first.version + 1)
    same(data.draw(histories([first, later])))


def test_the_versions_reach_what_they_are_made_for() -> None:
    # The property tests only mean something if every kind of cell turns up.
    # The second version first: the newest is the first, where w asks for a duration.
    values = {"a": "yes", "b": "no", "c": "full", "d": 5, "e": 1, "w": 40.0, "k": 0}
    first = AuditInput("a1", T0, V2, values | {"x": "na"}, {"b": "late"})
    second = AuditInput("a2", T0 + timedelta(days=1), V1, values | {"b": "yes", "n": -0.0})
    third = AuditInput("a3", T0 + timedelta(days=2), V1, values | {"b": "yes", "n": 0.0})
    result = same([first, second, third])
    outcomes = {c.outcome for row in result.rows for c in row.cells}
    assert {Outcome.PASS, Outcome.FAIL, Outcome.NA, Outcome.HIDDEN} <= outcomes
    assert {Outcome.UNANSWERED, Outcome.SHOWN, None} <= outcomes
    by_id = {row.item_id: row for row in result.rows}
    assert by_id["w"].cells[0].outcome is Outcome.SHOWN  # information in the second version
    assert by_id["z"].cells[0].outcome is None  # not in it
    assert by_id["x"].cells[0].outcome is Outcome.NA  # only in it
    assert by_id["b"].cells[0].note == "late"
    assert [c.text for c in by_id["n"].cells[1:]] == ["-0", "0"]  # equal, not alike


def test_conditions_in_a_cycle_are_scored_as_scoring_does() -> None:
    # The loader refuses a cycle; a template made by hand can still hold one.
    a = Item("a", "A", ItemType.YES_NO, show_if=ShowIf("b", ("yes",)))
    b = Item("b", "B", ItemType.YES_NO, show_if=ShowIf("a", ("yes",)))
    c = Item("c", "C", ItemType.YES_NO, weight=2, allow_na=True)
    template = Template("t", 1, "T", "store", (Section("s", "S", (a, b, c)),))
    values: list[dict[str, Any]] = [{"a": "yes", "b": "yes", "c": "no"}, {"c": NA}, {}]
    result = same([AuditInput(f"a{n}", T0, template, v) for n, v in enumerate(values)])
    assert [c.outcome for c in result.rows[0].cells] == [Outcome.HIDDEN] * 3


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(audits=histories([V1, V2]))
def test_plans_and_answers_kept_few_compare_as_before(audits: list[AuditInput]) -> None:
    # Plans are kept between comparisons, and each item's distinct answers: with room for
    # one plan and two answers, plans are dropped and made again, answers forgotten.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compare_module, "PLANS_KEPT", 1)
        patch.setattr(compare_module, "STATES_KEPT", 2)
        same(audits)
        same(list(reversed(audits)))
