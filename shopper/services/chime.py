"""Do they chime? One company's themes with every source of evidence side by side.

The audits' side is worked out here (failed items, bad moments and friction points of the
company's completed audits, the findings' rules). Every other source comes from a
**provider**: a function of (session, company id, since) giving figures per theme. The
providers in `PROVIDERS` are the one place the other sources are wired in; a caller may pass
its own (the tests pass fakes).

The said-no log (`said_no_by_theme`) and the imported complaints, feedback and leaving
reasons (`feedback_by_theme`) are the two other sources; each counts its entries since the
moment asked (a theme action's figures "since it was done").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain.chime import AuditFigures, ChimeRow, OtherFigures, chime
from shopper.domain.compare import RANK
from shopper.domain.scoring import Outcome
from shopper.domain.themes import NO_THEME
from shopper.services.analysis import Progress, scored_audits
from shopper.services.journey import theme_order
from shopper.store import repo
from shopper.store.analysis import Scope
from shopper.store.engine import session_scope

Provider = Callable[[Session, str, datetime | None], Mapping[str, OtherFigures]]
"""Figures per theme from one source other than the audits, for a company, since a moment
(None: all time)."""


def _said_no(session: Session, company_id: str, since: datetime | None) -> dict[str, OtherFigures]:
    from shopper.services.said_no import said_no_by_theme

    counts = said_no_by_theme(session, company_id, since)
    return {theme: OtherFigures(said_no=n) for theme, n in counts.items()}


def _feedback(session: Session, company_id: str, since: datetime | None) -> dict[str, OtherFigures]:
    from shopper.services.feedback import feedback_by_theme

    return {
        theme: OtherFigures(
            complaints=f.complaints,
            feedback=f.feedback,
            leaving=f.leaving,
            mean_score=f.mean_score,
            score_scale=f.score_scale,
        )
        for theme, f in feedback_by_theme(session, company_id, since).items()
    }


PROVIDERS: tuple[Provider, ...] = (_said_no, _feedback)
"""The other sources the themes view shows beside the audits."""

BAD_MOMENTS = ("bad", "friction")


@dataclass(frozen=True)
class CompanyChime:
    company_id: str
    company: str
    audits: int
    """Completed audits looked at."""
    since: datetime | None
    rows: tuple[ChimeRow, ...]
    """Highest priority first."""
    sources: tuple[str, ...] = field(default=())
    """The providers' names (besides the audits): what the view can speak for."""

    def to_json(self) -> dict[str, Any]:
        return {
            "company_id": self.company_id,
            "company": self.company,
            "audits": self.audits,
            "since": self.since.isoformat() if self.since else None,
            "themes": [row_json(row) for row in self.rows],
        }


def row_json(row: ChimeRow) -> dict[str, Any]:
    return {
        "theme": row.theme,
        "title": row.title,
        "priority": row.priority,
        "agreement": row.agreement.value,
        "summary": row.summary,
        "audits": {
            "failed": row.audits.failed,
            "scored": row.audits.scored,
            "moments": row.audits.moments,
            "audits": row.audits.audits,
        },
        "complaints": row.other.complaints,
        "feedback": row.other.feedback,
        "mean_score": row.other.mean_score,
        "score_scale": row.other.score_scale,
        "said_no": row.other.said_no,
        "leaving": row.other.leaving,
        "sources": {
            r.source.value: {
                "count": r.count,
                "strength": None if r.strength is None else round(r.strength, 1),
                "say": r.say.value,
            }
            for r in row.readings
        },
    }


def audit_figures(
    *,
    engine: Engine,
    company_id: str,
    since: datetime | None = None,
    progress: Progress | None = None,
) -> tuple[int, dict[str, AuditFigures]]:
    """How many completed audits of the company (started since `since`), and per theme their
    scored and failed items and bad moments (a moment takes its linked item's theme)."""
    acc: dict[str, list[int]] = {}
    seen: dict[str, set[str]] = {}
    count = 0
    scope = Scope(company_id=company_id, since=since)
    for audit in scored_audits(engine=engine, scope=scope, progress=progress):
        count += 1
        for item in audit.template.items():
            outcome = audit.score.items[item.id].outcome
            if outcome not in RANK:
                continue
            figures = acc.setdefault(item.theme, [0, 0, 0])
            figures[1] += 1
            figures[0] += outcome is Outcome.FAIL
            seen.setdefault(item.theme, set()).add(audit.meta.id)
        for moment in audit.moments:
            if moment.kind not in BAD_MOMENTS:
                continue
            linked = moment.item_id
            has = linked is not None and audit.template.has_item(linked)
            theme = audit.template.item(linked).theme if has and linked else NO_THEME
            acc.setdefault(theme, [0, 0, 0])[2] += 1
            seen.setdefault(theme, set()).add(audit.meta.id)
    return count, {
        theme: AuditFigures(failed=f, scored=s, moments=m, audits=len(seen[theme]))
        for theme, (f, s, m) in acc.items()
    }


def other_figures(
    *,
    engine: Engine,
    company_id: str,
    since: datetime | None = None,
    providers: Sequence[Provider] = PROVIDERS,
) -> dict[str, OtherFigures]:
    """Every provider's figures per theme, added up, read in one session."""
    total: dict[str, OtherFigures] = {}
    if not providers:
        return total
    with session_scope(engine) as session:
        for provide in providers:
            for theme, figures in provide(session, company_id, since).items():
                total[theme] = total.get(theme, OtherFigures()) + figures
    return total


def company_chime(
    *,
    engine: Engine,
    company_id: str,
    since: datetime | None = None,
    providers: Sequence[Provider] = PROVIDERS,
    progress: Progress | None = None,
) -> CompanyChime:
    """Every theme of one company, the audits beside the other sources, by priority."""
    with session_scope(engine) as session:
        company = repo.get_company(session=session, company_id=company_id)
        name = company.name
    count, audits = audit_figures(
        engine=engine, company_id=company_id, since=since, progress=progress
    )
    others = other_figures(engine=engine, company_id=company_id, since=since, providers=providers)
    rows = chime(audits, others, order=theme_order)
    names = tuple(getattr(p, "__name__", "source").lstrip("_") for p in providers)
    return CompanyChime(company_id, name, count, since, tuple(rows), names)


def theme_since(
    *,
    engine: Engine,
    company_id: str,
    theme: str,
    since: datetime,
    providers: Sequence[Provider] = PROVIDERS,
) -> ChimeRow | None:
    """One theme's figures since a moment (an action's being done): None when no source has
    anything on it since. Shares are of the company's entries since, as in the view."""
    view = company_chime(engine=engine, company_id=company_id, since=since, providers=providers)
    return next((row for row in view.rows if row.theme == theme), None)
