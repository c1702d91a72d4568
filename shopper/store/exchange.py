"""Rows for moving audits between databases: read an audit whole, replace it whole.

Keyword-only functions that take the session, like `shopper.store.repo`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnDefault, Dialect, Table, delete, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlmodel import Session, SQLModel, col, select

from shopper.store.driver import type_processor
from shopper.store.tables import (
    Answer,
    Audit,
    AuditEvent,
    Evidence,
    InstrumentEvent,
    Moment,
    UTCDateTime,
    stored_utc_text,
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
    rows = select_in(
        session=session,
        table="audit",
        columns=("id", "updated_at", "status", "completed_at"),
        key="id",
        values=audit_ids,
    )
    return {audit_id: StoredState(*state) for audit_id, *state in rows}


def stored_template_hashes(
    *, session: Session, template_ids: Iterable[str]
) -> dict[tuple[str, int], str]:
    """The hash of every stored version of these templates, by (template id, version)."""
    rows = select_in(
        session=session,
        table="template_version",
        columns=("template_id", "version", "sha256"),
        key="template_id",
        values=sorted(set(template_ids)),
    )
    return {(template_id, version): sha256 for template_id, version, sha256 in rows}


def stored_company_times(*, session: Session, company_ids: Iterable[str]) -> dict[str, datetime]:
    """When each stored company among these ids last changed, by id."""
    rows = select_in(
        session=session, table="company", columns=("id", "updated_at"), key="id", values=company_ids
    )
    return dict(rows)


def select_in(
    *,
    session: Session,
    table: str,
    columns: Sequence[str],
    key: str,
    values: Iterable[Any],
) -> list[tuple[Any, ...]]:
    """The `columns` of the rows of `table` whose `key` is among `values`, each value as
    SQLAlchemy's select gives it (through its column type's result processing).

    On SQLite each chunk of values is one statement handed to the driver: SQLAlchemy
    compiled each chunk's list anew (most of an import's checking of its ids); elsewhere
    SQLAlchemy's select.
    """
    target = SQLModel.metadata.tables[table]
    wanted = list(values)
    session.flush()  # as a select through the session would (its autoflush)
    connection = session.connection()
    dialect = connection.dialect
    picked = [target.c[name] for name in columns]
    found: list[tuple[Any, ...]] = []
    if dialect.name != "sqlite":
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            stmt = sa_select(*picked).where(target.c[key].in_(chunk))
            found.extend(tuple(row) for row in session.execute(stmt))
        return found
    quote = dialect.identifier_preparer
    processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in picked]
    names = ", ".join(quote.format_column(c) for c in picked)
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        statement = (
            f"SELECT {names} FROM {quote.format_table(target)} "
            f"WHERE {quote.format_column(target.c[key])} IN ({', '.join('?' * len(chunk))})"
        )
        try:
            rows = driver.execute(statement, chunk).fetchall()
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error, dialect=dialect) from exc
        if any(processors):
            rows = [
                tuple(v if p is None else p(v) for p, v in zip(processors, row, strict=True))
                for row in rows
            ]
        found.extend(rows)
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
    *,
    session: Session,
    table: str,
    rows: Sequence[dict[str, Any]],
    batch: int = 10_000,
    known: KnownTimes | None = None,
) -> None:
    """Insert many rows of one table, a batch per statement.

    On SQLite the rows go to the driver as tuples in column order, each value through its
    column type's bind processing as SQLAlchemy's own insert does, and a column a row leaves
    out gets its plain default: the same statement and rows, without SQLAlchemy's per-row
    parameter handling (a third of a big demo's time). Rows that path cannot take as they
    are (a row missing a key, a default made per row, an expression) take SQLAlchemy's.

    `known` gives what a UTC time column stores of some times (an import's, made from the
    very text they were read from); a batch whose times of a column are all known is
    written with those, and none is formatted again.
    """
    target = SQLModel.metadata.tables[table]
    if not rows:
        return
    conn = session.connection()
    fast = _driver_insert(target, rows[0], conn.dialect)
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        params = fast.params(chunk, known) if fast is not None else None
        if fast is None or params is None:
            session.execute(insert(target), list(chunk))
        else:
            conn.exec_driver_sql(fast.sql, params)


class KnownTimes:
    """What a UTC time column stores of some times, known without formatting them: each
    made from the canonical text the time was parsed from (`stored_utc_text`). An import
    writes tens of thousands of times, and formatting a datetime costs more than parsing it.

    Times are told apart by identity, each kept here alive (so no other object can have its
    id while this lives): a time's first hash costs as much as formatting it.
    """

    def __init__(self) -> None:
        self._kept: list[datetime] = []
        self._texts: dict[int, str | None] = {id(None): None}

    def __bool__(self) -> bool:
        return len(self._texts) > 1

    def read(self, moment: datetime, text: str) -> None:
        """Remember the stored text of `moment`, just parsed from `text` (if it is canonical)."""
        stored = stored_utc_text(text)
        if stored is not None:
            self._kept.append(moment)
            self._texts[id(moment)] = stored

    def texts(self, values: Iterable[datetime | None]) -> tuple[str | None, ...] | None:
        """The stored texts of these times (None stays None); None if one is not known."""
        try:
            return tuple(map(self._texts.__getitem__, map(id, values)))
        except KeyError:
            return None


@dataclass(frozen=True)
class _DriverInsert:
    """An INSERT in the driver's own terms, and how a row becomes its parameters."""

    sql: str
    keys: tuple[str, ...]
    """The row keys given, in column order."""
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    """(position in `keys`, bind processor) of each column whose type changes values."""
    defaults: tuple[Any, ...]
    """The processed values of the columns after `keys`: their plain defaults."""
    times: frozenset[int]
    """The positions in `keys` of UTC time columns."""

    def params(
        self, rows: Sequence[dict[str, Any]], known: KnownTimes | None = None
    ) -> list[tuple[Any, ...]] | None:
        """The rows' parameters; None when a row lacks one of the keys. A time column whose
        every value `known` holds takes those (see `insert_rows`)."""
        if not rows:
            return []
        try:
            if len(self.keys) == 1:  # itemgetter of one key gives the value, not a tuple
                key = self.keys[0]
                columns = [tuple(row[key] for row in rows)]
            else:
                get = itemgetter(*self.keys)
                columns = list(zip(*map(get, rows), strict=True))
        except KeyError:
            return None
        for position, process in self.processors:
            texts = known.texts(columns[position]) if known and position in self.times else None
            columns[position] = (
                texts if texts is not None else tuple(map(process, columns[position]))
            )
        if self.defaults:
            columns += [(value,) * len(rows) for value in self.defaults]
        return list(zip(*columns, strict=True))


def _driver_insert(target: Table, first: dict[str, Any], dialect: Dialect) -> _DriverInsert | None:
    """The driver-level insert of rows shaped like `first`, or None to leave it to
    SQLAlchemy: not SQLite, a key that is no column, a SQL expression as a value, or a
    left-out column whose default is made per row."""
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark" or not first:
        return None
    known = {column.key for column in target.columns}
    if not known.issuperset(first) or any(isinstance(v, ClauseElement) for v in first.values()):
        return None
    given = [column for column in target.columns if column.key in first]
    defaulted = []
    for column in target.columns:
        if column.key in first or column.default is None:
            continue  # left out with no default: not in the statement, as SQLAlchemy does
        if not (isinstance(column.default, ColumnDefault) and column.default.is_scalar):
            return None
        defaulted.append(column)
    processors = [type_processor(column.type, dialect) for column in given]
    defaults = []
    for column in defaulted:
        assert isinstance(column.default, ColumnDefault)
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        value = column.default.arg
        defaults.append(process(value) if process is not None else value)
    quote = dialect.identifier_preparer
    names = ", ".join(quote.format_column(column) for column in given + defaulted)
    marks = ", ".join("?" * (len(given) + len(defaulted)))
    return _DriverInsert(
        f"INSERT INTO {quote.format_table(target)} ({names}) VALUES ({marks})",
        tuple(column.key for column in given),
        tuple((n, p) for n, p in enumerate(processors) if p is not None),
        tuple(defaults),
        frozenset(n for n, c in enumerate(given) if isinstance(c.type, UTCDateTime)),
    )


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


# -- new audits written straight through the SQLite driver ----------------------------------


def insert_new_audits_direct(
    *,
    session: Session,
    audits: Sequence[AuditRows],
    known: KnownTimes | None = None,
) -> None:
    """`insert_new_audits`, the same rows in the same transaction, each table through
    `insert_rows` (on SQLite the driver's `executemany` of value lists: SQLAlchemy's handling
    of each row's parameters took most of an import's writing time), each audit's rows
    together; `known` as `insert_rows` takes it."""
    if not audits:
        return
    # By audit (each audit's rows in their order): SQLite then adds to each table's index of
    # audits at its end, not all over it.
    ordered = sorted(audits, key=lambda a: a.audit["id"])
    batches: list[tuple[str, list[dict[str, Any]]]] = [("audit", [a.audit for a in audits])]
    for table in CHILD_TABLES:
        batches.append((table, [row for a in ordered for row in a.children.get(table, ())]))
    for table, rows in batches:
        insert_rows(session=session, table=table, rows=rows, known=known)


def owners_of_direct(*, session: Session, table: str, ids: Iterable[str]) -> dict[str, str]:
    """`owners_of`, through `select_in` (on SQLite, each chunk one statement handed to the
    driver)."""
    rows = select_in(session=session, table=table, columns=("id", "audit_id"), key="id", values=ids)
    return dict(rows)


# -- a template version's hash alone -------------------------------------------------------
