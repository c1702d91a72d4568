"""The reads behind a comparison: a pair's newest audits with their count, and the answers
of the audits compared, as the comparison takes them.

What `analysis.count_audits`, `analysis.list_audit_meta` and `analysis.answers_of` give for
the same audits (tests/store/test_compare.py checks), in fewer steps: the count comes with
the audits (a subquery of the same statement), the statements are made once, and the answers are
read as the values and notes a comparison scores, with nothing it does not show (when and
by whom each was given).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from shopper.domain.vocabulary import AuditStatus
from shopper.store.analysis import META_COLUMNS, AuditMeta, joined
from shopper.store.tables import Answer, Audit, as_aware

if TYPE_CHECKING:  # SQLAlchemy 2.1 types Select by its columns; 2.0 does not
    AnySelect = sa.Select[*tuple[Any, ...]]

Answers = dict[str, tuple[dict[str, Any], dict[str, str]]]
"""By audit id: its answered values (item id -> stored value decoded) and its notes (item
id -> a note that is not empty)."""


def _of_pair(
    stmt: AnySelect, audit: Any, since: bool, until: bool, *, count: bool = False
) -> AnySelect:
    """`stmt` kept to the pair's completed audits started in [since, until) (`audit` is the
    Audit table, or an alias of it).

    With `count`, the status is compared as `status || ''`: SQLite's planner, with no
    statistics, would otherwise count through the index on status (every completed audit
    of every company, 1.5 ms with 10,000 audits) rather than the pair's own index."""
    started = audit.started_at
    status = audit.status.concat("") if count else audit.status
    stmt = stmt.where(
        audit.company_id == sa.bindparam("company_id"),
        audit.touchpoint == sa.bindparam("touchpoint"),
        status == AuditStatus.COMPLETED.value,
    )
    if since:
        stmt = stmt.where(started >= sa.bindparam("since"))
    if until:
        stmt = stmt.where(started < sa.bindparam("until"))
    return stmt


@functools.cache
def _newest_of_pair(since: bool, until: bool) -> AnySelect:
    started = col(Audit.started_at)
    # Every audit that matched, counted once (not a window over them: that would read them
    # all, where the newest are read from the index and no further).
    counted = aliased(Audit)
    matched = _of_pair(
        sa.select(sa.func.count()).select_from(counted), counted, since, until, count=True
    )
    stmt = joined(*META_COLUMNS, matched.scalar_subquery())
    return (
        _of_pair(stmt, Audit, since, until)
        .order_by(started.desc(), col(Audit.id).desc())
        .limit(sa.bindparam("last", type_=sa.Integer))
    )


def newest_of_pair(
    *,
    session: Session,
    company_id: str,
    touchpoint: str,
    last: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int, list[AuditMeta]]:
    """How many completed audits of the company at the touchpoint started in [since, until),
    and the newest `last` of them, oldest first: `analysis.count_audits` and
    `analysis.list_audit_meta(newest_first=True, limit=last)` reversed, for that scope."""
    params: dict[str, Any] = {"company_id": company_id, "touchpoint": touchpoint, "last": last}
    if since is not None:
        params["since"] = since
    if until is not None:
        params["until"] = until
    stmt = _newest_of_pair(since is not None, until is not None)
    available = 0
    metas = []
    for *fields, matched in session.connection().execute(stmt, params).all():
        available = matched
        started = as_aware(fields[9])
        assert started is not None
        fields[9] = started
        metas.append(AuditMeta(*fields))
    metas.reverse()
    return int(available), metas


@functools.cache
def _answers() -> AnySelect:
    return sa.select(
        col(Answer.audit_id), col(Answer.item_id), col(Answer.value), col(Answer.note)
    ).where(col(Answer.audit_id).in_(sa.bindparam("ids", expanding=True)))


def answers_compared(*, session: Session, audit_ids: Sequence[str]) -> Answers:
    """The answers of a few audits, by audit id: the values `analysis.answers_of` gives (the
    cleared ones left out) and the notes (the empty ones left out)."""
    found: Answers = {audit_id: ({}, {}) for audit_id in audit_ids}
    if not audit_ids:
        return found
    # Most stored values repeat ("yes", 3, ...): decode each distinct text once.
    # Lists and mappings are decoded afresh so no two answers share one object.
    decoded: dict[str, Any] = {}
    rows = session.connection().execute(_answers(), {"ids": list(audit_ids)}).all()
    for audit_id, item_id, raw, note in rows:
        values, notes = found[audit_id]
        if raw is not None:
            value = decoded.get(raw)
            if value is None:
                value = json.loads(raw)
                if not isinstance(value, list | dict):
                    decoded[raw] = value
            if value is not None:
                values[item_id] = value
        if note:
            notes[item_id] = note
    return found
