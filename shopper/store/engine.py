"""Engine and connection set-up: the one module that knows which database it talks to.

SQLite connections get WAL, synchronous=FULL, foreign keys and a busy timeout.
Everything SQLite- or PostgreSQL-specific lives here; the rest of the store
speaks portable SQLAlchemy.
"""

from __future__ import annotations

import functools
import os
import select
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    Connection,
    Dialect,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    inspect,
    literal_column,
    make_url,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import ArgumentError, DatabaseError, InvalidatePoolError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from shopper.domain.errors import StorageError
from shopper.store.integrity import in_wal_mode

BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)
PING_AFTER_IDLE_S = 10.0
"""A pooled PostgreSQL connection left unused longer than this is pinged before it is used
(see `_ping_when_idle`)."""


def parse_version(text: str) -> tuple[int, ...]:
    """ "3.44.6" -> (3, 44, 6), so versions compare as numbers, not as text."""
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def wal_reset_bug_affected(version: tuple[int, ...]) -> bool:
    """Whether this SQLite has the WAL-reset corruption bug.

    The bug (WAL since 3.7.0) needs two connections writing or checkpointing at
    once; it is fixed in 3.51.3 and in the 3.44.6 and 3.50.7 backports.
    """
    if version < (3, 7, 0) or version >= (3, 51, 3):
        return False
    if (3, 44, 6) <= version < (3, 45, 0):
        return False
    return not (3, 50, 7) <= version < (3, 51, 0)


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file, quoted so `?`, `%` or `#` in a folder name stay in the path."""
    return URL.create("sqlite", database=str(path)).render_as_string()


def create_db_engine(url: str, *, sqlite_version: str = sqlite3.sqlite_version) -> Engine:
    """Create the engine for a database URL, with our connection settings.

    On a SQLite affected by the WAL-reset bug the engine holds exactly one
    connection, shared by every thread in turn, so two connections can never
    write or checkpoint at once.
    """
    if url.startswith("sqlite"):
        single = wal_reset_bug_affected(parse_version(sqlite_version))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            poolclass=QueuePool,
            pool_size=1 if single else 4,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "checkout", _query_only_listener(weakref.ref(engine)))
    else:
        engine = create_engine(driver_url(url))
        _ping_when_idle(engine)
        _keep_statement_connection(engine)
    return engine


_IDLE_SINCE = "shopper_idle_since"
_USED_AT = "shopper_used_at"


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use if the server closed it or it sat unused a while.

    What `pool_pre_ping` does on every checkout, for a round trip each time, without the
    round trip when the connection was used a moment ago and the server has said nothing
    since. A server that ends a connection (a restart, a terminated backend) leaves its
    socket readable (the closing message, or end of file), and a zero-timeout `select`
    sees that; a connection idle `PING_AFTER_IDLE_S` is pinged whatever it shows, for the
    cuts that send nothing (a router that forgot it, a host gone). A failed ping replaces
    every pooled connection, as `pool_pre_ping` does. A connection that still dies
    unannounced fails its statement with the lost-connection error (`error_line`), which
    invalidates the pool, so the next attempt gets a new connection.
    """
    dialect: Dialect = engine.dialect

    def on_checkin(_dbapi_conn: Any, record: Any) -> None:
        # A connection `one_statement` kept is idle since its last statement, not since now.
        used = record.info.pop(_USED_AT, None)
        record.info[_IDLE_SINCE] = time.monotonic() if used is None else used

    def on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)  # none on a new connection: nothing to check
        if since is None:
            return
        if time.monotonic() - since < PING_AFTER_IDLE_S and not _input_waiting(dialect, dbapi_conn):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_conn, None):
                raise InvalidatePoolError(str(exc)) from exc
            raise

    event.listen(engine, "checkin", on_checkin)
    event.listen(engine, "checkout", on_checkout)


def _input_waiting(dialect: Dialect, dbapi_conn: Any) -> bool:
    """Whether an idle connection's socket has something to read: between our statements the
    server sends nothing unless it is closing the connection. True when unsure."""
    try:
        readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (OSError, ValueError, dialect.loaded_dbapi.Error):  # closed; a descriptor over 1023
        return True
    return bool(readable)


def driver_url(url: str) -> str:
    """A PostgreSQL URL with our driver: plain `postgresql://` (libpq's spelling) would make
    SQLAlchemy look for psycopg2, which we do not ship."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


_stopped: weakref.WeakSet[Engine] = weakref.WeakSet()
"""SQLite engines on a database found damaged: every connection is query-only."""


def stop_writing(engine: Engine, stop: bool = True) -> None:
    """Make every connection of a SQLite engine read-only (or writable again).

    Connections pick it up at their next checkout (`PRAGMA query_only`), so a damaged
    database is never written to, by any path, until it is repaired or replaced.
    """
    if stop:
        _stopped.add(engine)
    else:
        _stopped.discard(engine)


def writing_stopped(engine: Engine) -> bool:
    return engine in _stopped


def _query_only_listener(engine: weakref.ref[Engine]) -> Callable[[Any, Any, Any], None]:
    def on_checkout(dbapi_conn: sqlite3.Connection, record: Any, _proxy: Any) -> None:
        owner = engine()
        wanted = owner is not None and owner in _stopped
        if record.info.get("query_only", False) != wanted:
            dbapi_conn.execute(f"PRAGMA query_only={int(wanted)}")
            record.info["query_only"] = wanted
        gate = _gates.get(owner) if owner is not None else None
        gated = gate is not None and not (gate.decided and gate.sound)
        if record.info.get("gated", False) != gated:
            dbapi_conn.set_authorizer(gate.authorize if gate is not None and gated else None)
            record.info["gated"] = gated

    return on_checkout


# -- writes held until the check deferred at opening has read the file -------------------

_READING = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_TRANSACTION,
        sqlite3.SQLITE_SAVEPOINT,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_RECURSIVE,
    }
)
_WRITING_PRAGMAS = frozenset({"wal_checkpoint", "incremental_vacuum", "optimize"})
"""Pragmas that write to the file whatever their argument."""
_SETTING_PRAGMAS = frozenset(
    {"user_version", "application_id", "journal_mode", "page_size", "auto_vacuum"}
    | {"schema_version", "writable_schema"}
)
"""Pragmas that write to the file when given a value (read it without one)."""


class WriteGate:
    """Holds every write to a SQLite file until the integrity check deferred at opening has
    read it (see `open_database`): then the writes go on if it is sound, and are refused
    if it is damaged, so a damaged file is never written to.

    Reads are never held: the lists fill while the check runs. A write waits in SQLite's
    authorizer, on the thread that asked for it (a worker, never the GUI thread).
    """

    def __init__(self) -> None:
        self._decided = threading.Event()
        self.sound = False

    @property
    def decided(self) -> bool:
        return self._decided.is_set()

    def decide(self, *, sound: bool) -> None:
        if not self.decided:
            self.sound = sound
            self._decided.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether writing is allowed, once the check has decided (False on a timeout)."""
        return self._decided.wait(timeout) and self.sound

    def authorize(
        self, action: int, arg1: str | None, arg2: str | None, _db: str | None, _by: str | None
    ) -> int:
        if action in _READING or (
            action == sqlite3.SQLITE_PRAGMA
            and arg1 not in _WRITING_PRAGMAS
            and (arg2 is None or arg1 not in _SETTING_PRAGMAS)
        ):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_OK if self.wait() else sqlite3.SQLITE_DENY


_gates: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


def hold_writes(engine: Engine) -> WriteGate:
    """Hold the writes of a SQLite engine until `WriteGate.decide` (connections pick the gate
    up at their next checkout)."""
    gate = _gates[engine] = WriteGate()
    return gate


def write_gate(engine: Engine) -> WriteGate | None:
    return _gates.get(engine)


def writes_held(engine: Engine) -> bool:
    """The engine's writes wait for a check that has not decided yet."""
    gate = _gates.get(engine)
    return gate is not None and not gate.decided


def checkpoint(engine: Engine) -> None:
    """Copy the write-ahead log into the database and empty it (TRUNCATE), so a lost `-wal`
    file loses as little as possible. Uses the engine's own connection."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def is_single_connection(engine: Engine) -> bool:
    pool = engine.pool
    return isinstance(pool, QueuePool) and pool.size() == 1


def ensure_private_dir(path: Path) -> None:
    """Create a folder readable by the owner only (0700), and any missing parents alike."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=True)
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder {path}: {exc.strerror or exc}") from exc
    with suppress(OSError):
        os.chmod(path, 0o700)


def open_database(
    url: str,
    *,
    backup: Callable[[Engine, str], object] | None = None,
    password: str | None = None,
    check_later: bool = False,
) -> Engine:
    """Check the file, create the engine, then create or migrate the schema.

    A SQLite file is checked (`PRAGMA quick_check`, read-only) before anything
    touches it; `backup` is called before a migration (see `shopper.store.schema`).
    `password` is a team database's, handed to the driver (see `store.connect`).

    With `check_later`, a file that opening cannot change (in WAL mode already, at the
    newest schema revision) is opened unchecked, its writes held (`write_gate`) until the
    caller has run the check (`shopper.store.integrity.problems`) and decided: reading a
    500 MB file must not keep the lists from showing. Any other file is checked first.

    Raises:
        StorageError: cannot open; `DamagedDatabaseError` for a damaged file (left
            unchanged), `NewerDatabaseError` for a newer Shopper's database,
            `PasswordNeededError` when the server asks for a password not given.
    """
    from shopper.store.connect import give_password, password_needed, shown_url
    from shopper.store.integrity import check_file, explain
    from shopper.store.schema import check_file_revision, head_revision, prepare_schema

    path = sqlite_path(url)
    deferred = False
    if path is not None:
        ensure_private_dir(path.parent)
        if path.exists():
            if check_later:
                revision = check_file_revision(path)
                deferred = revision == head_revision() and in_wal_mode(path)
                if not deferred:
                    check_file(path)
            else:
                check_file(path)
                check_file_revision(path)
        else:
            # Create it private before SQLite does, so it is never world-readable.
            try:
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the database {path}: {exc.strerror or exc}"
                ) from exc
            os.close(fd)
    engine = create_db_engine(url)
    if deferred:
        hold_writes(engine)
    give_password(engine, password)
    try:
        prepare_schema(engine, backup=backup)
    except DatabaseError as exc:  # OperationalError, or "file is not a database"
        engine.dispose()
        if path is not None:
            raise explain(exc, path) from exc
        if (asked := password_needed(exc)) is not None:
            raise asked from exc
        raise StorageError(f"cannot open the database {shown_url(url)}: {error_line(exc)}") from exc
    except StorageError as exc:  # the schema's own message, from a failed first connection
        engine.dispose()
        if exc.__cause__ is not None and (asked := password_needed(exc.__cause__)):
            raise asked from exc
        raise
    except BaseException:
        engine.dispose()
        raise
    return engine


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    try:
        database = make_url(url).database
    except ArgumentError:
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def upsert(session: Session, table: Table, values: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert a row or, if its key exists, update it: idempotent on both databases.

    The statement is built once per table, columns and database, with bound
    parameters, and run on the session's connection (Core, not the ORM): saving
    an answer is the app's hottest path.
    """
    dialect = session.get_bind().dialect.name
    statement = upsert_statement(dialect, table, tuple(values), tuple(keys))
    session.connection().execute(statement, dict(values))


@functools.cache
def upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> Any:
    if dialect == "sqlite":
        base: Any = sqlite_dialect.insert(table)
    elif dialect == "postgresql":
        base = postgresql.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise StorageError(f"unsupported database {dialect}")
    statement = base.values({name: bindparam(name, type_=table.c[name].type) for name in columns})
    changes = {name: statement.excluded[name] for name in columns if name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)


@contextmanager
def one_statement(engine: Engine) -> Iterator[Connection]:
    """A PostgreSQL connection in autocommit: each statement is a transaction of its own, with
    no BEGIN or COMMIT round trip, for work that is one statement (all of it or none).

    The engine keeps one such connection checked out between uses (`_KeptConnection`): a
    save then costs its round trip and little else. While another thread uses it, a caller
    gets one from the pool, as any other.
    """
    if engine.dialect.name != "postgresql":  # pragma: no cover - a caller's bug
        raise StorageError("one_statement is for PostgreSQL only")
    kept = _kept.get(engine)
    if kept is None or not kept.lock.acquire(blocking=False):
        with engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")
        return
    try:
        conn = kept.take(engine)
        try:
            yield conn
        finally:
            kept.last_used = time.monotonic()
        if kept.stale:
            kept.give_back()
    except BaseException:
        kept.give_back()  # whatever went wrong, the pool's own handling from here on
        raise
    finally:
        kept.lock.release()


class _KeptConnection:
    """The autocommit connection `one_statement` keeps checked out on an engine between uses.

    Its statements run on one psycopg cursor, kept with it: SQLAlchemy makes a cursor for
    each statement and closes it after, and a new cursor costs more than the rest of
    SQLAlchemy's work (its adapters are looked up again on its first statement). SQLAlchemy
    still runs every statement (its events, its errors, its invalidation on a lost
    connection); only its `close` of the cursor is left out until the connection goes back.

    It is used again only when the pool would have handed it out without a ping (see
    `_ping_when_idle`): used a moment ago, and its socket has nothing to read (a server
    that ended it has said so). Otherwise it goes back to the pool, which pings it on its
    next checkout (idle since its last statement, as if it had been in the pool all along)
    and replaces every connection if it is dead, and a connection is checked out afresh:
    what a save did before the connection was kept. A statement that fails gives it back
    too (one that lost the connection has invalidated it, and the pool, already), so the
    next save starts from the pool's state, as it always has.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        """Held by the thread using the connection (the others take one from the pool)."""
        self.connection: Connection | None = None
        self.cursor: Any = None
        """The psycopg cursor its statements run on (None on another driver)."""
        self.cursor_factory: Any = None
        """Its connection's own `cursor_factory`, put back when it goes back to the pool."""
        self.last_used = 0.0
        self.stale = False
        """Set when the engine is disposed: the connection is let go at its next use."""

    def take(self, engine: Engine) -> Connection:
        conn = self.connection
        if conn is not None and (self.stale or conn.invalidated or not self._fresh(engine, conn)):
            self.give_back()
            conn = None
        if conn is None:
            self.stale = False
            conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.connection = conn
            if engine.dialect.driver == "psycopg":
                self._keep_cursor(conn.connection.driver_connection)
        return conn

    def _keep_cursor(self, driver_conn: Any) -> None:
        cursor = self.cursor = _kept_cursor_type()(driver_conn)
        self.cursor_factory = driver_conn.cursor_factory
        # What `cursor()` returns, with SQLAlchemy's arguments (none), while it is kept.
        driver_conn.cursor_factory = lambda _conn, **_options: cursor

    def _fresh(self, engine: Engine, conn: Connection) -> bool:
        if time.monotonic() - self.last_used >= PING_AFTER_IDLE_S:
            return False
        dbapi_conn = conn.connection.dbapi_connection
        return dbapi_conn is not None and not _input_waiting(engine.dialect, dbapi_conn)

    def give_back(self) -> None:
        """Return the connection to the pool, or close it if the engine was disposed since
        (its pool is gone) or it is invalidated."""
        conn, self.connection = self.connection, None
        cursor, self.cursor = self.cursor, None
        if cursor is not None:  # the pool's connection makes its own cursors again
            cursor.connection.cursor_factory = self.cursor_factory
            with suppress(Exception):
                cursor.close_now()
        if conn is None:
            return
        with suppress(Exception):  # a connection already lost: nothing to give back
            if self.stale:
                conn.invalidate()
            elif not conn.invalidated:
                conn.info[_USED_AT] = self.last_used
            conn.close()


_kept: weakref.WeakKeyDictionary[Engine, _KeptConnection] = weakref.WeakKeyDictionary()


@functools.cache
def _kept_cursor_type() -> type[Any]:
    """psycopg's cursor, but for SQLAlchemy's `close` after each statement (psycopg is
    imported only once a team database is used)."""
    import psycopg

    class KeptCursor(psycopg.Cursor[Any]):
        def close(self) -> None:
            """Left open for the next statement; `close_now` closes it."""

        def close_now(self) -> None:
            super().close()

    return KeptCursor


def _keep_statement_connection(engine: Engine) -> None:
    kept = _kept[engine] = _KeptConnection()

    def on_disposed(_engine: Engine) -> None:
        # Its pool is gone: let the connection go now, or, if a save is using it, right
        # after (never wait here for a statement on a server that may not answer).
        kept.stale = True
        if kept.lock.acquire(blocking=False):
            try:
                kept.give_back()
            finally:
                kept.lock.release()

    event.listen(engine, "engine_disposed", on_disposed)


def kept_connections(engine: Engine) -> int:
    """How many connections the engine keeps checked out on purpose (see `one_statement`)."""
    kept = _kept.get(engine)
    return 0 if kept is None or kept.connection is None else 1


def upsert_and_update(
    connection: Connection,
    *,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    target: Table,
    target_id: str,
    changes: Mapping[str, Any],
) -> None:
    """Upsert a row of `table` and set `changes` on the row of `target` whose `id` is
    `target_id`, in one PostgreSQL statement (the upsert is a data-modifying WITH): on a
    `one_statement` connection, one round trip that is one transaction.

    Parameters of `changes` are bound as `target_<column>`, so the two tables' columns may
    share names.
    """
    statement = _upsert_and_update_statement(
        connection.dialect,
        table,
        columns=tuple(values),
        keys=tuple(keys),
        target=target,
        changes=tuple(changes),
    )
    params = dict(values)
    params["target_id"] = target_id
    for name, value in changes.items():
        params["target_" + name] = value
    statement.execute(connection, params)


@dataclass(frozen=True)
class _CompiledStatement:
    """A Core statement compiled once: SQLAlchemy would otherwise derive its cache key from the
    whole statement on every execution, which for this one costs more than the round trip."""

    sql: str
    processors: Mapping[str, Callable[[Any], Any]]
    """The columns' own bind processing (e.g. `UTCDateTime` refusing a naive time)."""

    def execute(self, connection: Connection, params: dict[str, Any]) -> None:
        for name, process in self.processors.items():
            params[name] = process(params[name])
        connection.exec_driver_sql(self.sql, params)


_compiled: dict[tuple[Any, ...], _CompiledStatement] = {}


def _upsert_and_update_statement(
    dialect: Dialect,
    table: Table,
    *,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    target: Table,
    changes: tuple[str, ...],
) -> _CompiledStatement:
    key = (dialect.name, dialect.driver, table, columns, keys, target, changes)
    if (found := _compiled.get(key)) is not None:
        return found
    saved = upsert_statement(dialect.name, table, columns, keys).cte(f"saved_{table.name}")
    values: dict[str, Any] = {
        name: bindparam("target_" + name, type_=target.c[name].type) for name in changes
    }
    if "version" in target.c and "version" not in values:  # an audit's change counter
        # A literal, not a bound 1: the compiled statement binds only the named parameters.
        values["version"] = target.c.version + literal_column("1")
    statement = (
        update(target)
        .where(target.c.id == bindparam("target_id", type_=target.c.id.type))
        .values(values)
        .add_cte(saved)
    )
    compiled = statement.compile(dialect=dialect)
    processors = {
        name: process
        for name, bind in compiled.binds.items()
        if (process := bind.type.bind_processor(dialect)) is not None
    }
    _compiled[key] = made = _CompiledStatement(str(compiled), processors)
    return made


LOST_CONNECTION = "the connection to the database server was lost"


def error_line(exc: BaseException) -> str:
    """One line that says why a database call failed: a lost connection (the server stopped,
    the network went) in our words, since libpq's own text runs to several lines."""
    if getattr(exc, "connection_invalidated", False):
        return f"{LOST_CONNECTION}; nothing was changed: try again when the server is back"
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return detail[0] if detail else type(exc).__name__


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def table_names(engine: Engine) -> list[str]:
    return inspect(engine).get_table_names()
