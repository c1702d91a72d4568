"""What a company's timeline shows, counted: only logged moments are moments.

A timeline (the journey, in the app and in the report) shows the moments the shoppers
logged, and beside them every critical failure and the notes on items that passed or
failed; a count of "good moments" counts only the first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from shopper.domain.vocabulary import MomentKind
from shopper.domain.wording import count_of


class TimelineEntry(Protocol):
    @property
    def kind(self) -> str:
        """A `MomentKind`."""
        ...

    @property
    def source(self) -> str:
        """ "moment" (logged), "critical" or "note"."""
        ...


@dataclass(frozen=True)
class TimelineCounts:
    """What a timeline shows, counted apart: only logged moments are moments."""

    good: int = 0
    bad: int = 0
    friction: int = 0
    critical: int = 0
    notes: int = 0

    def describe(self) -> str:
        """ "1 good moment, 1 bad moment, 0 friction points logged; 2 critical failures, 1
        note" """
        logged = ", ".join(
            (
                count_of(self.good, "good moment"),
                count_of(self.bad, "bad moment"),
                count_of(self.friction, "friction point"),
            )
        )
        others = []
        if self.critical:
            others.append(count_of(self.critical, "critical failure"))
        if self.notes:
            others.append(count_of(self.notes, "note") + " on passed or failed items")
        return f"{logged} logged" + (f"; also {', '.join(others)}" if others else "")


def timeline_counts(events: Iterable[TimelineEntry]) -> TimelineCounts:
    good = bad = friction = critical = notes = 0
    for event in events:
        if event.source == "critical":
            critical += 1
        elif event.source == "note":
            notes += 1
        elif event.kind == MomentKind.GOOD:
            good += 1
        elif event.kind == MomentKind.BAD:
            bad += 1
        elif event.kind == MomentKind.FRICTION:
            friction += 1
    return TimelineCounts(good, bad, friction, critical, notes)
