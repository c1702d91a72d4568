"""Audits: start one, list them, and read one in full (for `audits show` and reports)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain import history
from shopper.domain.answers import format_answer
from shopper.domain.clock import local_zone_name, now_utc
from shopper.domain.errors import NotFoundError, ShopperError
from shopper.domain.history import HistoryEntry
from shopper.domain.instruments import Instrument, Step
from shopper.domain.scoring import AuditScore, score_audit
from shopper.domain.template import Template, touchpoint_label
from shopper.domain.vocabulary import AnswerSource, AuditStatus, MomentKind
from shopper.domain.wording import column
from shopper.services.templates import get_template
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import (
    AnswerChange,
    Audit,
    AuditEvent,
    Company,
    Evidence,
    InstrumentEvent,
    Moment,
    ReviewComment,
    Shop,
    ShopEvent,
)


def start_audit(
    *,
    engine: Engine,
    company_id: str,
    template_id: str,
    template_version: int | None = None,
    shopper: str = "",
    zone: str | None = None,
    at: datetime | None = None,
) -> Audit:
    """Create an audit of a company on a template version (the latest if none given)."""
    audit = prepare_audit(
        engine=engine,
        company_id=company_id,
        template_id=template_id,
        template_version=template_version,
        shopper=shopper,
        zone=zone,
        at=at,
    )
    with session_scope(engine) as session:
        add_new_audit(session=session, audit=audit)
    return audit


def prepare_audit(
    *,
    engine: Engine,
    company_id: str,
    template_id: str,
    template_version: int | None = None,
    shopper: str = "",
    zone: str | None = None,
    at: datetime | None = None,
) -> Audit:
    """A new audit of a company on a template version (the latest if none given), checked
    and not yet stored: `add_new_audit` stores it, in the caller's transaction."""
    if len(shopper) > 200:
        raise ShopperError("shopper name: too long (limit 200 characters)")
    with session_scope(engine) as session:
        repo.get_company(session=session, company_id=company_id)
        versions = [
            r.version
            for r in repo.list_template_versions(session=session)
            if r.template_id == template_id
        ]
        if not versions:
            raise NotFoundError(f"no template with id {template_id}")
        version = template_version if template_version is not None else max(versions)
        if version not in versions:
            raise NotFoundError(f"template {template_id[:8]} has no version {version}")
    template = get_template(engine=engine, template_id=template_id, version=version)
    moment = at or now_utc()
    tz = zone or local_zone_name()
    first = next(template.items()).id
    return Audit(
        company_id=company_id,
        touchpoint=template.touchpoint,
        template_id=template_id,
        template_version=version,
        shopper=shopper.strip(),
        started_at=moment,
        started_tz=tz,
        updated_at=moment,
        current_item=first,
        visible=score_audit(template, {}).visible,
    )


def add_new_audit(*, session: Session, audit: Audit) -> Audit:
    """Store an audit `prepare_audit` made, with the event that says it was created."""
    repo.add_audit(session=session, audit=audit)
    repo.add_event(
        session=session,
        audit_id=audit.id,
        kind="created",
        at=audit.started_at,
        tz=audit.started_tz,
    )
    return audit


def list_audits(
    *,
    engine: Engine,
    company_id: str | None = None,
    touchpoint: str | None = None,
    status: str | None = None,
    ids: Sequence[str] | None = None,
    order: str = "started_at",
    descending: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> list[repo.AuditRow]:
    with session_scope(engine) as session:
        return repo.list_audits(
            session=session,
            company_id=company_id,
            touchpoint=touchpoint,
            status=status,
            ids=ids,
            order=order,
            descending=descending,
            offset=offset,
            limit=limit,
        )


def resolve_audit_id(*, engine: Engine, prefix: str) -> str:
    with session_scope(engine) as session:
        return repo.resolve_audit_id(session=session, prefix=prefix)


@dataclass(frozen=True)
class AnswerRecord:
    value: Any
    note: str
    answered_at: datetime
    answered_tz: str
    source: str = AnswerSource.SHOPPER


@dataclass(frozen=True)
class AuditDetail:
    """An audit with everything needed to show, score or print it."""

    audit: Audit
    company: Company
    template: Template
    answers: dict[str, AnswerRecord]
    events: list[AuditEvent]
    steps: list[InstrumentEvent] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    shopper_name: str = ""
    """The shopper as shown: on a team database the login's full name, else `audit.shopper`."""
    shop: Shop | None = None
    """The shop (assignment) the audit was done for, if any: its window and instructions."""
    shop_events: list[ShopEvent] = field(default_factory=list)
    comments: list[ReviewComment] = field(default_factory=list)
    """What reviewers wrote on it, oldest first."""
    changes: list[AnswerChange] = field(default_factory=list)
    """The changes to its answers after it was first completed, oldest first."""

    @property
    def values(self) -> dict[str, Any]:
        return {item_id: rec.value for item_id, rec in self.answers.items()}

    @property
    def score(self) -> AuditScore:
        return score_audit(self.template, self.values)


def full_names(*, engine: Engine, logins: Iterable[str]) -> dict[str, str]:
    """Full names of team logins ({} on SQLite, where the shopper is a typed name)."""
    if engine.dialect.name != "postgresql":
        return {}
    with session_scope(engine) as session:
        return repo.full_names(session=session, logins=logins)


def load_audit(*, engine: Engine, audit_id: str) -> AuditDetail:
    with session_scope(engine) as session:
        audit = repo.get_audit(session=session, audit_id=audit_id)
        company = repo.get_company(session=session, company_id=audit.company_id)
        rows = repo.load_answers(session=session, audit_id=audit_id)
        events = repo.list_events(session=session, audit_id=audit_id)
        steps = repo.list_instrument_events(session=session, audit_id=audit_id)
        moments = repo.list_moments(session=session, audit_id=audit_id)
        evidence = repo.list_evidence(session=session, audit_id=audit_id)
        names = repo.full_names(session=session, logins=[audit.shopper])
        shop = repo.shop_of_audit(session=session, audit_id=audit_id)
        shop_events = (
            repo.list_shop_events(session=session, shop_id=shop.id) if shop is not None else []
        )
        comments = repo.list_comments(session=session, audit_id=audit_id)
        changes = repo.list_changes(session=session, audit_id=audit_id)
    template = get_template(
        engine=engine, template_id=audit.template_id, version=audit.template_version
    )
    answers = {
        row.item_id: AnswerRecord(
            row.decoded(), row.note, row.answered_at, row.answered_tz, row.source
        )
        for row in rows
        if row.value is not None or row.note
    }
    return AuditDetail(
        audit,
        company,
        template,
        answers,
        events,
        steps,
        moments,
        evidence,
        shopper_name=names.get(audit.shopper, audit.shopper),
        shop=shop,
        shop_events=shop_events,
        comments=comments,
        changes=changes,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def audit_to_json(detail: AuditDetail) -> dict[str, Any]:
    """The JSON of `shopper audits show ID --json`: the audit, its answers and scores."""
    audit, template = detail.audit, detail.template
    score = detail.score
    sections = []
    for section, s_score in zip(template.sections, score.sections, strict=True):
        items = []
        for item in section.questions:
            rec = detail.answers.get(item.id)
            i_score = score.items[item.id]
            items.append(
                {
                    "id": item.id,
                    "prompt": item.prompt,
                    "type": item.type.value,
                    "theme": item.theme or None,
                    "weight": item.weight,
                    "required": item.required,
                    "critical": item.critical,
                    "value": rec.value if rec else None,
                    "display": format_answer(item, rec.value) if rec else "",
                    "note": rec.note if rec else "",
                    "source": rec.source if rec else None,
                    "answered_at": _iso(rec.answered_at) if rec else None,
                    "outcome": i_score.outcome.value,
                    "points": round(i_score.points, 4),
                    "max_points": i_score.max_points,
                }
            )
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "percent": _round(s_score.percent),
                "points": round(s_score.points, 4),
                "max_points": s_score.max_points,
                "items": items,
            }
        )
    return {
        "id": audit.id,
        "company": {
            "id": detail.company.id,
            "name": detail.company.name,
            "timezone": detail.company.timezone,
        },
        "touchpoint": audit.touchpoint,
        "template": {"id": template.id, "version": template.version, "title": template.title},
        "shopper": audit.shopper,
        "status": audit.status,
        "started_at": _iso(audit.started_at),
        "started_tz": audit.started_tz,
        "completed_at": _iso(audit.completed_at),
        "completed_tz": audit.completed_tz,
        "score": {
            "percent": _round(score.percent),
            "points": round(score.points, 4),
            "max_points": score.max_points,
            "band": score.band.name if score.band else None,
            "passed": score.passed,
            "verdict": score.verdict,
            "critical_failures": list(score.critical_failures),
            "answered": score.answered,
            "visible": score.visible,
            "required_missing": list(score.required_missing),
        },
        "sections": sections,
        "events": [
            {"kind": e.kind, "at": _iso(e.at), "tz": e.tz, "detail": e.detail}
            for e in detail.events
        ],
        "instruments": instruments_to_json(detail),
        "moments": [
            {
                "id": m.id,
                "kind": m.kind,
                "at": _iso(m.at),
                "tz": m.tz,
                "note": m.note,
                "item_id": m.item_id,
            }
            for m in sorted(detail.moments, key=lambda m: m.at)
        ],
        "moment_counts": {
            kind: sum(1 for m in detail.moments if m.kind == kind) for kind in MomentKind.values()
        },
        "evidence": [
            {
                "id": e.id,
                "item_id": e.item_id,
                "moment_id": e.moment_id,
                "sha256": e.sha256,
                "kind": e.kind,
                "filename": e.filename,
                "size": e.size,
                "added_at": _iso(e.added_at),
            }
            for e in detail.evidence
        ],
        "shop_id": detail.shop.id if detail.shop is not None else None,
        "shop_state": detail.shop.state if detail.shop is not None else None,
        "comments": [
            {
                "id": c.id,
                "item_id": c.item_id,
                "author": c.author,
                "at": _iso(c.at),
                "tz": c.tz,
                "body": c.body,
                "verdict": c.verdict,
            }
            for c in detail.comments
        ],
        "history": [e.to_json() for e in audit_history(detail)],
    }


def audit_history(detail: AuditDetail) -> list[HistoryEntry]:
    """Everything that happened to the audit, its shop and its answers, oldest first (see
    `shopper.domain.history`); answers as shown."""
    template = detail.template
    shopper = detail.audit.shopper

    def shown(item_id: str, raw: str | None) -> str:
        if raw is None or not template.has_item(item_id):
            return "" if raw is None else raw
        return format_answer(template.item(item_id), json.loads(raw))

    entries = [
        history.audit_entry(
            e.kind, e.at, e.tz, history.who_did(e.kind, e.detail, shopper), e.detail
        )
        for e in detail.events
    ]
    entries += [
        history.shop_entry(e.to_state, e.from_state, at=e.at, tz=e.tz, who=e.who, detail=e.detail)
        for e in detail.shop_events
    ]
    entries += [
        history.change_entry(
            kind=c.kind,
            at=c.at,
            tz=c.tz,
            who=c.who,
            item_id=c.item_id,
            old_value=shown(c.item_id, c.old_value),
            new_value=shown(c.item_id, c.new_value),
            old_note=c.old_note,
            new_note=c.new_note,
        )
        for c in detail.changes
    ]
    entries += [
        history.comment_entry(
            at=c.at, tz=c.tz, who=c.author, item_id=c.item_id, body=c.body, verdict=c.verdict
        )
        for c in detail.comments
    ]
    return history.ordered(entries)


def instruments_to_json(detail: AuditDetail) -> dict[str, Any]:
    """Each instrument's steps and computed figures (and an error if the steps contradict)."""
    from shopper.services.instruments import measure

    steps = [(e.instrument, Step(e.id, e.kind, e.at, e.decoded())) for e in detail.steps]
    result: dict[str, Any] = {}
    try:
        measurements = measure(
            template=detail.template,
            company=detail.company,
            steps=steps,
            zone=detail.audit.started_tz,
        )
    except ShopperError as exc:
        return {"error": str(exc)}
    for instrument in Instrument:
        figures = getattr(measurements, instrument.value)
        if figures is None:
            continue
        result[instrument.value] = {
            "figures": {k: _jsonable(v) for k, v in asdict(figures).items()},
            "steps": [
                {"id": st.id, "kind": st.kind, "at": _iso(st.at), "data": dict(st.data)}
                for i, st in sorted(steps, key=lambda pair: pair[1].at)
                if i == instrument.value
            ],
            "fills": sorted(
                item for item, source in measurements.sources.items() if source == instrument
            ),
        }
    return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def describe_row(row: repo.AuditRow) -> str:
    """One line for lists: date, company, touchpoint, status, score."""
    score = f"{row.score_percent:5.1f}%" if row.score_percent is not None else "    —"
    return (
        f"{row.id[:8]}  {row.started_at:%Y-%m-%d}  {column(row.company_name, 28)}  "
        f"{column(touchpoint_label(row.touchpoint), 19)}  "
        f"{column(AuditStatus.label_of(row.status), 18)}  {score}  {row.shopper_name}"
    )
