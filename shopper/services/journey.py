"""A company's journey: every touchpoint side by side, themes by touchpoint, a timeline.

Scores per touchpoint come from the audit summaries in SQL (no answers). The
theme heat map and the timeline need item outcomes, so the company's audits in
the period are scanned a page at a time (`services.analysis`).

The timeline shows the good and bad moments of the audits: the moments the
shopper logged (good, bad, friction), every critical failure (bad), and the
notes written on items that passed (good) or failed (bad) — a note is the
shopper's own account of what happened there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from shopper.domain.compare import Trend, trend
from shopper.domain.scoring import Outcome
from shopper.domain.template import KNOWN_THEMES, TOUCHPOINTS
from shopper.domain.themes import NO_THEME, Tally, theme_tallies
from shopper.domain.vocabulary import MomentKind
from shopper.services.analysis import Progress, ScoredAudit, scored_audits
from shopper.store import analysis, repo
from shopper.store.analysis import Scope, ScorePoint
from shopper.store.engine import session_scope


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    tz: str
    touchpoint: str
    kind: str
    """A `MomentKind`: good, bad or friction."""
    title: str
    text: str
    audit_id: str
    item_id: str | None
    source: str
    """Where it comes from: "moment" (the moments log), "critical" or "note"."""

    @property
    def kind_label(self) -> str:
        return MomentKind.label_of(self.kind)


@dataclass(frozen=True)
class TouchpointSummary:
    touchpoint: str
    audits: int
    average: float | None
    latest: ScorePoint | None
    trend: Trend


@dataclass(frozen=True)
class HeatMap:
    """Themes (rows) by touchpoints (columns); a cell sums every audit's item points."""

    themes: tuple[str, ...]
    touchpoints: tuple[str, ...]
    cells: dict[tuple[str, str], Tally]

    def cell(self, theme: str, touchpoint: str) -> Tally | None:
        return self.cells.get((theme, touchpoint))


@dataclass(frozen=True)
class Journey:
    company_id: str
    company_name: str
    since: datetime | None
    until: datetime | None
    audits: int
    touchpoints: tuple[TouchpointSummary, ...]
    heat_map: HeatMap
    timeline: tuple[TimelineEvent, ...]


def company_journey(
    *,
    engine: Engine,
    company_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
) -> Journey:
    """The journey of one company over its completed audits started in [since, until).

    Raises:
        NotFoundError: the company does not exist.
    """
    scope = Scope(company_id=company_id, since=since, until=until)
    with session_scope(engine) as session:
        company = repo.get_company(session=session, company_id=company_id)
        points = analysis.score_points(session=session, scope=scope)
    summaries = _summaries(points)
    cells: dict[tuple[str, str], Tally] = {}
    events: list[TimelineEvent] = []
    for audit in scored_audits(engine=engine, scope=scope, progress=progress):
        for theme, tally in theme_tallies(audit.template, audit.score).items():
            cells.setdefault((theme, audit.meta.touchpoint), Tally()).add(tally)
        events.extend(audit_events(audit))
    events.sort(key=lambda e: (e.at, e.touchpoint, e.audit_id, e.item_id or ""))
    themes = {theme for theme, _ in cells}
    heat_map = HeatMap(
        themes=tuple(sorted(themes, key=theme_order)),
        touchpoints=tuple(s.touchpoint for s in summaries),
        cells=cells,
    )
    return Journey(
        company_id=company.id,
        company_name=company.name,
        since=since,
        until=until,
        audits=len(points),
        touchpoints=summaries,
        heat_map=heat_map,
        timeline=tuple(events),
    )


def theme_order(theme: str) -> tuple[int, str]:
    """Known themes in their documented order, then the others by name, untagged last."""
    known = list(KNOWN_THEMES)
    if theme in known:
        return (0, f"{known.index(theme):03d}")
    return (2, "") if theme == NO_THEME else (1, theme)


def touchpoint_order(touchpoint: str) -> tuple[int, str]:
    known = list(TOUCHPOINTS)
    return (known.index(touchpoint), "") if touchpoint in known else (len(known), touchpoint)


def _summaries(points: list[ScorePoint]) -> tuple[TouchpointSummary, ...]:
    by_touchpoint: dict[str, list[ScorePoint]] = {}
    for point in points:  # oldest first
        by_touchpoint.setdefault(point.touchpoint, []).append(point)
    summaries = []
    for touchpoint in sorted(by_touchpoint, key=touchpoint_order):
        rows = by_touchpoint[touchpoint]
        scored = [(p.started_at, p.score_percent) for p in rows if p.score_percent is not None]
        percents = [s for _, s in scored]
        summaries.append(
            TouchpointSummary(
                touchpoint=touchpoint,
                audits=len(rows),
                average=sum(percents) / len(percents) if percents else None,
                latest=rows[-1],
                trend=trend(scored),
            )
        )
    return tuple(summaries)


def audit_events(audit: ScoredAudit) -> Iterator[TimelineEvent]:
    """An audit's moments, critical failures and notes on passed or failed items."""
    meta, score, template = audit.meta, audit.score, audit.template
    for moment in audit.moments:
        linked = moment.item_id if moment.item_id and template.has_item(moment.item_id) else None
        yield TimelineEvent(
            at=moment.at,
            tz=moment.tz,
            touchpoint=meta.touchpoint,
            kind=moment.kind,
            title=template.item(linked).prompt if linked else "",
            text=moment.note,
            audit_id=meta.id,
            item_id=linked,
            source="moment",
        )
    critical = set(score.critical_failures)
    for item in template.items():
        outcome = score.items[item.id].outcome
        note = audit.note(item.id).strip()
        if item.id in critical:
            kind, title, source = MomentKind.BAD, f"Critical: {item.prompt}", "critical"
        elif note and outcome in (Outcome.PASS, Outcome.FAIL):
            kind = MomentKind.GOOD if outcome is Outcome.PASS else MomentKind.BAD
            title, source = item.prompt, "note"
        else:
            continue
        answer = audit.answers.get(item.id)
        yield TimelineEvent(
            at=answer.answered_at if answer else meta.started_at,
            tz=answer.answered_tz if answer else meta.started_tz,
            touchpoint=meta.touchpoint,
            kind=kind,
            title=title,
            text=note,
            audit_id=meta.id,
            item_id=item.id,
            source=source,
        )
