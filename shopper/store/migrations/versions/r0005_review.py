"""Review: the reviewer's comments and the history of an audit's answers.

`review_comment` holds what a reviewing manager wrote on a submitted audit: on one item
(`item_id`) or on the whole audit (NULL), with the verdict it came with (`returned`,
`reviewed`, or empty while the review goes on). `answer_change` records every change to an
answer after the audit was first completed: the shopper's own after a reopen or a return,
and the reviewer's corrections, each with who, when, the old and the new value (as the JSON
of `answer.value`) and note.
Both databases get both; on a team database a shopper reads those of their own audits and
adds changes of their own only, and nobody but a manager writes a comment.

`company.allow_unassigned` says whether a shopper may start a shop of their own for the
company (an audit nobody assigned, which then goes through sync and review like any other).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _id(name: str = "id", *, primary: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), nullable=False, primary_key=primary)


def upgrade() -> None:
    with op.batch_alter_table("company") as batch:
        batch.add_column(
            sa.Column("allow_unassigned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "review_comment",
        _id(),
        _id("audit_id", primary=False),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )
    op.create_index("ix_review_comment_audit_id", "review_comment", ["audit_id"])
    op.create_table(
        "answer_change",
        _id(),
        _id("audit_id", primary=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("old_note", sa.Text(), nullable=False),
        sa.Column("new_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
    )
    op.create_index("ix_answer_change_audit_id", "answer_change", ["audit_id"])


def downgrade() -> None:
    raise RuntimeError("Shopper never downgrades a database; restore a backup instead")
