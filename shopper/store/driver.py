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
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool.base import _ConnectionRecord
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
    names: tuple[str, ...]
    """The name of each mark's value, in order (a constant's is its bind's own name)."""
    constants: Mapping[str, Any]
    """The processed value of each constant mark, by its bind's name."""
    processors: tuple[tuple[int, Processor], ...]
    """(position, processor) of each mark given by name whose type changes values."""

    def params(self, values: Mapping[str, Any]) -> Sequence[Any]:
        # The values picked in one C call (`itemgetter`), then the few processed: a save's
        # dozen and a half marks one by one in Python took longer than SQLite's statement.
        merged = {**values, **self.constants} if self.constants else values
        picked = _pick(self.names)(merged)
        if not self.processors:
            return picked
        params = list(picked)
        for position, process in self.processors:
            params[position] = process(params[position])
        return params


@functools.cache
def _pick(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The values of `names` from a mapping, as a tuple (even of one or none)."""
    if len(names) > 1:
        return itemgetter(*names)
    if names:
        (name,) = names
        return lambda values: (values[name],)
    return lambda _values: ()


@functools.cache
def driver_statement(statement: ClauseElement, dialect: Dialect) -> DriverStatement:
    """`statement` compiled once for SQLite's driver (qmark parameters, in order)."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ())
    constants: dict[str, Any] = {}
    processors = []
    for position, name in enumerate(names):
        bind = compiled.binds[name]
        process = type_processor(bind.type, dialect)
        if bind.required or bind.callable is not None:
            if process is not None:
                processors.append((position, process))
        else:
            constants[name] = bind.value if process is None else process(bind.value)
    return DriverStatement(compiled.string, names, constants, tuple(processors))


def run_on_driver(engine: Engine, work: Sequence[tuple[ClauseElement, Mapping[str, Any]]]) -> None:
    """Run these statements with their values in ONE transaction on a pooled connection of a
    SQLite engine, committed before this returns (or rolled back, and raised as SQLAlchemy's
    `DBAPIError`).

    The connection is taken from the engine's pool and given back to it, with the pool's
    checkout and checkin events (so a damaged database's connections stay read-only, and
    writes wait for the check made at opening), without the proxy SQLAlchemy wraps around
    it for a caller that might forget to give it back or to end its transaction: this
    always does both, and the wrapping cost a save more than its second statement."""
    dialect = engine.dialect
    prepared = [(driver_statement(statement, dialect), values) for statement, values in work]
    # waits, as a checkout does, while another thread has it
    record = cast(_ConnectionRecord, engine.pool._do_get())
    try:
        driver = record.get_connection()  # connects again if the pool invalidated it
        assert isinstance(driver, sqlite3.Connection)
        engine.pool.dispatch.checkout(driver, record, None)
        statement: DriverStatement | None = None
        try:
            for statement, values in prepared:
                driver.execute(statement.sql, statement.params(values))
            statement = None
            driver.commit()
        except sqlite3.Error as exc:
            driver.rollback()
            sql = statement.sql if statement is not None else "COMMIT"
            raise DBAPIError.instance(sql, None, exc, sqlite3.Error, dialect=dialect) from exc
        except BaseException:
            driver.rollback()
            raise
    finally:
        record.checkin(_fairy_was_created=False)  # its checkin events, then back in the pool
