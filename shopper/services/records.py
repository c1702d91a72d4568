"""The records the services hand to the GUI and the command line.

The GUI imports nothing from `shopper.store`: what it shows arrives as these rows, named
here once. Rows are plain data (a stored table row, or a named tuple of a list), read
and never written by the GUI; every change goes through a service.
"""

from __future__ import annotations

from shopper.store.analysis import Scope
from shopper.store.integrity import DamagedDatabaseError, DiskError
from shopper.store.repo import AuditRow, CompanyRow
from shopper.store.tables import Audit, Company, Evidence, InstrumentEvent, Moment

__all__ = [
    "Audit",
    "AuditRow",
    "Company",
    "CompanyRow",
    "DamagedDatabaseError",
    "DiskError",
    "Evidence",
    "InstrumentEvent",
    "Moment",
    "Scope",
]
