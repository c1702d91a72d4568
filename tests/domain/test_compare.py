"""Comparing audits: change classification, agreement, consistency, spread and trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shopper.domain.compare import (
    NOT_IN_VERSION,
    AuditInput,
    Change,
    Direction,
    agreement,
    classify_change,
    compare,
    merged_item_order,
    spread,
    trend,
)
from shopper.domain.scoring import Outcome, score_audit
from shopper.domain.template import Template
from shopper.domain.template_loader import load_template_bytes
from shopper.domain.themes import NO_THEME, month_of, theme_tallies

P, PA, F = Outcome.PASS, Outcome.PARTIAL, Outcome.FAIL
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def template(items: str, *, version: int = 1) -> Template:
    source = f"""\
format: 1
id: 5e0c9a4b-2f7d-4c1e-8a6b-3d2e1f0a9b8c
version: {version}
title: T
touchpoint: store
sections:
  - id: s
    title: Visit
    items:
{items}"""
    return load_template_bytes(source.encode(), name="t.yaml").template


BASIC = template("""\
      - {id: clean, prompt: Clean, type: yes_no, weight: 2, theme: brand}
      - {id: stars, prompt: Stars, type: rating, theme: empathy}
      - {id: when, prompt: When, type: datetime}
      - {id: extra, prompt: Extra, type: yes_no, show_if: {item: clean, equals: "no"}}
""")


def audit(name: str, days: int, values: dict[str, Any], tpl: Template = BASIC) -> AuditInput:
    return AuditInput(name, T0 + timedelta(days=days), tpl, values)


# -- classify_change ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "before_value", "after", "after_value", "expected"),
    [
        (F, "no", P, "yes", Change.FIXED),
        (F, 1, PA, 3, Change.FIXED),
        (PA, 3, P, 5, Change.FIXED),
        (P, "yes", F, "no", Change.REGRESSED),
        (P, 5, PA, 3, Change.REGRESSED),
        (PA, 3, F, 1, Change.REGRESSED),
        (P, "yes", P, "yes", Change.UNCHANGED),
        (P, 4, P, 5, Change.CHANGED),  # both pass, another answer
        (F, 0.0, F, 10.0, Change.CHANGED),
        (Outcome.NA, "na", Outcome.NA, "na", Change.UNCHANGED),
        (Outcome.HIDDEN, None, Outcome.HIDDEN, None, Change.UNCHANGED),
        (Outcome.NA, "na", P, "yes", Change.CHANGED),  # N/A is not worse than anything
        (P, "yes", Outcome.UNANSWERED, None, Change.CHANGED),
        (Outcome.HIDDEN, None, F, "no", Change.CHANGED),
        (None, None, P, "yes", Change.NOT_COMPARABLE),  # not in the earlier version
        (F, "no", None, None, Change.NOT_COMPARABLE),
        (Outcome.INFO, "a", Outcome.INFO, "b", Change.NOT_COMPARABLE),  # unscored
        (Outcome.INFO, "a", Outcome.UNANSWERED, None, Change.NOT_COMPARABLE),
    ],
)
def test_classify_change(
    before: Outcome | None,
    before_value: Any,
    after: Outcome | None,
    after_value: Any,
    expected: Change,
) -> None:
    assert classify_change(before, before_value, after, after_value) is expected


def test_change_markers() -> None:
    assert (Change.FIXED.marker, Change.REGRESSED.marker, Change.CHANGED.marker) == (
        "▲",
        "▼",
        "●",
    )
    assert Change.UNCHANGED.marker == Change.NOT_COMPARABLE.marker == ""


# -- agreement, spread, trend -----------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([P, P, P], 1.0),
        ([F, F], 1.0),  # consistently bad is still consistent
        ([P, F], 0.0),
        ([P, P, F, P], 0.5),  # 3 agreeing pairs of 6
        ([P, PA, F], 0.0),
        ([P, P, PA, PA, F], 0.2),  # (2 + 2) / 20
        ([P, Outcome.NA, P, Outcome.HIDDEN, Outcome.INFO], 1.0),  # only scored outcomes count
        ([P], None),
        ([P, Outcome.NA], None),
        ([], None),
    ],
)
def test_agreement(outcomes: list[Outcome], expected: float | None) -> None:
    assert agreement(outcomes) == (None if expected is None else pytest.approx(expected))


def test_spread() -> None:
    result = spread([60.0, 70.0, 80.0])
    assert result.stdev == pytest.approx(10.0)  # sample standard deviation
    assert (result.minimum, result.maximum, result.range) == (60.0, 80.0, 20.0)
    one = spread([55.0])
    assert one.stdev is None
    assert one.range == 0.0
    none = spread([])
    assert (none.stdev, none.minimum, none.range) == (None, None, None)


def test_trend_slope_per_30_days() -> None:
    points = [(T0 + timedelta(days=30 * n), 50.0 + 3 * n) for n in range(4)]
    result = trend(list(reversed(points)))  # sorted by time
    assert result.slope_per_month == pytest.approx(3.0)
    assert result.direction is Direction.UP
    assert result.latest == 59.0
    assert result.describe() == "↗ +3.0 per month"
    assert result.describe(short=True) == "↗ +3.0/mo"


def test_trend_directions_and_degenerate_cases() -> None:
    falling = trend([(T0, 80.0), (T0 + timedelta(days=60), 70.0)])
    assert falling.slope_per_month == pytest.approx(-5.0)
    assert falling.direction is Direction.DOWN
    flat = trend([(T0, 80.0), (T0 + timedelta(days=300), 85.0)])
    assert flat.direction is Direction.FLAT
    assert flat.describe().startswith("→ flat")
    assert trend([(T0, 70.0)]).slope_per_month is None
    assert trend([(T0, 70.0), (T0, 90.0)]).slope_per_month is None  # no time passed
    assert trend([]).describe() == ""
    assert trend([]).latest is None


# -- compare ------------------------------------------------------------------------------


def test_columns_in_date_order_with_scores() -> None:
    result = compare(
        [
            audit("late", 20, {"clean": "yes", "stars": 5}),
            audit("early", 0, {"clean": "no", "stars": 1, "extra": "yes"}),
        ]
    )
    assert [a.audit_id for a in result.audits] == ["early", "late"]
    early, late = result.audits
    assert early.percent == pytest.approx(100 * 1 / 4)  # extra 1/1; clean 0/2; stars 0/1
    assert late.percent == pytest.approx(100.0)
    assert late.verdict == "Good"
    clean = result.rows[0]
    assert [c.change for c in clean.cells] == [None, Change.FIXED]
    assert result.latest_changes[Change.FIXED] == 2  # clean and stars
    assert result.trend.slope_per_month == pytest.approx(75.0 * 30 / 20)


def test_hidden_answers_are_not_part_of_the_result() -> None:
    # "extra" is answered but hidden in the second audit (clean became yes).
    result = compare(
        [
            audit("a", 0, {"clean": "no", "stars": 3, "extra": "yes"}),
            audit("b", 1, {"clean": "yes", "stars": 3, "extra": "yes"}),
        ]
    )
    extra = next(r for r in result.rows if r.item_id == "extra")
    shown, hidden = extra.cells
    assert shown.outcome is Outcome.PASS
    assert hidden.outcome is Outcome.HIDDEN
    assert hidden.value is None
    assert hidden.text == "hidden"
    assert hidden.change is Change.CHANGED


def test_unscored_items_are_shown_but_never_compared() -> None:
    first = {"clean": "yes", "when": {"utc": "2025-03-01T09:00:00+00:00", "tz": "UTC"}}
    second = {"clean": "yes", "when": {"utc": "2025-03-02T09:00:00+00:00", "tz": "UTC"}}
    result = compare([audit("a", 0, first), audit("b", 1, second)])
    when = next(r for r in result.rows if r.item_id == "when")
    assert [c.outcome for c in when.cells] == [Outcome.INFO, Outcome.INFO]
    assert when.cells[1].change is Change.NOT_COMPARABLE
    assert when.cells[1].text.startswith("2025-03-02")
    assert when.agreement is None
    assert when.changes() == {Change.NOT_COMPARABLE: 1}


def test_versions_line_up_by_item_id_and_missing_items_stay() -> None:
    old = template(
        """\
      - {id: clean, prompt: Clean, type: yes_no, weight: 2}
      - {id: queue, prompt: Queue, type: yes_no}
      - {id: stars, prompt: Stars, type: rating}
""",
        version=1,
    )
    new = template(
        """\
      - {id: clean, prompt: Clean and tidy, type: yes_no, weight: 4}
      - {id: stars, prompt: Stars, type: rating}
      - {id: smile, prompt: Smile, type: yes_no}
""",
        version=2,
    )
    result = compare(
        [
            audit("v1", 0, {"clean": "yes", "queue": "no", "stars": 5}, old),
            audit("v2", 5, {"clean": "yes", "stars": 5, "smile": "yes"}, new),
        ]
    )
    # The newest order, with the old-only item after the item it followed.
    assert [r.item_id for r in result.rows] == ["clean", "queue", "stars", "smile"]
    clean, queue, _stars, smile = result.rows
    assert (clean.prompt, clean.weight) == ("Clean and tidy", 4.0)  # the newest wording
    assert queue.cells[1].missing
    assert queue.cells[1].text == NOT_IN_VERSION
    assert queue.cells[1].change is Change.NOT_COMPARABLE
    assert smile.cells[0].missing
    assert smile.cells[1].change is Change.NOT_COMPARABLE
    assert clean.cells[1].change is Change.UNCHANGED
    assert queue.agreement is None  # scored once


def test_merged_order_puts_old_items_beside_their_neighbours() -> None:
    newest = template(
        "      - {id: b, prompt: B, type: yes_no}\n      - {id: d, prompt: D, type: yes_no}\n"
    )
    older = template(
        "      - {id: a, prompt: A, type: yes_no}\n"
        "      - {id: b, prompt: B, type: yes_no}\n"
        "      - {id: c, prompt: C, type: yes_no}\n"
        "      - {id: d, prompt: D, type: yes_no}\n"
    )
    assert [i.id for i in merged_item_order([newest, older])] == ["a", "b", "c", "d"]


def test_consistency_index_is_the_weighted_mean_agreement() -> None:
    runs = [
        {"clean": "yes", "stars": 5},
        {"clean": "yes", "stars": 1},
        {"clean": "yes", "stars": 5},
    ]
    result = compare([audit(f"a{n}", n, values) for n, values in enumerate(runs)])
    rows = {r.item_id: r for r in result.rows}
    assert rows["clean"].agreement == 1.0
    assert rows["stars"].agreement == pytest.approx(1 / 3)  # one agreeing pair of three
    # clean weighs 2, stars 1; "extra" (hidden) and "when" (unscored) have no agreement.
    assert result.consistency == pytest.approx(100 * (2 * 1 + 1 * (1 / 3)) / 3)
    assert rows["stars"].outcome_counts == {Outcome.PASS: 2, Outcome.FAIL: 1}
    assert rows["stars"].scored == 3


def test_one_audit_or_none() -> None:
    single = compare([audit("only", 0, {"clean": "yes"})])
    assert single.consistency is None
    assert single.spread.stdev is None
    assert single.latest_changes == {}
    assert all(c.change is None for r in single.rows for c in r.cells)
    empty = compare([])
    assert (empty.audits, empty.rows, empty.consistency) == ((), (), None)


def test_notes_travel_with_cells() -> None:
    result = compare([AuditInput("a", T0, BASIC, {"clean": "no"}, notes={"clean": "Dusty"})])
    assert result.rows[0].cells[0].note == "Dusty"


# -- themes -------------------------------------------------------------------------------


def test_theme_tallies_sum_scored_items_per_theme() -> None:
    tpl = template("""\
      - {id: a, prompt: A, type: yes_no, weight: 2, theme: speed}
      - {id: b, prompt: B, type: rating, theme: speed}
      - {id: c, prompt: C, type: yes_no, theme: empathy}
      - {id: d, prompt: D, type: yes_no}
      - {id: e, prompt: E, type: yes_no, theme: effort}
""")
    values = {"a": "yes", "b": 2, "c": "no", "d": "yes", "e": "na"}
    tallies = theme_tallies(tpl, score_audit(tpl, values))
    assert set(tallies) == {"speed", "empathy", NO_THEME}  # N/A leaves effort out
    speed = tallies["speed"]
    assert (speed.points, speed.max_points, speed.scored, speed.failed) == (2.25, 3.0, 2, 1)
    assert speed.percent == pytest.approx(75.0)
    assert speed.fail_rate == pytest.approx(50.0)
    assert tallies["empathy"].failed == 1
    assert tallies["empathy"].audits == 1


def test_month_of_uses_the_audits_zone() -> None:
    late_evening = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)
    assert month_of(late_evening, "UTC").month == 1
    assert month_of(late_evening, "Europe/Warsaw").month == 2


def test_the_trend_line_is_the_least_squares_fit_at_both_ends() -> None:
    from datetime import UTC, datetime, timedelta

    from shopper.domain.compare import trend

    start = datetime(2025, 1, 1, tzinfo=UTC)
    # Exactly on a line: 50 points, +3 per 30 days.
    points = [(start + timedelta(days=30 * n), 50.0 + 3 * n) for n in range(5)]
    line = trend(points).line()
    assert line is not None
    (first_at, first), (last_at, last) = line
    assert (first_at, last_at) == (points[0][0], points[-1][0])
    assert first == pytest.approx(50.0) and last == pytest.approx(62.0)
    # Scattered: the line passes through the mean at the mean time.
    scattered = [
        (start, 40.0),
        (start + timedelta(days=10), 80.0),
        (start + timedelta(days=20), 60.0),
    ]
    (_, a), (_, b) = trend(scattered).line() or ((start, 0.0), (start, 0.0))
    assert (a + b) / 2 == pytest.approx(60.0)
    assert trend(points[:1]).line() is None
    assert trend([(start, 1.0), (start, 9.0)]).line() is None


def test_an_information_item_has_no_row_and_counts_nowhere() -> None:
    with_info = template("""\
      - {id: clean, prompt: Clean, type: yes_no, weight: 2, theme: brand}
      - {id: look, prompt: Now look at the floor., type: info}
      - {id: stars, prompt: Stars, type: rating, theme: empathy}
""")
    result = compare(
        [
            audit("a", 0, {"clean": "yes", "stars": 5}, with_info),
            audit("b", 1, {"clean": "no", "stars": 5}, with_info),
        ]
    )
    assert [r.item_id for r in result.rows] == ["clean", "stars"]
    score = score_audit(with_info, {"clean": "yes"})
    assert set(theme_tallies(with_info, score)) == {"brand"}
