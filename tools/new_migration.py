"""Write a migration for what changed in shopper/store/tables.py since the newest revision.

Usage: .venv/bin/python tools/new_migration.py "add an index on answer.item_id"

A scratch database is migrated to the newest revision, compared with the
tables, and Alembic writes the difference as shopper/store/migrations/versions/
rNNNN_<slug>.py. Read it before committing: rename-detection and data moves
are for a person to write; then `ruff format` it. tests/store/test_schema.py fails until the tables
and the migrations agree.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from shopper.store.engine import create_db_engine, sqlite_url
from shopper.store.schema import alembic_config, head_revision, migrate


def main(message: str) -> Path:
    head = head_revision()
    next_id = f"{int(head) + 1:04d}"
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(sqlite_url(Path(folder) / "scratch.db"))
        try:
            migrate(engine)
            with engine.connect() as conn:
                config = alembic_config(connection=conn)
                config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
                script = command.revision(
                    config, message=message, autogenerate=True, rev_id=next_id
                )
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit(__doc__)
    print(f"wrote {main(sys.argv[1])}")  # noqa: T201
