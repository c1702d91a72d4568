"""Themes across audits: points and failures per theme, for heat maps and findings.

An item's theme is its `theme` tag (docs/templates.md); untagged items fall
under `NO_THEME`. Only scored outcomes (pass, partial, fail) count: N/A,
hidden, unanswered and unscored items are left out, as in the audit score.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from shopper.domain.clock import in_zone
from shopper.domain.compare import RANK
from shopper.domain.scoring import AuditScore, Outcome
from shopper.domain.template import Item, Template, theme_label

NO_THEME = ""


def theme_title(theme: str) -> str:
    return theme_label(theme) if theme else "No theme"


@dataclass(slots=True)
class Tally:
    """Points and outcomes of the scored items of one theme, summed over audits."""

    points: float = 0.0
    max_points: float = 0.0
    scored: int = 0
    failed: int = 0
    audits: int = 0
    """How many audits contributed at least one scored item."""

    @property
    def percent(self) -> float | None:
        return 100.0 * self.points / self.max_points if self.max_points else None

    @property
    def fail_rate(self) -> float | None:
        """Failed items per 100 scored items."""
        return 100.0 * self.failed / self.scored if self.scored else None

    def add(self, other: Tally) -> None:
        self.points += other.points
        self.max_points += other.max_points
        self.scored += other.scored
        self.failed += other.failed
        self.audits += other.audits


def scored_items(template: Template, score: AuditScore) -> Iterator[tuple[Item, Outcome]]:
    """The items that count in an audit's score, with their outcome."""
    for item in template.items():
        outcome = score.items[item.id].outcome
        if outcome in RANK:
            yield item, outcome


def theme_tallies(template: Template, score: AuditScore) -> dict[str, Tally]:
    """One audit's points per theme (each tally has `audits == 1`)."""
    tallies: dict[str, Tally] = {}
    for item, outcome in scored_items(template, score):
        result = score.items[item.id]
        tally = tallies.get(item.theme)
        if tally is None:
            tally = tallies[item.theme] = Tally(audits=1)
        tally.points += result.points
        tally.max_points += result.max_points
        tally.scored += 1
        tally.failed += outcome is Outcome.FAIL
    return tallies


def month_of(moment: datetime, zone: str) -> date:
    """The first day of the month the moment falls in, in the zone it was taken in."""
    local = in_zone(moment, zone)
    return date(local.year, local.month, 1)
