"""Scoring: worked examples with hand-computed numbers (rules in scoring.py)."""

from __future__ import annotations

from typing import Any

import pytest

from shopper.domain.scoring import (
    AuditScore,
    ItemScore,
    Outcome,
    item_fraction,
    outcome_for,
    score_audit,
    score_item,
    visible_items,
)
from shopper.domain.template import Band, Template
from shopper.domain.template_loader import load_template_bytes

HEADER = """\
format: 1
id: 6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f
version: 1
title: Scoring
touchpoint: phone
"""


def build(body: str, header: str = HEADER) -> Template:
    return load_template_bytes((header + body).encode(), name="t.yaml").template


def one_section(*items: str, header: str = HEADER) -> Template:
    lines = "".join(f"      - {item}\n" for item in items)
    return build(f"sections:\n  - id: s\n    title: S\n    items:\n{lines}", header=header)


# -- a worked example -------------------------------------------------------------

WORKED = build("""\
sections:
  - id: a
    title: Greeting
    items:
      - {id: q1, prompt: Q, type: yes_no, weight: 3}
      - {id: q2, prompt: Q, type: yes_no, weight: 1}
      - {id: q3, prompt: Q, type: rating, weight: 2}
  - id: b
    title: Answer
    items:
      - id: q4
        prompt: Q
        type: single_choice
        weight: 4
        options: [{key: full, score: 1}, {key: half, score: 0.5}, {key: none, score: 0}]
      - {id: q5, prompt: Q, type: text}
""")


def test_weighted_points() -> None:
    # q1 yes 3/3, q2 no 0/1, q3 rating 4 on 1-5 = 0.75 * 2 = 1.5/2, q4 half 2/4, q5 text unscored.
    score = score_audit(WORKED, {"q1": "yes", "q2": "no", "q3": 4, "q4": "half", "q5": "ok"})
    assert score.points == pytest.approx(6.5)
    assert score.max_points == pytest.approx(10.0)
    assert score.percent == pytest.approx(65.0)
    assert score.band == Band("Needs work", 60.0, True)
    assert score.verdict == "Needs work"
    assert score.passed is True
    assert score.critical_failures == ()
    assert (score.answered, score.visible) == (5, 5)
    assert score.items["q1"] == ItemScore("q1", Outcome.PASS, 3.0, 3.0)
    assert score.items["q2"] == ItemScore("q2", Outcome.FAIL, 0.0, 1.0)
    assert score.items["q3"] == ItemScore("q3", Outcome.PASS, 1.5, 2.0)
    assert score.items["q4"] == ItemScore("q4", Outcome.PARTIAL, 2.0, 4.0)
    assert score.items["q5"] == ItemScore("q5", Outcome.INFO)
    assert score.items["q3"].fraction == pytest.approx(0.75)
    assert score.items["q5"].fraction is None
    assert score.items["q5"].counted is False


def test_section_scores() -> None:
    score = score_audit(WORKED, {"q1": "yes", "q2": "no", "q3": 4, "q4": "half", "q5": "ok"})
    a, b = score.sections
    assert (a.section_id, a.title, b.section_id, b.title) == ("a", "Greeting", "b", "Answer")
    assert (a.points, a.max_points, a.answered, a.visible) == (4.5, 6.0, 3, 3)
    assert a.percent == pytest.approx(75.0)
    assert (b.points, b.max_points, b.answered, b.visible) == (2.0, 4.0, 2, 2)
    assert b.percent == pytest.approx(50.0)


def test_section_without_scored_answers_has_no_percent() -> None:
    score = score_audit(WORKED, {"q1": "yes", "q5": "only a note"})
    assert score.sections[1].percent is None
    assert (score.sections[1].answered, score.sections[1].visible) == (1, 2)
    assert score.percent == pytest.approx(100.0)


def test_na_is_left_out_on_both_sides() -> None:
    # q1 N/A: 0 + 1.5 + 2 = 3.5 of 1 + 2 + 4 = 7 -> 50 %.
    score = score_audit(WORKED, {"q1": "na", "q2": "no", "q3": 4, "q4": "half"})
    assert score.items["q1"] == ItemScore("q1", Outcome.NA)
    assert score.items["q1"].counted is False
    assert (score.points, score.max_points) == (3.5, 7.0)
    assert score.percent == pytest.approx(50.0)
    assert score.verdict == "Fail"
    assert score.passed is False
    assert score.answered == 4  # an N/A answer is an answer


def test_unanswered_items_are_left_out() -> None:
    # Only q1 yes (3/3) and q2 no (0/1): 3 of 4 -> 75 %.
    score = score_audit(WORKED, {"q1": "yes", "q2": "no"})
    assert (score.points, score.max_points) == (3.0, 4.0)
    assert score.percent == pytest.approx(75.0)
    assert score.items["q3"] == ItemScore("q3", Outcome.UNANSWERED)
    assert (score.answered, score.visible) == (2, 5)


def test_empty_answer_set_is_not_scored_yet() -> None:
    score = score_audit(WORKED, {})
    assert score.percent is None
    assert score.band is None
    assert score.verdict == "Not scored yet"
    assert score.passed is None
    assert (score.points, score.max_points, score.answered, score.visible) == (0, 0, 0, 5)
    assert all(s.outcome is Outcome.UNANSWERED for s in score.items.values())


@pytest.mark.parametrize(
    "answers",
    [{"q5": "just a note"}, {"q1": "na", "q2": "na"}, {"q1": None}],
)
def test_nothing_scored_yet(answers: dict[str, Any]) -> None:
    score = score_audit(WORKED, answers)
    assert score.percent is None
    assert score.verdict == "Not scored yet"
    assert score.passed is None


# -- show_if --------------------------------------------------------------------------

CONDITIONAL = one_section(
    "{id: reached, prompt: Q, type: yes_no}",
    "{id: greeted, prompt: Q, type: yes_no, show_if: {item: reached, equals: yes}}",
    "{id: name, prompt: Q, type: yes_no, weight: 5, show_if: {item: greeted, equals: yes}}",
    "{id: hold, prompt: Q, type: duration, weight: 2, target: {good: '0:30', bad: '5:00'},"
    " show_if: {item: reached, equals: yes}}",
    "{id: why_not, prompt: Q, type: text, required: true,"
    " show_if: {item: reached, not_equals: yes}}",
)


def test_hidden_items_are_not_scored() -> None:
    # Not reached: the stored answers of the dependent items are kept but not scored.
    answers = {"reached": "no", "greeted": "yes", "name": "yes", "hold": 60.0}
    score = score_audit(CONDITIONAL, answers)
    assert visible_items(CONDITIONAL, answers) == {"reached", "why_not"}
    for item_id in ("greeted", "name", "hold"):
        assert score.items[item_id] == ItemScore(item_id, Outcome.HIDDEN)
    assert (score.points, score.max_points) == (0.0, 1.0)
    assert score.percent == 0.0
    assert score.verdict == "Fail"
    assert (score.answered, score.visible) == (1, 2)
    assert score.required_missing == ("why_not",)


def test_chained_show_if_hides_the_whole_chain() -> None:
    # `name` depends on `greeted`, which depends on `reached`: hiding `greeted` hides `name`
    # even though `greeted` still holds "yes".
    answers = {"reached": "no", "greeted": "yes", "name": "yes"}
    assert "name" not in visible_items(CONDITIONAL, answers)
    answers["reached"] = "yes"
    assert {"greeted", "name"} <= visible_items(CONDITIONAL, answers)


def test_partly_hidden_chain() -> None:
    # reached yes 1/1, greeted no 0/1, name hidden (greeted is not yes),
    # hold 60 s: (300 - 60) / (300 - 30) = 8/9 of 2 points.
    answers = {"reached": "yes", "greeted": "no", "name": "yes", "hold": 60.0}
    score = score_audit(CONDITIONAL, answers)
    assert score.items["name"].outcome is Outcome.HIDDEN
    assert score.items["why_not"].outcome is Outcome.HIDDEN
    assert score.items["hold"].points == pytest.approx(16 / 9)
    assert score.points == pytest.approx(1 + 16 / 9)
    assert score.max_points == pytest.approx(4.0)
    assert score.percent == pytest.approx(100 * (1 + 16 / 9) / 4)  # 69.44 %
    assert score.verdict == "Needs work"
    assert score.required_missing == ()


def test_unanswered_controlling_item_hides_even_not_equals() -> None:
    assert visible_items(CONDITIONAL, {}) == {"reached"}
    assert visible_items(CONDITIONAL, {"reached": "na"}) == {"reached", "why_not"}


def test_show_if_on_multi_choice_means_among_the_selection() -> None:
    t = one_section(
        "{id: channels, prompt: Q, type: multi_choice, options: [email, form, phone]}",
        "{id: reply, prompt: Q, type: yes_no, show_if: {item: channels, equals: [email, form]}}",
    )
    assert "reply" in visible_items(t, {"channels": ["form", "phone"]})
    assert "reply" not in visible_items(t, {"channels": ["phone"]})
    assert "reply" not in visible_items(t, {"channels": []})


def test_long_show_if_chain_in_reverse_order() -> None:
    # Each item depends on the next one; scoring used to recurse once per link and hit
    # Python's recursion limit on long chains.
    n = 1500
    items = [
        f"{{id: i{k}, prompt: Q, type: yes_no, show_if: {{item: i{k + 1}, equals: yes}}}}"
        for k in range(n - 1)
    ]
    t = one_section(*items, f"{{id: i{n - 1}, prompt: Q, type: yes_no}}")
    answers = {f"i{k}": "yes" for k in range(n)}
    score = score_audit(t, answers)
    assert score.percent == 100.0
    answers[f"i{n // 2}"] = "no"
    assert len(visible_items(t, answers)) == n - n // 2


# -- item fractions by type ---------------------------------------------------------------

TYPES = one_section(
    "{id: multi, prompt: Q, type: multi_choice, weight: 2, options: [{key: a, score: 0.3},"
    " {key: b, score: 0.5}, {key: c, score: 0.4}, {key: d, score: 0}]}",
    "{id: lower_better, prompt: Q, type: number, target: {good: 10, bad: 50}}",
    "{id: higher_better, prompt: Q, type: count, target: {good: 10, bad: 2}}",
    "{id: hold, prompt: Q, type: duration, target: {good: '0:30', bad: '5:00'}}",
    "{id: five, prompt: Q, type: rating}",
    "{id: ten, prompt: Q, type: rating, scale: {min: 0, max: 10}}",
    "{id: four, prompt: Q, type: rating, scale: {min: 1, max: 4}}",
    "{id: repeat, prompt: Q, type: yes_no, pass: no}",
    "{id: free, prompt: Q, type: number}",
    "{id: zero, prompt: Q, type: yes_no, weight: 0}",
    "{id: pick, prompt: Q, type: single_choice, options: [x, y]}",
    "{id: partly, prompt: Q, type: single_choice, options: [{key: x, score: 1}, y]}",
    "{id: when, prompt: Q, type: datetime}",
)


@pytest.mark.parametrize(
    ("value", "fraction", "outcome"),
    [
        (["a"], 0.3, Outcome.FAIL),
        (["a", "c"], 0.7, Outcome.PARTIAL),
        (["a", "b"], 0.8, Outcome.PASS),
        (["a", "b", "c"], 1.0, Outcome.PASS),  # 1.2 capped at 1
        (["a", "b", "c", "d"], 1.0, Outcome.PASS),
        (["d"], 0.0, Outcome.FAIL),
        ([], 0.0, Outcome.FAIL),
    ],
)
def test_multi_choice_sums_capped_at_one(
    value: list[str], fraction: float, outcome: Outcome
) -> None:
    item = TYPES.item("multi")
    assert item_fraction(item, value) == pytest.approx(fraction)
    result = score_item(item, value)
    assert result.outcome is outcome
    assert result.points == pytest.approx(2 * fraction)
    assert result.max_points == 2.0


@pytest.mark.parametrize(
    ("item_id", "value", "fraction"),
    [
        # good 10 below bad 50
        ("lower_better", 10, 1.0),
        ("lower_better", 0, 1.0),
        ("lower_better", -5, 1.0),
        ("lower_better", 30, 0.5),
        ("lower_better", 40, 0.25),
        ("lower_better", 50, 0.0),
        ("lower_better", 90, 0.0),
        # good 10 above bad 2
        ("higher_better", 12, 1.0),
        ("higher_better", 10, 1.0),
        ("higher_better", 6, 0.5),
        ("higher_better", 4, 0.25),
        ("higher_better", 2, 0.0),
        ("higher_better", 0, 0.0),
        # duration in seconds: good 30, bad 300
        ("hold", 10.0, 1.0),
        ("hold", 30.0, 1.0),
        ("hold", 165.0, 0.5),
        ("hold", 232.5, 0.25),
        ("hold", 300.0, 0.0),
        ("hold", 3600.0, 0.0),
    ],
)
def test_numeric_target_is_linear_and_clamped(item_id: str, value: float, fraction: float) -> None:
    assert item_fraction(TYPES.item(item_id), value) == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("item_id", "value", "fraction", "outcome"),
    [
        ("five", 1, 0.0, Outcome.FAIL),
        ("five", 2, 0.25, Outcome.FAIL),
        ("five", 3, 0.5, Outcome.PARTIAL),
        ("five", 4, 0.75, Outcome.PASS),
        ("five", 5, 1.0, Outcome.PASS),
        ("ten", 0, 0.0, Outcome.FAIL),
        ("ten", 7, 0.7, Outcome.PARTIAL),
        ("ten", 10, 1.0, Outcome.PASS),
        ("four", 3, 2 / 3, Outcome.PARTIAL),
        ("four", 2, 1 / 3, Outcome.FAIL),
    ],
)
def test_rating_is_linear(item_id: str, value: int, fraction: float, outcome: Outcome) -> None:
    item = TYPES.item(item_id)
    assert item_fraction(item, value) == pytest.approx(fraction)
    assert score_item(item, value).outcome is outcome


def test_yes_no_with_no_as_the_passing_answer() -> None:
    item = TYPES.item("repeat")
    assert score_item(item, "no") == ItemScore("repeat", Outcome.PASS, 1.0, 1.0)
    assert score_item(item, "yes") == ItemScore("repeat", Outcome.FAIL, 0.0, 1.0)


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        ("free", 12.0),  # number without a target
        ("zero", "yes"),  # weight 0
        ("pick", "x"),  # no option has a score
        ("partly", "y"),  # the chosen option has no score
        ("when", {"utc": "2026-11-23T09:00:00+00:00", "tz": "UTC"}),
    ],
)
def test_unscored_answers_are_info(item_id: str, value: Any) -> None:
    item = TYPES.item(item_id)
    assert item_fraction(item, value) is None
    assert score_item(item, value) == ItemScore(item_id, Outcome.INFO)


def test_partly_scored_single_choice() -> None:
    assert score_item(TYPES.item("partly"), "x") == ItemScore("partly", Outcome.PASS, 1.0, 1.0)


def test_score_item_states() -> None:
    item = TYPES.item("five")
    assert score_item(item, 5, visible=False) == ItemScore("five", Outcome.HIDDEN)
    assert score_item(item, None) == ItemScore("five", Outcome.UNANSWERED)
    assert score_item(item, "na") == ItemScore("five", Outcome.NA)


@pytest.mark.parametrize(
    ("fraction", "outcome"),
    [
        (0.0, Outcome.FAIL),
        (0.49, Outcome.FAIL),
        (0.4999999, Outcome.FAIL),
        (0.5, Outcome.PARTIAL),
        (0.6, Outcome.PARTIAL),
        (0.7499999, Outcome.PARTIAL),
        (0.75, Outcome.PASS),
        (1.0, Outcome.PASS),
    ],
)
def test_outcome_thresholds(fraction: float, outcome: Outcome) -> None:
    assert outcome_for(fraction) is outcome


# -- critical items ---------------------------------------------------------------------

CRITICAL = one_section(
    "{id: reached, prompt: Q, type: yes_no, critical: true}",
    "{id: ease, prompt: Q, type: rating, critical: true}",
    "{id: rest, prompt: Q, type: yes_no, weight: 8}",
    "{id: later, prompt: Q, type: yes_no, critical: true, show_if: {item: rest, equals: no}}",
)


def test_critical_failure_fails_regardless_of_percent() -> None:
    # reached no 0/1, ease 5 1/1, rest yes 8/8: 9 of 10 = 90 %, band Good, but failed.
    score = score_audit(CRITICAL, {"reached": "no", "ease": 5, "rest": "yes"})
    assert score.percent == pytest.approx(90.0)
    assert score.band is not None
    assert score.band.name == "Good"
    assert score.critical_failures == ("reached",)
    assert score.verdict == "Critical failure"
    assert score.passed is False


def test_critical_items_that_pass_or_are_partial() -> None:
    # ease 3 is partial (0.5), not a failure: 1 + 0.5 + 8 = 9.5 of 10.
    score = score_audit(CRITICAL, {"reached": "yes", "ease": 3, "rest": "yes"})
    assert score.critical_failures == ()
    assert score.percent == pytest.approx(95.0)
    assert score.verdict == "Good"
    assert score.passed is True


def test_critical_rating_that_fails() -> None:
    score = score_audit(CRITICAL, {"reached": "yes", "ease": 2, "rest": "yes"})
    assert score.critical_failures == ("ease",)
    assert score.verdict == "Critical failure"


def test_critical_na_hidden_or_unanswered_is_no_failure() -> None:
    # `later` holds "no" but is hidden while rest is yes.
    score = score_audit(CRITICAL, {"reached": "na", "rest": "yes", "later": "no"})
    assert score.critical_failures == ()
    assert score.verdict == "Good"
    score = score_audit(CRITICAL, {"reached": "yes", "ease": 5, "rest": "no", "later": "no"})
    assert score.critical_failures == ("later",)


def test_several_critical_failures_in_template_order() -> None:
    score = score_audit(CRITICAL, {"reached": "no", "ease": 1, "rest": "no", "later": "no"})
    assert score.critical_failures == ("reached", "ease", "later")
    assert score.passed is False


# -- required items -------------------------------------------------------------------------

REQUIRED = build("""\
sections:
  - id: one
    title: One
    items:
      - {id: gate, prompt: Q, type: yes_no}
      - {id: r_visible, prompt: Q, type: yes_no, required: true}
      - {id: r_answered, prompt: Q, type: rating, required: true}
      - {id: r_hidden, prompt: Q, type: text, required: true, show_if: {item: gate, equals: yes}}
      - {id: optional, prompt: Q, type: yes_no}
  - id: two
    title: Two
    items:
      - {id: r_text, prompt: Q, type: text, required: true}
      - {id: r_na, prompt: Q, type: yes_no, required: true}
""")


def test_required_missing_lists_only_visible_unanswered_required_items() -> None:
    score = score_audit(REQUIRED, {"gate": "no", "r_answered": 4, "r_na": "na"})
    assert score.required_missing == ("r_visible", "r_text")


def test_required_missing_includes_items_shown_by_a_condition() -> None:
    score = score_audit(REQUIRED, {"gate": "yes", "r_answered": 4, "r_text": "x", "r_na": "no"})
    assert score.required_missing == ("r_visible", "r_hidden")


def test_required_missing_when_nothing_is_answered() -> None:
    score = score_audit(REQUIRED, {})
    assert score.required_missing == ("r_visible", "r_answered", "r_text", "r_na")


# -- bands ------------------------------------------------------------------------------------

CUSTOM_BANDS = f"""\
{HEADER}bands:
  - {{name: Bad, min: 0, pass: false}}
  - {{name: Excellent, min: 90}}
  - {{name: Weak, min: 40, pass: false}}
  - {{name: Fine, min: 70}}
"""
TEN_ITEMS = [f"{{id: q{k}, prompt: Q, type: yes_no}}" for k in range(10)]
TEN = one_section(*TEN_ITEMS, header=CUSTOM_BANDS)


@pytest.mark.parametrize(
    ("yes_count", "band", "passed"),
    [
        (10, "Excellent", True),
        (9, "Excellent", True),
        (8, "Fine", True),
        (7, "Fine", True),
        (6, "Weak", False),
        (4, "Weak", False),
        (3, "Bad", False),
        (0, "Bad", False),
    ],
)
def test_custom_bands(yes_count: int, band: str, passed: bool) -> None:
    answers = {f"q{k}": "yes" if k < yes_count else "no" for k in range(10)}
    score = score_audit(TEN, answers)
    assert score.percent == pytest.approx(10.0 * yes_count)
    assert score.band is not None
    assert score.band.name == band
    assert score.verdict == band
    assert score.passed is passed


@pytest.mark.parametrize(
    ("percent", "name"),
    [(100.0, "Good"), (80.0, "Good"), (79.99, "Needs work"), (60.0, "Needs work"), (59.9, "Fail")],
)
def test_default_bands(percent: float, name: str) -> None:
    assert WORKED.band_for(percent).name == name


def test_exact_band_boundary_survives_float_noise() -> None:
    # 0.1 + 0.35 of 0.1 + 0.3 + 0.35 is exactly 60 %, but in floats 59.99999999999999.
    t = one_section(
        "{id: a, prompt: Q, type: yes_no, weight: 0.1}",
        "{id: b, prompt: Q, type: yes_no, weight: 0.3}",
        "{id: c, prompt: Q, type: yes_no, weight: 0.35}",
    )
    score = score_audit(t, {"a": "yes", "b": "no", "c": "yes"})
    assert score.percent == pytest.approx(60.0)
    assert score.verdict == "Needs work"


def test_audit_score_properties_without_band() -> None:
    score = AuditScore(0.0, 0.0, None, ("x",), (), {}, 0, 0, ())
    assert score.percent is None
    assert score.verdict == "Critical failure"
    assert score.passed is False


# -- information items ----------------------------------------------------------------


def test_an_information_item_counts_nowhere() -> None:
    template = one_section(
        "{id: a, prompt: A, type: yes_no, required: true}",
        "{id: read_me, prompt: Now ask for the manager, type: info}",
        "{id: later_note, prompt: Only when a is no, type: info, show_if: {item: a, equals: no}}",
    )
    before = score_audit(template, {})
    assert (before.visible, before.answered, before.required_missing) == (1, 0, ("a",))
    assert before.items["read_me"].outcome is Outcome.SHOWN
    assert before.items["later_note"].outcome is Outcome.HIDDEN
    after = score_audit(template, {"a": "no"})
    assert (after.visible, after.answered, after.max_points) == (1, 1, 1.0)
    assert after.items["later_note"].outcome is Outcome.SHOWN
    assert after.sections[0].visible == 1
    assert visible_items(template, {"a": "no"}) == {"a", "read_me", "later_note"}
    assert score_item(template.item("read_me"), None) == ItemScore("read_me", Outcome.SHOWN)
