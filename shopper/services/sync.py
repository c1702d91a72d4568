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
  comes along whole, with its evidence files, and so does one here that changed there while
  nothing of it waits to go from here (a manager returned it, reopening it, or corrected an
  answer): the local audit is then made as the team database has it. The reviewers' comments
  on the audits here come too (a comment never changes; one here is kept).
- **Push** (here → team): the audit of each local shop whose `version` changed since the team
  database last took it, whole: the audit row, answers, moments, instrument events, evidence
  rows and their bytes (into `evidence_blob`), audit events, and the history of its answers
  (`answer_change`, rows added once and never rewritten). Each audit wholly in one
  transaction on the team database (up to `PUSH_BATCH` plain pushes share one: see
  `_push_batch`), as upserts keyed by the rows' ids (answers by audit and item), so a push
  cut at any moment leaves nothing of itself there, and the next one redoes it whole. Pushing
  the same version twice sends nothing. A shop the team database still has as assigned (or
  returned) is started there by `shopper_move_shop` in the same transaction; an audit
  completed here is completed there by `shopper_complete_audit`, after its rows.
- **A follow-up**: an audit the team database has awaiting its follow-up takes from here
  only what the follow-up may change there (the rows that changed: the follow-up's answers,
  photos on them, the e-mail tracker's "follow-up received"; the audit's score and position),
  then, when it was finished here, its finish by `shopper_finish_follow_up` with the event
  made here, which keeps the day's completion time.
- **A shop of the shopper's own** (started here for a company whose manager allows audits
  nobody assigned, `shops.start_own_shop`) is made on the team database by
  `shopper_own_shop` in the push's transaction, then goes on like an assigned one; for a
  company that takes none the push is refused and reported.
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
  A shop started here and, first, on another machine is done in the team database's audit:
  the local one loses its shop and stays as a conflict copy of that one.
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from shopper.domain.clock import as_utc, local_zone_name, now_utc
from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.shops import NOT_SUBMITTED, ShopState
from shopper.domain.vocabulary import AuditStatus
from shopper.services.evidence import MEDIA_TYPES, evidence_path, verify_stored, write_atomic
from shopper.services.shops import is_own_shop
from shopper.store import sync as rows
from shopper.store import team as store
from shopper.store.engine import error_line
from shopper.store.tables import new_id

FUNCTION_EVENTS = frozenset(
    {"completed", AuditStatus.AWAITING_FOLLOW_UP.value, *store.FOLLOW_UP_EVENTS}
)
"""Audit events the team database's own functions record: never inserted by a push."""
LOCKED = frozenset(store.AUDIT_LOCKED_COLUMNS)
OPEN_STATES = NOT_SUBMITTED
"""The shop states in which the team database takes the shopper's audit."""
PUSH_CHUNK = 100
"""Audits read here and noted together."""
PUSH_BATCH = 50
"""Audits pushed together in one transaction (each wholly, or not at all: see `_push_batch`)."""
PUSH_BATCH_BYTES = 16 * 1024 * 1024
"""About how many bytes of evidence files a batch holds in memory before it is sent."""


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
    pulled_comments: int = 0
    """Review comments new here."""
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
                "comments": self.pulled_comments,
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
    with local.engine.connect() as conn:
        found = rows.waiting(conn)
    return [OutboxEntry(str(a), s, int(v), p, t, e or "", c) for a, s, v, p, t, e, c in found]


# -- sync ------------------------------------------------------------------------------


def sync(*, local: LocalSide, team_engine: Engine) -> SyncResult:
    """Push what changed here, then pull the shopper's shops and what they need.

    Raises:
        SyncError: the team database did not answer (or stopped answering); what was pushed
            before stays pushed, and the next sync goes on from there.
    """
    result = SyncResult()
    began = now_utc()
    try:
        login = _login(team_engine)
        with local.engine.connect() as conn:
            started = rows.shop_audits(conn)
        for first in range(0, len(started), PUSH_CHUNK):
            _push_some(
                local,
                team_engine=team_engine,
                login=login,
                pairs=started[first : first + PUSH_CHUNK],
                result=result,
            )
        _pull(local, team_engine, result)
    except DatabaseError as exc:
        why = error_line(exc)
        _note_not_sent(local, why, began)
        raise SyncError(f"sync: {why}") from exc
    return result


def _note_not_sent(local: LocalSide, why: str, began: datetime) -> None:
    """A sync the team database stopped answering: each audit still waiting to go that this
    sync did not reach has this try and its reason in the outbox (one it reached has its own)."""
    at = now_utc()
    with local.engine.begin() as conn:
        for audit_id, _shop, _version, _pushed, tried_at, _error, copy_of in rows.waiting(conn):
            if copy_of is None and (tried_at is None or as_utc(tried_at) < began):
                rows.note(conn, str(audit_id), error=why, tried_at=at)


def _login(team_engine: Engine) -> str:
    with team_engine.connect() as conn:
        login, roles = store.login_groups(conn)
    if "shopper" not in roles:
        raise SyncError(f"sync: {login} is not a shopper of this team database")
    return login


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
    _push_some(
        local, team_engine=team_engine, login=login, pairs=[(shop_id, audit_id)], result=result
    )


def _push_some(
    local: LocalSide,
    *,
    team_engine: Engine,
    login: str,
    pairs: Sequence[tuple[str, str]],
    result: SyncResult,
) -> None:
    """Push each of these (shop, audit) whose audit changed since the team database took it,
    on one connection: the plain pushes in batches (`_push_batch`), every other one in its
    own transaction (`_push_snapshot`), and one a batch could not make too. They are read here
    together, and their sending noted together before the first push; the versions taken are
    noted together after the last (or when one fails): a sync killed in between finds the
    team database with what it sent, and only notes it. An audit whose last push was cut
    (its sending noted, never its taking) is first looked up there (see `_resolve_cut`)."""
    ids = [audit_id for _shop, audit_id in pairs]
    with local.engine.connect() as conn:
        noted = rows.noted_many(conn, ids)
        current = {a: version for a, (version, _at) in rows.audit_stamps(conn, ids).items()}
        changed = [
            (shop_id, audit_id)
            for shop_id, audit_id in pairs
            if audit_id in current and noted[audit_id].pushed_version != current[audit_id]
        ]
        snapshots = rows.read_audits(conn, [audit_id for _shop, audit_id in changed])
        starts = rows.first_moves_to(
            conn, [shop_id for shop_id, _audit in changed], ShopState.IN_PROGRESS.value
        )
        owns = _own_shops(conn, [shop_id for shop_id, _audit in changed])
    work = [
        (shop_id, audit_id, snapshots[audit_id])
        for shop_id, audit_id in changed
        if audit_id in snapshots
        and noted[audit_id].pushed_version != snapshots[audit_id]["audit"]["version"]
    ]
    if not work:
        return
    tried = now_utc()
    with local.engine.begin() as conn:
        rows.note_many(
            conn,
            [
                {
                    "audit_id": audit_id,
                    "sending_version": int(snapshot["audit"]["version"]),
                    "sending_updated_at": snapshot["audit"]["updated_at"],
                    "tried_at": tried,
                }
                for _shop, audit_id, snapshot in work
                if noted[audit_id].sending_version is None
            ],
        )
    taken: list[dict[str, Any]] = []

    def took(shop_id: str, audit_id: str, version: int, outcome: str) -> None:
        taken.append(
            {
                "audit_id": audit_id,
                "pushed_version": version,
                "sending_version": None,
                "sending_updated_at": None,
                "error": "",
            }
        )
        if outcome == "sent":
            result.pushed.append(Pushed(audit_id, shop_id, version))
        else:
            result.up_to_date += 1

    try:
        with team_engine.connect() as team_conn:
            done: set[str] = set()
            plain = [
                (shop_id, audit_id, snapshot)
                for shop_id, audit_id, snapshot in work
                if noted[audit_id].sending_version is None and shop_id not in owns
            ]
            for batch in _batches(plain, local.data_dir):
                outcomes = _push_batch(
                    local, team_conn, login=login, batch=batch, starts=starts, noted=noted
                )
                for shop_id, audit_id, snapshot, _blobs in batch:
                    if audit_id in outcomes:
                        done.add(audit_id)
                        took(
                            shop_id, audit_id, int(snapshot["audit"]["version"]), outcomes[audit_id]
                        )
            for shop_id, audit_id, snapshot in work:
                if audit_id in done:
                    continue
                outcome = _push_snapshot(
                    local,
                    team_conn,
                    team_engine=team_engine,
                    login=login,
                    shop_id=shop_id,
                    snapshot=snapshot,
                    start_event=starts.get(shop_id),
                    noted=noted[audit_id],
                    result=result,
                    own=owns.get(shop_id),
                )
                if outcome is not None:
                    took(shop_id, audit_id, int(snapshot["audit"]["version"]), outcome)
    finally:
        if taken:
            with local.engine.begin() as conn:
                rows.note_many(conn, taken)


_Batched = tuple[str, str, dict[str, Any], dict[str, tuple[str, bytes]]]
"""(shop id, audit id, snapshot, its evidence files' bytes) of an audit in a batch."""


def _batches(
    work: Sequence[tuple[str, str, dict[str, Any]]], data_dir: Path
) -> Iterator[list[_Batched]]:
    """These audits in batches of at most `PUSH_BATCH` audits and about `PUSH_BATCH_BYTES`
    of evidence files, with those files read. An audit whose files cannot be read here is
    left out (its own push reports it)."""
    batch: list[_Batched] = []
    size = 0
    for shop_id, audit_id, snapshot in work:
        try:
            blobs = _local_blobs(snapshot["evidence"], data_dir)
        except _Refusal:
            continue
        batch.append((shop_id, audit_id, snapshot, blobs))
        size += sum(len(data) for _ext, data in blobs.values())
        if len(batch) >= PUSH_BATCH or size >= PUSH_BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _push_batch(
    local: LocalSide,
    team_conn: Connection,
    *,
    login: str,
    batch: Sequence[_Batched],
    starts: dict[str, dict[str, Any]],
    noted: dict[str, rows.Noted],
) -> dict[str, str]:
    """The plain pushes of a batch in one transaction: audit id -> "sent" or "same" for each
    it made. A plain push is one on top of what the team database took from here, to a shop
    assigned or in progress there; every other audit of the batch is left to its own push
    (`_push_snapshot`), which knows the refusals, conflicts, returns and follow-ups. When the
    team database refuses anything of the batch, nothing of it stays there and every audit
    of it is left to its own push, so one refusal never holds back the others."""
    try:
        with team_conn.begin():
            states = rows.push_states(team_conn, [(s, a) for s, a, _snap, _blobs in batch])
            outcomes: dict[str, str] = {}
            sends: list[_Send] = []
            blobs: dict[str, tuple[str, bytes]] = {}
            for shop_id, audit_id, snapshot, found in batch:
                there = states[audit_id]
                if there.audit is not None and _stamp(there.audit) == _stamp(snapshot["audit"]):
                    outcomes[audit_id] = "same"
                elif _plain(there, audit_id, pushed=noted[audit_id].pushed_version):
                    assert there.shop is not None
                    state = ShopState(there.shop["state"])
                    sends.append(_Send(shop_id, snapshot, state, starts.get(shop_id)))
                    blobs.update(found)
                    outcomes[audit_id] = "sent"
            if sends:
                _write_audits(team_conn, login=login, sends=sends)
                _send_blobs(team_conn, blobs)
                for send in sends:
                    _finish_audit(team_conn, send.snapshot)
        return outcomes
    except store.ServerRefusalError as exc:
        if not exc.connection_lost:
            return {}
        _note_batch(local, batch, str(exc))
        raise SyncError(f"sync: {exc}") from exc
    except DatabaseError as exc:
        if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
            _note_batch(local, batch, error_line(exc))
            raise
        return {}


def _plain(there: rows.PushState, audit_id: str, *, pushed: int | None) -> bool:
    """Whether a push with this state on the team database is a plain one (see `_push_batch`)."""
    shop, audit = there.shop, there.audit
    if shop is None or shop["audit_id"] not in (None, audit_id):
        return False
    if shop["state"] not in (ShopState.ASSIGNED.value, ShopState.IN_PROGRESS.value):
        return False
    return audit is None or (
        audit["status"] == AuditStatus.IN_PROGRESS and audit["version"] == pushed
    )


def _note_batch(local: LocalSide, batch: Sequence[_Batched], why: str) -> None:
    at = now_utc()
    with local.engine.begin() as conn:
        for _shop, audit_id, _snapshot, _blobs in batch:
            rows.note(conn, audit_id, error=why, tried_at=at)


def _own_shops(
    conn: Connection, shop_ids: Sequence[str]
) -> dict[str, tuple[dict[str, Any], dict[str, Any] | None]]:
    """Of these local shops, those their shopper started on their own: shop id -> (the shop
    row, its first event), as `store.own_shop_as_shopper` makes them on the team database."""
    found = {}
    # One statement finds them (most shops are assigned, and a push reads a chunk at once).
    for shop_id in rows.own_shop_ids(conn, store.OWN_SHOP_DETAIL) & set(shop_ids):
        shop = rows.one(conn, "shop", shop_id)
        created = rows.first_move_to(conn, shop_id, ShopState.ASSIGNED.value)
        if shop is not None and is_own_shop(shop, created):
            found[shop_id] = (shop, created)
    return found


def _push_snapshot(
    local: LocalSide,
    team_conn: Connection,
    *,
    team_engine: Engine,
    login: str,
    shop_id: str,
    snapshot: dict[str, Any],
    start_event: dict[str, Any] | None,
    noted: rows.Noted,
    result: SyncResult,
    own: tuple[dict[str, Any], dict[str, Any] | None] | None = None,
) -> str | None:
    """One audit's push, in its own transaction: "sent" or "same" (see `_send`), or None
    when it failed or was refused (noted here and in `result`)."""
    audit_id = str(snapshot["audit"]["id"])
    version = int(snapshot["audit"]["version"])
    sent = (
        (noted.sending_version, noted.sending_updated_at)
        if noted.sending_version is not None
        else None
    )
    try:
        if sent is not None:
            noted = _resolve_cut(
                local, team_conn, shop_id=shop_id, snapshot=snapshot, noted=noted, sent=sent
            )
        blobs = _local_blobs(snapshot["evidence"], local.data_dir)
        with team_conn.begin():
            return _send(
                team_conn,
                login=login,
                snapshot=snapshot,
                shop_id=shop_id,
                start_event=start_event,
                blobs=blobs,
                pushed=noted.pushed_version,
                sent=sent,
                own=own,
            )
    except store.ServerRefusalError as exc:
        # One of the team database's own functions refused (its rules): noted, not retried.
        with local.engine.begin() as conn:
            rows.note(conn, audit_id, error=str(exc), tried_at=now_utc())
        if exc.connection_lost:  # the server went away: the next sync goes on from here
            raise SyncError(f"sync: {exc}") from exc
        result.failed.append(Refused(audit_id, shop_id, str(exc)))
        return None
    except DatabaseError as exc:
        with local.engine.begin() as conn:
            rows.note(conn, audit_id, error=error_line(exc), tried_at=now_utc())
        if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
            raise
        result.failed.append(Refused(audit_id, shop_id, error_line(exc)))
        return None
    except _Refusal as refusal:
        with local.engine.begin() as conn:
            rows.note(conn, audit_id, error=refusal.why, tried_at=now_utc())
        if refusal.conflict is None:
            target = result.failed if refusal.failure else result.refused
            target.append(Refused(audit_id, shop_id, refusal.why))
            return None
        copy_id = _conflict_copy(local, audit_id)
        _pull_audit(local, team_engine, audit_id)
        result.conflicts.append(Conflict(audit_id, copy_id, version, refusal.conflict))
        return None


def _resolve_cut(
    local: LocalSide,
    team_conn: Connection,
    *,
    shop_id: str,
    snapshot: dict[str, Any],
    noted: rows.Noted,
    sent: tuple[int, datetime | None],
) -> rows.Noted:
    """Before the sending of a cut push is noted over: when the team database holds what it
    sent, note that it took it; then note what is being sent now. (Noting over it first, a
    sync killed before this push's commit would find the team database with a version this
    machine no longer knows it sent, and take its own audit for a conflict.)"""
    audit_id = str(snapshot["audit"]["id"])
    with team_conn.begin():
        there = rows.push_state(team_conn, shop_id, audit_id).audit
    took = there is not None and _stamp(there) == sent
    pushed = sent[0] if took else noted.pushed_version
    with local.engine.begin() as conn:
        rows.note(
            conn,
            audit_id,
            pushed_version=pushed,
            sending_version=int(snapshot["audit"]["version"]),
            sending_updated_at=snapshot["audit"]["updated_at"],
            tried_at=now_utc(),
        )
    return rows.Noted(pushed, noted.sending_version, noted.sending_updated_at)


class _Refusal(Exception):  # noqa: N818 - control flow inside this module, never raised out
    def __init__(self, why: str, *, conflict: int | None = None, failure: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.conflict = conflict
        """The team database's version, when the push is refused as stale."""
        self.failure = failure
        """Not a rule of sync but something missing here (a file)."""


def _send(
    conn: Connection,
    *,
    login: str,
    snapshot: dict[str, Any],
    shop_id: str,
    start_event: dict[str, Any] | None,
    blobs: dict[str, tuple[str, bytes]],
    pushed: int | None,
    sent: tuple[int, datetime | None] | None,
    own: tuple[dict[str, Any], dict[str, Any] | None] | None = None,
) -> str:
    """The push of one audit, in the caller's transaction on the team database (its own):
    "sent", or "same" when the team database had it already.

    Raises:
        _Refusal: the shop's state or the audit's version forbids it; nothing was written.
    """
    audit = snapshot["audit"]
    audit_id = str(audit["id"])
    there = rows.push_state(conn, shop_id, audit_id)
    if there.shop is None and own is not None:
        # A shop the shopper started on their own: made there first, by the database's
        # function, which checks that the company takes such shops.
        store.own_shop_as_shopper(conn, own[0], own[1])
        there = rows.push_state(conn, shop_id, audit_id)
    server_shop, server_audit = there.shop, there.audit
    if server_audit is not None and _stamp(server_audit) == _stamp(audit):
        return "same"
    _check_push(
        shop_id,
        audit_id,
        server_shop,
        server_audit,
        pushed=pushed,
        sent=sent,
        local_status=str(audit["status"]),
    )
    assert server_shop is not None
    if server_audit is not None and server_audit["status"] == AuditStatus.AWAITING_FOLLOW_UP:
        _send_follow_up(conn, snapshot, blobs)
        return "sent"
    state = ShopState(server_shop["state"])
    if state is ShopState.RETURNED:
        store.move_shop_as_shopper(
            conn,
            shop_id=shop_id,
            target=ShopState.IN_PROGRESS.value,
            at=now_utc(),
            tz=local_zone_name(),
            audit_id=audit_id,
            detail="",
            event_id=new_id(),
        )
    _write_audits(conn, login=login, sends=[_Send(shop_id, snapshot, state, start_event)])
    _send_blobs(conn, blobs)
    _finish_audit(conn, snapshot)
    return "sent"


@dataclass(frozen=True)
class _Send:
    """One audit whose rows go to the team database: its shop there is assigned (then started
    with the rows) or in progress."""

    shop_id: str
    snapshot: dict[str, Any]
    state: ShopState
    start_event: dict[str, Any] | None


def _write_audits(conn: Connection, *, login: str, sends: Sequence[_Send]) -> None:
    """The rows of these audits, in the caller's transaction, in one round trip (the server
    runs them in order, as they come): every audit row first, the shops' starts, then each
    table's rows of all of them together."""
    audits = []
    for send in sends:
        row = dict(send.snapshot["audit"])
        row.update(
            shopper=login,
            status=AuditStatus.IN_PROGRESS.value,
            completed_at=None,
            completed_tz=None,
        )
        audits.append(row)
    with rows.pipelined(conn):
        rows.upsert(conn, "audit", audits, skip=LOCKED)
        for send in sends:
            if send.state is not ShopState.ASSIGNED:
                continue
            audit, start = send.snapshot["audit"], send.start_event
            rows.start_shop(
                conn,
                shop_id=send.shop_id,
                at=start["at"] if start else audit["started_at"],
                tz=start["tz"] if start else audit["started_tz"],
                audit_id=str(audit["id"]),
                event_id=start["id"] if start else new_id(),
            )
        for name in rows.CHILDREN:
            found = [r for send in sends for r in send.snapshot[name]]
            if name == "audit_event":
                found = [r for r in found if r["kind"] not in FUNCTION_EVENTS]
            rows.upsert(conn, name, found, keep=name == "audit_event")
        for name in rows.HISTORY:
            rows.upsert(conn, name, [r for send in sends for r in send.snapshot[name]], keep=True)


def _finish_audit(conn: Connection, snapshot: dict[str, Any]) -> None:
    """An audit completed (or awaiting its follow-up) here is made so there by the team
    database's function, after its rows, with the event made here."""
    audit = snapshot["audit"]
    status = audit["status"]
    if status not in (AuditStatus.COMPLETED, AuditStatus.AWAITING_FOLLOW_UP):
        return
    done = [e for e in snapshot["audit_event"] if e["kind"] == status]
    last = max(done, key=lambda e: e["at"]) if done else None
    store.complete_as_shopper(
        conn,
        audit_id=str(audit["id"]),
        status=str(status),
        at=audit["completed_at"],
        tz=audit["completed_tz"] or "UTC",
        detail=last["detail"] if last else "",
        event_id=last["id"] if last else new_id(),
    )


def _check_push(
    shop_id: str,
    audit_id: str,
    server_shop: dict[str, Any] | None,
    server_audit: dict[str, Any] | None,
    *,
    pushed: int | None,
    sent: tuple[int, datetime | None] | None,
    local_status: str,
) -> None:
    """Raise `_Refusal` when the rules of the module doc forbid this push."""
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
    if server_audit is None:
        return
    # On top of what it took from here: the version pushed, or the one a push cut after the
    # team database's commit was sending.
    if server_audit["version"] != pushed and _stamp(server_audit) != sent:
        raise _Refusal(
            f"audit {audit_id[:8]} changed on the team database (its version"
            f" {server_audit['version']}, last taken from here {pushed})",
            conflict=int(server_audit["version"]),
        )
    follow_up = server_audit["status"] == AuditStatus.AWAITING_FOLLOW_UP and local_status in (
        AuditStatus.AWAITING_FOLLOW_UP,
        AuditStatus.COMPLETED,
    )
    if server_audit["status"] != AuditStatus.IN_PROGRESS and not follow_up:
        raise _Refusal(
            f"audit {audit_id[:8]} is {server_audit['status']} on the team database:"
            " it can no longer change there"
        )


def _send_follow_up(
    conn: Connection, snapshot: dict[str, Any], blobs: dict[str, tuple[str, bytes]]
) -> None:
    """The follow-up of an audit the team database has awaiting it: only the rows that
    changed here (the follow-up's answers, photos on them, the e-mail tracker's "follow-up
    received"), the audit's score and position, and, when it was finished here, its finish
    through `shopper_finish_follow_up` with the event made here. The team database's rules
    refuse anything more, so nothing else is sent."""
    audit = snapshot["audit"]
    audit_id = str(audit["id"])
    there = rows.read_audit(conn, audit_id)
    assert there is not None
    for name in ("answer", "evidence", "instrument_event", *rows.HISTORY):
        keys = rows.key_of(name)
        known = {tuple(r[k] for k in keys): r for r in there[name]}
        changed = [r for r in snapshot[name] if known.get(tuple(r[k] for k in keys)) != r]
        rows.upsert(conn, name, changed)
    rows.update_audit(conn, audit_id, {c: audit[c] for c in store.AWAITING_AUDIT_COLUMNS})
    _send_blobs(conn, blobs)
    if audit["status"] != AuditStatus.COMPLETED:
        return
    ends = [e for e in snapshot["audit_event"] if e["kind"] in store.FOLLOW_UP_EVENTS]
    if not ends:
        raise _Refusal(f"audit {audit_id[:8]}: completed here without its follow-up's end")
    end = max(ends, key=lambda e: e["at"])
    store.finish_follow_up_as_shopper(
        conn,
        audit_id=audit_id,
        at=end["at"],
        tz=end["tz"],
        event=str(end["kind"]),
        event_id=str(end["id"]),
    )


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
    there = rows.stored_hashes(conn, blobs)
    for sha, (ext, data) in blobs.items():
        if sha not in there:
            media_type = MEDIA_TYPES.get(ext, "application/octet-stream")
            rows.add_blob(conn, sha256=sha, media_type=media_type, data=data)


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
    with local.engine.connect() as conn:
        facts = rows.audit_facts(conn, audit_id)
    if facts is None:
        raise SubmitError(f"no audit {audit_id[:8]} here")
    status, version, shop_id = facts
    if shop_id is None:
        raise SubmitError(f"audit {audit_id[:8]} is not done for a shop: nothing to submit")
    if status != AuditStatus.COMPLETED:
        raise SubmitError(f"audit {audit_id[:8]} is {status}: complete it before submitting")
    result = SyncResult()
    try:
        login = _login(team_engine)
        _push_one(
            local,
            team_engine=team_engine,
            login=login,
            shop_id=shop_id,
            audit_id=audit_id,
            result=result,
        )
        if result.conflicts:
            copy = result.conflicts[0].copy_id
            raise SubmitError(
                f"audit {audit_id[:8]} changed on the team database: this machine's is kept as"
                f" {copy[:8]}; nothing was submitted"
            )
        moved = _move_to_submitted(
            team_engine,
            shop_id=shop_id,
            audit_id=audit_id,
            version=version,
            problems=[*result.refused, *result.failed],
            at=at or now_utc(),
            zone=zone or local_zone_name(),
        )
        _pull(local, team_engine, SyncResult())
    except DatabaseError as exc:
        raise SyncError(f"submit: {error_line(exc)}") from exc
    return SubmitResult(audit_id, shop_id, bool(result.pushed), moved)


def _move_to_submitted(
    team_engine: Engine,
    *,
    shop_id: str,
    audit_id: str,
    version: int,
    problems: Sequence[Refused],
    at: datetime,
    zone: str,
) -> bool:
    """Submit the shop unless it is already, with this very version of its audit: whether it
    moved. A refused push stops it, unless the refusal was only that the shop is submitted."""
    with team_engine.begin() as conn:
        found = rows.one(conn, "shop", shop_id)
        there = rows.one(conn, "audit", audit_id)
        if found is None:
            raise SubmitError(f"shop {shop_id[:8]}: not this login's on the team database")
        done = (
            found["state"] == ShopState.SUBMITTED
            and found["audit_id"] == audit_id
            and there is not None
            and there["version"] == version
        )
        if done:
            return False
        if problems:
            raise SubmitError(f"nothing was submitted: {problems[0].why}")
        if found["state"] != ShopState.IN_PROGRESS:
            raise SubmitError(
                f"shop {shop_id[:8]} is {found['state']} on the team database: it cannot be"
                " submitted"
            )
        store.move_shop_as_shopper(
            conn,
            shop_id=shop_id,
            target=ShopState.SUBMITTED.value,
            at=at,
            tz=zone,
            audit_id=None,
            detail="",
            event_id=new_id(),
        )
    return True


# -- pulling -----------------------------------------------------------------------------


def _pull(local: LocalSide, team_engine: Engine, result: SyncResult) -> None:
    """The shopper's shops and what they need, into the local database (see the module doc)."""
    with team_engine.connect() as conn:
        found = rows.read_shops(conn)
    with local.engine.connect() as conn:
        links = rows.shop_links(conn)
        here = rows.audit_ids(conn)
        versions = rows.template_keys(conn)
    with local.engine.begin() as conn:
        rows.upsert(conn, "company", found.companies)
        rows.upsert(conn, "template_version", found.templates, keep=True)
    result.pulled_companies = len(found.companies)
    result.pulled_templates = sum(
        (t["template_id"], t["version"]) not in versions for t in found.templates
    )
    changed = _changed_there(local, team_engine, found.shops, here)
    for shop in found.shops:
        if shop["audit_id"] is not None and (
            shop["audit_id"] not in here or shop["audit_id"] in changed
        ):
            _pull_audit(local, team_engine, str(shop["audit_id"]))
            result.pulled_audits += 1
        # A start made here and not yet taken there keeps its link.
        if shop["audit_id"] is None and links.get(shop["id"]) is not None:
            shop["audit_id"] = links[shop["id"]]
    ids = {s["id"] for s in found.shops}
    # A shop started here on the shopper's own stays until the team database has taken it
    # (or, refused, in the outbox with the reason).
    with local.engine.connect() as conn:
        own = rows.own_shop_ids(conn, store.OWN_SHOP_DETAIL)
    gone = [s for s in links if s not in ids and s not in own]
    # A shop started here and done in another audit there: this machine's audit loses its
    # shop, so it is kept as a conflict copy of the team's, where the outbox shows it.
    orphans = [
        (str(links[s["id"]]), str(s["audit_id"]))
        for s in found.shops
        if links.get(s["id"]) not in (None, s["audit_id"])
    ]
    with local.engine.begin() as conn:
        for mine, theirs in orphans:
            rows.note(conn, mine, conflict_of=theirs, conflict_at=now_utc())
        rows.upsert(conn, "shop", found.shops)
        rows.upsert(conn, "shop_event", found.events)
        if gone:
            rows.remove_shops(conn, gone)
    result.pulled_shops = len(found.shops)
    result.removed_shops = len(gone)
    _pull_comments(local, team_engine, result)


def _changed_there(
    local: LocalSide, team_engine: Engine, shops: Sequence[dict[str, Any]], here: set[str]
) -> set[str]:
    """The audits here that changed on the team database (a manager's return or correction)
    while nothing of them waits to go from here: they are pulled whole. One changed on both
    sides was refused by its push, which kept the local work as a conflict copy."""
    ids = [str(s["audit_id"]) for s in shops if s["audit_id"] is not None and s["audit_id"] in here]
    if not ids:
        return set()
    with team_engine.connect() as conn:
        there = rows.audit_stamps(conn, ids)
    with local.engine.connect() as conn:
        mine = rows.audit_stamps(conn, ids)
        moved = [a for a, stamp in there.items() if mine.get(a) not in (None, stamp)]
        noted = rows.noted_many(conn, moved)
    return {a for a in moved if noted[a].pushed_version == mine[a][0]}


def _pull_comments(local: LocalSide, team_engine: Engine, result: SyncResult) -> None:
    """The reviewers' comments on the audits here (the team database gives only the shopper's
    own); a comment is written once, so one already here is kept."""
    with local.engine.connect() as conn:
        here = rows.audit_ids(conn)
    with team_engine.connect() as conn:
        found = rows.comments(conn, here)
    with local.engine.connect() as conn:
        known = {c["id"] for c in rows.comments(conn, here)}
    new = [c for c in found if c["id"] not in known]
    if new:
        with local.engine.begin() as conn:
            rows.upsert(conn, "review_comment", new, keep=True)
    result.pulled_comments = len(new)


def _pull_audit(local: LocalSide, team_engine: Engine, audit_id: str) -> None:
    """Make the local audit as the team database has it, whole, with its evidence files; the
    outbox then says the team database has its version."""
    files: dict[tuple[str, str], bytes] = {}
    with team_engine.connect() as conn:
        snapshot = rows.read_audit(conn, audit_id)
        if snapshot is None:
            return
        for sha, ext in {(str(e["sha256"]), str(e["extension"])) for e in snapshot["evidence"]}:
            if verify_stored(local.data_dir, sha, ext):
                continue
            data = rows.blob_data(conn, sha)
            if data is not None and hashlib.sha256(data).hexdigest() == sha:
                files[(sha, ext)] = data
    for (sha, ext), data in files.items():
        target = evidence_path(local.data_dir, sha, ext)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, data)
    with local.engine.begin() as conn:
        rows.replace_audit(conn, snapshot)
        rows.note(
            conn,
            audit_id,
            pushed_version=int(snapshot["audit"]["version"]),
            sending_version=None,
            sending_updated_at=None,
            error="",
        )


def _conflict_copy(local: LocalSide, audit_id: str) -> str:
    """Copy a local audit, whole, to a new local audit (new ids), its origin noted."""
    with local.engine.begin() as conn:
        snapshot = rows.read_audit(conn, audit_id)
        assert snapshot is not None
        copy_id = rows.copy_audit(conn, snapshot)
        rows.note(conn, copy_id, conflict_of=audit_id, conflict_at=now_utc())
    return copy_id
