"""Data access for the action plan: the `plan_action` table.

Keyword-only functions that take the session, as in `shopper.store.repo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from shopper.domain.errors import NotFoundError
from shopper.store.repo import _resolve_prefix
from shopper.store.tables import Company, PlanAction


def add_action(*, session: Session, action: PlanAction) -> PlanAction:
    session.add(action)
    session.flush()
    return action


def get_action(*, session: Session, action_id: str) -> PlanAction:
    action = session.get(PlanAction, action_id)
    if action is None:
        raise NotFoundError(f"no action with id {action_id}")
    return action


def resolve_action_id(*, session: Session, prefix: str) -> str:
    """A full action id from a unique prefix (at least 4 characters)."""
    return _resolve_prefix(session, col(PlanAction.id), prefix, "action")


def list_actions(
    *, session: Session, company_id: str | None = None
) -> list[tuple[PlanAction, Company]]:
    """Actions with their company, by company name, then oldest first."""
    stmt = select(PlanAction, Company).join(Company, col(Company.id) == col(PlanAction.company_id))
    if company_id is not None:
        stmt = stmt.where(col(PlanAction.company_id) == company_id)
    stmt = stmt.order_by(
        func.lower(col(Company.name)), col(PlanAction.created_at), col(PlanAction.id)
    )
    return [(action, company) for action, company in session.exec(stmt)]


def update_action(*, session: Session, action_id: str, values: Mapping[str, Any]) -> None:
    stmt = sa_update(PlanAction).where(col(PlanAction.id) == action_id).values(**values)
    if not session.connection().execute(stmt).rowcount:
        raise NotFoundError(f"no action with id {action_id}")


def actions_of_companies(*, session: Session, company_ids: Iterable[str]) -> list[PlanAction]:
    """The actions of these companies, oldest first."""
    wanted = list(company_ids)
    if not wanted:
        return []
    stmt = (
        select(PlanAction)
        .where(col(PlanAction.company_id).in_(wanted))
        .order_by(col(PlanAction.created_at), col(PlanAction.id))
    )
    return list(session.exec(stmt))


def actions_by_id(*, session: Session, action_ids: Sequence[str]) -> list[PlanAction]:
    if not action_ids:
        return []
    stmt = select(PlanAction).where(col(PlanAction.id).in_(list(action_ids)))
    return list(session.exec(stmt))
