"""Suite-wide fixtures. Keep this file short: the logic lives in tests/support/.

Subdirectories of tests/ are packages (they need an __init__.py) so test files may share
basenames; tests import helpers as `from tests.support.x import ...`.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest

from tests.support import warehouse
from tests.support.components import require_component

# The audit log is a separate database: tests write to a throwaway one, never data/.
os.environ.setdefault(
    "FRAUD_AUDIT_URL", f"sqlite:///{tempfile.mkdtemp(prefix='fraud-audit-')}/audit.sqlite"
)
# So is the forecast fit store (derived numbers): one throwaway store per session.
os.environ.setdefault(
    "FRAUD_FORECAST_CACHE", f"{tempfile.mkdtemp(prefix='fraud-forecast-')}/forecast_cache.sqlite"
)
# No background warm-up at app start in tests (tests/test_forecast_store.py runs it).
os.environ.setdefault("FRAUD_FORECAST_WARM", "0")
# So is the application store (saved views, alert rules, deliveries).
os.environ.setdefault(
    "FRAUD_APP_STORE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='fraud-app-')}/app.sqlite"
)
from tests.support import spark_server
from tests.support.pg_server import TemporaryPostgres, find_pg_bindir

# -- real PostgreSQL (marker: pg) -----------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """One throwaway PostgreSQL cluster for the session (superuser fraud_admin, db fraud_test).

    Tests that need isolation create their own database with `create_database(name)`.
    """
    if find_pg_bindir() is None:
        require_component(
            "postgresql", "PostgreSQL server binaries not found (apt-get install postgresql)"
        )
    with TemporaryPostgres() as server:
        yield server


# -- real Spark SQL (marker: spark) ---------------------------------------------------------


@pytest.fixture(scope="session")
def spark_thrift_server() -> Iterator[spark_server.SparkThriftServer]:
    """One local Spark Thrift server for the session (local[2], ~45 s to start)."""
    reason = spark_server.missing_reason()
    if reason:
        require_component("spark", reason)
    with spark_server.SparkThriftServer() as server:
        yield server


@pytest.fixture(scope="session")
def spark_url(
    spark_thrift_server: spark_server.SparkThriftServer, demo_frames: dict[str, pd.DataFrame]
) -> str:
    """`hive://...` of database fraud_demo on `spark_thrift_server`, holding `demo_frames` + marts
    (Parquet files registered in the catalog, marts built by CREATE TABLE AS)."""
    url = spark_thrift_server.url(warehouse.PG_DATABASE)
    warehouse.load_into(url, demo_frames)
    return url


# -- warehouse fixtures ---------------------------------------------------------------------
# One small demo warehouse (scale 0.03, seed 11) per session: the frames, the same in a DuckDB
# file and in a PostgreSQL database. Tests open them read-only via data_access.engine.


@pytest.fixture(scope="session")
def demo_frames() -> dict[str, pd.DataFrame]:
    """generate(scale=0.03, seed=11): dimension and fact tables as DataFrames. Don't mutate."""
    return warehouse.demo_frames()


@pytest.fixture(scope="session")
def duck_url(demo_frames: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> str:
    """`duckdb:///...` of a file holding `demo_frames` and the marts (writer already closed)."""
    path = tmp_path_factory.mktemp("warehouse") / "demo.duckdb"
    return warehouse.build_duckdb(path, demo_frames)


@pytest.fixture(scope="session")
def pg_url(postgres_server: TemporaryPostgres, demo_frames: dict[str, pd.DataFrame]) -> str:
    """Admin URL of database fraud_demo on `postgres_server`, holding `demo_frames` + marts."""
    url = postgres_server.create_database(warehouse.PG_DATABASE)
    warehouse.load_into(url, demo_frames)
    return url


@pytest.fixture(scope="session")
def pg_readonly_url(postgres_server: TemporaryPostgres, pg_url: str) -> str:
    """A read-only role's URL on fraud_demo (granted after the tables exist)."""
    url = postgres_server.create_readonly_role(
        warehouse.PG_DATABASE, warehouse.PG_READER, warehouse.PG_READER_PASSWORD
    )
    warehouse.check_can_select(url)
    return url


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.pg),
        pytest.param("spark", id="spark", marks=pytest.mark.spark),
    ],
)
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """The demo warehouse's read-only URL, on DuckDB, PostgreSQL and Spark SQL."""
    if request.param == "duckdb":
        return request.getfixturevalue("duck_url")
    if request.param == "spark":
        return request.getfixturevalue("spark_url")
    return request.getfixturevalue("pg_readonly_url")


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.pg),
    ],
)
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty application store: a SQLite file, and a database on the real
    PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"app_{uuid.uuid4().hex[:10]}")


@pytest.fixture(autouse=True)
def _own_app_store(monkeypatch, tmp_path_factory) -> None:
    """Each test its own application store: one test's saved views, drafts or rules never
    show up in another's (the store is created lazily, only by tests that use it)."""
    path = tmp_path_factory.mktemp("app-store") / "app.sqlite"
    monkeypatch.setenv("FRAUD_APP_STORE_URL", f"sqlite:///{path}")
