"""Evidence bytes in the database: the table `evidence_blob`, content-addressed by sha256.

A team database (PostgreSQL) keeps every evidence file's bytes here, so every machine that may
read an audit can read its photos; SQLite gets the same (empty) table, so both databases have
one schema and one line of migrations.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False, primary_key=True),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
