"""`rescore` (a save scores one answer, not the whole audit) gives exactly `score_audit`'s
result, whatever the template and the order of the answers: property tests over the
built-in checklists and a few made to be tricky (chained conditions across sections,
critical and required items, weights, bands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopper.domain.answers import normalize_answer
from shopper.domain.errors import AnswerError
from shopper.domain.scoring import AuditScore, rescore, score_audit
from shopper.domain.template import NA, Item, ItemType, Template
from shopper.domain.template_loader import load_template_bytes

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "resources" / "templates"
BUILTIN = sorted(TEMPLATES_DIR.glob("*.yaml")) + sorted((TEMPLATES_DIR / "released").glob("*.yaml"))

HEADER = """\
format: 1
id: 6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f
version: 1
title: Tricky
touchpoint: phone
bands:
  - {name: Good, min: 80, pass: true}
  - {name: Fair, min: 50, pass: true}
  - {name: Poor, min: 0, pass: false}
"""

# A chain of conditions that runs across sections and back (c shows d in another section,
# d shows e back in the first), a critical item shown by a condition, a negated condition,
# a condition on a multiple choice, required items, weights from 0 to 5 and a section that
# only holds conditional items.
TRICKY = """\
sections:
  - id: s1
    title: One
    items:
      - {id: a, prompt: A, type: yes_no, weight: 3, required: true, na: true}
      - id: b
        prompt: B
        type: yes_no
        critical: true
        weight: 2
        show_if: {item: a, equals: "yes"}
      - {id: e, prompt: E, type: rating, weight: 1.5, show_if: {item: d, equals: [4, 5]}}
      - {id: z, prompt: Z, type: yes_no, weight: 0, required: true}
  - id: s2
    title: Two
    items:
      - id: c
        prompt: C
        type: single_choice
        weight: 4
        required: true
        na: true
        options: [{key: full, score: 1}, {key: half, score: 0.5}, {key: none, score: 0}]
      - id: m
        prompt: M
        type: multi_choice
        weight: 2
        options: [{key: p, score: 0.5}, {key: q, score: 0.75}, {key: r, score: 0}]
      - {id: t, prompt: T, type: text, show_if: {item: m, equals: q}}
  - id: s3
    title: Three
    items:
      - id: d
        prompt: D
        type: rating
        weight: 5
        critical: true
        show_if: {item: c, equals: [full, half]}
      - id: n
        prompt: N
        type: number
        weight: 1
        target: {good: 10, bad: 60}
        required: true
        show_if: {item: b, not_equals: "no"}
      - {id: k, prompt: K, type: count, critical: true, target: {good: 0, bad: 3}}
      - {id: w, prompt: W, type: duration, weight: 2, target: {good: 30, bad: 300}}
  - id: s4
    title: Four
    items:
      - {id: f, prompt: F, type: yes_no, required: true, show_if: {item: n, equals: 10}}
      - {id: g, prompt: G, type: datetime, show_if: {item: f, equals: "no"}}
"""


def load(path: Path) -> Template:
    return load_template_bytes(path.read_bytes(), name=path.name).template


TEMPLATES = [pytest.param(load(p), id=p.stem) for p in BUILTIN] + [
    pytest.param(
        load_template_bytes((HEADER + TRICKY).encode(), name="t.yaml").template, id="tricky"
    )
]


def candidates(item: Item) -> list[Any]:
    """Answers to try on an item (kept only if the item takes them), and None to clear it."""
    raw: list[Any] = [None, NA, "yes", "no", "ok", "  ", 0, 1, 2, 3, 4, 5, 7, 10, 45, 60, 90]
    raw += [opt.key for opt in item.options]
    keys = [opt.key for opt in item.options]
    raw += [keys[:1], keys[1:3], keys, []]
    if item.scale is not None:
        raw += list(range(item.scale.min, item.scale.max + 1))
    if item.target is not None:
        good, bad = item.target.good, item.target.bad
        raw += [good, bad, (good + bad) / 2, good - 1, bad + 1]
    if item.minimum is not None:
        raw.append(item.minimum)
    if item.maximum is not None:
        raw.append(item.maximum)
    if item.type is ItemType.DATETIME:
        raw.append("2025-05-12T10:00:00+02:00")
    kept: list[Any] = []
    for value in raw:
        try:
            stored = normalize_answer(item, value)
        except (AnswerError, ValueError, TypeError):
            continue
        if stored not in kept:
            kept.append(stored)
    return kept


@st.composite
def answer_sequences(draw: st.DrawFn, template: Template) -> list[dict[str, Any]]:
    """Changes one after another: each a few items set or cleared, mostly one (a save)."""
    answers = {item.id: candidates(item) for item in template.items()}
    ids = list(answers)
    steps = []
    for _ in range(draw(st.integers(min_value=1, max_value=30))):
        picked = draw(st.lists(st.sampled_from(ids), min_size=0, max_size=3, unique=True))
        steps.append({item_id: draw(st.sampled_from(answers[item_id])) for item_id in picked})
    return steps


def applied(values: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    after = dict(values)
    for item_id, value in change.items():
        if value is None:
            after.pop(item_id, None)
        else:
            after[item_id] = value
    return after


def same(got: AuditScore, want: AuditScore) -> None:
    assert got == want
    assert list(got.items) == list(want.items)  # in template order, as the whole scoring


@pytest.mark.parametrize("template", TEMPLATES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rescoring_a_change_is_scoring_the_whole_audit(template: Template, data: Any) -> None:
    values: dict[str, Any] = {}
    score = score_audit(template, values)
    for change in data.draw(answer_sequences(template)):
        values = applied(values, change)
        score = rescore(template, score, values, change.keys())
        same(score, score_audit(template, values))


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_answer_of_every_item_rescored_from_a_full_audit(template: Template) -> None:
    # Every candidate answer of every item, one after another, from an audit where every
    # item has an answer (conditions shown): each save agrees with the whole scoring.
    values = {}
    for item in template.items():
        found = [v for v in candidates(item) if v is not None and v != NA]
        if found:
            values[item.id] = found[0]
    score = score_audit(template, values)
    for item in template.items():
        for value in candidates(item):
            values = applied(values, {item.id: value})
            score = rescore(template, score, values, (item.id,))
            same(score, score_audit(template, values))


def test_the_tricky_template_reaches_what_it_is_made_for() -> None:
    # The property tests above only mean something if the conditions do show and hide.
    template = load_template_bytes((HEADER + TRICKY).encode(), name="t.yaml").template
    values = {"a": "yes", "b": "no", "c": "full", "d": 5, "e": 1}
    score = score_audit(template, values)
    assert score.critical_failures == ("b",)
    assert score.items["e"].outcome.value == "fail"
    assert template.shown_by("c") == {"d", "e"}
    values = applied(values, {"c": "none"})  # hides d, and so e, in another section
    score = rescore(template, score, values, ("c",))
    assert score.items["d"].outcome.value == "hidden"
    assert score.items["e"].outcome.value == "hidden"
    assert score == score_audit(template, values)


def test_a_change_to_an_item_the_template_lacks_is_scored_whole() -> None:
    template = TEMPLATES[-1].values[0]
    assert isinstance(template, Template)
    score = score_audit(template, {})
    values = {"a": "yes", "gone": "yes"}
    assert rescore(template, score, values, ("a", "gone")) == score_audit(template, values)
