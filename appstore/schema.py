"""The application store's tables (SQLAlchemy Core). A change here needs a migration in
appstore/migrations/versions/ (the test compares the migrated schema with this one)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# A page + global filters + page settings under a name: the URL, kept.
saved_views = Table(
    "saved_views",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(200), nullable=False),
    Column("name", String(120), nullable=False),
    Column("page", String(60), nullable=False),
    Column("query", JSON, nullable=False, comment="URL params: key -> list of values"),
    Column("shared_role", String(40), comment="NULL: personal; else every viewer of the role"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("owner", "name", name="uq_saved_views_owner_name"),
)

# The Deck builder's saved slides, one draft per person.
deck_drafts = Table(
    "deck_drafts",
    metadata,
    Column("owner", String(200), primary_key=True),
    Column("items", JSON, nullable=False, comment="[{view, filters (URL form), params}]"),
    Column("updated_at", DateTime, nullable=False),
)

alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(200), nullable=False),
    Column("name", String(120), nullable=False),
    Column("view_id", String(80), nullable=False),
    Column("params", JSON, nullable=False),
    Column("filters", JSON, nullable=False, comment="URL form, as a link carries them"),
    Column("metric", String(80), nullable=False, comment="a numeric column of the frame"),
    Column(
        "kind", String(16), nullable=False, comment="value/change_pct/change_pp/anomaly/forecast"
    ),
    Column("op", String(8), nullable=False, comment="above / below"),
    Column("threshold", Float, nullable=False),
    Column("weeks", Integer, comment="forecast horizon (kind forecast)"),
    Column("schedule", String(120), nullable=False, comment="cron expression, UTC"),
    Column("channels", JSON, nullable=False),
    Column("remind_hours", Integer),
    Column("paused", Boolean, nullable=False, default=False),
    Column("state", String(12), nullable=False, default="ok", comment="ok/firing/resolved"),
    Column("firing_since", DateTime),
    Column("last_scheduled", DateTime, comment="the last schedule time evaluated"),
    Column("last_value", Float),
    Column("last_notified_at", DateTime),
    Column("last_error", String(500)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(200), nullable=False),
    Column("name", String(120), nullable=False),
    Column("kind", String(8), nullable=False, comment="deck / view"),
    Column("spec", Text, comment="the deck spec (TOML), kind deck"),
    Column("view_id", String(80), comment="kind view"),
    Column("params", JSON, nullable=False),
    Column("filters", JSON, nullable=False),
    Column("formats", JSON, nullable=False, comment="pptx / png / csv / xlsx"),
    Column("schedule", String(120), nullable=False),
    Column("channels", JSON, nullable=False),
    Column("paused", Boolean, nullable=False, default=False),
    Column("last_scheduled", DateTime),
    Column("last_error", String(500)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# One row per evaluation of a rule or run of a subscription at one scheduled time: the
# idempotence key (a second runner in the same minute finds the row and sends nothing).
# The firing history is this table's rule rows.
evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(12), nullable=False, comment="rule / subscription"),
    Column("source_id", Integer, nullable=False),
    Column("scheduled_for", DateTime, nullable=False),
    Column("evaluated_at", DateTime, nullable=False),
    Column("test", Boolean, nullable=False, default=False),
    Column("value", Float),
    Column("event", String(12), nullable=False, comment="fired/reminder/resolved/ok/firing/..."),
    Column("state", String(12)),
    Column("message", String(1000), nullable=False, default=""),
    UniqueConstraint("source", "source_id", "scheduled_for", name="uq_evaluations_due"),
)

# What is to be sent to one channel, kept until sent (retried with backoff on later runs).
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evaluation_id", Integer, nullable=False),
    Column("source", String(12), nullable=False),
    Column("source_id", Integer, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("event", String(12), nullable=False),
    Column("channel", JSON, nullable=False),
    Column("channel_key", String(240), nullable=False),
    Column("status", String(10), nullable=False, comment="pending/sent/failed/gave_up"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime),
    Column("last_error", String(500)),
    Column("message", JSON, nullable=False, comment="subject, headline, lines, permalink"),
    Column("attachments", LargeBinary, comment="a zip of the files (PNG first: inline)"),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    UniqueConstraint("evaluation_id", "channel_key", name="uq_deliveries_channel"),
)
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", String(500)),
)

# Dated notes on the time charts (appstore.annotations): shown with the warehouse's policy
# and detector events; edited and deleted by their author only.
annotations = Table(
    "annotations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("author", String(200), nullable=False),
    Column("day", Date, nullable=False),
    Column("end_day", Date, comment="NULL: one day; else the last day of a period"),
    Column("title", String(96), nullable=False),
    Column("text", String(2000), nullable=False, default=""),
    Column("link", String(500), comment="http(s) only"),
    Column("slice", JSON, comment="NULL: every slice; else filters in URL form"),
    Column("page", String(60), nullable=False, default="", comment="where it was added"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
Index("ix_annotations_day", annotations.c.day)
