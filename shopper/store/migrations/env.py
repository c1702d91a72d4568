"""Alembic environment: runs on the connection Shopper hands over, inside its transaction.

See `shopper.store.schema` for how and when migrations run, and
`tools/new_migration.py` for writing one.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import shopper.store.tables  # noqa: F401  (registers the tables on the metadata)


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Shopper's migrations run from code (shopper.store.schema)")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite alters a table by copying it
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
