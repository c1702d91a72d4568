"""Scoring: weighted points per item, section scores, critical failures, bands.

The rules (docs/scoring.md):

- An answered, visible, scored item earns ``weight * fraction`` of ``weight``
  points; the fraction depends on its type (yes/no: 1 for the passing answer,
  0 otherwise; rating: linear between the ends of the scale; choices: the
  option's score, summed and capped at 1 for multiple choice; numbers: linear
  between the target's good and bad values).
- N/A, unanswered, hidden and unscored items are left out of both sides; information
  items are never answered and count nowhere (not in the answered or visible counts).
- An item fails below a fraction of 0.5 and passes from 0.75 on.
- A critical item that fails fails the whole audit, whatever the points.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shopper.domain.template import NA, Band, Item, ItemType, Section, ShowIf, Template

PASS_FROM = 0.75
FAIL_BELOW = 0.5


class Outcome(StrEnum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    NA = "na"
    INFO = "info"
    """Answered, but the item is not scored (free text, date-time, unscored numbers)."""
    UNANSWERED = "unanswered"
    HIDDEN = "hidden"
    SHOWN = "shown"
    """An information item on show: text to read, nothing to answer, counted nowhere."""


def outcome_for(fraction: float) -> Outcome:
    if fraction < FAIL_BELOW:
        return Outcome.FAIL
    if fraction >= PASS_FROM:
        return Outcome.PASS
    return Outcome.PARTIAL


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    outcome: Outcome
    points: float = 0.0
    max_points: float = 0.0

    @property
    def fraction(self) -> float | None:
        return self.points / self.max_points if self.max_points else None

    @property
    def counted(self) -> bool:
        return self.max_points > 0


@dataclass(frozen=True)
class SectionScore:
    section_id: str
    title: str
    points: float
    max_points: float
    answered: int
    visible: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.points / self.max_points if self.max_points else None


@dataclass(frozen=True)
class AuditScore:
    points: float
    max_points: float
    band: Band | None
    critical_failures: tuple[str, ...]
    sections: tuple[SectionScore, ...]
    items: Mapping[str, ItemScore]
    answered: int
    visible: int
    required_missing: tuple[str, ...]

    @property
    def percent(self) -> float | None:
        return 100.0 * self.points / self.max_points if self.max_points else None

    @property
    def passed(self) -> bool | None:
        """False on a critical failure or a failing band; None before anything is scored."""
        if self.critical_failures:
            return False
        if self.band is None:
            return None
        return self.band.passed

    @property
    def verdict(self) -> str:
        if self.critical_failures:
            return "Critical failure"
        return self.band.name if self.band else "Not scored yet"


def visible_items(template: Template, answers: Mapping[str, Any]) -> set[str]:
    """Ids of the items shown for these answers (show-if conditions applied, chained)."""
    visible = _visibility(template, answers)
    # Most items have no condition: shown, with no chain to follow.
    return {item.id for item in template.items() if item.show_if is None or visible(item)}


def _visibility(template: Template, answers: Mapping[str, Any]) -> Callable[[Item], bool]:
    """Whether an item is shown for these answers, each item worked out once."""
    memo: dict[str, bool] = {}

    def visible(item: Item) -> bool:
        # Iterative, not recursive: a long chain of conditions must not hit the
        # recursion limit. A cycle (refused by the loader) counts as hidden.
        chain: list[Item] = []
        on_chain: set[str] = set()
        current: Item | None = item
        while current is not None and current.id not in memo:
            if current.id in on_chain:
                memo.update((link.id, False) for link in chain)
                return False
            chain.append(current)
            on_chain.add(current.id)
            cond = current.show_if
            current = template.item(cond.item) if cond is not None else None
        result = memo[current.id] if current is not None else True
        for link in reversed(chain):
            cond = link.show_if
            if cond is not None:
                result = result and cond.matches(answers.get(cond.item))
            memo[link.id] = result
        return result

    return visible


def item_fraction(item: Item, value: Any) -> float | None:
    """Share of the item's weight an answer earns, or None if it earns nothing either way."""
    if value is None or value == NA or not item.scored:
        return None
    kind = item.type
    if kind is ItemType.YES_NO:
        return 1.0 if value == item.pass_answer else 0.0
    if kind is ItemType.RATING:
        scale = item.scale
        assert scale is not None
        return (float(value) - scale.min) / (scale.max - scale.min)
    if kind is ItemType.SINGLE_CHOICE:
        opt = item.option(value)
        return opt.score if opt is not None else None
    if kind is ItemType.MULTI_CHOICE:
        scores = [opt.score for opt in item.options if opt.key in value and opt.score is not None]
        return min(1.0, sum(scores))
    if kind in (ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION):
        assert item.target is not None
        return item.target.fraction(float(value))
    return None


def score_item(item: Item, value: Any, *, visible: bool = True) -> ItemScore:
    if not visible:
        return _pointless(item.id, Outcome.HIDDEN)
    if not item.answerable:
        return _pointless(item.id, Outcome.SHOWN)
    if value is None:
        return _pointless(item.id, Outcome.UNANSWERED)
    if value == NA and item.type is not ItemType.TEXT:
        return _pointless(item.id, Outcome.NA)
    fraction = item_fraction(item, value)
    if fraction is None:
        return _pointless(item.id, Outcome.INFO)
    return ItemScore(item.id, outcome_for(fraction), item.weight * fraction, item.weight)


@functools.lru_cache(maxsize=4096)
def _pointless(item_id: str, outcome: Outcome) -> ItemScore:
    """An outcome without points, made once: every save re-scores the whole audit, and most of
    its items are unanswered or hidden (an ItemScore is immutable, so one serves them all)."""
    return ItemScore(item_id, outcome)


def score_audit(template: Template, answers: Mapping[str, Any]) -> AuditScore:
    """Score a set of answers (item id -> stored value) against a template."""
    shown = visible_items(template, answers)
    items: dict[str, ItemScore] = {}
    sections = []
    critical: list[str] = []
    missing: list[str] = []
    total_points = total_max = 0.0
    total_answered = total_visible = 0
    for section in template.sections:
        points = max_points = 0.0
        answered = visible = 0
        for item in section.items:
            # Hidden and unanswered (most items, most of the time) as `score_item` scores them.
            item_id = item.id
            if item_id not in shown:
                items[item_id] = _pointless(item_id, Outcome.HIDDEN)
                continue
            if not item.answerable:
                items[item_id] = _pointless(item_id, Outcome.SHOWN)
                continue
            visible += 1
            value = answers.get(item_id)
            if value is None:
                items[item_id] = _pointless(item_id, Outcome.UNANSWERED)
                if item.required:
                    missing.append(item_id)
                continue
            result = score_item(item, value)
            items[item_id] = result
            answered += 1
            points += result.points
            max_points += result.max_points
            if item.critical and result.outcome is Outcome.FAIL:
                critical.append(item.id)
        sections.append(
            SectionScore(section.id, section.title, points, max_points, answered, visible)
        )
        total_points += points
        total_max += max_points
        total_answered += answered
        total_visible += visible
    percent = 100.0 * total_points / total_max if total_max else None
    return AuditScore(
        points=total_points,
        max_points=total_max,
        band=template.band_for(percent) if percent is not None else None,
        critical_failures=tuple(critical),
        sections=tuple(sections),
        items=items,
        answered=total_answered,
        visible=total_visible,
        required_missing=tuple(missing),
    )


def rescore(
    template: Template,
    previous: AuditScore,
    answers: Mapping[str, Any],
    changed: Collection[str],
) -> AuditScore:
    """`score_audit(template, answers)`, worked out from the score of the answers before a
    change: `previous` must be `score_audit(template, before)` for answers `before` that
    differ from `answers` at most in the items `changed`.

    Only what the change can move is scored again: the changed items, the items whose
    show-if depends on them (chained) and the sections that hold those; the other sections
    keep their scores. A save scores one answer, not the whole audit; the result is the same,
    to the last bit (the sums are made in the same order).
    """
    at = template.section_numbers
    if any(item_id not in at for item_id in changed):
        return score_audit(template, answers)  # not a change this can follow: all of it
    touched: set[str] = set(changed)
    for item_id in changed:
        touched |= template.shown_by(item_id)
    if not touched:
        return previous
    items = dict(previous.items)
    visible = _visibility(template, answers)
    for item_id in touched:
        item = template.item(item_id)
        value = answers.get(item_id)
        if item.show_if is not None and not visible(item):
            items[item_id] = _pointless(item_id, Outcome.HIDDEN)
        elif not item.answerable:
            items[item_id] = _pointless(item_id, Outcome.SHOWN)
        elif value is None:
            items[item_id] = _pointless(item_id, Outcome.UNANSWERED)
        else:
            items[item_id] = score_item(item, value)
    again = {at[item_id] for item_id in touched}
    sections = []
    critical: dict[int, list[str]] = {}
    missing: dict[int, list[str]] = {}
    total_points = total_max = 0.0
    total_answered = total_visible = 0
    for number, section in enumerate(template.sections):
        if number in again:
            critical[number], missing[number] = [], []
            result = _section_score(section, items, critical[number], missing[number])
        else:
            result = previous.sections[number]
        sections.append(result)
        total_points += result.points
        total_max += result.max_points
        total_answered += result.answered
        total_visible += result.visible
    percent = 100.0 * total_points / total_max if total_max else None
    return AuditScore(
        points=total_points,
        max_points=total_max,
        band=template.band_for(percent) if percent is not None else None,
        critical_failures=_merged(previous.critical_failures, at, critical),
        sections=tuple(sections),
        items=items,
        answered=total_answered,
        visible=total_visible,
        required_missing=_merged(previous.required_missing, at, missing),
    )


def _merged(
    previous: tuple[str, ...], at: Mapping[str, int], fresh: Mapping[int, list[str]]
) -> tuple[str, ...]:
    """A previous score's list of items (in template order) with the items of the sections
    scored again (`fresh`, by section number) in place of theirs, still in template order."""
    merged = previous
    for number in sorted(fresh, reverse=True):  # from the end: what is before stays in place
        start = bisect.bisect_left(merged, number, key=at.__getitem__)
        end = bisect.bisect_right(merged, number, lo=start, key=at.__getitem__)
        new = tuple(fresh[number])
        if merged[start:end] != new:
            merged = merged[:start] + new + merged[end:]
    return merged


def _section_score(
    section: Section, items: Mapping[str, ItemScore], critical: list[str], missing: list[str]
) -> SectionScore:
    """A section's sums from its items' scores, as `score_audit` adds them up (the same order,
    the same floats); its critical failures and unanswered required items are appended."""
    points = max_points = 0.0
    answered = visible = 0
    for item in section.items:
        result = items[item.id]
        outcome = result.outcome
        if outcome is Outcome.HIDDEN or outcome is Outcome.SHOWN:
            continue
        visible += 1
        if outcome is Outcome.UNANSWERED:
            if item.required:
                missing.append(item.id)
            continue
        answered += 1
        points += result.points
        max_points += result.max_points
        if item.critical and outcome is Outcome.FAIL:
            critical.append(item.id)
    return SectionScore(section.id, section.title, points, max_points, answered, visible)


# -- the summary an audit's row keeps ---------------------------------------------------


@dataclass(frozen=True)
class AuditSummary:
    """What an audit's row keeps of its score: `score_audit`'s percent, verdict, passed,
    number of critical failures, answered and visible counts."""

    percent: float | None
    verdict: str
    passed: bool | None
    critical_failures: int
    answered: int
    visible: int

    @classmethod
    def of(cls, score: AuditScore) -> AuditSummary:
        return cls(
            score.percent,
            score.verdict,
            score.passed,
            len(score.critical_failures),
            score.answered,
            score.visible,
        )


_UNKNOWN: Any = object()
_Entry = tuple[str, Item, bool, bool, float, bool, dict[tuple[type, Any], float | None]]


class SummaryScorer:
    """`AuditSummary.of(score_audit(template, answers))` for the answers of many audits of one
    template (a bundle's, an import's), each item's facts looked up once: the same visible
    items, fractions and outcomes, added up in the same order (the same floats), without the
    score of every item and section (tested against `score_audit`)."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.sections: tuple[tuple[_Entry, ...], ...] = tuple(
            tuple(
                (
                    item.id,
                    item,
                    item.critical,
                    item.type is not ItemType.TEXT,
                    item.weight,
                    item.scored,
                    {},  # the item's fraction of each answer met: (type, value) -> fraction
                )
                for item in section.items
                if item.answerable  # information items count nowhere
            )
            for section in template.sections
        )
        # `visible_items`: an item without a condition is shown; one whose condition is on
        # an item without one is shown as its condition matches; longer chains are followed.
        self.direct: list[tuple[str, ShowIf]] = []
        self.chained: list[Item] = []
        for item in template.items():
            cond = item.show_if
            if cond is None:
                continue
            if template.item(cond.item).show_if is None:
                self.direct.append((item.id, cond))
            else:
                self.chained.append(item)

    def summary(self, answers: Mapping[str, Any]) -> AuditSummary:
        hidden: set[str] = {
            item_id for item_id, cond in self.direct if not cond.matches(answers.get(cond.item))
        }
        if self.chained:
            visible_item = _visibility(self.template, answers)
            hidden.update(item.id for item in self.chained if not visible_item(item))
        total_points = total_max = 0.0
        total_answered = total_visible = critical = 0
        for section in self.sections:
            points = max_points = 0.0
            answered = visible = 0
            for item_id, item, is_critical, not_text, weight, scored, fractions in section:
                if item_id in hidden:
                    continue
                visible += 1
                value = answers.get(item_id)
                if value is None:
                    continue
                answered += 1
                if not scored or (not_text and value == NA):
                    continue  # no points either way (adding 0.0 changes no sum)
                kind = type(value)
                if kind is str or kind is int or (kind is float and value != 0.0):
                    # (0.0 and -0.0 are equal keys: each worked out as it comes)
                    fraction = fractions.get((kind, value), _UNKNOWN)
                    if fraction is _UNKNOWN:
                        fraction = fractions[(kind, value)] = item_fraction(item, value)
                elif kind is list and all(type(v) is str for v in value):
                    # Options chosen: the fraction is the same for the same texts in order.
                    chosen = (kind, tuple(value))
                    fraction = fractions.get(chosen, _UNKNOWN)
                    if fraction is _UNKNOWN:
                        fraction = fractions[chosen] = item_fraction(item, value)
                else:
                    fraction = item_fraction(item, value)
                if fraction is None:
                    continue
                points += weight * fraction
                max_points += weight
                if is_critical and outcome_for(fraction) is Outcome.FAIL:
                    critical += 1
            total_points += points
            total_max += max_points
            total_answered += answered
            total_visible += visible
        percent = 100.0 * total_points / total_max if total_max else None
        band = self.template.band_for(percent) if percent is not None else None
        if critical:
            verdict, passed = "Critical failure", False
        elif band is None:
            verdict, passed = "Not scored yet", None
        else:
            verdict, passed = band.name, band.passed
        return AuditSummary(percent, verdict, passed, critical, total_answered, total_visible)
