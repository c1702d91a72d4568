"""Do they chime? Per theme, what the audits found beside what customers and staff say.

Each source of evidence gives a theme a **strength** from 0 to 100 (how bad it looks there)
and, from it, a **say**: a problem, fine, or nothing (too little evidence, or in between):

- audits: findings per 100 chances, `100 * (failed + moments) / (scored + moments)`, where
  moments are the bad moments and friction points; a problem from 20, fine under 10 with at
  least 5 chances.
- complaints, leaving reasons, said-no entries: the theme's share of the company's entries of
  that source, in percent; a problem from 15 with at least 2 entries, fine under 5 when the
  company has at least 20 entries of that source.
- feedback scores: how far the mean is below the top of the scale, `100 * (1 - mean / scale)`;
  a problem from 40 (a mean of 60% of the scale or less), fine under 20 (above 80%).

A theme's **priority** is `100 * P - 50 * F + S` when at least one source calls it a
problem, 0 otherwise: P is the number of sources calling it a problem, F the number calling
it fine, S the mean strength of the sources calling it a problem. So two sources agreeing
outrank one, a source that disagrees costs half an agreeing one, and among equals the worse
figures come first. docs/scoring.md has a worked example that a test checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from shopper.domain.themes import theme_title

AUDIT_PROBLEM = 20.0
AUDIT_FINE = 10.0
AUDIT_MIN_CHANCES = 5
SHARE_PROBLEM = 15.0
SHARE_MIN_ENTRIES = 2
SHARE_FINE = 5.0
SHARE_FINE_TOTAL = 20
SCORE_PROBLEM = 40.0
SCORE_FINE = 20.0


@dataclass(frozen=True)
class AuditFigures:
    """What the audits found in one theme."""

    failed: int = 0
    scored: int = 0
    moments: int = 0
    """Bad moments and friction points."""
    audits: int = 0
    """Audits with at least one scored item or moment in the theme."""


@dataclass(frozen=True)
class OtherFigures:
    """What the other sources say of one theme; the sum of every provider's figures."""

    complaints: int = 0
    feedback: int = 0
    leaving: int = 0
    said_no: int = 0
    mean_score: float | None = None
    score_scale: float | None = None

    def __add__(self, other: OtherFigures) -> OtherFigures:
        mean, scale = self.mean_score, self.score_scale
        if other.mean_score is not None:
            if mean is None or not self.feedback:
                mean, scale = other.mean_score, other.score_scale
            else:  # a mean of both, weighted by the entries each came from
                n = self.feedback + other.feedback
                mean = (mean * self.feedback + other.mean_score * other.feedback) / n
        return OtherFigures(
            complaints=self.complaints + other.complaints,
            feedback=self.feedback + other.feedback,
            leaving=self.leaving + other.leaving,
            said_no=self.said_no + other.said_no,
            mean_score=mean,
            score_scale=scale,
        )


class Source(StrEnum):
    AUDITS = "audits"
    COMPLAINTS = "complaints"
    FEEDBACK = "feedback"
    SAID_NO = "said_no"
    LEAVING = "leaving"

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self]


_SOURCE_LABELS = {
    Source.AUDITS: "Audits",
    Source.COMPLAINTS: "Complaints",
    Source.FEEDBACK: "Feedback score",
    Source.SAID_NO: "Said no",
    Source.LEAVING: "Leaving reasons",
}

_PROBLEM_WORDS = {
    Source.AUDITS: "audits find failures",
    Source.COMPLAINTS: "customers complain",
    Source.FEEDBACK: "feedback scores are low",
    Source.SAID_NO: "staff often say no",
    Source.LEAVING: "customers leave over it",
}
_FINE_WORDS = {
    Source.AUDITS: "audits find it fine",
    Source.COMPLAINTS: "few complaints",
    Source.FEEDBACK: "feedback scores are good",
    Source.SAID_NO: "staff rarely say no",
    Source.LEAVING: "few leave over it",
}


class Say(StrEnum):
    PROBLEM = "problem"
    FINE = "fine"
    NONE = "none"


class Agreement(StrEnum):
    CLEAR = "clear"
    """Two sources or more call it a problem, none calls it fine."""
    DISAGREE = "disagree"
    ONE_SOURCE = "one_source"
    FINE = "fine"
    NO_EVIDENCE = "no_evidence"

    @property
    def label(self) -> str:
        return _AGREEMENT_LABELS[self]


_AGREEMENT_LABELS = {
    Agreement.CLEAR: "clear priority: the sources agree",
    Agreement.DISAGREE: "the sources disagree",
    Agreement.ONE_SOURCE: "one source only",
    Agreement.FINE: "fine",
    Agreement.NO_EVIDENCE: "no evidence",
}


@dataclass(frozen=True)
class Reading:
    """One source's word on one theme."""

    source: Source
    count: int
    """Its entries in the theme (for audits: failed items plus moments; feedback: entries)."""
    strength: float | None
    """0 to 100, how bad it looks there; None without a say."""
    say: Say


@dataclass(frozen=True)
class ChimeRow:
    theme: str
    audits: AuditFigures
    other: OtherFigures
    readings: tuple[Reading, ...]
    agreement: Agreement
    priority: float
    summary: str
    """One sentence: "customers complain, feedback scores are low; but audits find it fine"."""

    @property
    def title(self) -> str:
        return theme_title(self.theme)

    def reading(self, source: Source) -> Reading:
        return next(r for r in self.readings if r.source is source)


@dataclass(frozen=True)
class _Totals:
    complaints: int
    leaving: int
    said_no: int


def audit_reading(figures: AuditFigures) -> Reading:
    chances = figures.scored + figures.moments
    found = figures.failed + figures.moments
    if not chances:
        return Reading(Source.AUDITS, 0, None, Say.NONE)
    strength = 100.0 * found / chances
    say = _say(strength, AUDIT_PROBLEM, True, AUDIT_FINE, chances >= AUDIT_MIN_CHANCES)
    return Reading(Source.AUDITS, found, strength, say)


def _say(strength: float, problem: float, enough: bool, fine: float, judged: bool) -> Say:
    """A problem from `problem` with `enough` entries; fine under `fine` when `judged`."""
    if strength >= problem and enough:
        return Say.PROBLEM
    return Say.FINE if strength < fine and judged else Say.NONE


def _share(source: Source, count: int, total: int) -> Reading:
    if not total:
        return Reading(source, count, None, Say.NONE)
    strength = 100.0 * count / total
    enough = count >= SHARE_MIN_ENTRIES
    say = _say(strength, SHARE_PROBLEM, enough, SHARE_FINE, total >= SHARE_FINE_TOTAL)
    return Reading(source, count, strength, say)


def score_reading(figures: OtherFigures) -> Reading:
    mean, scale = figures.mean_score, figures.score_scale
    if mean is None or not scale:
        return Reading(Source.FEEDBACK, figures.feedback, None, Say.NONE)
    strength = min(100.0, max(0.0, 100.0 * (1 - mean / scale)))
    say = _say(strength, SCORE_PROBLEM, True, SCORE_FINE, True)
    return Reading(Source.FEEDBACK, figures.feedback, strength, say)


def readings(audits: AuditFigures, other: OtherFigures, totals: _Totals) -> tuple[Reading, ...]:
    return (
        audit_reading(audits),
        _share(Source.COMPLAINTS, other.complaints, totals.complaints),
        score_reading(other),
        _share(Source.SAID_NO, other.said_no, totals.said_no),
        _share(Source.LEAVING, other.leaving, totals.leaving),
    )


def priority(found: Iterable[Reading]) -> tuple[float, Agreement]:
    """The documented priority of a theme, and whether its sources agree."""
    found = list(found)
    problems = [r.strength for r in found if r.say is Say.PROBLEM and r.strength is not None]
    fines = sum(r.say is Say.FINE for r in found)
    if not problems:
        return 0.0, Agreement.FINE if fines else Agreement.NO_EVIDENCE
    value = 100.0 * len(problems) - 50.0 * fines + sum(problems) / len(problems)
    if fines:
        return value, Agreement.DISAGREE
    return value, Agreement.CLEAR if len(problems) >= 2 else Agreement.ONE_SOURCE


def summary(found: Iterable[Reading]) -> str:
    found = list(found)
    bad = [_PROBLEM_WORDS[r.source] for r in found if r.say is Say.PROBLEM]
    good = [_FINE_WORDS[r.source] for r in found if r.say is Say.FINE]
    if bad and good:
        return f"{', '.join(bad)}; but {', '.join(good)}"
    if bad:
        return ", ".join(bad)
    if good:
        return ", ".join(good)
    return "no evidence yet"


def chime(
    audits: Mapping[str, AuditFigures],
    others: Mapping[str, OtherFigures],
    *,
    order: Callable[[str], tuple[int, str]] | None = None,
) -> list[ChimeRow]:
    """A row per theme any source mentions, highest priority first (then by `order`, a
    theme's place in the checklists, else its name).

    The shares of complaints, leaving reasons and said-no entries are of the totals over
    every theme in `others`, entries without a theme ("") included.
    """
    totals = _Totals(
        complaints=sum(o.complaints for o in others.values()),
        leaving=sum(o.leaving for o in others.values()),
        said_no=sum(o.said_no for o in others.values()),
    )
    rows = []
    for theme in set(audits) | set(others):
        a = audits.get(theme, AuditFigures())
        o = others.get(theme, OtherFigures())
        found = readings(a, o, totals)
        value, agreement = priority(found)
        rows.append(ChimeRow(theme, a, o, found, agreement, round(value, 1), summary(found)))
    place = order or (lambda theme: (0, theme))
    rows.sort(key=lambda r: (-r.priority, place(r.theme), r.theme))
    return rows
