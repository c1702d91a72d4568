"""Data access for the said-no log and imported feedback: keyword-only functions that take
the session, as in `shopper.store.repo`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from shopper.domain.errors import NotFoundError
from shopper.store import exchange
from shopper.store.repo import _resolve_prefix
from shopper.store.tables import FeedbackEntry, SaidNoCampaign, SaidNoEntry, ThemeRules


def add_campaign(*, session: Session, campaign: SaidNoCampaign) -> SaidNoCampaign:
    session.add(campaign)
    session.flush()
    return campaign


def latest_campaign(*, session: Session, company_id: str) -> SaidNoCampaign | None:
    """The company's newest said-no log: the one started last."""
    stmt = (
        select(SaidNoCampaign)
        .where(SaidNoCampaign.company_id == company_id)
        .order_by(col(SaidNoCampaign.starts).desc(), col(SaidNoCampaign.created_at).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def list_campaigns(*, session: Session, company_id: str | None = None) -> list[SaidNoCampaign]:
    stmt = select(SaidNoCampaign).order_by(col(SaidNoCampaign.starts), col(SaidNoCampaign.id))
    if company_id is not None:
        stmt = stmt.where(SaidNoCampaign.company_id == company_id)
    return list(session.exec(stmt))


def add_entries(*, session: Session, entries: Iterable[SaidNoEntry]) -> None:
    session.add_all(list(entries))
    session.flush()


def list_entries(*, session: Session, campaign_ids: Iterable[str]) -> list[SaidNoEntry]:
    ids = list(campaign_ids)
    if not ids:
        return []
    stmt = (
        select(SaidNoEntry)
        .where(col(SaidNoEntry.campaign_id).in_(ids))
        .order_by(col(SaidNoEntry.at), col(SaidNoEntry.id))
    )
    return list(session.exec(stmt))


def get_entry(*, session: Session, entry_id: str) -> SaidNoEntry:
    entry = session.get(SaidNoEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"no said-no entry with id {entry_id}")
    return entry


def resolve_entry_id(*, session: Session, prefix: str) -> str:
    return _resolve_prefix(session, col(SaidNoEntry.id), prefix, "said-no entry")


def update_entry(*, session: Session, entry_id: str, values: Mapping[str, Any]) -> None:
    session.execute(
        sa_update(SaidNoEntry).where(col(SaidNoEntry.id) == entry_id).values(**dict(values))
    )


# -- feedback ---------------------------------------------------------------------------


def add_feedback(*, session: Session, entries: Iterable[FeedbackEntry]) -> None:
    session.add_all(list(entries))
    session.flush()


def list_feedback(
    *, session: Session, company_id: str | None = None, kind: str | None = None
) -> list[FeedbackEntry]:
    stmt = select(FeedbackEntry).order_by(col(FeedbackEntry.at), col(FeedbackEntry.id))
    if company_id is not None:
        stmt = stmt.where(FeedbackEntry.company_id == company_id)
    if kind is not None:
        stmt = stmt.where(FeedbackEntry.kind == kind)
    return list(session.exec(stmt))


def get_feedback(*, session: Session, entry_id: str) -> FeedbackEntry:
    entry = session.get(FeedbackEntry, entry_id)
    if entry is None:
        raise NotFoundError(f"no feedback entry with id {entry_id}")
    return entry


def resolve_feedback_id(*, session: Session, prefix: str) -> str:
    return _resolve_prefix(session, col(FeedbackEntry.id), prefix, "feedback entry")


def update_feedback(*, session: Session, entry_id: str, values: Mapping[str, Any]) -> None:
    session.execute(
        sa_update(FeedbackEntry).where(col(FeedbackEntry.id) == entry_id).values(**dict(values))
    )


def share_feedback(*, session: Session, company_id: str, kind: str | None, shared: bool) -> int:
    """Mark a company's feedback (of one kind, or all) shared with the team's shoppers or not;
    returns how many entries changed."""
    stmt = (
        sa_update(FeedbackEntry)
        .where(col(FeedbackEntry.company_id) == company_id)
        .where(col(FeedbackEntry.shared) != shared)
    )
    if kind is not None:
        stmt = stmt.where(col(FeedbackEntry.kind) == kind)
    return int(session.execute(stmt.values(shared=shared)).rowcount or 0)  # type: ignore[attr-defined]


def get_rules(*, session: Session) -> ThemeRules | None:
    return session.get(ThemeRules, "rules")


def save_rules(*, session: Session, text: str, who: str, at: Any) -> None:
    found = session.get(ThemeRules, "rules")
    if found is None:
        session.add(ThemeRules(id="rules", text=text, updated_by=who, updated_at=at))
    else:
        found.text, found.updated_by, found.updated_at = text, who, at
        session.add(found)
    session.flush()


def ids_present(*, session: Session, table: Any, ids: Sequence[str]) -> set[str]:
    """Those of `ids` that rows of `table` (a said-no or feedback table) have here."""
    name = table.__tablename__
    found = exchange.select_in(session=session, table=name, columns=("id",), key="id", values=ids)
    return {str(row_id) for (row_id,) in found}
