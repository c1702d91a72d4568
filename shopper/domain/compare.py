"""Comparing repeated audits: items × audits, changes, consistency and trends.

Pure logic on templates and answer values; the services load the audits. The
rules are documented in docs/scoring.md ("Comparing audits"):

- Audits are columns in date order (oldest first). Items are rows, lined up by
  item id across template versions; an item a version lacks is shown as "not
  in this version" (`Cell.outcome is None`), never dropped.
- Between consecutive audits an item is *fixed* when its outcome rank rises
  (fail < partial < pass), *regressed* when it falls, *unchanged* when outcome
  and value are the same, and *changed* otherwise (same outcome but another
  value, or N/A, unanswered or hidden on one side only). An unscored item
  (free text, date-time) or one missing from either version is not compared.
- Item agreement is the share of pairs of audits scoring the item that give it
  the same outcome. The consistency index is the weight-averaged agreement of
  the items, times 100. Consistency is not quality: an item failed every time
  is perfectly consistent.
- The spread of scores is their sample standard deviation and range; the trend
  is the least-squares slope of score against time, in points per 30 days.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections import Counter, OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shopper.domain.answers import format_answer
from shopper.domain.scoring import Outcome, score_item, visible_items
from shopper.domain.template import Item, ShowIf, Template

DAYS_PER_MONTH = 30.0
FLAT_TREND = 1.0
"""A trend within ±1 point per 30 days counts as flat."""

RANK = {Outcome.FAIL: 0, Outcome.PARTIAL: 1, Outcome.PASS: 2}
"""Outcomes that carry points, worst first; the rest are not comparable as better or worse."""

NOT_IN_VERSION = "not in this version"


class Change(StrEnum):
    FIXED = "fixed"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    NOT_COMPARABLE = "not_comparable"
    """Missing from one of the two template versions, or an unscored item."""

    @property
    def marker(self) -> str:
        """A one-character sign for tables: ▲ fixed, ▼ regressed, ● changed."""
        return _MARKERS[self]


_MARKERS = {
    Change.FIXED: "▲",
    Change.REGRESSED: "▼",
    Change.CHANGED: "●",
    Change.UNCHANGED: "",
    Change.NOT_COMPARABLE: "",
}


def classify_change(
    before: Outcome | None, before_value: Any, after: Outcome | None, after_value: Any
) -> Change:
    """How an item moved from one audit to the next (None outcome: not in that version)."""
    if before is None or after is None or Outcome.INFO in (before, after):
        # Unscored answers (a date-time, free text) differ almost every time; calling
        # that a change would bury the changes that matter.
        return Change.NOT_COMPARABLE
    if before in RANK and after in RANK:
        if RANK[after] > RANK[before]:
            return Change.FIXED
        if RANK[after] < RANK[before]:
            return Change.REGRESSED
    if before == after and before_value == after_value:
        return Change.UNCHANGED
    return Change.CHANGED


def agreement(outcomes: Sequence[Outcome]) -> float | None:
    """Share of pairs of audits that give an item the same outcome (pass, partial or fail).

    Other outcomes (N/A, unanswered, hidden, unscored) are left out. None
    with fewer than two scored outcomes, since one audit agrees with nothing.
    """
    scored = [o for o in outcomes if o in RANK]
    n = len(scored)
    if n < 2:
        return None
    same = sum(k * (k - 1) for k in Counter(scored).values())
    return same / (n * (n - 1))


@dataclass(frozen=True)
class Spread:
    """How far apart the audits' scores are, in percentage points."""

    stdev: float | None
    """Sample standard deviation; None with fewer than two scores."""
    minimum: float | None
    maximum: float | None

    @property
    def range(self) -> float | None:
        if self.minimum is None or self.maximum is None:
            return None
        return self.maximum - self.minimum


def spread(scores: Sequence[float]) -> Spread:
    if not scores:
        return Spread(None, None, None)
    stdev = statistics.stdev(scores) if len(scores) >= 2 else None
    return Spread(stdev, min(scores), max(scores))


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"

    @property
    def arrow(self) -> str:
        return {"up": "↗", "down": "↘", "flat": "→"}[self.value]


@dataclass(frozen=True)
class Trend:
    """Scores over time and the least-squares line through them."""

    points: tuple[tuple[datetime, float], ...]
    slope_per_month: float | None
    """Points gained (or lost, negative) per 30 days; None without two distinct dates."""

    @property
    def direction(self) -> Direction | None:
        if self.slope_per_month is None:
            return None
        if self.slope_per_month >= FLAT_TREND:
            return Direction.UP
        if self.slope_per_month <= -FLAT_TREND:
            return Direction.DOWN
        return Direction.FLAT

    @property
    def latest(self) -> float | None:
        return self.points[-1][1] if self.points else None

    def line(self) -> tuple[tuple[datetime, float], tuple[datetime, float]] | None:
        """The least-squares line at the first and the last point, or None without a slope.

        The one fit every chart draws (in the app and in the reports): its values are not
        clamped, so a chart clamps them to its own axis.
        """
        slope = self.slope_per_month
        if slope is None:
            return None
        first, last = self.points[0][0], self.points[-1][0]
        months = [_months(first, moment) for moment, _ in self.points]
        mean_x = math.fsum(months) / len(months)
        mean_y = math.fsum(score for _, score in self.points) / len(self.points)

        def value(moment: datetime) -> float:
            return mean_y + slope * (_months(first, moment) - mean_x)

        return (first, value(first)), (last, value(last))

    def describe(self, *, short: bool = False) -> str:
        """ "↗ +2.4 per month" ("↗ +2.4/mo" `short`), "→ flat", or "" when there is none."""
        if self.slope_per_month is None or self.direction is None:
            return ""
        if self.direction is Direction.FLAT:
            return f"{self.direction.arrow} flat"
        unit = "/mo" if short else " per month"
        return f"{self.direction.arrow} {self.slope_per_month:+.1f}{unit}"


def _months(origin: datetime, moment: datetime) -> float:
    return (moment - origin).total_seconds() / 86400 / DAYS_PER_MONTH


def trend(points: Sequence[tuple[datetime, float]]) -> Trend:
    """The trend of scores taken at the given moments (any order; sorted by time)."""
    ordered = tuple(sorted(points, key=lambda p: p[0]))
    if len(ordered) < 2:
        return Trend(ordered, None)
    origin = ordered[0][0]
    xs = [_months(origin, moment) for moment, _ in ordered]
    ys = [score for _, score in ordered]
    mean_x = math.fsum(xs) / len(xs)
    mean_y = math.fsum(ys) / len(ys)
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return Trend(ordered, None)  # every score on the same moment: no slope
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return Trend(ordered, sxy / sxx)


@dataclass(frozen=True)
class AuditInput:
    """One audit to compare: when it started, its exact template and its answers."""

    audit_id: str
    started_at: datetime
    template: Template
    values: Mapping[str, Any]
    notes: Mapping[str, str] = field(default_factory=dict)
    shopper: str = ""
    started_tz: str = "UTC"


@dataclass(frozen=True)
class AuditColumn:
    audit_id: str
    started_at: datetime
    started_tz: str
    shopper: str
    template_id: str
    template_title: str
    template_version: int
    percent: float | None
    verdict: str
    passed: bool | None


@dataclass(frozen=True)
class Cell:
    """One item in one audit."""

    outcome: Outcome | None
    """None when the audit's template version has no such item."""
    value: Any = None
    display: str = ""
    note: str = ""
    points: float = 0.0
    max_points: float = 0.0
    change: Change | None = None
    """Against the previous audit; None in the first column."""

    @property
    def missing(self) -> bool:
        return self.outcome is None

    @property
    def text(self) -> str:
        """What a table shows: the answer, or why there is none."""
        if self.outcome is None:
            return NOT_IN_VERSION
        if self.outcome is Outcome.HIDDEN:
            return "hidden"
        if self.outcome is Outcome.UNANSWERED:
            return "unanswered"
        return self.display


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    prompt: str
    section: str
    theme: str
    weight: float
    cells: tuple[Cell, ...]
    agreement: float | None

    @property
    def scored(self) -> int:
        """How many audits scored this item (pass, partial or fail)."""
        return sum(1 for c in self.cells if c.outcome in RANK)

    @property
    def outcome_counts(self) -> Counter[Outcome]:
        return Counter(c.outcome for c in self.cells if c.outcome is not None)

    def changes(self) -> Counter[Change]:
        return Counter(c.change for c in self.cells[1:] if c.change is not None)


@dataclass(frozen=True)
class Meaning:
    """What a comparison figure says, for a reader who meets it for the first time."""

    short: str
    """One line, for the figure's box in the compare window."""
    full: str
    """The whole explanation, for the PDF and the window's tooltip."""


CONSISTENCY_MEANING = Meaning(
    "How alike the audits are; sameness, not quality",
    "How often two audits give an item the same outcome, averaged over the items by "
    "weight. It measures sameness, not quality: an item failed every time is consistent.",
)
SPREAD_MEANING = Meaning(
    "How far apart the scores are: σ, then lowest–highest",
    "How far apart the scores are: their standard deviation, then the lowest and the highest.",
)
TREND_MEANING = Meaning(
    f"Slope of the scores; within ±{FLAT_TREND:g} a month is flat",
    "The least-squares slope of the scores over time; within "
    f"±{FLAT_TREND:g} point a month it counts as flat.",
)
CHANGES_MEANING = Meaning(
    "Items whose outcome rose or fell",
    "Items whose outcome rose or fell from the audit before to the newest.",
)


@dataclass(frozen=True)
class Comparison:
    audits: tuple[AuditColumn, ...]
    rows: tuple[ItemRow, ...]
    consistency: float | None
    """0-100: the items' agreement averaged by weight; None if no item was scored twice."""
    spread: Spread
    trend: Trend

    def pair_changes(self, column: int) -> Counter[Change]:
        """Changes between audit `column - 1` and audit `column` (column >= 1)."""
        counts: Counter[Change] = Counter()
        for row in self.rows:
            change = row.cells[column].change
            if change is not None:
                counts[change] += 1
        return counts

    @property
    def latest_changes(self) -> Counter[Change]:
        return self.pair_changes(len(self.audits) - 1) if len(self.audits) >= 2 else Counter()


def merged_item_order(templates: Sequence[Template]) -> list[Item]:
    """Every item of the given templates once, in the newest template's order.

    `templates` go newest first. An item only older versions have is placed
    after the item it followed there, so it stays beside its neighbours. The
    Item returned is the newest version's.
    """
    order: list[str] = []
    newest: dict[str, Item] = {}
    for template in templates:
        previous: str | None = None
        for item in template.items():
            if item.id not in newest:
                newest[item.id] = item
                at = order.index(previous) + 1 if previous is not None else 0
                order.insert(at, item.id)
            previous = item.id
    return [newest[item_id] for item_id in order]


def compare(audits: Sequence[AuditInput]) -> Comparison:
    """Line audits up item by item (see the module docstring for the rules)."""
    ordered = sorted(audits, key=lambda a: (a.started_at, a.audit_id))
    scored = [_plan(audit.template).score(audit.values) for audit in ordered]
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
        for a, s in zip(ordered, scored, strict=True)
    )
    newest_first: dict[tuple[str, int], Template] = {}
    for audit in reversed(ordered):
        newest_first.setdefault((audit.template.id, audit.template.version), audit.template)
    sections: dict[str, str] = {}
    for template in reversed(newest_first.values()):  # newest wins
        for section in template.sections:
            for item in section.items:
                sections[item.id] = section.title

    cells = _Cells([(s.states, a.notes) for a, s in zip(ordered, scored, strict=True)])
    rows = []
    weighted = total_weight = 0.0
    for item in merged_item_order(list(newest_first.values())):
        if not item.answerable:
            continue  # an information item: nothing to compare
        row = cells.row(item.id)
        agree = agreement([c.outcome for c in row if c.outcome is not None])
        rows.append(
            ItemRow(
                item_id=item.id,
                prompt=item.prompt,
                section=sections[item.id],
                theme=item.theme,
                weight=item.weight,
                cells=row,
                agreement=agree,
            )
        )
        if agree is not None and item.weight > 0:
            weighted += item.weight * agree
            total_weight += item.weight
    percents = [s.percent for s in scored if s.percent is not None]
    dated = [
        (a.started_at, s.percent)
        for a, s in zip(ordered, scored, strict=True)
        if s.percent is not None
    ]
    return Comparison(
        audits=columns,
        rows=tuple(rows),
        consistency=100.0 * weighted / total_weight if total_weight else None,
        spread=spread(percents),
        trend=trend(dated),
    )


# -- how `compare` scores and makes cells -------------------------------------------------
#
# What `score_audit` and a Cell per item and audit would give, to the last bit (the same
# sums in the same order; tests/domain/test_compare_same.py holds that computation and
# checks), without its repeats: a template version is worked out once for all the audits
# run on it, each distinct answer to an item is scored and formatted once, and a cell that
# repeats another (most do: the same answer after the same answer) is the same Cell.

_State = tuple[Outcome | None, Any, str, float, float]
"""One item in one audit, as its cell shows it: outcome, value, text, points earned and
points at stake. Shared, never copied: cells are made once per pair of states."""

_MISSING: _State = (None, None, "", 0.0, 0.0)
"""An item the audit's version lacks: `Cell(None)`."""
_HIDDEN: _State = (Outcome.HIDDEN, None, "", 0.0, 0.0)
_UNANSWERED: _State = (Outcome.UNANSWERED, None, "", 0.0, 0.0)

_UNCACHED = object()


def _value_key(value: Any) -> Any:
    """A key telling apart every value two answers could differ by, or `_UNCACHED` (scored
    each time: a bool, a list or mapping of anything but text). The type is part of it (1,
    1.0 and True are equal but not shown alike), a float is keyed by its exact bits (-0.0 ==
    0.0, but one shows as "-0"), and a list (choices) or a mapping (a date-time) by its text
    in order."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return (int, value)
    if kind is float:
        return (float, value.hex())
    if kind is list and all(type(v) is str for v in value):
        return (list, *value)
    if kind is dict and all(type(k) is str and type(v) is str for k, v in value.items()):
        return (dict, *value.items())
    return _UNCACHED


@dataclass(frozen=True)
class _Scored:
    """An audit scored for a comparison: `score_audit`'s percent, verdict and pass, and the
    state of each of its version's items."""

    percent: float | None
    verdict: str
    passed: bool | None
    states: dict[str, _State]


PLANS_KEPT = 64
"""Template versions whose plans are kept between comparisons (the least recently used go)."""
STATES_KEPT = 4096
"""Distinct answers kept per item of a plan; past that the item starts afresh."""

_plans: OrderedDict[int, _Plan] = OrderedDict()
_plans_lock = threading.Lock()


def _plan(template: Template) -> _Plan:
    """The plan of a template, made once and kept (templates are immutable, and the app
    parses each version once, so the same version is the same object comparison after
    comparison). Keyed by the object: a plan holds its template, so no other object takes
    its id while the plan is kept."""
    key = id(template)
    with _plans_lock:
        plan = _plans.get(key)
        if plan is not None and plan.template is template:
            _plans.move_to_end(key)
            return plan
    plan = _Plan(template)
    with _plans_lock:
        _plans[key] = plan
        _plans.move_to_end(key)
        while len(_plans) > PLANS_KEPT:
            _plans.popitem(last=False)
    return plan


class _Plan:
    """One template version worked out once for every audit run on it: its show-if
    conditions in the order they resolve, and each distinct answer to an item scored and
    formatted once."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.conditions = _condition_order(template)
        # Per section, per item: id, item, whether it asks and is critical, and the states
        # of its answers so far (by `_value_key`).
        self.sections: list[list[tuple[str, Item, bool, bool, dict[Any, _State]]]] = [
            [(item.id, item, item.answerable, item.critical, {}) for item in section.items]
            for section in template.sections
        ]

    def hidden(self, answers: Mapping[str, Any]) -> Collection[str]:
        """The items these answers hide, as `visible_items` has them."""
        if self.conditions is None:  # a condition that cannot be ordered: scoring's way
            shown = visible_items(self.template, answers)
            return {item.id for item in self.template.items() if item.id not in shown}
        visible: dict[str, bool] = {}
        hidden: set[str] = set()
        for item_id, cond in self.conditions:
            on = visible.get(cond.item, True) and cond.matches(answers.get(cond.item))
            visible[item_id] = on
            if not on:
                hidden.add(item_id)
        return hidden

    def score(self, answers: Mapping[str, Any]) -> _Scored:
        """`score_audit(template, answers)` (the same sums in the same order), and the
        items' states."""
        hidden = self.hidden(answers)
        states: dict[str, _State] = {}
        critical = False
        total_points = total_max = 0.0
        fail = Outcome.FAIL
        for section in self.sections:
            points = max_points = 0.0
            for item_id, item, answerable, is_critical, known in section:
                if hidden and item_id in hidden:
                    states[item_id] = _HIDDEN
                    continue
                value = answers.get(item_id)
                if not answerable:
                    # Only in a row when a later version asks it: the value stays.
                    states[item_id] = (Outcome.SHOWN, value, format_answer(item, value), 0.0, 0.0)
                    continue
                if value is None:
                    states[item_id] = _UNANSWERED
                    continue
                key = value if type(value) is str else _value_key(value)
                state = None if key is _UNCACHED else known.get(key)
                if state is None:
                    result = score_item(item, value)
                    state = (
                        result.outcome,
                        value,
                        format_answer(item, value),
                        result.points,
                        result.max_points,
                    )
                    if key is not _UNCACHED:
                        if len(known) >= STATES_KEPT:
                            known.clear()
                        known[key] = state
                elif type(value) is list or type(value) is dict:
                    # Its own list or mapping, as it was read: no two cells share one.
                    state = (state[0], value, state[2], state[3], state[4])
                states[item_id] = state
                points += state[3]
                max_points += state[4]
                if is_critical and state[0] is fail:
                    critical = True
            total_points += points
            total_max += max_points
        percent = 100.0 * total_points / total_max if total_max else None
        band = self.template.band_for(percent) if percent is not None else None
        if critical:
            return _Scored(percent, "Critical failure", False, states)
        if band is None:
            return _Scored(percent, "Not scored yet", None, states)
        return _Scored(percent, band.name, band.passed, states)


class _Cells:
    """The cells of the audits' rows, each distinct one made once: a cell is its item's
    state in its audit, its note and its change from the state before, and the states are
    shared (`_Plan`), so a pair of states and a note make one Cell (immutable) for all."""

    def __init__(self, audits: list[tuple[dict[str, _State], Mapping[str, str]]]) -> None:
        self.audits = audits
        self.made: dict[tuple[int, int, str], Cell] = {}
        """By the ids of the state before and the state, and the note. An id stays its
        state's while `made` is used: every state is held by an audit's states (`audits`)."""

    def row(self, item_id: str) -> tuple[Cell, ...]:
        made = self.made
        cells = []
        before: _State | None = None
        for states, notes in self.audits:
            state = states.get(item_id, _MISSING)
            note = notes.get(item_id, "") if notes and state is not _MISSING else ""
            key = (id(before), id(state), note)
            cell = made.get(key)
            if cell is None:
                outcome, value, display, points, max_points = state
                change = None
                if before is not None:
                    change = classify_change(before[0], before[1], outcome, value)
                cell = made[key] = Cell(outcome, value, display, note, points, max_points, change)
            cells.append(cell)
            before = state
        return tuple(cells)


def _condition_order(template: Template) -> list[tuple[str, ShowIf]] | None:
    """The items with a show-if, each after the item its condition names (when that has
    one too), or None when a condition names an item the template lacks or makes a cycle."""
    order: list[tuple[str, ShowIf]] = []
    placed: set[str] = set()
    for item in template.items():
        chain: list[tuple[str, ShowIf]] = []
        on_chain: set[str] = set()
        current: Item | None = item
        while current is not None and current.show_if is not None and current.id not in placed:
            if current.id in on_chain:
                return None  # a cycle (the loader refuses them)
            chain.append((current.id, current.show_if))
            on_chain.add(current.id)
            named = current.show_if.item
            current = template.item(named) if template.has_item(named) else None
            if current is None:
                return None  # names no item of the template (the loader refuses that too)
        for link in reversed(chain):
            order.append(link)
            placed.add(link[0])
    return order
