"""The start-up glance: the two lists a user waits for, read with plain `sqlite3`.

Start-up shows the companies and the first page of audits before the database layer
(SQLAlchemy, the table classes, the services) is even imported: importing those takes
most of a second, and reading the lists takes milliseconds. The glance reads the same
rows `shopper.store.repo` reads (`company_rows`, `list_audits`; a test keeps the two
equal), on a read-only connection, and only from a file that opening cannot change: in
WAL mode already and at the newest schema revision, as `open_database(check_later=True)`
asks of a file it opens before its integrity check. Anything else (a new folder, a
migration due, a locked or unreadable file) gives no glance, and start-up reads the
lists the usual way once the database is open; so does a team database.

Nothing here writes, and nothing here imports more than the standard library.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shopper.domain.errors import StorageError
from shopper.store import lock as process_lock
from shopper.store.integrity import in_wal_mode, read_only
from shopper.store.revisions import head_revision
from shopper.store.rows import AuditRow, CompanyRow

log = logging.getLogger(__name__)

COMPANIES_SQL = (
    "SELECT c.id, c.name, c.sector, count(a.company_id), max(a.started_at), "
    "c.allow_unassigned FROM company c LEFT OUTER JOIN audit a ON a.company_id = c.id "
    "GROUP BY c.id, c.name, c.sector, c.allow_unassigned ORDER BY lower(c.name)"
)
AUDITS_SQL = (
    "SELECT a.id, a.company_id, c.name, a.touchpoint, t.title, a.template_id, "
    "a.template_version, a.shopper, a.status, a.started_at, a.started_tz, a.completed_at, "
    "a.score_percent, a.verdict, a.passed, a.critical_failures, a.answered, a.visible "
    "FROM audit a JOIN company c ON c.id = a.company_id JOIN template_version t "
    "ON t.template_id = a.template_id AND t.version = a.template_version"
)
ORDERS = {
    "started_at": "a.started_at",
    "company": "lower(c.name)",
    "touchpoint": "a.touchpoint",
    "shopper": "lower(a.shopper)",
    "status": "a.status",
    "score": "a.score_percent",
}
"""The sort keys of `shopper.store.repo.AUDIT_ORDER`, as SQL."""


@dataclass(frozen=True)
class Filters:
    """What the audits list shows: as the window's filters and sort say."""

    company_id: str = ""
    touchpoint: str = ""
    status: str = ""
    order: str = "started_at"
    descending: bool = True
    limit: int = 400


@dataclass(frozen=True)
class Glance:
    companies: list[CompanyRow]
    audits: list[AuditRow]
    filters: Filters


def glance(db_file: Path, filters: Filters) -> Glance | None:
    """The companies and the first page of audits, or None where no glance is safe or
    possible (the lists are then read once the database is open)."""
    if filters.order not in ORDERS or not db_file.is_file() or not in_wal_mode(db_file):
        return None
    try:
        held = process_lock.acquire(db_file, exclusive=False)
    except StorageError:
        return None  # another program holds it alone (a restore): opening says so
    try:
        with read_only(db_file) as connection:
            return _read(connection, filters)
    except (sqlite3.Error, StorageError, ValueError) as exc:
        log.info("no start-up glance at %s: %s", db_file, exc)
        return None
    finally:
        process_lock.release(held, exclusive=False)


def _read(connection: sqlite3.Connection, filters: Filters) -> Glance | None:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "alembic_version" not in tables:
        return None
    revisions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    if revisions != [(head_revision(),)]:
        return None  # a migration is due (or a newer Shopper's file): opening decides
    companies = [
        CompanyRow(cid, name, sector, count, _time(last), bool(own))
        for cid, name, sector, count, last, own in connection.execute(COMPANIES_SQL)
    ]
    where, values = [], []
    for column, value in (
        ("a.company_id", filters.company_id),
        ("a.touchpoint", filters.touchpoint),
        ("a.status", filters.status),
    ):
        if value:
            where.append(f"{column} = ?")
            values.append(value)
    way = "DESC" if filters.descending else "ASC"
    sql = (
        AUDITS_SQL
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {ORDERS[filters.order]} {way} NULLS LAST, a.started_at {way}, a.id"
        + " LIMIT ?"
    )
    audits = [_audit(row) for row in connection.execute(sql, (*values, filters.limit))]
    return Glance(companies, audits, filters)


def _audit(row: tuple[object, ...]) -> AuditRow:
    (audit_id, company_id, company, touchpoint, title, template_id, version, shopper) = row[:8]
    (status, started, started_tz, completed, score, verdict, passed) = row[8:15]
    (critical, answered, visible) = row[15:]
    started_at = _time(started)
    if started_at is None:
        raise ValueError(f"audit {audit_id} has no start time")
    return AuditRow(
        str(audit_id),
        str(company_id),
        str(company),
        str(touchpoint),
        str(title),
        str(template_id),
        int(version),  # type: ignore[call-overload]
        str(shopper),
        str(status),
        started_at,
        str(started_tz),
        _time(completed),
        None if score is None else float(score),  # type: ignore[arg-type]
        str(verdict),
        None if passed is None else bool(passed),
        int(critical),  # type: ignore[call-overload]
        int(answered),  # type: ignore[call-overload]
        int(visible),  # type: ignore[call-overload]
        str(shopper),
    )


def _time(value: object) -> datetime | None:
    """A stored time (UTC, kept naive as text by SQLite) as an aware datetime."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"unexpected stored time {value!r}")
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
