"""The rows of the two start-up lists (companies, audits), in a module of their own: the
start-up glance (`shopper.store.glance`) builds them with plain `sqlite3`, before
SQLAlchemy is imported, and `shopper.store.repo` builds the same through the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True)
class CompanyRow:
    id: str
    name: str
    sector: str
    audits: int
    last_audit: datetime | None
    allow_unassigned: bool = False
    """A team's shopper may start shops of their own for it."""


class AuditRow(NamedTuple):
    """One line of the audits list: everything shown, nothing more.

    A named tuple, not a dataclass: lists build thousands of these straight
    from result rows.
    """

    id: str
    company_id: str
    company_name: str
    touchpoint: str
    template_title: str
    template_id: str
    template_version: int
    shopper: str
    status: str
    started_at: datetime
    started_tz: str
    completed_at: datetime | None
    score_percent: float | None
    verdict: str
    passed: bool | None
    critical_failures: int
    answered: int
    visible: int
    shopper_name: str = ""
    """The shopper as shown: on a team database the login's full name, else `shopper`."""
