"""Sync: a version per audit, and the outbox of what waits to go to the team database.

`audit.version` counts the changes of an audit (the runner adds one on every save, a push sets
the server's to the pushed one), so a push made from an older version can be told from a
fresh one (see `shopper.services.sync`). `sync_outbox` is the local side of sync: per audit,
the version the team database last took, when a push was last tried and why it failed, and
for a conflict copy the audit it was copied from. Both databases get both (one schema); a
team database leaves `sync_outbox` empty and readable by nobody but its owner.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "sync_outbox",
        sa.Column("audit_id", sa.String(length=36), nullable=False, primary_key=True),
        sa.Column("pushed_version", sa.Integer(), nullable=True),
        sa.Column("sending_version", sa.Integer(), nullable=True),
        sa.Column("sending_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("conflict_of", sa.String(length=36), nullable=True),
        sa.Column("conflict_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
