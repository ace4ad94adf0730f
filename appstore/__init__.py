"""The application store: what users create (saved views, deck drafts, alert rules,
subscriptions, their evaluations and deliveries), apart from the read-only warehouse.

A SQLite file beside the audit log by default; ``FRAUD_APP_STORE_URL`` names any SQLAlchemy
URL (PostgreSQL in production). The schema is migrated by Alembic, programmatically, the
first time a process opens the store: there is no manual migration step.
"""

from __future__ import annotations

from appstore.db import engine, migrate, store_url
from appstore.schema import metadata

__all__ = ["engine", "metadata", "migrate", "store_url"]
