"""Shops (assignments) and their history: the tables `shop` and `shop_event`.

A manager assigns a shop (a company's touchpoint, a template, a shopper, a window of days and
instructions); every change of its state is a `shop_event` with who and when. Both databases
get the tables: on SQLite one person assigns shops to themself, or keeps those synced from a
team.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _id(name: str = "id", *, primary: bool = True, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), nullable=nullable, primary_key=primary)


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[str]:
    kind: sa.types.TypeEngine[str] = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "shop",
        _id(),
        _id("company_id", primary=False),
        _text("touchpoint", 32),
        _text("template_id", 36),
        _text("shopper", 200),
        sa.Column("opens", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        _text("instructions"),
        _text("state", 20),
        _id("audit_id", primary=False, nullable=True),
        _text("created_by", 200),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )
    op.create_index("ix_shop_shopper_state", "shop", ["shopper", "state"])
    op.create_index("ix_shop_due", "shop", ["due"])
    op.create_index("ux_shop_audit_id", "shop", ["audit_id"], unique=True)
    op.create_table(
        "shop_event",
        _id(),
        _id("shop_id", primary=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _text("tz", 64),
        _text("who", 200),
        _text("from_state", 20, nullable=True),
        _text("to_state", 20),
        _text("detail"),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"]),
    )
    op.create_index("ix_shop_event_shop_id", "shop_event", ["shop_id"])


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
