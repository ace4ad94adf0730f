"""The application store: saved views, deck drafts, alert rules, subscriptions,
evaluations, deliveries and delivery attempts.

Revision ID: 0001
Revises:
Create Date: 2026-12-02 00:32:40.763073
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("view_id", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False, comment="URL form, as a link carries them"),
        sa.Column(
            "metric", sa.String(length=80), nullable=False, comment="a numeric column of the frame"
        ),
        sa.Column(
            "kind",
            sa.String(length=16),
            nullable=False,
            comment="value/change_pct/change_pp/anomaly/forecast",
        ),
        sa.Column("op", sa.String(length=8), nullable=False, comment="above / below"),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=True, comment="forecast horizon (kind forecast)"),
        sa.Column(
            "schedule", sa.String(length=120), nullable=False, comment="cron expression, UTC"
        ),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("remind_hours", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False, comment="ok/firing/resolved"),
        sa.Column("firing_since", sa.DateTime(), nullable=True),
        sa.Column(
            "last_scheduled",
            sa.DateTime(),
            nullable=True,
            comment="the last schedule time evaluated",
        ),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.Column("last_notified_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "deck_drafts",
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column(
            "items", sa.JSON(), nullable=False, comment="[{view, filters (URL form), params}]"
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.JSON(), nullable=False),
        sa.Column("channel_key", sa.String(length=240), nullable=False),
        sa.Column(
            "status", sa.String(length=10), nullable=False, comment="pending/sent/failed/gave_up"
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column(
            "message", sa.JSON(), nullable=False, comment="subject, headline, lines, permalink"
        ),
        sa.Column(
            "attachments",
            sa.LargeBinary(),
            nullable=True,
            comment="a zip of the files (PNG first: inline)",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evaluation_id", "channel_key", name="uq_deliveries_channel"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False, comment="rule / subscription"),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column(
            "event",
            sa.String(length=12),
            nullable=False,
            comment="fired/reminder/resolved/ok/firing/...",
        ),
        sa.Column("state", sa.String(length=12), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_id", "scheduled_for", name="uq_evaluations_due"),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("page", sa.String(length=60), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False, comment="URL params: key -> list of values"),
        sa.Column(
            "shared_role",
            sa.String(length=40),
            nullable=True,
            comment="NULL: personal; else every viewer of the role",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "name", name="uq_saved_views_owner_name"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False, comment="deck / view"),
        sa.Column("spec", sa.Text(), nullable=True, comment="the deck spec (TOML), kind deck"),
        sa.Column("view_id", sa.String(length=80), nullable=True, comment="kind view"),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("formats", sa.JSON(), nullable=False, comment="pptx / png / csv / xlsx"),
        sa.Column("schedule", sa.String(length=120), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("last_scheduled", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:

    op.drop_table("subscriptions")
    op.drop_table("saved_views")
    op.drop_table("evaluations")
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_due")

    op.drop_table("deliveries")
    op.drop_table("deck_drafts")
    op.drop_table("alert_rules")
