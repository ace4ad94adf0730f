"""Alembic's environment for the application store: always run on a connection handed in by
appstore.db.migrate (the app migrates itself; there is no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from appstore.db import VERSION_TABLE, store_url
from appstore.schema import metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # the alembic CLI (revision --autogenerate): open the store
        with create_engine(store_url()).connect() as conn:
            _run_on(conn)
            conn.commit()
        return
    _run_on(connection)


def _run_on(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite alters tables by copy
    )
    with context.begin_transaction():
        context.run_migrations()


run()
