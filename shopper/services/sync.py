"""Sync, for the shopper: this machine's SQLite database and the team's PostgreSQL database.

Run by a shopper (a login in `shopper_field`), so the team database's row-level security
decides what travels: the shopper reads only their own shops, and writes only to their own
audits in progress.

The rules, all of them:

- **Pull** (team → here): the shopper's shops and their events (only theirs: the server
  gives no other), the companies they are for (business hours included) and every version
  of the templates they use. Upserts by id; a template version never changes, so it is
  inserted when missing and never rewritten. A local shop the team database no longer gives
  this login (reassigned, or never the team's) is removed with its events; its audit stays.
  An audit the team database links to a shop that is not here (started on another machine)
  comes along whole, with its evidence files.
- **Push** (here → team): the audit of each local shop whose `version` changed since the team
  database last took it, whole: the audit row, answers, moments, instrument events, evidence
  rows and their bytes (into `evidence_blob`), audit events. Each audit in one transaction on
  the team database, as upserts keyed by the rows' ids (answers by audit and item), so a push
  cut at any moment leaves nothing of itself there, and the next one redoes it whole. Pushing
  the same version twice sends nothing. A shop the team database still has as assigned (or
  returned) is started there by `shopper_move_shop` in the same transaction; an audit
  completed here is completed there by `shopper_complete_audit`, after its rows.
- **Who wins** is the shop's state on the team database: the shopper may push while it is
  assigned, in progress or returned. A push for a shop submitted, reviewed or cancelled is
  refused and reported (and noted in the outbox); nothing is merged.
- **Versions**: `audit.version` grows by one with every change (the runner's saves, here or
  on the team database, as a manager's correction). The outbox keeps the version the team
  database last took from here (`pushed_version`). A push is made only on top of that
  version: when the team database holds another (someone changed the audit there), the push
  is refused, the local audit is copied to a new local audit (a *conflict copy*, its origin
  in `sync_outbox.conflict_of`, listed by `outbox()` and `shopper outbox`), and the local
  audit is then made as the team database has it. Nothing is merged; the user compares the two.
- **Resumable**: the version being sent and its `updated_at` are noted here before the push
  (`sending_version`, `sending_updated_at`) and the version taken after it, so a sync killed
  between the team database's commit and ours finds the team database with what it sent, and
  only notes it. A version number alone may be reached on both sides, so "the team database
  has this" is always the pair (version, updated_at).
- **Nothing is deleted locally after it was sent**: a push never removes a local row; a
  conflict copy keeps the local work before the local audit takes the team's. (A row deleted
  here after it was pushed, such as a detached photo, stays on the team database: a shopper
  may delete nothing there.)
- **Submitting** (`submit`): an audit completed here is pushed, then its shop is moved to
  submitted by `shopper_move_shop`, in that order; each step is skipped when already done.

The outbox (`outbox()`) is what waits to go: the audits of local shops changed since their
last push, when each was last tried and why it failed, and the conflict copies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table, delete, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from shopper.domain.clock import local_zone_name, now_utc
from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.shops import ShopState
from shopper.domain.vocabulary import AuditStatus
from shopper.services.evidence import MEDIA_TYPES, evidence_path, verify_stored, write_atomic
from shopper.store import team as store
from shopper.store.engine import error_line
from shopper.store.tables import new_id

TABLES = SQLModel.metadata.tables
CHILDREN = ("moment", "answer", "instrument_event", "evidence", "audit_event")
"""The rows of an audit, parents first (evidence may cite a moment)."""
KEYS: dict[str, tuple[str, ...]] = {"answer": ("audit_id", "item_id")}
FUNCTION_EVENTS = frozenset(
    {"completed", AuditStatus.AWAITING_FOLLOW_UP.value, *store.FOLLOW_UP_EVENTS}
)
"""Audit events the team database's own functions record: never inserted by a push."""
LOCKED = frozenset(store.AUDIT_LOCKED_COLUMNS)
OPEN_STATES = frozenset({ShopState.ASSIGNED, ShopState.IN_PROGRESS, ShopState.RETURNED})
"""The shop states in which the team database takes the shopper's audit."""


class LocalSide(Protocol):
    """This machine's side: an `AppContext`, or anything with its engine and data folder."""

    @property
    def engine(self) -> Engine: ...

    @property
    def data_dir(self) -> Path: ...


@dataclass(frozen=True)
class Local:
    engine: Engine
    data_dir: Path


class SyncError(StorageError):
    """Sync could not run: the team database did not answer, or the link is not usable."""


class SubmitError(ShopperError):
    """The audit cannot be submitted (not completed, not done for a shop, refused)."""


@dataclass(frozen=True)
class Pushed:
    audit_id: str
    shop_id: str
    version: int


@dataclass(frozen=True)
class Refused:
    audit_id: str
    shop_id: str
    why: str


@dataclass(frozen=True)
class Conflict:
    audit_id: str
    """The local audit, now as the team database has it."""
    copy_id: str
    """The new local audit holding what this machine had."""
    local_version: int
    server_version: int


@dataclass
class SyncResult:
    """What went each way."""

    pulled_shops: int = 0
    pulled_companies: int = 0
    pulled_templates: int = 0
    """Template versions inserted here (the others were here already)."""
    pulled_audits: int = 0
    removed_shops: int = 0
    pushed: list[Pushed] = field(default_factory=list)
    up_to_date: int = 0
    """Audits the team database had at their version already: nothing was sent."""
    refused: list[Refused] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    failed: list[Refused] = field(default_factory=list)
    """Pushes that failed for another reason (a refusal by the server's rules, a file
    missing here), noted in the outbox."""

    def to_json(self) -> dict[str, Any]:
        return {
            "pulled": {
                "shops": self.pulled_shops,
                "companies": self.pulled_companies,
                "template_versions": self.pulled_templates,
                "audits": self.pulled_audits,
                "shops_removed": self.removed_shops,
            },
            "pushed": [
                {"audit_id": p.audit_id, "shop_id": p.shop_id, "version": p.version}
                for p in self.pushed
            ],
            "up_to_date": self.up_to_date,
            "refused": [
                {"audit_id": r.audit_id, "shop_id": r.shop_id, "why": r.why} for r in self.refused
            ],
            "conflicts": [
                {
                    "audit_id": c.audit_id,
                    "copy_id": c.copy_id,
                    "local_version": c.local_version,
                    "server_version": c.server_version,
                }
                for c in self.conflicts
            ],
            "failed": [
                {"audit_id": r.audit_id, "shop_id": r.shop_id, "why": r.why} for r in self.failed
            ],
        }


@dataclass(frozen=True)
class OutboxEntry:
    audit_id: str
    shop_id: str | None
    version: int
    pushed_version: int | None
    tried_at: datetime | None
    error: str
    conflict_of: str | None
    """For a conflict copy: the audit whose push was refused (a copy is never pushed)."""

    @property
    def state(self) -> str:
        if self.conflict_of is not None:
            return "conflict"
        return "failed" if self.error else "waiting"

    def to_json(self) -> dict[str, Any]:
        return {
            "audit_id": self.audit_id,
            "shop_id": self.shop_id,
            "state": self.state,
            "version": self.version,
            "pushed_version": self.pushed_version,
            "tried_at": self.tried_at.isoformat() if self.tried_at else None,
            "error": self.error,
            "conflict_of": self.conflict_of,
        }


# -- the outbox ----------------------------------------------------------------------


def outbox(local: LocalSide) -> list[OutboxEntry]:
    """What waits to go: the audits of local shops changed since the team database last took
    them (with when a push was last tried and why it failed), then the conflict copies."""
    audit, shop, box = TABLES["audit"], TABLES["shop"], TABLES["sync_outbox"]
    with local.engine.connect() as conn:
        rows = conn.execute(
            select(
                audit.c.id,
                shop.c.id,
                audit.c.version,
                box.c.pushed_version,
                box.c.tried_at,
                box.c.error,
                box.c.conflict_of,
            )
            .select_from(
                audit.outerjoin(shop, shop.c.audit_id == audit.c.id).outerjoin(
                    box, box.c.audit_id == audit.c.id
                )
            )
            .where(
                (
                    (shop.c.id.is_not(None))
                    & (box.c.pushed_version.is_distinct_from(audit.c.version))
                )
                | box.c.conflict_of.is_not(None)
            )
            .order_by(box.c.conflict_of.is_not(None), audit.c.started_at)
        ).all()
    return [OutboxEntry(str(a), s, int(v), p, t, e or "", c) for a, s, v, p, t, e, c in rows]


def _note(conn: Connection, audit_id: str, **values: Any) -> None:
    """Set columns of an audit's outbox row, making it when missing."""
    box = TABLES["sync_outbox"]
    found = conn.execute(select(box.c.audit_id).where(box.c.audit_id == audit_id)).first()
    if found is None:
        conn.execute(box.insert().values({"audit_id": audit_id, "error": "", **values}))
    else:
        conn.execute(update(box).where(box.c.audit_id == audit_id).values(values))


# -- sync ------------------------------------------------------------------------------


def sync(*, local: LocalSide, team_engine: Engine) -> SyncResult:
    """Push what changed here, then pull the shopper's shops and what they need.

    Raises:
        SyncError: the team database did not answer (or stopped answering); what was pushed
            before stays pushed, and the next sync goes on from there.
    """
    result = SyncResult()
    try:
        login = _login(team_engine)
        for shop_id, audit_id in _local_shop_audits(local.engine):
            _push_one(
                local,
                team_engine=team_engine,
                login=login,
                shop_id=shop_id,
                audit_id=audit_id,
                result=result,
            )
        _pull(local, team_engine, result)
    except DBAPIError as exc:
        raise SyncError(f"sync: {error_line(exc)}") from exc
    return result


def _login(team_engine: Engine) -> str:
    with team_engine.connect() as conn:
        login, roles = store.login_groups(conn)
    if "shopper" not in roles:
        raise SyncError(f"sync: {login} is not a shopper of this team database")
    return login


def _local_shop_audits(engine: Engine) -> list[tuple[str, str]]:
    shop = TABLES["shop"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(shop.c.id, shop.c.audit_id).where(shop.c.audit_id.is_not(None))
        ).all()
    return [(str(s), str(a)) for s, a in rows]


def _push_one(
    local: LocalSide,
    *,
    team_engine: Engine,
    login: str,
    shop_id: str,
    audit_id: str,
    result: SyncResult,
) -> None:
    """Push one audit if it changed since the team database took it (see the module doc)."""
    box = TABLES["sync_outbox"]
    with local.engine.connect() as conn:
        snapshot = _read_audit(conn, audit_id)
        noted = conn.execute(
            select(box.c.pushed_version, box.c.sending_version, box.c.sending_updated_at).where(
                box.c.audit_id == audit_id
            )
        ).first()
        start_event = _start_event(conn, shop_id, audit_id)
    if snapshot is None:
        return
    version = int(snapshot["audit"]["version"])
    pushed, sending, sending_at = tuple(noted) if noted is not None else (None, None, None)
    if pushed == version:
        return
    with local.engine.begin() as conn:
        _note(
            conn,
            audit_id,
            sending_version=version,
            sending_updated_at=snapshot["audit"]["updated_at"],
            tried_at=now_utc(),
        )
    try:
        outcome = _send(
            team_engine,
            login=login,
            snapshot=snapshot,
            shop_id=shop_id,
            start_event=start_event,
            data_dir=local.data_dir,
            pushed=pushed,
            sent=(sending, sending_at) if sending is not None else None,
        )
    except DBAPIError as exc:
        with local.engine.begin() as conn:
            _note(conn, audit_id, error=error_line(exc), tried_at=now_utc())
        if exc.connection_invalidated or _lost(exc):
            raise
        result.failed.append(Refused(audit_id, shop_id, error_line(exc)))
        return
    except _Refusal as refusal:
        with local.engine.begin() as conn:
            _note(conn, audit_id, error=refusal.why, tried_at=now_utc())
        if refusal.conflict is None:
            target = result.failed if refusal.failure else result.refused
            target.append(Refused(audit_id, shop_id, refusal.why))
            return
        server_version = refusal.conflict
        copy_id = _conflict_copy(local, audit_id)
        _pull_audit(local, team_engine, audit_id)
        result.conflicts.append(Conflict(audit_id, copy_id, version, server_version))
        return
    with local.engine.begin() as conn:
        _note(
            conn,
            audit_id,
            pushed_version=version,
            sending_version=None,
            sending_updated_at=None,
            error="",
        )
    if outcome == "sent":
        result.pushed.append(Pushed(audit_id, shop_id, version))
    else:
        result.up_to_date += 1


def _lost(exc: DBAPIError) -> bool:
    from psycopg import OperationalError

    return isinstance(exc.orig, OperationalError)


class _Refusal(Exception):  # noqa: N818 - control flow inside this module, never raised out
    def __init__(self, why: str, *, conflict: int | None = None, failure: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.conflict = conflict
        """The team database's version, when the push is refused as stale."""
        self.failure = failure


def _send(
    team_engine: Engine,
    *,
    login: str,
    snapshot: dict[str, Any],
    shop_id: str,
    start_event: dict[str, Any] | None,
    data_dir: Path,
    pushed: int | None,
    sent: tuple[int, datetime] | None,
) -> str:
    """The push of one audit, in one transaction on the team database: "sent", or "same"
    when the team database had this version already.

    Raises:
        _Refusal: the shop's state or the audit's version forbids it; nothing was written.
    """
    audit = snapshot["audit"]
    audit_id, version = str(audit["id"]), int(audit["version"])
    blobs = _local_blobs(snapshot["evidence"], data_dir)
    with team_engine.begin() as conn:
        server_shop = _one(conn, "shop", shop_id)
        server_audit = _one(conn, "audit", audit_id)
        if server_audit is not None and _stamp(server_audit) == _stamp(audit):
            return "same"
        if server_shop is None:
            raise _Refusal(f"shop {shop_id[:8]}: not this login's on the team database")
        state = ShopState(server_shop["state"])
        if state not in OPEN_STATES:
            raise _Refusal(
                f"shop {shop_id[:8]} is {state.value} on the team database: it takes no more"
                " changes to its audit"
            )
        if server_shop["audit_id"] not in (None, audit_id):
            raise _Refusal(
                f"shop {shop_id[:8]} is done in another audit on the team database"
                f" ({str(server_shop['audit_id'])[:8]})"
            )
        if server_audit is not None:
            # On top of what it took from here: the version pushed, or the one a push that
            # was cut after the team database's commit was sending.
            if server_audit["version"] != pushed and _stamp(server_audit) != sent:
                raise _Refusal(
                    f"audit {audit_id[:8]} changed on the team database (version"
                    f" {server_audit['version']}, this machine's {version})",
                    conflict=int(server_audit["version"]),
                )
            if server_audit["status"] != AuditStatus.IN_PROGRESS:
                raise _Refusal(
                    f"audit {audit_id[:8]} is {server_audit['status']} on the team database:"
                    " it can no longer change there",
                )
        moment = now_utc()
        if state is ShopState.RETURNED:
            store.move_shop_as_shopper(
                conn,
                shop_id=shop_id,
                target=ShopState.IN_PROGRESS.value,
                at=moment,
                tz=local_zone_name(),
                audit_id=audit_id,
                detail="",
                event_id=new_id(),
            )
        row = {k: v for k, v in audit.items()}
        row.update(
            shopper=login,
            status=AuditStatus.IN_PROGRESS.value,
            completed_at=None,
            completed_tz=None,
        )
        _upsert(conn, TABLES["audit"], [row], ("id",), skip=LOCKED)
        if state is ShopState.ASSIGNED:
            at = start_event["at"] if start_event else audit["started_at"]
            tz = start_event["tz"] if start_event else audit["started_tz"]
            event_id = start_event["id"] if start_event else new_id()
            store.move_shop_as_shopper(
                conn,
                shop_id=shop_id,
                target=ShopState.IN_PROGRESS.value,
                at=at,
                tz=tz,
                audit_id=audit_id,
                detail="",
                event_id=event_id,
            )
        for name in CHILDREN:
            rows = snapshot[name]
            if name == "audit_event":
                rows = [r for r in rows if r["kind"] not in FUNCTION_EVENTS]
                _upsert(conn, TABLES[name], rows, ("id",), nothing=True)
            else:
                _upsert(conn, TABLES[name], rows, KEYS.get(name, ("id",)))
        _send_blobs(conn, blobs)
        status = audit["status"]
        if status in (AuditStatus.COMPLETED, AuditStatus.AWAITING_FOLLOW_UP):
            done = [e for e in snapshot["audit_event"] if e["kind"] == status]
            last = max(done, key=lambda e: e["at"]) if done else None
            store.complete_as_shopper(
                conn,
                audit_id=audit_id,
                status=str(status),
                at=audit["completed_at"],
                tz=audit["completed_tz"] or "UTC",
                detail=last["detail"] if last else "",
                event_id=last["id"] if last else new_id(),
            )
    return "sent"


def _stamp(audit: dict[str, Any]) -> tuple[int, datetime]:
    """An audit's version and the time of its last change: a version number alone may be
    reached on both sides."""
    return int(audit["version"]), audit["updated_at"]


def _local_blobs(
    evidence: Sequence[dict[str, Any]], data_dir: Path
) -> dict[str, tuple[str, bytes]]:
    """sha256 -> (extension, bytes) of the audit's evidence files in the data folder.

    Raises:
        _Refusal: a file is missing or damaged here: pushing without it would leave the team
            database an audit whose photo nobody can see.
    """
    found: dict[str, tuple[str, bytes]] = {}
    for row in evidence:
        sha, ext = str(row["sha256"]), str(row["extension"])
        if sha in found:
            continue
        if not verify_stored(data_dir, sha, ext):
            raise _Refusal(
                f"evidence file {sha[:12]}.{ext} is missing or damaged here", failure=True
            )
        found[sha] = (ext, evidence_path(data_dir, sha, ext).read_bytes())
    return found


def _send_blobs(conn: Connection, blobs: dict[str, tuple[str, bytes]]) -> None:
    if not blobs:
        return
    table = TABLES["evidence_blob"]
    there = {
        str(s)
        for s in conn.execute(
            select(table.c.sha256).where(table.c.sha256.in_(list(blobs)))
        ).scalars()
    }
    for sha, (ext, data) in blobs.items():
        if sha in there:
            continue
        statement = (
            postgresql.insert(table)
            .values(
                sha256=sha,
                media_type=MEDIA_TYPES.get(ext, "application/octet-stream"),
                size=len(data),
                data=data,
            )
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        conn.execute(statement)


# -- submitting ------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    audit_id: str
    shop_id: str
    pushed: bool
    """False when the team database had this version already."""
    moved: bool
    """False when the shop was submitted already."""


def submit(
    local: LocalSide,
    team_engine: Engine,
    audit_id: str,
    *,
    at: datetime | None = None,
    zone: str | None = None,
) -> SubmitResult:
    """Hand in an audit completed here: push it, then move its shop to submitted on the team
    database (each skipped when done already), then take the shop's new state here.

    Raises:
        SubmitError: not completed here, not done for a shop, or the push was refused.
        SyncError: the team database did not answer.
    """
    audit, shop = TABLES["audit"], TABLES["shop"]
    with local.engine.connect() as conn:
        status = conn.execute(select(audit.c.status).where(audit.c.id == audit_id)).scalar()
        shop_id = conn.execute(select(shop.c.id).where(shop.c.audit_id == audit_id)).scalar()
    if status is None:
        raise SubmitError(f"no audit {audit_id[:8]} here")
    if shop_id is None:
        raise SubmitError(
            f"audit {audit_id[:8]} is not done for a shop: there is nothing to submit"
        )
    if status != AuditStatus.COMPLETED:
        raise SubmitError(f"audit {audit_id[:8]} is {status}: complete it before submitting")
    result = SyncResult()
    try:
        login = _login(team_engine)
        _push_one(
            local,
            team_engine=team_engine,
            login=login,
            shop_id=str(shop_id),
            audit_id=audit_id,
            result=result,
        )
        problems = [*result.refused, *result.failed]
        if result.conflicts:
            copy = result.conflicts[0].copy_id
            raise SubmitError(
                f"audit {audit_id[:8]} changed on the team database: this machine's is kept as"
                f" {copy[:8]}; nothing was submitted"
            )
        if problems and not _submitted_there(team_engine, str(shop_id), audit_id, local):
            raise SubmitError(f"nothing was submitted: {problems[0].why}")
        moved = False
        with team_engine.begin() as conn:
            found = _one(conn, "shop", str(shop_id))
            if found is None:
                raise SubmitError(f"shop {str(shop_id)[:8]}: not this login's on the team database")
            if found["state"] == ShopState.IN_PROGRESS:
                store.move_shop_as_shopper(
                    conn,
                    shop_id=str(shop_id),
                    target=ShopState.SUBMITTED.value,
                    at=at or now_utc(),
                    tz=zone or local_zone_name(),
                    audit_id=None,
                    detail="",
                    event_id=new_id(),
                )
                moved = True
            elif found["state"] != ShopState.SUBMITTED or found["audit_id"] != audit_id:
                raise SubmitError(
                    f"shop {str(shop_id)[:8]} is {found['state']} on the team database: it"
                    " cannot be submitted"
                )
        _pull(local, team_engine, SyncResult())
    except DBAPIError as exc:
        raise SyncError(f"submit: {error_line(exc)}") from exc
    return SubmitResult(audit_id, str(shop_id), bool(result.pushed), moved)


def _submitted_there(team_engine: Engine, shop_id: str, audit_id: str, local: LocalSide) -> bool:
    """Whether a refused push only found the shop submitted already with this very version
    (a submit that was cut after its move)."""
    audit = TABLES["audit"]
    with local.engine.connect() as conn:
        version = conn.execute(select(audit.c.version).where(audit.c.id == audit_id)).scalar()
    with team_engine.connect() as conn:
        found = _one(conn, "shop", shop_id)
        there = _one(conn, "audit", audit_id)
    return (
        found is not None
        and found["state"] == ShopState.SUBMITTED
        and there is not None
        and there["version"] == version
    )


# -- pulling -----------------------------------------------------------------------------


def _pull(local: LocalSide, team_engine: Engine, result: SyncResult) -> None:
    """The shopper's shops and what they need, into the local database (see the module doc)."""
    shop, event = TABLES["shop"], TABLES["shop_event"]
    company, template = TABLES["company"], TABLES["template_version"]
    with team_engine.connect() as conn:
        shops = [dict(r._mapping) for r in conn.execute(select(shop))]
        ids = [s["id"] for s in shops]
        events = (
            [dict(r._mapping) for r in conn.execute(select(event).where(event.c.shop_id.in_(ids)))]
            if ids
            else []
        )
        companies = [
            dict(r._mapping)
            for r in conn.execute(
                select(company).where(company.c.id.in_({s["company_id"] for s in shops}))
            )
        ]
        templates = [
            dict(r._mapping)
            for r in conn.execute(
                select(template).where(
                    template.c.template_id.in_({s["template_id"] for s in shops})
                )
            )
        ]
    with local.engine.connect() as conn:
        here = {str(r.id): r.audit_id for r in conn.execute(select(shop.c.id, shop.c.audit_id))}
        local_audits = {str(a) for a in conn.execute(select(TABLES["audit"].c.id)).scalars()}
        versions = {
            (str(t), int(v))
            for t, v in conn.execute(select(template.c.template_id, template.c.version))
        }
    missing = [s["audit_id"] for s in shops if s["audit_id"] and s["audit_id"] not in local_audits]
    with local.engine.begin() as conn:
        _upsert(conn, company, companies, ("id",))
        _upsert(conn, template, templates, ("template_id", "version"), nothing=True)
    result.pulled_companies = len(companies)
    result.pulled_templates = sum(
        (t["template_id"], t["version"]) not in versions for t in templates
    )
    for audit_id in missing:
        _pull_audit(local, team_engine, str(audit_id))
        result.pulled_audits += 1
    with local.engine.begin() as conn:
        for row in shops:
            # A start made here and not yet taken there keeps its link.
            if row["audit_id"] is None and here.get(row["id"]) is not None:
                row["audit_id"] = here[row["id"]]
        _upsert(conn, shop, shops, ("id",))
        _upsert(conn, event, events, ("id",))
        gone = [s for s in here if s not in set(ids)]
        if gone:
            conn.execute(delete(event).where(event.c.shop_id.in_(gone)))
            conn.execute(delete(shop).where(shop.c.id.in_(gone)))
    result.pulled_shops = len(shops)
    result.removed_shops = len(gone)


def _pull_audit(local: LocalSide, team_engine: Engine, audit_id: str) -> None:
    """Make the local audit as the team database has it, whole, with its evidence files; the
    outbox then says the team database has its version."""
    with team_engine.connect() as conn:
        snapshot = _read_audit(conn, audit_id)
        blob = TABLES["evidence_blob"]
        wanted = (
            {(str(e["sha256"]), str(e["extension"])) for e in snapshot["evidence"]}
            if snapshot
            else set()
        )
        files = {}
        for sha, ext in wanted:
            if verify_stored(local.data_dir, sha, ext):
                continue
            data = conn.execute(select(blob.c.data).where(blob.c.sha256 == sha)).scalar()
            if data is not None and hashlib.sha256(bytes(data)).hexdigest() == sha:
                files[(sha, ext)] = bytes(data)
    if snapshot is None:
        return
    for (sha, ext), data in files.items():
        target = evidence_path(local.data_dir, sha, ext)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, data)
    with local.engine.begin() as conn:
        for name in reversed(CHILDREN):
            table = TABLES[name]
            conn.execute(delete(table).where(table.c.audit_id == audit_id))
        _upsert(conn, TABLES["audit"], [snapshot["audit"]], ("id",))
        for name in CHILDREN:
            _upsert(conn, TABLES[name], snapshot[name], KEYS.get(name, ("id",)))
        version = int(snapshot["audit"]["version"])
        _note(
            conn,
            audit_id,
            pushed_version=version,
            sending_version=None,
            sending_updated_at=None,
            error="",
        )


def _conflict_copy(local: LocalSide, audit_id: str) -> str:
    """Copy a local audit, whole, to a new local audit (new ids), its origin noted."""
    copy_id = new_id()
    with local.engine.begin() as conn:
        snapshot = _read_audit(conn, audit_id)
        assert snapshot is not None
        audit = dict(snapshot["audit"], id=copy_id)
        conn.execute(TABLES["audit"].insert().values(audit))
        moments = {m["id"]: new_id() for m in snapshot["moment"]}
        for name in CHILDREN:
            rows = []
            for found in snapshot[name]:
                row = dict(found, audit_id=copy_id)
                if name == "moment":
                    row["id"] = moments[row["id"]]
                elif "id" in row:
                    row["id"] = new_id()
                if name == "evidence" and row["moment_id"] is not None:
                    row["moment_id"] = moments.get(row["moment_id"])
                rows.append(row)
            if rows:
                conn.execute(TABLES[name].insert(), rows)
        _note(conn, copy_id, conflict_of=audit_id, conflict_at=now_utc())
    return copy_id


# -- rows ------------------------------------------------------------------------------


def _one(conn: Connection, name: str, row_id: str) -> dict[str, Any] | None:
    table = TABLES[name]
    found = conn.execute(select(table).where(table.c.id == row_id)).first()
    return dict(found._mapping) if found is not None else None


def _start_event(conn: Connection, shop_id: str, audit_id: str) -> dict[str, Any] | None:
    """The local event that started the shop (its id becomes the team database's)."""
    event = TABLES["shop_event"]
    found = conn.execute(
        select(event)
        .where(event.c.shop_id == shop_id, event.c.to_state == ShopState.IN_PROGRESS.value)
        .order_by(event.c.at)
    ).first()
    return dict(found._mapping) if found is not None else None


def _read_audit(conn: Connection, audit_id: str) -> dict[str, Any] | None:
    """An audit's row and its rows, read in one go (one snapshot)."""
    audit = _one(conn, "audit", audit_id)
    if audit is None:
        return None
    snapshot: dict[str, Any] = {"audit": audit}
    for name in CHILDREN:
        table = TABLES[name]
        snapshot[name] = [
            dict(r._mapping)
            for r in conn.execute(select(table).where(table.c.audit_id == audit_id))
        ]
    return snapshot


def _upsert(
    conn: Connection,
    table: Table,
    rows: Iterable[dict[str, Any]],
    keys: Sequence[str],
    *,
    skip: Iterable[str] = (),
    nothing: bool = False,
) -> None:
    """Insert rows, or on their key update them (`skip`: columns never updated), or with
    `nothing` leave an existing row as it is."""
    rows = list(rows)
    if not rows:
        return
    dialect = conn.dialect.name
    base: Any = (
        postgresql.insert(table) if dialect == "postgresql" else sqlite_dialect.insert(table)
    )
    skipped = set(keys) | set(skip)
    changes = {c: base.excluded[c] for c in rows[0] if c not in skipped}
    statement = (
        base.on_conflict_do_nothing(index_elements=list(keys))
        if nothing or not changes
        else base.on_conflict_do_update(index_elements=list(keys), set_=changes)
    )
    conn.execute(statement, rows)
