"""Comparing repeated audits of one company and touchpoint (or of chosen audits).

Only the audits compared are read, with their answers: comparing the latest
50 audits of a pair loads those 50 audits' answers and nothing else. The
rules live in `shopper.domain.compare` and docs/scoring.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from shopper.domain.compare import (
    AuditInput,
    Change,
    Comparison,
    compare,
)
from shopper.domain.errors import NotFoundError, ShopperError
from shopper.domain.template import TOUCHPOINTS, touchpoint_label
from shopper.services.analysis import TemplateCache
from shopper.services.audits import full_names
from shopper.store import analysis, repo
from shopper.store import compare as compare_store
from shopper.store.analysis import AuditMeta, Scope
from shopper.store.engine import session_scope

DEFAULT_LAST = 50
MAX_AUDITS = 500
"""A table wider than this is unreadable and slow; narrow the dates instead."""


@dataclass(frozen=True)
class CompareResult:
    """A comparison and what it covers."""

    title: str
    company_name: str
    touchpoint: str
    comparison: Comparison
    available: int
    """Audits that matched; the comparison shows the newest `len(comparison.audits)`."""
    metas: tuple[AuditMeta, ...]
    """The audits compared, oldest first (same order as the comparison's columns)."""


def compare_pair(
    *,
    engine: Engine,
    company_id: str,
    touchpoint: str,
    last: int = DEFAULT_LAST,
    since: datetime | None = None,
    until: datetime | None = None,
) -> CompareResult:
    """The newest `last` completed audits of a company at a touchpoint, compared.

    Raises:
        ShopperError: an unknown touchpoint or a bad count.
        NotFoundError: the company does not exist.
    """
    if touchpoint not in TOUCHPOINTS:
        raise ShopperError(
            f"touchpoint: unknown touchpoint {touchpoint!r} "
            f"(expected one of: {', '.join(TOUCHPOINTS)})"
        )
    if not 2 <= last <= MAX_AUDITS:
        raise ShopperError(f"last: compare between 2 and {MAX_AUDITS} audits, got {last}")
    with session_scope(engine) as session:
        available, metas = compare_store.newest_of_pair(
            session=session,
            company_id=company_id,
            touchpoint=touchpoint,
            last=last,
            since=since,
            until=until,
        )
        if metas:
            company_name = metas[0].company_name  # the audits' join found the company
        else:
            company_name = repo.get_company(session=session, company_id=company_id).name
        answers = compare_store.answers_compared(session=session, audit_ids=[m.id for m in metas])
    title = f"{company_name} — {touchpoint_label(touchpoint)}"
    return _build(
        engine=engine,
        title=title,
        company_name=company_name,
        touchpoint=touchpoint,
        metas=metas,
        answers=answers,
        available=available,
    )


def compare_audit_ids(*, engine: Engine, audit_ids: Sequence[str]) -> CompareResult:
    """Chosen audits (any company, touchpoint or status), compared in date order.

    Raises:
        NotFoundError: an id matches no audit.
        ShopperError: too few or too many audits.
    """
    unique = list(dict.fromkeys(audit_ids))
    if not 2 <= len(unique) <= MAX_AUDITS:
        raise ShopperError(f"compare between 2 and {MAX_AUDITS} audits, got {len(unique)}")
    scope = Scope(ids=tuple(unique), status=None)
    with session_scope(engine) as session:
        metas = analysis.list_audit_meta(session=session, scope=scope)
        missing = set(unique) - {m.id for m in metas}
        if missing:
            raise NotFoundError(f"no audit with id {sorted(missing)[0]}")
        answers = compare_store.answers_compared(session=session, audit_ids=unique)
    companies = sorted({m.company_name for m in metas})
    touchpoints = sorted({m.touchpoint for m in metas})
    company_name = companies[0] if len(companies) == 1 else f"{len(companies)} companies"
    touchpoint = touchpoints[0] if len(touchpoints) == 1 else ""
    label = touchpoint_label(touchpoint) if touchpoint else f"{len(touchpoints)} touchpoints"
    return _build(
        engine=engine,
        title=f"{company_name} — {label}",
        company_name=company_name,
        touchpoint=touchpoint,
        metas=metas,
        answers=answers,
        available=len(metas),
    )


def _build(
    *,
    engine: Engine,
    title: str,
    company_name: str,
    touchpoint: str,
    metas: list[AuditMeta],
    answers: compare_store.Answers,
    available: int,
) -> CompareResult:
    cache = TemplateCache(engine)
    names = full_names(engine=engine, logins={meta.shopper for meta in metas})
    inputs = []
    for meta in metas:
        values, notes = answers[meta.id]
        inputs.append(
            AuditInput(
                audit_id=meta.id,
                started_at=meta.started_at,
                started_tz=meta.started_tz,
                shopper=names.get(meta.shopper, meta.shopper),
                template=cache.get(meta.template_id, meta.template_version),
                values=values,
                notes=notes,
            )
        )
    comparison = compare(inputs)
    by_id = {m.id: m for m in metas}
    ordered = tuple(by_id[c.audit_id] for c in comparison.audits)
    return CompareResult(title, company_name, touchpoint, comparison, available, ordered)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def comparison_to_json(result: CompareResult) -> dict[str, Any]:
    """The JSON of `shopper compare --json`: audits, items with cells and changes, figures."""
    comp = result.comparison
    return {
        "title": result.title,
        "company": result.company_name,
        "touchpoint": result.touchpoint or None,
        "available": result.available,
        "audits": [
            {
                "id": a.audit_id,
                "started_at": a.started_at.isoformat(timespec="seconds"),
                "started_tz": a.started_tz,
                "shopper": a.shopper,
                "template": {"id": a.template_id, "title": a.template_title},
                "template_version": a.template_version,
                "percent": _round(a.percent),
                "verdict": a.verdict,
                "passed": a.passed,
            }
            for a in comp.audits
        ],
        "items": [
            {
                "id": row.item_id,
                "prompt": row.prompt,
                "section": row.section,
                "theme": row.theme or None,
                "weight": row.weight,
                "agreement": _round(row.agreement, 4),
                "cells": [
                    {
                        "outcome": "not_in_version" if c.outcome is None else c.outcome.value,
                        "value": c.value,
                        "display": c.text,
                        "points": round(c.points, 4),
                        "max_points": c.max_points,
                        "note": c.note,
                        "change": c.change.value if c.change else None,
                    }
                    for c in row.cells
                ],
            }
            for row in comp.rows
        ],
        "changes": [
            {
                "from": comp.audits[i - 1].audit_id,
                "to": comp.audits[i].audit_id,
                **{change.value: comp.pair_changes(i)[change] for change in Change},
            }
            for i in range(1, len(comp.audits))
        ],
        "consistency": {
            "index": _round(comp.consistency),
            "score_stdev": _round(comp.spread.stdev),
            "score_min": _round(comp.spread.minimum),
            "score_max": _round(comp.spread.maximum),
            "score_range": _round(comp.spread.range),
        },
        "trend": {
            "slope_per_month": _round(comp.trend.slope_per_month),
            "direction": comp.trend.direction.value if comp.trend.direction else None,
        },
    }
