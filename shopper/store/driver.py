"""SQLAlchemy's statements, handed to SQLite's driver as they are.

The hottest writes (saving an answer; the bulk inserts of a demo or an import) spent more
time in SQLAlchemy's per-statement and per-row work (the session, the compiled-statement
lookup, parameter processing) than SQLite spent writing. Here a statement is compiled by
SQLAlchemy once, for the engine's dialect, and run on the driver's cursor with each value
made by its column type's own bind processing: the same SQL and the same stored values,
without the work around them. Connections still come from the engine's pool (so its
checkout events hold writes until the integrity check, and make a damaged database's
connections read-only), and a driver error is raised as SQLAlchemy's, as the callers
expect.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from shopper.store.tables import UTCDateTime

Processor = Callable[[Any], Any]

_UTC_PROBES = (
    datetime(2025, 3, 30, 0, 30, 15, 123456, tzinfo=UTC),
    datetime(2025, 1, 1, tzinfo=UTC),
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
)


def type_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """The type's bind processor; for a UTC time on SQLite, one that writes a time already
    in UTC straight as its text (a few times faster: a big demo writes millions), and hands
    any other value to the type's own, which gives that same text (checked here)."""
    slow = type_.dialect_impl(dialect).bind_processor(dialect)
    if slow is None or not isinstance(type_, UTCDateTime):
        return slow

    def process(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC and value.year >= 1000:
            return value.isoformat(" ", "microseconds")[:26]
        return slow(value)

    return process if all(process(v) == slow(v) for v in _UTC_PROBES) else slow


@dataclass(frozen=True)
class DriverStatement:
    """A statement as SQL text with `?` marks, and how named values become its parameters:
    each mark is a value given by name, through its processor, or a constant of the
    statement itself (the `1` of `version + 1`), processed already."""

    sql: str
    marks: tuple[tuple[str, Processor | None, bool, Any], ...]
    """(name, processor, given by name, constant) of each mark, in order."""

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            (values[name] if process is None else process(values[name])) if given else constant
            for name, process, given, constant in self.marks
        )


@functools.cache
def driver_statement(statement: ClauseElement, dialect: Dialect) -> DriverStatement:
    """`statement` compiled once for SQLite's driver (qmark parameters, in order)."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    marks = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        process = type_processor(bind.type, dialect)
        if bind.required or bind.callable is not None:
            marks.append((name, process, True, None))
        else:
            marks.append(
                (name, None, False, bind.value if process is None else process(bind.value))
            )
    return DriverStatement(compiled.string, tuple(marks))


def run_on_driver(engine: Engine, work: Sequence[tuple[ClauseElement, Mapping[str, Any]]]) -> None:
    """Run these statements with their values in ONE transaction on a pooled connection of a
    SQLite engine, committed before this returns (or rolled back, and raised as SQLAlchemy's
    `DBAPIError`)."""
    dialect = engine.dialect
    prepared = [(driver_statement(statement, dialect), values) for statement, values in work]
    pooled = engine.raw_connection()  # the pool's checkout events apply the write state
    try:
        driver = pooled.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        cursor = driver.cursor()
        statement: DriverStatement | None = None
        try:
            for statement, values in prepared:
                cursor.execute(statement.sql, statement.params(values))
            statement = None
            driver.commit()
        except sqlite3.Error as exc:
            driver.rollback()
            sql = statement.sql if statement is not None else "COMMIT"
            raise DBAPIError.instance(sql, None, exc, sqlite3.Error, dialect=dialect) from exc
        finally:
            cursor.close()
    finally:
        pooled.close()
