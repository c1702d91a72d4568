"""The action plan: the table `plan_action` (see `shopper.store.tables.PlanAction`).

An action belongs to a company; it may name the audit, item and moment it was made from
(no foreign key to the audit, so a bundle can carry actions alone). Whether the next audit
verified it is worked out on reading, never stored. Both databases get it; on a team
database a shopper reads only the actions shared with shoppers and those they own.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[str]:
    kind: sa.types.TypeEngine[str] = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "plan_action",
        sa.Column("id", sa.String(length=36), nullable=False, primary_key=True),
        _text("company_id", 36),
        _text("title"),
        _text("detail"),
        _text("theme", 64),
        _text("source", 20),
        _text("audit_id", 36, nullable=True),
        _text("item_id", 64, nullable=True),
        _text("moment_id", 36, nullable=True),
        _text("touchpoint", 32),
        _text("owner", 200),
        sa.Column("due", sa.Date(), nullable=True),
        _text("status", 20),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false()),
        _text("created_by", 200),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _text("created_tz", 64),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
    )
    op.create_index("ix_plan_action_company_id", "plan_action", ["company_id"])


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
