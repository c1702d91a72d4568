"""Baseline: the schema of Shopper 0.1.0, before migrations existed.

Databases made by 0.1.0 have these tables and no `alembic_version`; they are
stamped with this revision and upgraded from here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id(name: str = "id", *, primary: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), nullable=False, primary_key=primary)


def _when(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[str]:
    kind: sa.types.TypeEngine[str] = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "company",
        _id(),
        _text("name", 200),
        _text("sector", 200),
        _text("timezone", 64),
        _text("business_hours"),
        _text("holidays"),
        _text("notes"),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_index("ix_company_name", "company", ["name"])

    op.create_table(
        "template_version",
        _text("template_id", 36),
        sa.Column("version", sa.Integer(), nullable=False),
        _text("title", 200),
        _text("touchpoint", 32),
        _text("source"),
        _text("sha256", 64),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        _when("added_at"),
        sa.PrimaryKeyConstraint("template_id", "version"),
    )
    op.create_index("ix_template_version_touchpoint", "template_version", ["touchpoint"])

    op.create_table(
        "audit",
        _id(),
        _id("company_id", primary=False),
        _text("touchpoint", 32),
        _text("template_id", 36),
        sa.Column("template_version", sa.Integer(), nullable=False),
        _text("shopper", 200),
        _text("status", 20),
        _when("started_at"),
        _text("started_tz", 64),
        _when("completed_at", nullable=True),
        _text("completed_tz", 64, nullable=True),
        _when("updated_at"),
        _text("current_item", 64, nullable=True),
        sa.Column("score_percent", sa.Float(), nullable=True),
        _text("verdict", 40),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("critical_failures", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("visible", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(
            ["template_id", "template_version"],
            ["template_version.template_id", "template_version.version"],
        ),
    )
    op.create_index(
        "ix_audit_company_touchpoint_started", "audit", ["company_id", "touchpoint", "started_at"]
    )
    op.create_index("ix_audit_started", "audit", ["started_at"])
    op.create_index("ix_audit_status", "audit", ["status"])

    op.create_table(
        "answer",
        _id("audit_id"),
        sa.Column("item_id", sa.String(length=64), nullable=False, primary_key=True),
        _text("value", nullable=True),
        _text("note"),
        _when("answered_at"),
        _text("answered_tz", 64),
        sa.Column("source", sa.String(length=20), server_default="shopper", nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )

    op.create_table(
        "audit_event",
        _id(),
        _id("audit_id", primary=False),
        _text("kind", 20),
        _when("at"),
        _text("tz", 64),
        _text("detail"),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )
    op.create_index("ix_audit_event_audit_id", "audit_event", ["audit_id"])

    op.create_table(
        "instrument_event",
        _id(),
        _id("audit_id", primary=False),
        _text("instrument", 20),
        _text("kind", 20),
        _when("at"),
        _text("tz", 64),
        _text("data"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )
    op.create_index(
        "ix_instrument_event_audit", "instrument_event", ["audit_id", "instrument", "at"]
    )

    op.create_table(
        "moment",
        _id(),
        _id("audit_id", primary=False),
        _text("kind", 20),
        _when("at"),
        _text("tz", 64),
        _text("note"),
        _text("item_id", 64, nullable=True),
        _when("updated_at"),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )
    op.create_index("ix_moment_audit_id", "moment", ["audit_id"])

    op.create_table(
        "evidence",
        _id(),
        _id("audit_id", primary=False),
        _text("item_id", 64, nullable=True),
        _text("moment_id", 36, nullable=True),
        _text("sha256", 64),
        _text("kind", 20),
        _text("extension", 10),
        _text("filename", 255),
        sa.Column("size", sa.Integer(), nullable=False),
        _text("caption"),
        _when("added_at"),
        _text("added_tz", 64),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["moment_id"], ["moment.id"]),
    )
    op.create_index("ix_evidence_audit_id", "evidence", ["audit_id"])
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"])


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
