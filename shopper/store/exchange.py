"""Rows for moving audits between databases: read an audit whole, replace it whole.

Keyword-only functions that take the session, like `shopper.store.repo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from shopper.store.tables import (
    Answer,
    Audit,
    AuditEvent,
    Evidence,
    InstrumentEvent,
    Moment,
)

CHILD_TABLES = ("answer", "audit_event", "instrument_event", "moment", "evidence")
"""The rows that belong to one audit, in the order they may be inserted."""
_CHUNK = 500


@dataclass
class AuditRows:
    """One audit and every row that belongs to it, as column dictionaries."""

    audit: dict[str, Any]
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _as_dict(row: SQLModel) -> dict[str, Any]:
    return row.model_dump()


def read_audits(*, session: Session, audit_ids: Sequence[str]) -> list[AuditRows]:
    """Audits with their answers, events, instrument steps, moments and evidence rows."""
    found: list[AuditRows] = []
    models: tuple[tuple[str, type[SQLModel]], ...] = (
        ("answer", Answer),
        ("audit_event", AuditEvent),
        ("instrument_event", InstrumentEvent),
        ("moment", Moment),
        ("evidence", Evidence),
    )
    for start in range(0, len(audit_ids), _CHUNK):
        chunk = list(audit_ids[start : start + _CHUNK])
        audits = {a.id: AuditRows(_as_dict(a)) for a in session.exec(_where(Audit, chunk))}
        for name, model in models:
            for row in session.exec(_where(model, chunk)):
                owner = audits[row.audit_id]
                owner.children.setdefault(name, []).append(_as_dict(row))
        found.extend(audits[i] for i in chunk if i in audits)
    return found


def _where(model: Any, audit_ids: list[str]) -> Any:
    column = model.id if model is Audit else model.audit_id
    return select(model).where(col(column).in_(audit_ids))


@dataclass(frozen=True)
class StoredState:
    """What an import must know of an audit already stored here."""

    updated_at: datetime
    status: str
    completed_at: datetime | None


def audit_states(*, session: Session, audit_ids: Sequence[str]) -> dict[str, StoredState]:
    """The stored audits among `audit_ids`, with when they changed, status and completion."""
    table = SQLModel.metadata.tables["audit"]
    found: dict[str, StoredState] = {}
    for start in range(0, len(audit_ids), _CHUNK):
        chunk = list(audit_ids[start : start + _CHUNK])
        stmt = sa_select(
            table.c.id, table.c.updated_at, table.c.status, table.c.completed_at
        ).where(table.c.id.in_(chunk))
        for audit_id, updated, status, completed in session.execute(stmt):
            found[audit_id] = StoredState(updated, status, completed)
    return found


def event_ids(*, session: Session, audit_ids: Sequence[str]) -> dict[str, set[str]]:
    """The ids of the audit events recorded for each audit."""
    table = SQLModel.metadata.tables["audit_event"]
    found: dict[str, set[str]] = {}
    for start in range(0, len(audit_ids), _CHUNK):
        chunk = list(audit_ids[start : start + _CHUNK])
        stmt = sa_select(table.c.audit_id, table.c.id).where(table.c.audit_id.in_(chunk))
        for audit_id, event_id in session.execute(stmt):
            found.setdefault(audit_id, set()).add(event_id)
    return found


def insert_rows(
    *, session: Session, table: str, rows: Sequence[dict[str, Any]], batch: int = 10_000
) -> None:
    """Insert many rows of one table, a batch per statement."""
    target = SQLModel.metadata.tables[table]
    for start in range(0, len(rows), batch):
        session.execute(insert(target), list(rows[start : start + batch]))


def update_company(*, session: Session, company_id: str, values: dict[str, Any]) -> None:
    table = SQLModel.metadata.tables["company"]
    session.execute(update(table).where(table.c.id == company_id).values(values))


def audit_ids(*, session: Session, company_id: str | None = None) -> list[str]:
    """Every audit's id (or a company's), oldest first."""
    stmt = select(col(Audit.id)).order_by(col(Audit.started_at), col(Audit.id))
    if company_id is not None:
        stmt = stmt.where(col(Audit.company_id) == company_id)
    return list(session.exec(stmt))


def owners_of(*, session: Session, table: str, ids: Iterable[str]) -> dict[str, str]:
    """Which audit each existing row id of a child table belongs to."""
    model = SQLModel.metadata.tables[table]
    wanted = list(ids)
    owners: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        stmt = sa_select(model.c.id, model.c.audit_id).where(model.c.id.in_(chunk))
        owners.update({row_id: audit_id for row_id, audit_id in session.execute(stmt)})
    return owners


def delete_children(*, session: Session, audit_id: str) -> None:
    """Delete every row that belongs to an audit (not the audit itself)."""
    for table in reversed(CHILD_TABLES):
        model = SQLModel.metadata.tables[table]
        session.execute(delete(model).where(model.c.audit_id == audit_id))


def insert_new_audits(*, session: Session, audits: Sequence[AuditRows]) -> None:
    """Insert audits not yet stored, with all their rows: one statement per table."""
    if not audits:
        return
    session.execute(insert(SQLModel.metadata.tables["audit"]), [a.audit for a in audits])
    for table in CHILD_TABLES:
        batch = [row for a in audits for row in a.children.get(table, ())]
        if batch:
            session.execute(insert(SQLModel.metadata.tables[table]), batch)


def insert_audit(*, session: Session, rows: AuditRows, replace: bool) -> None:
    """Insert an audit and its rows; with `replace`, its existing rows are replaced wholesale."""
    audit_table = SQLModel.metadata.tables["audit"]
    if replace:
        delete_children(session=session, audit_id=rows.audit["id"])
        values: dict[str, Any] = {k: v for k, v in rows.audit.items() if k not in ("id", "version")}
        # A change like any other: sync's version moves on, so a push made on top of the
        # audit as it was is refused (a conflict copy), never written over this import.
        values["version"] = audit_table.c.version + 1
        session.execute(
            update(audit_table).where(audit_table.c.id == rows.audit["id"]).values(values)
        )
    else:
        session.execute(insert(audit_table), [rows.audit])
    for table in CHILD_TABLES:
        batch = rows.children.get(table)
        if batch:
            session.execute(insert(SQLModel.metadata.tables[table]), batch)
