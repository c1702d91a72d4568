"""The start-up glance for the GUI: the two lists read before the database layer is loaded
(see `shopper.store.glance`). Imports nothing beyond the standard library."""

from __future__ import annotations

from pathlib import Path

from shopper.paths import DB_FILENAME
from shopper.store.glance import Filters, Glance, glance

__all__ = ["Filters", "Glance", "glance_at"]


def glance_at(folder: Path, filters: Filters) -> Glance | None:
    """The lists of the data folder's own database, or None (read them once it is open)."""
    return glance(folder.expanduser().resolve() / DB_FILENAME, filters)
