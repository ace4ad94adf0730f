"""One connection setting everywhere (issue P12): the warehouse URL's own options (a
PostgreSQL ``?options=-csearch_path%3Dfraud``, DuckDB's ``?search_path=fraud``) reach the
app's read-only engine merged with the app's (the timeout and the read-only session still
apply), so the app reads the schema `python -m data_access.marts` builds in; the sidebar
names that schema, never credentials, host or path."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from data_access import settings
from data_access.engine import make_engine
from data_access.loaders.base import run

FRAUD_PATH = "?options=-csearch_path%3Dfraud"


def _scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


@pytest.fixture(scope="module")
def fraud_schema_url(postgres_server) -> str:
    """Admin URL of a fresh database whose table `probe` lives in schema `fraud` only."""
    name = f"p12_{uuid.uuid4().hex[:8]}"
    url = postgres_server.create_database(name)
    postgres_server.psql(
        name,
        "CREATE SCHEMA fraud; CREATE TABLE fraud.probe (x int);"
        " INSERT INTO fraud.probe VALUES (42);",
    )
    return url


@pytest.mark.pg
def test_postgres_url_options_reach_the_read_only_app_engine(fraud_schema_url):
    url = fraud_schema_url + FRAUD_PATH
    engine = make_engine(url, timeout_s=7)
    try:
        assert _scalar(engine, "SELECT x FROM probe") == 42  # found through the URL's schema
        assert _scalar(engine, "SHOW search_path") == "fraud"
        assert _scalar(engine, "SHOW statement_timeout") == "7s"  # ours still apply
        assert _scalar(engine, "SHOW default_transaction_read_only") == "on"
        with engine.connect() as conn, pytest.raises(DBAPIError, match="read-only transaction"):
            conn.execute(sa.text("INSERT INTO probe VALUES (1)"))
    finally:
        engine.dispose()
    # The marts command opens the URL with a plain engine: the same schema, the same table.
    plain = sa.create_engine(url)
    try:
        assert _scalar(plain, "SHOW search_path") == "fraud"
    finally:
        plain.dispose()
    # And the loaders' run(), the app's one way to the warehouse.
    assert run(sa.text("SELECT x FROM probe"), url)["x"].tolist() == [42]


@pytest.mark.pg
def test_postgres_url_cannot_turn_our_timeout_or_read_only_off(fraud_schema_url):
    """Theirs first, ours after: where both set one, ours win; theirs is never lost."""
    url = fraud_schema_url + (
        "?options=-csearch_path%3Dfraud%20-c%20statement_timeout%3D0"
        "%20-c%20default_transaction_read_only%3Doff&connect_timeout=3"
    )
    engine = make_engine(url, timeout_s=7)
    try:
        assert _scalar(engine, "SHOW search_path") == "fraud"
        assert _scalar(engine, "SHOW statement_timeout") == "7s"
        assert _scalar(engine, "SHOW default_transaction_read_only") == "on"
    finally:
        engine.dispose()


@pytest.mark.pg
def test_marts_command_and_app_read_the_same_schema(postgres_server, demo_frames):
    """The demo loaded and `python -m data_access.marts --url URL` run through a URL naming
    schema fraud build there (nothing in public); the app's loaders read them back."""
    from datetime import date

    from data_access.filters import Filters
    from data_access.loaders import enforcement as le
    from data_access.scope import FULL
    from tests.support import warehouse

    name = f"p12_{uuid.uuid4().hex[:8]}"
    base = postgres_server.create_database(name)
    postgres_server.psql(name, "CREATE SCHEMA fraud;")
    url = base + FRAUD_PATH
    warehouse.load_into(url, demo_frames, marts=False)
    # The command itself, in its own process (as a team runs it).
    done = subprocess.run(
        [sys.executable, "-m", "data_access.marts", "--url", url],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    admin = sa.create_engine(base)
    try:
        count = "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{}'"
        assert _scalar(admin, count.format("fraud")) > 20
        assert _scalar(admin, count.format("public")) == 0
    finally:
        admin.dispose()
    kpis = le.load_enforcement_kpis(FULL, Filters(date(2025, 6, 1), date(2026, 11, 29)), url=url)
    assert kpis.loc["current", "actions"] > 0


def test_duckdb_search_path_in_the_url(tmp_path):
    path = tmp_path / "schemas.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "CREATE SCHEMA fraud; CREATE TABLE fraud.probe (x int);"
            " INSERT INTO fraud.probe VALUES (7)"
        )
    url = f"duckdb:///{path}?search_path=fraud"
    engine = make_engine(url)
    try:
        for _ in range(2):  # every connection, not only the first
            assert _scalar(engine, "SELECT x FROM probe") == 7
        with engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(sa.text("CREATE TABLE fraud.pwned (x int)"))  # still read-only
    finally:
        engine.dispose()
    assert settings.describe_url(url) == "embedded DuckDB warehouse · schema fraud"


@pytest.mark.parametrize(
    "url, words",
    [
        ("postgresql+psycopg://reader:s3cret@db.internal:5432/dw" + FRAUD_PATH, "· schema fraud"),
        (
            "postgresql+psycopg://reader:s3cret@db.internal/dw"
            "?options=-c%20search_path%3Dfraud,public%20-c%20work_mem%3D64MB",
            "· schemas fraud, public",
        ),
        (
            "postgresql+psycopg://reader:s3cret@db.internal/dw?options=--search_path%3Dfraud",
            "· schema fraud",
        ),
        # A name that is not a plain identifier is not printed (markdown, links, anything).
        (
            "postgresql+psycopg://reader:s3cret@db.internal/dw?options=-csearch_path%3D[x](y)",
            "· its own schema",
        ),
        ("postgresql+psycopg://reader:s3cret@db.internal/dw?options=-cwork_mem%3D64MB", None),
    ],
)
def test_describe_url_names_the_schema_never_the_secrets(url, words):
    text = settings.describe_url(url)
    assert text.startswith("postgresql warehouse")
    assert text.endswith(words) if words else text == "postgresql warehouse"
    for secret in ("reader", "s3cret", "db.internal", "5432", "dw", "work_mem", "(y)"):
        assert secret not in text
