"""The action plan in a bundle: the optional member `actions.json` (docs/bundle-format.md).

A bundle carries the actions of the companies it carries. On import each action is checked
like any other field (and must belong to one of the bundle's companies), then merged by id:
a new one is added, one already here is replaced when the bundle's `updated_at` is newer,
and the same bundle imported twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from shopper.domain.actions import MAX_TITLE, ActionSource, ActionStatus
from shopper.services.bundle_read import _Fields
from shopper.services.bundle_zip import BundleArchive
from shopper.services.runner import MAX_NOTE
from shopper.store import actions as store
from shopper.store import exchange
from shopper.store.tables import PlanAction

MEMBER = "actions.json"
_SOURCES = tuple(s.value for s in ActionSource)
_STATUSES = tuple(s.value for s in ActionStatus)


def actions_of(*, session: Session, company_ids: Iterable[str]) -> list[PlanAction]:
    return store.actions_of_companies(session=session, company_ids=company_ids)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def action_json(a: PlanAction) -> dict[str, Any]:
    return {
        "id": a.id,
        "company_id": a.company_id,
        "title": a.title,
        "detail": a.detail,
        "theme": a.theme,
        "source": a.source,
        "audit_id": a.audit_id,
        "item_id": a.item_id,
        "moment_id": a.moment_id,
        "touchpoint": a.touchpoint,
        "owner": a.owner,
        "due": a.due.isoformat() if a.due else None,
        "status": a.status,
        "status_at": _iso(a.status_at),
        "done_at": _iso(a.done_at),
        "shared": a.shared,
        "created_by": a.created_by,
        "created_at": _iso(a.created_at),
        "created_tz": a.created_tz,
        "updated_at": _iso(a.updated_at),
    }


def read_actions(
    archive: BundleArchive, latest: datetime, companies: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The bundle's actions by id, every field checked; none when it has no `actions.json`."""
    if MEMBER not in archive.names():
        return {}
    known = set(companies)
    found: dict[str, dict[str, Any]] = {}
    for f in _Fields(archive, archive.json(MEMBER), MEMBER, latest).objects("actions"):
        company_id = f.ident("company_id")
        if company_id not in known:
            raise f.fail("company_id", "is not one of the bundle's companies")
        title = f.text("title", MAX_TITLE)
        if not title.strip():
            raise f.fail("title", "must not be empty")
        due_text = f.text("due", 10, optional=True)
        try:
            due = date.fromisoformat(due_text) if due_text is not None else None
        except ValueError:
            raise f.fail("due", f"{due_text!r} is not a YYYY-MM-DD day") from None
        shared = f.data.get("shared", False)
        if not isinstance(shared, bool):
            raise f.fail("shared", "expected true or false")
        record = {
            "id": f.ident("id"),
            "company_id": company_id,
            "title": title,
            "detail": f.text("detail", MAX_NOTE),
            "theme": f.text("theme", 64),
            "source": f.choice("source", _SOURCES),
            "audit_id": f.ident("audit_id", optional=True),
            "item_id": f.ident("item_id", optional=True),
            "moment_id": f.ident("moment_id", optional=True),
            "touchpoint": f.text("touchpoint", 32),
            "owner": f.text("owner", 200),
            "due": due,
            "status": f.choice("status", _STATUSES),
            "status_at": f.time("status_at"),
            "done_at": f.time("done_at", optional=True),
            "shared": shared,
            "created_by": f.text("created_by", 200),
            "created_at": f.time("created_at"),
            "created_tz": f.zone("created_tz"),
            "updated_at": f.time("updated_at"),
        }
        if record["id"] in found:
            raise f.fail("id", f"the action {record['id'][:8]} is in the bundle twice")
        found[record["id"]] = record
    return found


def merge_actions(
    session: Session,
    archive: BundleArchive,
    actions: dict[str, dict[str, Any]],
    *,
    dry_run: bool,
) -> tuple[int, int]:
    """Add the new actions and replace those the bundle has newer; (added, updated)."""
    if not actions:
        return 0, 0
    stored = {a.id: a for a in store.actions_by_id(session=session, action_ids=list(actions))}
    new: list[dict[str, Any]] = []
    newer: list[dict[str, Any]] = []
    for action_id, record in actions.items():
        here = stored.get(action_id)
        if here is None:
            new.append(record)
        elif here.company_id != record["company_id"]:
            raise archive.fail(
                f"{MEMBER}: the action {action_id[:8]} belongs to another company here"
            )
        elif record["updated_at"] > here.updated_at:
            newer.append(record)
    if not dry_run:
        exchange.insert_rows(session=session, table="plan_action", rows=new)
        for record in newer:
            values = {k: v for k, v in record.items() if k not in ("id", "created_at")}
            store.update_action(session=session, action_id=record["id"], values=values)
    return len(new), len(newer)
