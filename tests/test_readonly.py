"""The app's database access is read-only, and the databases themselves say so.

Every write, file access or extension load goes through the app's own engine
(data_access.engine.get_engine) and must be refused by the database: PostgreSQL through the
SELECT-only role and through default_transaction_read_only (even for a user who could
write); DuckDB through read_only + enable_external_access=false + a locked configuration.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from data_access.engine import get_engine, make_engine

PG_WRITES = [
    "INSERT INTO dim_team (team_id, code, name, is_partner, first_response_sla_hours) "
    "VALUES (99, 'x', 'x', false, 1)",
    "DELETE FROM dim_team",
    "UPDATE dim_team SET name = 'x'",
    "CREATE TABLE pwned (x int)",
    "DROP TABLE dim_team",
    "COPY dim_team TO '/tmp/fraud_pwned.csv'",
    "COPY (SELECT 1) TO PROGRAM 'true'",
]


def _refused(engine, sql: str) -> str:
    with engine.connect() as conn, pytest.raises(DBAPIError) as info:
        conn.execute(text(sql))
        conn.commit()
    return str(info.value.orig).lower()


@pytest.mark.pg
@pytest.mark.parametrize("sql", PG_WRITES, ids=lambda s: s.split()[0].lower() + s[7:20])
def test_postgres_readonly_role_refuses_writes(pg_readonly_url, sql):
    message = _refused(get_engine(pg_readonly_url), sql)
    assert (
        "read-only transaction" in message
        or "permission denied" in message
        or ("must be superuser" in message or "privileges" in message)
    ), message


@pytest.mark.pg
@pytest.mark.parametrize("sql", PG_WRITES[:5], ids=["insert", "delete", "update", "create", "drop"])
def test_postgres_app_engine_is_read_only_even_for_a_writer(pg_url, sql):
    """The admin (owner) URL through the app's engine: the session itself is read-only."""
    engine = make_engine(pg_url)
    try:
        assert "read-only transaction" in _refused(engine, sql)
    finally:
        engine.dispose()


DUCK_REFUSALS = [
    "INSERT INTO dim_team VALUES (99, 'x', 'x', false, 1)",
    "DELETE FROM dim_team",
    "UPDATE dim_team SET name = 'x'",
    "CREATE TABLE pwned (x int)",
    "COPY dim_team TO '/tmp/fraud_pwned.csv'",
    "ATTACH '/tmp/fraud_pwned.duckdb' AS pwned",
    "SELECT * FROM read_csv('/etc/passwd')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
]


@pytest.mark.parametrize("sql", DUCK_REFUSALS, ids=lambda s: " ".join(s.split()[:2]).lower())
def test_duckdb_app_engine_refuses_writes_files_and_extensions(duck_url, sql):
    message = _refused(get_engine(duck_url), sql)
    assert any(
        word in message
        for word in ("read-only", "read only", "disabled", "locked", "permission", "external")
    ), message


def test_duckdb_app_engine_still_reads(duck_url):
    with get_engine(duck_url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dim_team")).scalar_one() > 0
