"""Annotations: dated notes on the time charts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 05:40:00
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
        "annotations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "end_day",
            sa.Date(),
            nullable=True,
            comment="NULL: one day; else the last day of a period",
        ),
        sa.Column("title", sa.String(length=96), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True, comment="http(s) only"),
        sa.Column(
            "slice",
            sa.JSON(),
            nullable=True,
            comment="NULL: every slice; else filters in URL form",
        ),
        sa.Column("page", sa.String(length=60), nullable=False, comment="where it was added"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index("ix_annotations_day", ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_annotations_day")
    op.drop_table("annotations")
