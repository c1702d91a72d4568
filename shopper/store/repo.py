"""Data access: keyword-only functions that take the session.

Lists are aggregated in SQL and return light rows; nothing here loads every
answer of every audit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import Engine, func, or_
from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update
from sqlmodel import Session, SQLModel, col, select

from shopper.domain.errors import AmbiguousError, NotFoundError
from shopper.domain.vocabulary import AnswerSource
from shopper.store.driver import run_on_driver
from shopper.store.engine import (
    one_statement,
    upsert,
    upsert_and_update,
    upsert_statement,
)
from shopper.store.rows import AuditRow, CompanyRow
from shopper.store.tables import (
    Answer,
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
    TemplateVersion,
    as_aware,
    to_json,
)

# -- templates ----------------------------------------------------------------


def get_template_version(
    *, session: Session, template_id: str, version: int
) -> TemplateVersion | None:
    return session.get(TemplateVersion, (template_id, version))


def template_sha256(*, session: Session, template_id: str, version: int) -> str | None:
    """The SHA-256 of a stored template version's source, without reading the source (up to
    1 MiB); None when it is not stored."""
    stmt = select(TemplateVersion.sha256).where(
        col(TemplateVersion.template_id) == template_id, col(TemplateVersion.version) == version
    )
    found: str | None = session.exec(stmt).one_or_none()
    return found


def add_template_version(*, session: Session, record: TemplateVersion) -> TemplateVersion:
    session.add(record)
    session.flush()
    return record


def list_template_versions(*, session: Session) -> list[TemplateVersion]:
    stmt = select(TemplateVersion).order_by(
        col(TemplateVersion.touchpoint), col(TemplateVersion.title), col(TemplateVersion.version)
    )
    return list(session.exec(stmt))


def template_hashes(*, session: Session) -> set[str]:
    return set(session.exec(select(TemplateVersion.sha256)))


def builtin_template_hashes(*, session: Session) -> dict[str, set[str]]:
    """Template id -> the SHA-256 of each built-in version stored (shipped by any release)."""
    stmt = select(TemplateVersion.template_id, TemplateVersion.sha256).where(
        col(TemplateVersion.builtin).is_(True)
    )
    found: dict[str, set[str]] = {}
    for template_id, sha256 in session.exec(stmt):
        found.setdefault(template_id, set()).add(sha256)
    return found


# -- companies ----------------------------------------------------------------


def add_company(*, session: Session, company: Company) -> Company:
    session.add(company)
    session.flush()
    return company


def get_company(*, session: Session, company_id: str) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFoundError(f"no company with id {company_id}")
    return company


def list_companies(*, session: Session) -> list[Company]:
    return list(session.exec(select(Company).order_by(func.lower(Company.name))))


def find_company(*, session: Session, name_or_id: str) -> Company:
    """A company by exact name (any case), full id or unique id prefix."""
    needle = name_or_id.strip()
    # Compared in Python: SQLite's lower() folds ASCII only ("Łąka", "Ηλιος" never matched).
    folded = needle.casefold()
    by_name = [c for c in session.exec(select(Company)) if c.name.casefold() == folded]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise AmbiguousError(f"{len(by_name)} companies are named {needle!r}; use the id instead")
    by_id = list(
        session.exec(
            select(Company).where(col(Company.id).startswith(needle.lower(), autoescape=True))
        )
    )
    if len(by_id) == 1 and len(needle) >= 4:
        return by_id[0]
    raise NotFoundError(f"no company named {needle!r}")


def company_rows(*, session: Session) -> list[CompanyRow]:
    stmt = (
        sa.select(
            col(Company.id),
            col(Company.name),
            col(Company.sector),
            # The company id, not the audit's: the count then reads only the index on
            # (company_id, touchpoint, started_at), ten times faster with 100,000 audits.
            func.count(col(Audit.company_id)),
            func.max(col(Audit.started_at)),
            col(Company.allow_unassigned),
        )
        .join(Audit, col(Audit.company_id) == col(Company.id), isouter=True)
        .group_by(
            col(Company.id), col(Company.name), col(Company.sector), col(Company.allow_unassigned)
        )
        .order_by(func.lower(Company.name))
    )
    rows = []
    for cid, name, sector, count, last, own in session.execute(stmt):
        rows.append(CompanyRow(cid, name, sector, count, as_aware(last), bool(own)))
    return rows


# -- audits -------------------------------------------------------------------


_AUDIT_ROW_COLUMNS = tuple(
    col(c)
    for c in (
        Audit.id,
        Audit.company_id,
        Company.name,
        Audit.touchpoint,
        TemplateVersion.title,
        Audit.template_id,
        Audit.template_version,
        Audit.shopper,
        Audit.status,
        Audit.started_at,
        Audit.started_tz,
        Audit.completed_at,
        Audit.score_percent,
        Audit.verdict,
        Audit.passed,
        Audit.critical_failures,
        Audit.answered,
        Audit.visible,
    )
)


AUDIT_ORDER = {
    "started_at": col(Audit.started_at),
    "company": func.lower(col(Company.name)),
    "touchpoint": col(Audit.touchpoint),
    "shopper": func.lower(col(Audit.shopper)),
    "status": col(Audit.status),
    "score": col(Audit.score_percent),
}
"""The orders an audits list can be sorted by (names the UI and CLI may pass)."""


def list_audits(
    *,
    session: Session,
    company_id: str | None = None,
    touchpoint: str | None = None,
    status: str | None = None,
    ids: Sequence[str] | None = None,
    order: str = "started_at",
    descending: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> list[AuditRow]:
    """Audits with their company and template titles, filtered and sorted in SQL."""
    stmt = (
        sa.select(*_AUDIT_ROW_COLUMNS)
        .join(Company, col(Company.id) == col(Audit.company_id))
        .join(
            TemplateVersion,
            (col(TemplateVersion.template_id) == col(Audit.template_id))
            & (col(TemplateVersion.version) == col(Audit.template_version)),
        )
    )
    if company_id:
        stmt = stmt.where(col(Audit.company_id) == company_id)
    if touchpoint:
        stmt = stmt.where(col(Audit.touchpoint) == touchpoint)
    if status:
        stmt = stmt.where(col(Audit.status) == status)
    if ids is not None:
        stmt = stmt.where(col(Audit.id).in_(list(ids)))
    key = AUDIT_ORDER[order]
    primary = key.desc() if descending else key.asc()
    started = col(Audit.started_at)
    stmt = stmt.order_by(
        primary.nulls_last(), started.desc() if descending else started.asc(), col(Audit.id)
    )
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    # Core execution: the ORM's row loading adds nothing to plain column rows.
    rows = [AuditRow._make((*row, row.shopper)) for row in session.connection().execute(stmt)]
    names = full_names(session=session, logins={r.shopper for r in rows})
    if names:
        rows = [r._replace(shopper_name=names.get(r.shopper, r.shopper)) for r in rows]
    return rows


TEAM_USER = sa.table("team_user", sa.column("login"), sa.column("full_name"))
"""Full names of a team database's logins (made by `team init`; see store.team)."""


def full_names(*, session: Session, logins: Iterable[str]) -> dict[str, str]:
    """The full names of these logins on a team database; {} elsewhere (SQLite)."""
    wanted = sorted({login for login in logins if login})
    connection = session.connection()
    if not wanted or connection.dialect.name != "postgresql":
        return {}
    info = connection.connection.info  # lives as long as the server connection
    if "team_user" not in info:
        info["team_user"] = sa.inspect(connection).has_table(TEAM_USER.name)
    if not info["team_user"]:
        return {}
    query = sa.select(TEAM_USER.c.login, TEAM_USER.c.full_name).where(
        TEAM_USER.c.login.in_(wanted), TEAM_USER.c.full_name != ""
    )
    return {login: name for login, name in connection.execute(query)}


def count_audits(*, session: Session) -> int:
    return int(session.exec(select(func.count(col(Audit.id)))).one())


def get_audit(*, session: Session, audit_id: str) -> Audit:
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFoundError(f"no audit with id {audit_id}")
    return audit


def resolve_audit_id(*, session: Session, prefix: str) -> str:
    """A full audit id from a unique prefix (at least 4 characters)."""
    return _resolve_prefix(session, col(Audit.id), prefix, "audit")


def _resolve_prefix(session: Session, column: Any, prefix: str, what: str) -> str:
    """The one id of `column` that starts with `prefix` (at least 4 characters)."""
    needle = prefix.strip().lower()
    if len(needle) < 4:
        raise NotFoundError(f"{what} id {prefix!r} is too short; give at least 4 characters")
    matches = list(
        session.exec(select(column).where(column.startswith(needle, autoescape=True)).limit(3))
    )
    if not matches:
        raise NotFoundError(f"no {what} with id {prefix!r}")
    if len(matches) > 1:
        raise AmbiguousError(f"{what} id {prefix!r} matches several {what}s; give more characters")
    return str(matches[0])


def add_audit(*, session: Session, audit: Audit) -> Audit:
    session.add(audit)
    session.flush()
    return audit


def load_answers(*, session: Session, audit_id: str) -> list[Answer]:
    return list(session.exec(select(Answer).where(col(Answer.audit_id) == audit_id)))


def save_answer(
    *,
    session: Session,
    audit_id: str,
    item_id: str,
    value: Any,
    note: str,
    at: datetime,
    tz: str,
    source: str = AnswerSource.SHOPPER,
) -> None:
    """Upsert one answer row (value is the Python value; stored as JSON)."""
    upsert(
        session,
        SQLModel.metadata.tables["answer"],
        _answer_row(
            audit_id=audit_id, item_id=item_id, value=value, note=note, at=at, tz=tz, source=source
        ),
        keys=ANSWER_KEY,
    )


ANSWER_KEY = ("audit_id", "item_id")


def _answer_row(
    *, audit_id: str, item_id: str, value: Any, note: str, at: datetime, tz: str, source: str
) -> dict[str, Any]:
    return {
        "audit_id": audit_id,
        "item_id": item_id,
        "value": None if value is None else to_json(value),
        "note": note,
        "answered_at": at,
        "answered_tz": tz,
        "source": source,
    }


def save_answer_with_audit(
    *,
    engine: Engine,
    audit_id: str,
    item_id: str,
    value: Any,
    note: str,
    at: datetime,
    tz: str,
    source: str,
    audit_values: Mapping[str, Any],
) -> None:
    """Upsert one answer and set columns of its audit (its progress), in one transaction.

    On PostgreSQL it is one statement sent on its own, which the server runs as a transaction
    of its own: one round trip, under the same policies and triggers as the two statements.
    On SQLite it is the two statements in one transaction.
    """
    row = _answer_row(
        audit_id=audit_id, item_id=item_id, value=value, note=note, at=at, tz=tz, source=source
    )
    tables = SQLModel.metadata.tables
    if engine.dialect.name == "postgresql":
        with one_statement(engine) as conn:
            upsert_and_update(
                conn,
                table=tables["answer"],
                values=row,
                keys=ANSWER_KEY,
                target=tables["audit"],
                target_id=audit_id,
                changes=audit_values,
            )
        return
    # SQLite: the same two statements on the driver's cursor (see `shopper.store.driver`):
    # SQLAlchemy's session and parameter handling took more than SQLite's own work.
    run_on_driver(
        engine,
        [
            (upsert_statement("sqlite", tables["answer"], tuple(row), ANSWER_KEY), row),
            (_audit_update(tuple(audit_values)), {"_id": audit_id, **audit_values}),
        ],
    )


def add_event(
    *,
    session: Session,
    audit_id: str,
    kind: str,
    at: datetime,
    tz: str,
    detail: str = "",
    event_id: str | None = None,
) -> AuditEvent:
    event = AuditEvent(audit_id=audit_id, kind=kind, at=at, tz=tz, detail=detail)
    if event_id is not None:
        event.id = event_id
    session.add(event)
    return event


def list_events(*, session: Session, audit_id: str) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent).where(col(AuditEvent.audit_id) == audit_id).order_by(col(AuditEvent.at))
    )
    return list(session.exec(stmt))


def shopper_names(*, session: Session) -> list[str]:
    stmt = select(Audit.shopper).where(or_(col(Audit.shopper) != "")).distinct()
    return sorted(set(session.exec(stmt)))


# -- instruments, moments, evidence -------------------------------------------------


def list_instrument_events(*, session: Session, audit_id: str) -> list[InstrumentEvent]:
    stmt = (
        select(InstrumentEvent)
        .where(col(InstrumentEvent.audit_id) == audit_id)
        .order_by(col(InstrumentEvent.at), col(InstrumentEvent.id))
    )
    return list(session.exec(stmt))


def list_moments(*, session: Session, audit_id: str) -> list[Moment]:
    stmt = select(Moment).where(col(Moment.audit_id) == audit_id).order_by(col(Moment.at))
    return list(session.exec(stmt))


def list_evidence(*, session: Session, audit_id: str) -> list[Evidence]:
    stmt = (
        select(Evidence).where(col(Evidence.audit_id) == audit_id).order_by(col(Evidence.added_at))
    )
    return list(session.exec(stmt))


@dataclass(frozen=True)
class WaitingEnquiry:
    audit_id: str
    company_id: str
    company_name: str
    touchpoint: str
    sent_at: datetime
    sent_tz: str


def waiting_enquiries(*, session: Session) -> list[WaitingEnquiry]:
    """E-mail enquiries sent with no reply recorded yet, oldest first, across all audits."""
    replied = (
        sa.select(col(InstrumentEvent.audit_id))
        .where(col(InstrumentEvent.instrument) == "email")
        .where(col(InstrumentEvent.kind) == "reply")
    )
    stmt = (
        sa.select(
            col(Audit.id),
            col(Company.id),
            col(Company.name),
            col(Audit.touchpoint),
            func.min(col(InstrumentEvent.at)),
            func.min(col(InstrumentEvent.tz)),
        )
        .join(Audit, col(Audit.id) == col(InstrumentEvent.audit_id))
        .join(Company, col(Company.id) == col(Audit.company_id))
        .where(col(InstrumentEvent.instrument) == "email")
        .where(col(InstrumentEvent.kind) == "sent")
        .where(col(InstrumentEvent.audit_id).not_in(replied))
        .group_by(col(Audit.id), col(Company.id), col(Company.name), col(Audit.touchpoint))
        .order_by(func.min(col(InstrumentEvent.at)))
    )
    return [
        WaitingEnquiry(aid, cid, name, touchpoint, as_aware(sent) or datetime.min, tz)
        for aid, cid, name, touchpoint, sent, tz in session.execute(stmt)
    ]


def update_step(*, session: Session, step_id: str, values: Mapping[str, Any]) -> None:
    """Change an instrument step's columns (its time, details, `updated_at`)."""
    session.execute(
        sa_update(InstrumentEvent).where(col(InstrumentEvent.id) == step_id).values(dict(values))
    )


def delete_step(*, session: Session, step_id: str) -> None:
    session.execute(sa_delete(InstrumentEvent).where(col(InstrumentEvent.id) == step_id))


def update_moment(*, session: Session, moment_id: str, values: Mapping[str, Any]) -> None:
    session.execute(sa_update(Moment).where(col(Moment.id) == moment_id).values(dict(values)))


def delete_moment(*, session: Session, moment_id: str) -> None:
    """Delete a moment; evidence attached to it stays, attached to nothing but its item."""
    session.execute(
        sa_update(Evidence).where(col(Evidence.moment_id) == moment_id).values(moment_id=None)
    )
    session.execute(sa_delete(Moment).where(col(Moment.id) == moment_id))


def delete_evidence(*, session: Session, evidence_id: str) -> None:
    """Delete an evidence record (the stored file stays: another record may share it)."""
    session.execute(sa_delete(Evidence).where(col(Evidence.id) == evidence_id))


def moment_counts(*, session: Session, audit_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Moments per audit and kind, counted in SQL."""
    stmt = (
        sa.select(col(Moment.audit_id), col(Moment.kind), func.count(col(Moment.id)))
        .where(col(Moment.audit_id).in_(list(audit_ids)))
        .group_by(col(Moment.audit_id), col(Moment.kind))
    )
    counts: dict[str, dict[str, int]] = {}
    for audit_id, kind, count in session.execute(stmt):
        counts.setdefault(audit_id, {})[kind] = count
    return counts


def update_audit(*, session: Session, audit_id: str, values: Mapping[str, Any]) -> None:
    """Set columns of one audit row (a statement built once per set of columns), adding one
    to its `version` unless `values` sets it or sets only the current item."""
    session.connection().execute(_audit_update(tuple(values)), {"_id": audit_id, **values})


@functools.cache
def _audit_update(columns: tuple[str, ...]) -> Any:
    table = SQLModel.metadata.tables["audit"]
    values: dict[str, Any] = {
        name: sa.bindparam(name, type_=table.c[name].type) for name in columns
    }
    # Every change is one more version, so sync can tell a stale push from a fresh one;
    # moving through the items changes nothing of the audit.
    if set(columns) - {"current_item"}:
        values.setdefault("version", table.c.version + 1)
    return sa.update(table).where(table.c.id == sa.bindparam("_id")).values(values)


# -- shops --------------------------------------------------------------------


def add_shop(*, session: Session, shop: Shop) -> Shop:
    session.add(shop)
    session.flush()
    return shop


def get_shop(*, session: Session, shop_id: str, for_update: bool = False) -> Shop:
    """A shop by id; `for_update` locks its row until the transaction ends (PostgreSQL)."""
    shop = session.get(Shop, shop_id, with_for_update=for_update or None)
    if shop is None:
        raise NotFoundError(f"no shop with id {shop_id}")
    return shop


def resolve_shop_id(*, session: Session, prefix: str) -> str:
    """A full shop id from a unique prefix (at least 4 characters)."""
    return _resolve_prefix(session, col(Shop.id), prefix, "shop")


def list_shops(
    *, session: Session, states: Sequence[str] = (), shopper: str | None = None
) -> list[tuple[Shop, Company]]:
    """The shops this login may read with their companies, by due day (then when created)."""
    stmt = select(Shop, Company).join(Company, col(Company.id) == col(Shop.company_id))
    if states:
        stmt = stmt.where(col(Shop.state).in_(states))
    if shopper is not None:
        stmt = stmt.where(col(Shop.shopper) == shopper)
    stmt = stmt.order_by(col(Shop.due), col(Shop.created_at), col(Shop.id))
    return [(shop, company) for shop, company in session.exec(stmt)]


def shop_of_audit(*, session: Session, audit_id: str) -> Shop | None:
    return session.exec(select(Shop).where(col(Shop.audit_id) == audit_id)).first()


def update_shop(*, session: Session, shop_id: str, state: str, values: Mapping[str, Any]) -> bool:
    """Change a shop's columns and count the change in its version, if it is still in
    `state`; False when it is not (someone moved it meanwhile)."""
    result = session.execute(
        sa_update(Shop)
        .where(col(Shop.id) == shop_id, col(Shop.state) == state)
        .values(**values, version=col(Shop.version) + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def add_shop_event(*, session: Session, event: ShopEvent) -> ShopEvent:
    session.add(event)
    session.flush()
    return event


def list_shop_events(*, session: Session, shop_id: str) -> list[ShopEvent]:
    stmt = (
        select(ShopEvent)
        .where(col(ShopEvent.shop_id) == shop_id)
        .order_by(col(ShopEvent.at), col(ShopEvent.id))
    )
    return list(session.exec(stmt))


class ShopMilestones(NamedTuple):
    """When a shop reached the states the team overview measures (None: never)."""

    shop_id: str
    assigned_at: datetime | None
    first_started_at: datetime | None
    first_submitted_at: datetime | None
    returns: int


def shop_milestones(*, session: Session) -> list[ShopMilestones]:
    """Per shop this login may read: when it was assigned, first started and first submitted,
    and how often it was returned, from its events (one aggregated query)."""
    to = col(ShopEvent.to_state)

    def first(state: str) -> Any:
        return func.min(sa.case((to == state, col(ShopEvent.at))))

    stmt = (
        sa.select(
            col(ShopEvent.shop_id),
            func.min(sa.case((col(ShopEvent.from_state).is_(None), col(ShopEvent.at)))),
            first("in_progress"),
            first("submitted"),
            func.count(sa.case((to == "returned", 1))),
        )
        .group_by(col(ShopEvent.shop_id))
        .order_by(col(ShopEvent.shop_id))
    )
    return [
        ShopMilestones(shop_id, as_aware(made), as_aware(started), as_aware(sent), int(returns))
        for shop_id, made, started, sent, returns in session.connection().execute(stmt)
    ]


def latest_template_id(*, session: Session, touchpoint: str) -> str | None:
    """The template of a touchpoint whose newest version was stored last."""
    stmt = (
        select(TemplateVersion.template_id)
        .where(col(TemplateVersion.touchpoint) == touchpoint)
        .order_by(col(TemplateVersion.added_at).desc(), col(TemplateVersion.template_id))
        .limit(1)
    )
    return session.exec(stmt).first()


def template_touchpoint(*, session: Session, template_id: str) -> str | None:
    """The touchpoint of a stored template (its newest version's)."""
    stmt = (
        select(TemplateVersion.touchpoint)
        .where(col(TemplateVersion.template_id) == template_id)
        .order_by(col(TemplateVersion.version).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def template_versions_of(*, session: Session, template_id: str) -> list[TemplateVersion]:
    """Every stored version of one template, oldest first."""
    stmt = (
        select(TemplateVersion)
        .where(col(TemplateVersion.template_id) == template_id)
        .order_by(col(TemplateVersion.version))
    )
    return list(session.exec(stmt))


def audits_per_template_version(*, session: Session, template_id: str) -> dict[int, int]:
    """Template version -> how many audits were run on it (versions with none left out)."""
    stmt = (
        sa.select(col(Audit.template_version), func.count())
        .where(col(Audit.template_id) == template_id)
        .group_by(col(Audit.template_version))
    )
    return {int(version): int(count) for version, count in session.execute(stmt)}


# -- review -----------------------------------------------------------------------


def add_comment(*, session: Session, comment: ReviewComment) -> ReviewComment:
    session.add(comment)
    return comment


def list_comments(*, session: Session, audit_id: str) -> list[ReviewComment]:
    stmt = (
        select(ReviewComment)
        .where(col(ReviewComment.audit_id) == audit_id)
        .order_by(col(ReviewComment.at), col(ReviewComment.id))
    )
    return list(session.exec(stmt))


def add_changes(*, session: Session, changes: Iterable[AnswerChange]) -> None:
    session.add_all(list(changes))


def list_changes(*, session: Session, audit_id: str) -> list[AnswerChange]:
    stmt = (
        select(AnswerChange)
        .where(col(AnswerChange.audit_id) == audit_id)
        .order_by(col(AnswerChange.at), col(AnswerChange.id))
    )
    return list(session.exec(stmt))


class ReviewQueueRow(NamedTuple):
    """A submitted shop waiting for review, with its audit's figures."""

    shop: Shop
    company: str
    zone: str
    """The company's time zone."""
    submitted_at: datetime | None
    score_percent: float | None
    verdict: str | None


def review_queue(*, session: Session) -> list[ReviewQueueRow]:
    """Submitted shops, the longest waiting first (by when they were last submitted)."""
    submitted = (
        select(ShopEvent.shop_id, func.max(ShopEvent.at).label("at"))
        .where(col(ShopEvent.to_state) == "submitted")
        .group_by(col(ShopEvent.shop_id))
        .subquery()
    )
    stmt = (
        sa.select(
            Shop,
            col(Company.name),
            col(Company.timezone),
            submitted.c.at,
            col(Audit.score_percent),
            col(Audit.verdict),
        )
        .join(Company, col(Company.id) == col(Shop.company_id))
        .join(submitted, submitted.c.shop_id == col(Shop.id), isouter=True)
        .join(Audit, col(Audit.id) == col(Shop.audit_id), isouter=True)
        .where(col(Shop.state) == "submitted")
        .order_by(submitted.c.at, col(Shop.due), col(Shop.id))
    )
    return [
        ReviewQueueRow(shop, name, zone, as_aware(at), score, verdict)
        for shop, name, zone, at, score, verdict in session.execute(stmt)
    ]
