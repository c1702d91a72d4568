"""The statements of sync (see `shopper.services.sync`): whole audits read and written as
rows, by their ids, on either database; the outbox (`sync_outbox`); the shops a login reads.

Every function takes a connection in the caller's transaction; rows are plain dicts keyed by
column name, so an audit read from one database is written to the other as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, bindparam, delete, literal, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from shopper.store.tables import new_id

Row = dict[str, Any]
TABLES = SQLModel.metadata.tables
CHILDREN = ("moment", "answer", "instrument_event", "evidence", "audit_event")
"""The rows of an audit, parents first (evidence may cite a moment)."""
HISTORY = ("answer_change",)
"""An audit's rows written once and never changed (pushed as inserts that keep a row there)."""
SNAPSHOT = (*CHILDREN, *HISTORY)
"""Every row of an audit that travels with it. (Review comments travel on their own.)"""
KEYS: Mapping[str, tuple[str, ...]] = {
    "answer": ("audit_id", "item_id"),
    "template_version": ("template_id", "version"),
}
"""Each table's key, where it is not `id`."""


def key_of(name: str) -> tuple[str, ...]:
    return KEYS.get(name, ("id",))


def one(conn: Connection, name: str, row_id: str) -> Row | None:
    """The row of table `name` whose id is `row_id` (as this login may read it), or None."""
    table = TABLES[name]
    found = conn.execute(select(table).where(table.c.id == row_id)).first()
    return dict(found._mapping) if found is not None else None


def read_audit(conn: Connection, audit_id: str) -> dict[str, Any] | None:
    """An audit's row ("audit") and its rows (by table name), or None."""
    audit = one(conn, "audit", audit_id)
    if audit is None:
        return None
    snapshot: dict[str, Any] = {"audit": audit}
    for name in SNAPSHOT:
        table = TABLES[name]
        snapshot[name] = [
            dict(r._mapping)
            for r in conn.execute(select(table).where(table.c.audit_id == audit_id))
        ]
    return snapshot


def upsert(
    conn: Connection,
    name: str,
    rows: Iterable[Row],
    *,
    keys: Sequence[str] | None = None,
    skip: Iterable[str] = (),
    keep: bool = False,
) -> None:
    """Insert rows, or where their key exists update them (never the columns in `skip`), or
    with `keep` leave an existing row as it is."""
    rows = list(rows)
    if not rows:
        return
    statement = _upsert_statement(
        conn.dialect.name,
        name,
        columns=tuple(rows[0]),
        keys=tuple(keys or key_of(name)),
        skip=frozenset(skip),
        keep=keep,
    )
    conn.execute(statement, rows)


@functools.lru_cache(maxsize=256)
def _upsert_statement(
    dialect: str,
    name: str,
    *,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    skip: frozenset[str],
    keep: bool,
) -> Any:
    """The statement of `upsert`, made once per shape (making it costs more than running it:
    `excluded` builds a column collection each time)."""
    table = TABLES[name]
    base: Any = (
        postgresql.insert(table) if dialect == "postgresql" else sqlite_dialect.insert(table)
    )
    skipped = set(keys) | skip
    changes = {c: base.excluded[c] for c in columns if c not in skipped}
    return (
        base.on_conflict_do_nothing(index_elements=list(keys))
        if keep or not changes
        else base.on_conflict_do_update(index_elements=list(keys), set_=changes)
    )


def read_audits(conn: Connection, audit_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The snapshots (as `read_audit`'s) of those audits that exist, by id, in one statement
    per table."""
    ids = list(audit_ids)
    if not ids:
        return {}
    audit = TABLES["audit"]
    snapshots: dict[str, dict[str, Any]] = {
        str(r.id): {"audit": dict(r._mapping), **{name: [] for name in SNAPSHOT}}
        for r in conn.execute(select(audit).where(audit.c.id.in_(ids)))
    }
    for name in SNAPSHOT:
        table = TABLES[name]
        for r in conn.execute(select(table).where(table.c.audit_id.in_(ids))):
            snapshots[str(r.audit_id)][name].append(dict(r._mapping))
    return snapshots


def update_audit(conn: Connection, audit_id: str, values: Mapping[str, Any]) -> None:
    """Set columns of one audit's row, as they are (its version included)."""
    audit = TABLES["audit"]
    conn.execute(update(audit).where(audit.c.id == audit_id).values(dict(values)))


def own_shop_ids(conn: Connection, detail: str) -> set[str]:
    """The shops whose first event has `detail` and whose shopper created them."""
    shop, event = TABLES["shop"], TABLES["shop_event"]
    rows = conn.execute(
        select(shop.c.id)
        .join(event, event.c.shop_id == shop.c.id)
        .where(
            event.c.from_state.is_(None),
            event.c.detail == detail,
            shop.c.created_by == shop.c.shopper,
        )
    )
    return {str(s) for s in rows.scalars()}


def audit_stamps(conn: Connection, audit_ids: Iterable[str]) -> dict[str, tuple[int, datetime]]:
    """(version, updated_at) of those audits this login may read."""
    audit = TABLES["audit"]
    wanted = list(audit_ids)
    if not wanted:
        return {}
    rows = conn.execute(
        select(audit.c.id, audit.c.version, audit.c.updated_at).where(audit.c.id.in_(wanted))
    )
    return {str(a): (int(v), u) for a, v, u in rows}


def comments(conn: Connection, audit_ids: Iterable[str]) -> list[Row]:
    """The review comments on those audits that this login may read."""
    table = TABLES["review_comment"]
    wanted = list(audit_ids)
    if not wanted:
        return []
    return [
        dict(r._mapping) for r in conn.execute(select(table).where(table.c.audit_id.in_(wanted)))
    ]


def replace_audit(conn: Connection, snapshot: Mapping[str, Any]) -> None:
    """Make the audit of `snapshot` exactly that: its rows not in it are removed."""
    audit_id = snapshot["audit"]["id"]
    for name in reversed(SNAPSHOT):
        table = TABLES[name]
        conn.execute(delete(table).where(table.c.audit_id == audit_id))
    upsert(conn, "audit", [dict(snapshot["audit"])])
    for name in SNAPSHOT:
        upsert(conn, name, snapshot.get(name, []))


def copy_audit(conn: Connection, snapshot: Mapping[str, Any]) -> str:
    """A new audit with the content of `snapshot`, every row under a new id: its id."""
    copy_id = new_id()
    conn.execute(TABLES["audit"].insert().values(dict(snapshot["audit"], id=copy_id)))
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
    return copy_id


def first_move_to(conn: Connection, shop_id: str, state: str) -> Row | None:
    """The earliest event that moved a shop to `state`."""
    event = TABLES["shop_event"]
    found = conn.execute(
        select(event)
        .where(event.c.shop_id == shop_id, event.c.to_state == state)
        .order_by(event.c.at)
    ).first()
    return dict(found._mapping) if found is not None else None


def first_moves_to(conn: Connection, shop_ids: Sequence[str], state: str) -> dict[str, Row]:
    """Per shop of `shop_ids`, its earliest event that moved it to `state` (as
    `first_move_to`), in one statement."""
    event = TABLES["shop_event"]
    found: dict[str, Row] = {}
    if not shop_ids:
        return found
    for r in conn.execute(
        select(event)
        .where(event.c.shop_id.in_(list(shop_ids)), event.c.to_state == state)
        .order_by(event.c.at)
    ):
        found.setdefault(str(r.shop_id), dict(r._mapping))
    return found


def shop_audits(conn: Connection) -> list[tuple[str, str]]:
    """(shop id, audit id) of every shop done in an audit."""
    shop = TABLES["shop"]
    rows = conn.execute(select(shop.c.id, shop.c.audit_id).where(shop.c.audit_id.is_not(None)))
    return [(str(s), str(a)) for s, a in rows]


def shop_links(conn: Connection) -> dict[str, str | None]:
    """Every shop's id and its audit's (None before it was started)."""
    shop = TABLES["shop"]
    return {str(s): a for s, a in conn.execute(select(shop.c.id, shop.c.audit_id))}


def audit_ids(conn: Connection) -> set[str]:
    return {str(a) for a in conn.execute(select(TABLES["audit"].c.id)).scalars()}


def audit_facts(conn: Connection, audit_id: str) -> tuple[str, int, str | None] | None:
    """An audit's status, version and the shop it is done for, or None."""
    audit, shop = TABLES["audit"], TABLES["shop"]
    found = conn.execute(
        select(audit.c.status, audit.c.version, shop.c.id)
        .select_from(audit.outerjoin(shop, shop.c.audit_id == audit.c.id))
        .where(audit.c.id == audit_id)
    ).first()
    return None if found is None else (str(found[0]), int(found[1]), found[2])


def template_keys(conn: Connection) -> set[tuple[str, int]]:
    template = TABLES["template_version"]
    rows = conn.execute(select(template.c.template_id, template.c.version))
    return {(str(t), int(v)) for t, v in rows}


@dataclass(frozen=True)
class ShopsAndReferences:
    """A login's shops with their events, companies and template versions, as rows."""

    shops: list[Row]
    events: list[Row]
    companies: list[Row]
    templates: list[Row]


def read_shops(conn: Connection) -> ShopsAndReferences:
    """Every shop this login may read (a shopper: their own), and what they need."""
    shop, event = TABLES["shop"], TABLES["shop_event"]
    company, template = TABLES["company"], TABLES["template_version"]
    # A shop's schedule stays on the team database (a shopper may not read schedules, and a
    # local database has none to link to): the copy is a shop like one assigned by hand.
    columns = [column for column in shop.c if column.name != "schedule_id"]
    shops = [dict(r._mapping) for r in conn.execute(select(*columns))]
    ids = [s["id"] for s in shops]
    companies = {s["company_id"] for s in shops}
    templates = {s["template_id"] for s in shops}

    def all_of(statement: Any) -> list[Row]:
        return [dict(r._mapping) for r in conn.execute(statement)]

    return ShopsAndReferences(
        shops,
        all_of(select(event).where(event.c.shop_id.in_(ids))) if ids else [],
        all_of(select(company).where(company.c.id.in_(companies))) if companies else [],
        all_of(select(template).where(template.c.template_id.in_(templates))) if templates else [],
    )


def remove_shops(conn: Connection, shop_ids: Sequence[str]) -> None:
    """Remove shops and their events (their audits stay)."""
    shop, event = TABLES["shop"], TABLES["shop_event"]
    conn.execute(delete(event).where(event.c.shop_id.in_(list(shop_ids))))
    conn.execute(delete(shop).where(shop.c.id.in_(list(shop_ids))))


@dataclass(frozen=True)
class PushState:
    """What a push checks on the team database: the shop and the audit as this login reads
    them (None where it reads none)."""

    shop: Row | None
    audit: Row | None


@functools.cache
def _push_state_statement() -> Any:
    shop, audit = TABLES["shop"], TABLES["audit"]
    one_row = select(literal(1).label("one")).subquery()
    return select(
        shop.c.id.label("shop_id"),
        shop.c.state,
        shop.c.audit_id,
        audit.c.id.label("audit_id_found"),
        audit.c.version,
        audit.c.updated_at,
        audit.c.status,
    ).select_from(
        one_row.outerjoin(shop, shop.c.id == bindparam("shop")).outerjoin(
            audit, audit.c.id == bindparam("audit")
        )
    )


def push_state(conn: Connection, shop_id: str, audit_id: str) -> PushState:
    """The shop and audit a push checks (their state, link, version and last change), in one
    round trip."""
    r = conn.execute(_push_state_statement(), {"shop": shop_id, "audit": audit_id}).one()
    return PushState(
        {"id": r.shop_id, "state": r.state, "audit_id": r.audit_id}
        if r.shop_id is not None
        else None,
        {
            "id": r.audit_id_found,
            "version": r.version,
            "updated_at": r.updated_at,
            "status": r.status,
        }
        if r.audit_id_found is not None
        else None,
    )


def push_states(conn: Connection, pairs: Sequence[tuple[str, str]]) -> dict[str, PushState]:
    """`push_state` of many (shop, audit) pairs at once, by audit id, in two statements."""
    shop, audit = TABLES["shop"], TABLES["audit"]
    shops = {
        str(r.id): {"id": r.id, "state": r.state, "audit_id": r.audit_id}
        for r in conn.execute(
            select(shop.c.id, shop.c.state, shop.c.audit_id).where(
                shop.c.id.in_([s for s, _a in pairs])
            )
        )
    }
    audits = {
        str(r.id): {
            "id": r.id,
            "version": r.version,
            "updated_at": r.updated_at,
            "status": r.status,
        }
        for r in conn.execute(
            select(audit.c.id, audit.c.version, audit.c.updated_at, audit.c.status).where(
                audit.c.id.in_([a for _s, a in pairs])
            )
        )
    }
    return {a: PushState(shops.get(s), audits.get(a)) for s, a in pairs}


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, the statements run in the block go to the server together (psycopg's
    pipeline mode) and run there in order; an error is raised at the end of the block, as
    SQLAlchemy's. Only for statements whose results nobody reads."""
    if conn.dialect.name != "postgresql":
        yield
        return
    driver: Any = conn.connection.driver_connection
    try:
        with driver.pipeline():
            yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


START_SHOP = text("SELECT shopper_move_shop(:shop, 'in_progress', :at, :tz, :audit, '', :event)")


def start_shop(
    conn: Connection, *, shop_id: str, at: datetime, tz: str, audit_id: str, event_id: str
) -> None:
    """Start the caller's own assigned shop in its audit, through the function the team
    database owns (as `shopper.store.team.move_shop_as_shopper`, in a `pipelined` block)."""
    conn.execute(
        START_SHOP, {"shop": shop_id, "at": at, "tz": tz, "audit": audit_id, "event": event_id}
    )


def stored_hashes(conn: Connection, hashes: Iterable[str]) -> set[str]:
    """Those of `hashes` whose bytes are in `evidence_blob` (that this login may read)."""
    blob = TABLES["evidence_blob"]
    wanted = list(hashes)
    if not wanted:
        return set()
    return {str(s) for s in conn.execute(select(blob.c.sha256).where(blob.c.sha256.in_(wanted)))}


def add_blob(conn: Connection, *, sha256: str, media_type: str, data: bytes) -> None:
    """Keep bytes under their hash unless they are there (a hash's bytes never change)."""
    statement = (
        postgresql.insert(TABLES["evidence_blob"])
        .values(sha256=sha256, media_type=media_type, size=len(data), data=data)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    conn.execute(statement)


def blob_data(conn: Connection, sha256: str) -> bytes | None:
    blob = TABLES["evidence_blob"]
    found = conn.execute(select(blob.c.data).where(blob.c.sha256 == sha256)).scalar()
    return None if found is None else bytes(found)


# -- the outbox ----------------------------------------------------------------------


@dataclass(frozen=True)
class Noted:
    """What this machine noted of an audit's pushes."""

    pushed_version: int | None
    sending_version: int | None
    sending_updated_at: datetime | None


def noted(conn: Connection, audit_id: str) -> Noted:
    box = TABLES["sync_outbox"]
    found = conn.execute(
        select(box.c.pushed_version, box.c.sending_version, box.c.sending_updated_at).where(
            box.c.audit_id == audit_id
        )
    ).first()
    return Noted(None, None, None) if found is None else Noted(*found)


def note(conn: Connection, audit_id: str, **values: Any) -> None:
    """Set columns of an audit's outbox row, making it when missing."""
    box = TABLES["sync_outbox"]
    found = conn.execute(select(box.c.audit_id).where(box.c.audit_id == audit_id)).first()
    if found is None:
        conn.execute(box.insert().values({"audit_id": audit_id, "error": "", **values}))
    else:
        conn.execute(update(box).where(box.c.audit_id == audit_id).values(values))


def noted_many(conn: Connection, audit_ids: Sequence[str]) -> dict[str, Noted]:
    """`noted` of each of those audits (never noted: all None), in one statement."""
    box = TABLES["sync_outbox"]
    found = {a: Noted(None, None, None) for a in audit_ids}
    if found:
        for r in conn.execute(
            select(
                box.c.audit_id,
                box.c.pushed_version,
                box.c.sending_version,
                box.c.sending_updated_at,
            ).where(box.c.audit_id.in_(list(found)))
        ):
            found[str(r[0])] = Noted(r[1], r[2], r[3])
    return found


def note_many(conn: Connection, notes: Sequence[Mapping[str, Any]]) -> None:
    """`note` for several audits at once: each mapping holds `audit_id` and the columns to
    set, the same columns in each; one statement."""
    if not notes:
        return
    box = TABLES["sync_outbox"]
    columns = [c for c in notes[0] if c != "audit_id"]
    base: Any = (
        sqlite_dialect.insert(box) if conn.dialect.name == "sqlite" else postgresql.insert(box)
    )
    statement = base.on_conflict_do_update(
        index_elements=["audit_id"], set_={c: base.excluded[c] for c in columns}
    )
    conn.execute(statement, [{"error": "", **n} for n in notes])


def waiting(conn: Connection) -> list[tuple[Any, ...]]:
    """(audit id, shop id, version, pushed version, tried at, error, conflict of) of the
    audits of shops whose version the team database has not taken from here, then of the
    conflict copies; oldest first."""
    audit, shop, box = TABLES["audit"], TABLES["shop"], TABLES["sync_outbox"]
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
            (shop.c.id.is_not(None) & box.c.pushed_version.is_distinct_from(audit.c.version))
            | box.c.conflict_of.is_not(None)
        )
        .order_by(box.c.conflict_of.is_not(None), audit.c.started_at)
    )
    return [tuple(r) for r in rows]
