"""Read-only queries behind comparisons, the company journey, findings and exports.

Keyword-only functions that take the session, like `repo`. Audit-level
figures (counts, scores, dates) are aggregated or filtered in SQL; answers are
read only for the audits in scope, a page of audits at a time, so a caller
scores one page and never holds them all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col

from shopper.domain.vocabulary import AuditStatus
from shopper.store.tables import (
    Answer,
    Audit,
    Company,
    Moment,
    TemplateVersion,
    UTCDateTime,
    as_aware,
)

if TYPE_CHECKING:  # SQLAlchemy 2.1 types Select by its columns; 2.0 does not
    AnySelect = sa.Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class Scope:
    """Which audits an analysis covers. Empty fields do not filter.

    `since` is inclusive and `until` exclusive, both aware datetimes compared
    with the audit's start. Only completed audits count unless `status` says
    otherwise (None: every status).
    """

    company_id: str | None = None
    touchpoint: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = AuditStatus.COMPLETED
    ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class AuditMeta:
    """What an analysis needs of an audit besides its answers."""

    id: str
    company_id: str
    company_name: str
    touchpoint: str
    template_id: str
    template_version: int
    template_title: str
    shopper: str
    status: str
    started_at: datetime
    started_tz: str
    score_percent: float | None
    verdict: str
    passed: bool | None


@dataclass(frozen=True)
class AnswerRow:
    item_id: str
    value: Any
    note: str
    raw_answered_at: Any
    """As the driver returned it; parsed on demand, since most scans never look."""
    answered_tz: str
    source: str = "shopper"
    """Who gave the value: the shopper, or an instrument that measured it."""

    @property
    def answered_at(self) -> datetime:
        moment = as_aware(self.raw_answered_at)
        assert moment is not None
        return moment


META_COLUMNS = (
    col(Audit.id),
    col(Audit.company_id),
    col(Company.name),
    col(Audit.touchpoint),
    col(Audit.template_id),
    col(Audit.template_version),
    col(TemplateVersion.title),
    col(Audit.shopper),
    col(Audit.status),
    col(Audit.started_at),
    col(Audit.started_tz),
    col(Audit.score_percent),
    col(Audit.verdict),
    col(Audit.passed),
)


def joined(*columns: Any) -> AnySelect:
    """These columns of the audits, joined to their company and template version."""
    return (
        sa.select(*columns)
        .select_from(Audit)
        .join(Company, col(Company.id) == col(Audit.company_id))
        .join(
            TemplateVersion,
            (col(TemplateVersion.template_id) == col(Audit.template_id))
            & (col(TemplateVersion.version) == col(Audit.template_version)),
        )
    )


def _filtered(stmt: AnySelect, scope: Scope) -> AnySelect:
    if scope.company_id:
        stmt = stmt.where(col(Audit.company_id) == scope.company_id)
    if scope.touchpoint:
        stmt = stmt.where(col(Audit.touchpoint) == scope.touchpoint)
    if scope.status:
        stmt = stmt.where(col(Audit.status) == scope.status)
    if scope.since is not None:
        stmt = stmt.where(col(Audit.started_at) >= scope.since)
    if scope.until is not None:
        stmt = stmt.where(col(Audit.started_at) < scope.until)
    if scope.ids is not None:
        stmt = stmt.where(col(Audit.id).in_(list(scope.ids)))
    return stmt


def _meta(row: Sequence[Any]) -> AuditMeta:
    meta = AuditMeta(*row[: len(META_COLUMNS)])
    started = as_aware(meta.started_at)
    assert started is not None
    return replace(meta, started_at=started)


def count_audits(*, session: Session, scope: Scope) -> int:
    stmt = _filtered(sa.select(func.count(col(Audit.id))).select_from(Audit), scope)
    return int(session.execute(stmt).scalar_one())


def list_audit_meta(
    *, session: Session, scope: Scope, newest_first: bool = False, limit: int | None = None
) -> list[AuditMeta]:
    """The audits in scope by start time (oldest first unless `newest_first`)."""
    started = col(Audit.started_at)
    stmt = _filtered(joined(*META_COLUMNS), scope).order_by(
        started.desc() if newest_first else started.asc(),
        col(Audit.id).desc() if newest_first else col(Audit.id).asc(),
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_meta(row) for row in session.connection().execute(stmt)]


def answers_of(*, session: Session, audit_ids: Sequence[str]) -> dict[str, list[AnswerRow]]:
    """The answers of a few audits (a comparison), by audit id."""
    found: dict[str, list[AnswerRow]] = {audit_id: [] for audit_id in audit_ids}
    if not audit_ids:
        return found
    stmt = sa.select(
        col(Answer.audit_id),
        col(Answer.item_id),
        col(Answer.value),
        col(Answer.note),
        # Raw: parsing every timestamp of a 10,000-audit scan costs more than the query.
        sa.type_coerce(col(Answer.answered_at), sa.String),
        col(Answer.answered_tz),
        col(Answer.source),
    ).where(col(Answer.audit_id).in_(list(audit_ids)))
    # Most stored values repeat ("yes", 3, ...): decode each distinct text once.
    # Lists and mappings are decoded afresh so no two answers share one object.
    decoded: dict[str, Any] = {}
    for audit_id, item_id, raw, note, at, tz, source in session.connection().execute(stmt):
        if raw is None:
            value = None
        elif raw in decoded:
            value = decoded[raw]
        else:
            value = json.loads(raw)
            if not isinstance(value, list | dict):
                decoded[raw] = value
        found[audit_id].append(AnswerRow(item_id, value, note or "", at, tz, source))
    return found


@dataclass(frozen=True)
class MomentRow:
    id: str
    audit_id: str
    kind: str
    at: datetime
    tz: str
    note: str
    item_id: str | None


def moments_of(*, session: Session, audit_ids: Sequence[str]) -> dict[str, list[MomentRow]]:
    """The moments logged in a few audits, by audit id, in time order."""
    found: dict[str, list[MomentRow]] = {audit_id: [] for audit_id in audit_ids}
    if not audit_ids:
        return found
    stmt = (
        sa.select(
            col(Moment.id),
            col(Moment.audit_id),
            col(Moment.kind),
            col(Moment.at),
            col(Moment.tz),
            col(Moment.note),
            col(Moment.item_id),
        )
        .where(col(Moment.audit_id).in_(list(audit_ids)))
        .order_by(col(Moment.at), col(Moment.id))
    )
    for moment_id, audit_id, kind, at, tz, note, item_id in session.connection().execute(stmt):
        moment_at = as_aware(at)
        assert moment_at is not None
        found[audit_id].append(
            MomentRow(moment_id, audit_id, kind, moment_at, tz, note or "", item_id)
        )
    return found


def audit_meta_page(
    *,
    session: Session,
    scope: Scope,
    after: tuple[datetime, str] | None = None,
    limit: int = 250,
) -> list[AuditMeta]:
    """The next `limit` audits in scope, oldest first, after (started_at, id) `after`.

    Keyset paging: each page is a short query on the start-time index, so a
    long scan never holds the database connection between pages (on SQLite
    builds with the WAL-reset bug there is only one connection, shared with
    the GUI's autosave).
    """
    stmt = _filtered(joined(*META_COLUMNS), scope)
    if after is not None:
        stmt = stmt.where(
            sa.tuple_(col(Audit.started_at), col(Audit.id))
            > sa.tuple_(sa.literal(after[0], UTCDateTime()), sa.literal(after[1]))
        )
    stmt = stmt.order_by(col(Audit.started_at), col(Audit.id)).limit(limit)
    return [_meta(row) for row in session.connection().execute(stmt)]


@dataclass(frozen=True)
class ScorePoint:
    audit_id: str
    touchpoint: str
    started_at: datetime
    started_tz: str
    score_percent: float | None
    verdict: str
    passed: bool | None
    critical_failures: int


def score_points(*, session: Session, scope: Scope) -> list[ScorePoint]:
    """Audit scores in scope, oldest first: the audit summary only, no answers."""
    stmt = _filtered(
        sa.select(
            col(Audit.id),
            col(Audit.touchpoint),
            col(Audit.started_at),
            col(Audit.started_tz),
            col(Audit.score_percent),
            col(Audit.verdict),
            col(Audit.passed),
            col(Audit.critical_failures),
        ).select_from(Audit),
        scope,
    ).order_by(col(Audit.started_at), col(Audit.id))
    points = []
    for audit_id, touchpoint, started, tz, percent, verdict, passed, critical in session.execute(
        stmt
    ):
        at = as_aware(started)
        assert at is not None
        points.append(ScorePoint(audit_id, touchpoint, at, tz, percent, verdict, passed, critical))
    return points


def count_answers(*, session: Session, scope: Scope) -> int:
    stmt = _filtered(
        sa.select(func.count())
        .select_from(Audit)
        .join(Answer, col(Answer.audit_id) == col(Audit.id)),
        scope,
    )
    return int(session.execute(stmt).scalar_one())
