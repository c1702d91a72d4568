"""The schema's version: Alembic migrations, run from code when a database is opened.

- A new, empty database gets the tables of `shopper.store.tables` and is
  stamped with the newest revision.
- A database made before migrations existed (tables, no `alembic_version`) is
  taken to be at the baseline revision.
- An older revision is upgraded: a backup first, then every migration in ONE
  transaction with foreign keys off, then `PRAGMA foreign_key_check` must be
  empty. Any failure rolls the whole upgrade back: the database stays as it was.
- A revision this app does not know comes from a newer Shopper and is refused.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

import shopper.store.tables  # noqa: F401  (registers the tables on the metadata)
from shopper.domain.errors import StorageError
from shopper.store.revisions import (
    MIGRATIONS_DIR,
    head_revision,
    known_revisions,
)

if TYPE_CHECKING:
    # Alembic (with Mako) is imported only to create or migrate a schema: opening a
    # database already at the newest revision reads the revisions off the scripts' text.
    from alembic.config import Config

log = logging.getLogger(__name__)

BASELINE = "0001"
SHOPPER_TABLES = frozenset({"company", "template_version", "audit", "answer"})

BackupHook = Callable[[Engine, str], object]
"""Called with the engine and the revision being left, before a migration; raises to stop it."""


class NewerDatabaseError(StorageError):
    """The database was written by a newer Shopper: its schema revision is unknown here."""


class ForeignSchemaError(StorageError):
    """The database holds triggers, views or tables Shopper's migrations never create."""


class MigrationError(StorageError):
    """A migration failed; the database was left as it was."""


def alembic_config(location: Path = MIGRATIONS_DIR, connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """The revision stored in the database; None for a new or pre-migration database."""
    with engine.connect() as conn:
        return _stored_revision(conn)


def _stored_revision(conn: Connection) -> str | None:
    """What Alembic's `get_current_revision` reads, read without Alembic."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) > 1:
        raise StorageError("the database records more than one schema revision")
    return str(rows[0][0]) if rows else None


def prepare_schema(
    engine: Engine, *, backup: BackupHook | None = None, location: Path = MIGRATIONS_DIR
) -> str | None:
    """Create, accept or upgrade the schema; returns the revision it was upgraded from, if any.

    Raises:
        NewerDatabaseError: a newer Shopper wrote this database.
        MigrationError: a migration failed (nothing changed).
        StorageError: not a Shopper database, or the database cannot be read.
    """
    url = engine.url.render_as_string(hide_password=True)
    where = engine.url.database or url
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            current = _stored_revision(conn)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the database {where}: {_reason(exc)}") from exc
    head = head_revision(location)
    if not tables - {"alembic_version"}:
        _create(engine, location)
        return None
    if current is None:
        if not SHOPPER_TABLES.issubset(tables):
            raise StorageError(f"{where} is not a Shopper database; choose another data folder")
        current = BASELINE
        stamp_first = True
    else:
        stamp_first = False
    if current not in known_revisions(location):
        raise _newer(where, current, location)
    if current == head and not stamp_first:
        return None
    if backup is not None:
        backup(engine, current)
    log.info("upgrading the database schema from %s to %s", current, head)
    try:
        migrate(engine, stamp=BASELINE if stamp_first else None, location=location)
    except MigrationError:
        raise
    except Exception as exc:  # a migration's own bug must not look like a crash of the app
        log.exception("schema upgrade from %s failed", current)
        raise MigrationError(
            f"the database {where} could not be upgraded from schema revision {current} "
            f"({_reason(exc)}); it was left as it was"
        ) from exc
    return current


def migrate(
    engine: Engine,
    *,
    stamp: str | None = None,
    to: str = "head",
    location: Path = MIGRATIONS_DIR,
) -> None:
    """Run the migrations up to the newest (or up to `to`), all in one transaction with
    foreign keys off.

    `stamp` first records a revision the database is known to be at (the
    baseline, for a database made before migrations existed). An older `to` builds a
    database as an older Shopper left it (the tests' PostgreSQL copies of the fixtures).
    """
    from alembic import command

    with _migration_transaction(engine) as conn:
        config = alembic_config(location, conn)
        if stamp is not None:
            command.stamp(config, stamp)
        command.upgrade(config, to)


def check_file_revision(path: Path, location: Path = MIGRATIONS_DIR) -> str | None:
    """Refuse a file from a newer Shopper, or another program's database, before it is opened
    for writing (opening it for writing would already switch its journal mode). Returns the
    revision it records (None: new and empty, or made before migrations).

    Raises:
        NewerDatabaseError: a newer Shopper wrote it.
        ForeignSchemaError: it holds a trigger, view or table Shopper never creates.
        StorageError: it is not a Shopper database.
    """
    from shopper.store.integrity import explain, read_only

    with read_only(path) as connection:
        try:
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
            row = None
            if "alembic_version" in tables:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error as exc:
            raise explain(exc, path, "read") from exc
        if not tables - {"alembic_version"}:
            return None  # new and empty
        if row is None and not SHOPPER_TABLES.issubset(tables):
            raise StorageError(f"{path} is not a Shopper database; choose another data folder")
        if row is not None and row[0] not in known_revisions(location):
            raise _newer(str(path), row[0], location)
        try:
            found = foreign_objects(connection, row[0] if row else BASELINE, location)
        except sqlite3.Error as exc:
            raise explain(exc, path, "read") from exc
    if found:
        raise ForeignSchemaError(
            f"the database {path} {describe_foreign(found)}; it is not opened (it could "
            "change or delete data); restore a backup"
        )
    return str(row[0]) if row else None


def expected_objects(
    revision: str | None, location: Path = MIGRATIONS_DIR
) -> frozenset[tuple[str, str]]:
    """(type, name) of every schema object Shopper creates at a revision.

    The newest is read off the tables' metadata (what `_create` makes, which a test keeps
    equal to the migrations); an older one is built by running the migrations up to it on
    a scratch database in memory.
    """
    if revision is None or revision == head_revision(location):
        found = {("table", "alembic_version")}
        for table in SQLModel.metadata.sorted_tables:
            found.add(("table", table.name))
            found.update(("index", index.name) for index in table.indexes if index.name)
        return frozenset(found)
    return _migrated_objects(revision, str(location))


@functools.cache
def _migrated_objects(revision: str, location: str) -> frozenset[tuple[str, str]]:
    from alembic import command

    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with _migration_transaction(scratch) as conn:
            command.upgrade(alembic_config(Path(location), conn), revision)
        with scratch.connect() as conn:
            rows = conn.exec_driver_sql("SELECT type, name FROM sqlite_master").fetchall()
    finally:
        scratch.dispose()
    return frozenset((str(kind), str(name)) for kind, name in rows if not _internal(str(name)))


def _internal(name: str) -> bool:
    # SQLite reserves these names: its own indexes, sequences and statistics, never ours.
    return name.startswith("sqlite_")


def foreign_objects(
    connection: sqlite3.Connection, revision: str | None, location: Path = MIGRATIONS_DIR
) -> list[str]:
    """The schema objects in a database that Shopper's migrations do not create, as
    "trigger 'wipe'": a trigger or view there would run whatever it was written to do."""
    allowed = expected_objects(revision, location)
    rows = connection.execute("SELECT type, name FROM sqlite_master ORDER BY type, name")
    return [
        f"{kind} {name!r}"
        for kind, name in rows
        if not _internal(str(name)) and (str(kind), str(name)) not in allowed
    ]


def describe_foreign(found: list[str]) -> str:
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return f"holds {found[0]}{more} that Shopper does not create"


def _newer(where: str, revision: str, location: Path) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"the database {where} was written by a newer version of Shopper (schema revision "
        f"{revision}; this version knows up to {head_revision(location)}); install the newer "
        "Shopper to open it"
    )


def _create(engine: Engine, location: Path) -> None:
    from alembic import command

    try:
        with _migration_transaction(engine) as conn:
            SQLModel.metadata.create_all(conn)
            command.stamp(alembic_config(location, conn), "head")
    except SQLAlchemyError as exc:
        where = engine.url.database or "the database"
        raise StorageError(f"cannot create the tables in {where}: {_reason(exc)}") from exc


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One connection, foreign keys off, and every statement (DDL too) in one transaction.

    Python's sqlite3 runs DDL outside any transaction unless told otherwise, so
    the transaction is begun and ended here by hand.
    """
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            with conn.begin():
                yield conn
            return
        driver = conn.connection.driver_connection
        assert driver is not None
        level = driver.isolation_level
        driver.isolation_level = None
        try:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    table = broken[0][0]
                    raise MigrationError(
                        f"the upgrade left {len(broken)} rows pointing at missing rows "
                        f"(first in table {table}); it was undone"
                    )
                conn.exec_driver_sql("COMMIT")
            except BaseException:
                if driver.in_transaction:
                    conn.exec_driver_sql("ROLLBACK")
                raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            driver.isolation_level = level
            conn.rollback()  # ends SQLAlchemy's own (empty) transaction


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]
