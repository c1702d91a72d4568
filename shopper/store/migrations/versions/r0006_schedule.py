"""Recurring shops: the table `schedule`, and `shop.schedule_id` linking the shops one made.

A schedule belongs to a company and touchpoint; its recurrence is the text the manager typed
("every 4 weeks"), read by `shopper.domain.schedule`. `last_planned` is the last occurrence a
run dealt with (a shop made, or reported as not planned), so running again never makes a shop
twice and never retries an occurrence it reported. Who shops next is not stored: it follows
from the company's shops themselves (the latest one's shopper), across schedules and shops
assigned by hand. A shop made by a schedule names it in `schedule_id`; one schedule makes at
most one shop opening on a day (a unique index, the guard behind `last_planned`).
Both databases get both; on a team database only managers see schedules.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[str]:
    kind: sa.types.TypeEngine[str] = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "schedule",
        sa.Column("id", sa.String(length=36), nullable=False, primary_key=True),
        _text("company_id", 36),
        _text("touchpoint", 32),
        _text("template_id", 36, nullable=True),
        _text("recurrence", 200),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        _text("shoppers"),
        sa.Column("open_limit", sa.Integer(), nullable=True),
        _text("instructions"),
        sa.Column("ahead_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_planned", sa.Date(), nullable=True),
        _text("created_by", 200),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
    )
    op.create_index("ix_schedule_company_id", "schedule", ["company_id"])
    with op.batch_alter_table("shop") as batch:
        batch.add_column(sa.Column("schedule_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key("fk_shop_schedule_id", "schedule", ["schedule_id"], ["id"])
        batch.create_index("ux_shop_schedule_opens", ["schedule_id", "opens"], unique=True)


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
