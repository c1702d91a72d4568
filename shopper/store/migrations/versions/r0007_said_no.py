"""The "said no" log and imported feedback: the tables `said_no_campaign`, `said_no_entry`,
`feedback_entry` and `theme_rules` (see `shopper.services.said_no` and
`shopper.services.feedback`). Both databases get them; on a team database the row-level
security of `shopper.store.team` decides who reads feedback.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[str]:
    kind: sa.types.TypeEngine[str] = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def _moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "said_no_campaign",
        _text("id", 36),
        _text("company_id", 36),
        _text("team", 200),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        _text("kept_by", 200),
        _text("created_by", 200),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
    )
    op.create_index("ix_said_no_campaign_company_id", "said_no_campaign", ["company_id"])
    op.create_table(
        "said_no_entry",
        _text("id", 36),
        _text("campaign_id", 36),
        _moment("at"),
        _text("tz", 64),
        _text("channel", 40),
        _text("asked"),
        _text("refused"),
        _text("reason", 20),
        _text("said_by", 200),
        _text("theme", 64),
        _text("action_list", 20),
        _text("note"),
        _text("created_by", 200),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["campaign_id"], ["said_no_campaign.id"]),
    )
    op.create_index("ix_said_no_entry_campaign_id", "said_no_entry", ["campaign_id"])
    op.create_table(
        "feedback_entry",
        _text("id", 36),
        _text("company_id", 36),
        _text("kind", 20),
        _moment("at"),
        _text("channel", 40),
        _text("text"),
        _text("category", 200),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("score_scale", sa.Float(), nullable=True),
        _text("themes"),
        sa.Column("tagged_by_hand", sa.Boolean(), nullable=False),
        _text("source", 300),
        sa.Column("shared", sa.Boolean(), nullable=False),
        _text("created_by", 200),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
    )
    op.create_index(
        "ix_feedback_entry_company_kind_at", "feedback_entry", ["company_id", "kind", "at"]
    )
    op.create_table(
        "theme_rules",
        _text("id", 36),
        _text("text"),
        _text("updated_by", 200),
        _moment("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
