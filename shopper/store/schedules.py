"""Data access for recurring shops: the `schedule` table, and what a run reads of the shops.

Keyword-only functions that take the session, as in `shopper.store.repo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import delete as sa_delete
from sqlalchemy import func
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from shopper.domain.errors import NotFoundError
from shopper.store.repo import _resolve_prefix
from shopper.store.tables import Company, Schedule, Shop


def add_schedule(*, session: Session, schedule: Schedule) -> Schedule:
    session.add(schedule)
    session.flush()
    return schedule


def get_schedule(*, session: Session, schedule_id: str) -> Schedule:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        raise NotFoundError(f"no schedule with id {schedule_id}")
    return schedule


def resolve_schedule_id(*, session: Session, prefix: str) -> str:
    """A full schedule id from a unique prefix (at least 4 characters)."""
    return _resolve_prefix(session, col(Schedule.id), prefix, "schedule")


def list_schedules(*, session: Session) -> list[tuple[Schedule, Company]]:
    """Every schedule with its company, by company name, touchpoint, then when made."""
    stmt = (
        select(Schedule, Company)
        .join(Company, col(Company.id) == col(Schedule.company_id))
        .order_by(
            func.lower(col(Company.name)),
            col(Schedule.touchpoint),
            col(Schedule.created_at),
            col(Schedule.id),
        )
    )
    return [(schedule, company) for schedule, company in session.exec(stmt)]


def update_schedule(*, session: Session, schedule_id: str, values: Mapping[str, Any]) -> bool:
    """Change a schedule's columns; False when there is no such schedule."""
    stmt = sa_update(Schedule).where(col(Schedule.id) == schedule_id).values(**values)
    return bool(session.connection().execute(stmt).rowcount)


def delete_schedule(*, session: Session, schedule_id: str) -> None:
    """Remove a schedule; the shops it made stay, as shops assigned by hand."""
    conn = session.connection()
    conn.execute(
        sa_update(Shop).where(col(Shop.schedule_id) == schedule_id).values(schedule_id=None)
    )
    if not conn.execute(sa_delete(Schedule).where(col(Schedule.id) == schedule_id)).rowcount:
        raise NotFoundError(f"no schedule with id {schedule_id}")


def claim_active_schedules(*, session: Session) -> list[Schedule]:
    """The active schedules, held for this transaction: a run that starts meanwhile waits for
    this one to end, so two runs never plan the same occurrence. The no-op UPDATE takes the
    write lock on SQLite and locks the rows on PostgreSQL, portably."""
    session.connection().execute(
        sa_update(Schedule)
        .where(col(Schedule.active).is_(True))
        .values(active=col(Schedule.active))
    )
    stmt = select(Schedule).where(col(Schedule.active).is_(True))
    return list(session.exec(stmt.order_by(col(Schedule.created_at), col(Schedule.id))))


class PastShop(NamedTuple):
    """A shop of a company as a run sees it: who, from when, for which schedule."""

    shopper: str
    opens: date
    created_at: datetime
    schedule_id: str | None


def company_shops(
    *, session: Session, company_ids: Iterable[str], leave_out: Iterable[str]
) -> dict[str, list[PastShop]]:
    """Per company, its shops in states other than `leave_out`, by opening day then when made."""
    wanted = list(company_ids)
    stmt = (
        sa.select(
            col(Shop.company_id),
            col(Shop.shopper),
            col(Shop.opens),
            col(Shop.created_at),
            col(Shop.schedule_id),
        )
        .where(col(Shop.company_id).in_(wanted), col(Shop.state).not_in(list(leave_out)))
        .order_by(col(Shop.opens), col(Shop.created_at), col(Shop.id))
    )
    found: dict[str, list[PastShop]] = {company_id: [] for company_id in wanted}
    for company_id, shopper, opens, created_at, schedule_id in session.connection().execute(stmt):
        found[company_id].append(PastShop(shopper, opens, created_at, schedule_id))
    return found


def open_shop_counts(
    *, session: Session, shoppers: Iterable[str], states: Iterable[str]
) -> dict[str, int]:
    """How many shops in `states` each of `shoppers` has (absent: none)."""
    stmt = (
        select(Shop.shopper, func.count())
        .where(col(Shop.shopper).in_(list(shoppers)), col(Shop.state).in_(list(states)))
        .group_by(col(Shop.shopper))
    )
    return {shopper: int(count) for shopper, count in session.exec(stmt)}


def schedule_shop_counts(*, session: Session) -> dict[str, int]:
    """How many shops each schedule made (that still exist)."""
    stmt = (
        select(Shop.schedule_id, func.count())
        .where(col(Shop.schedule_id).is_not(None))
        .group_by(col(Shop.schedule_id))
    )
    return {str(schedule_id): int(count) for schedule_id, count in session.exec(stmt)}
