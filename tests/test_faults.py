"""Faults: each failure gives a specific human message with a reference id, nothing leaks,
other pages keep working, retries are bounded, and Retry recovers without a restart."""

from __future__ import annotations

import re
import shutil
import time

import duckdb
import pytest
from sqlalchemy import func, select, text

import data_access.loaders.base as base
from data_access.engine import _engines, make_engine
from data_access.loaders.base import WarehouseError, run
from tests.support.apptest import assert_clean, run_app, screen_text
from tests.support.corrupt_warehouse import build_unenforced_duckdb, corrupt
from tests.support.pg_server import free_port

SECRET = "s3cr3t-pw"
REF = re.compile(r"^[0-9a-f]{8}$")


def _fails(url: str, stmt=None) -> WarehouseError:
    with pytest.raises(WarehouseError) as info:
        run(stmt if stmt is not None else select(1), url)
    err = info.value
    assert REF.match(err.ref)
    assert SECRET not in err.message and "://" not in err.message and "Traceback" not in str(err)
    return err


def test_closed_port_is_unreachable_quickly():
    url = f"postgresql+psycopg://fraud_reader:{SECRET}@127.0.0.1:{free_port()}/fraud_demo"
    t0 = time.perf_counter()
    err = _fails(url)
    assert err.kind == "unreachable" and "cannot be reached" in err.message
    assert time.perf_counter() - t0 < 10, "no retry loop on a refused connection"


@pytest.mark.pg
def test_wrong_password_is_a_credentials_message(postgres_server, pg_readonly_url):
    url = postgres_server.url("fraud_demo", user="fraud_reader", password=SECRET)
    err = _fails(url)
    assert err.kind == "credentials" and "refused the app's credentials" in err.message


@pytest.mark.pg
def test_pg_statement_timeout_cuts_the_query_once(pg_readonly_url, monkeypatch):
    """pg_sleep beyond the engine's statement_timeout: stopped server-side, one attempt."""
    url = pg_readonly_url + "?application_name=fault_timeout"
    monkeypatch.setitem(_engines, url, make_engine(url, timeout_s=1))
    t0 = time.perf_counter()
    err = _fails(url, select(func.pg_sleep(6)))
    elapsed = time.perf_counter() - t0
    assert err.kind == "timeout" and "took too long" in err.message
    assert elapsed < 3, f"{elapsed:.1f}s: the timeout must not be retried or amplified"
    _engines.pop(url).dispose()


def test_duckdb_timeout_interrupts_the_query(duck_url, monkeypatch):
    monkeypatch.setattr(base, "STATEMENT_TIMEOUT_S", 0.5)
    slow = text("SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b")
    t0 = time.perf_counter()
    err = _fails(duck_url, slow)
    assert err.kind == "timeout"
    assert time.perf_counter() - t0 < 5


@pytest.fixture
def broken_copy(duck_url, tmp_path) -> str:
    """A copy of the demo warehouse without mart_daily_enforcement."""
    src = duck_url.removeprefix("duckdb:///")
    dst = tmp_path / "broken.duckdb"
    shutil.copy(src, dst)
    con = duckdb.connect(str(dst))
    con.execute("DROP TABLE mart_daily_enforcement")
    con.close()
    return f"duckdb:///{dst}"


def test_missing_table_message_other_pages_work_and_retry_recovers(
    monkeypatch, broken_copy, duck_url
):
    err = _fails(broken_copy, text("SELECT * FROM mart_daily_enforcement"))
    assert err.kind == "missing" and "missing from the warehouse" in err.message

    at = run_app(monkeypatch, broken_copy)  # the Overview reads mart_daily_enforcement
    assert_clean(at)
    assert any("missing from the warehouse" in e.value and "Reference" in e.value for e in at.error)
    # Another page that does not need the table keeps working in the same session.
    at.switch_page("app_pages/trends.py").run()
    assert_clean(at)
    assert not at.error and [m for m in at.metric if m.label == "Detected artificial streams"]

    # Fix the configuration (a warehouse with the mart), click Retry: data, no restart.
    at.switch_page("app_pages/overview.py").run()
    assert at.error
    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    next(b for b in at.button if b.label == "Retry").click().run()
    assert_clean(at)
    assert not at.error and [m for m in at.metric if m.label == "Open cases"]


@pytest.mark.pg
def test_pg_dropped_mart_then_restored_recovers_on_retry(monkeypatch, postgres_server, pg_url):
    from tests.support.warehouse import PG_DATABASE

    ro_url = postgres_server.create_readonly_role(PG_DATABASE, "fraud_reader", "demo-reader-only")
    postgres_server.psql(
        PG_DATABASE, "ALTER TABLE mart_daily_enforcement RENAME TO mart_daily_enforcement_x;"
    )
    try:
        at = run_app(monkeypatch, ro_url)
        assert_clean(at)
        text_ = screen_text(at)
        assert "missing from the warehouse" in text_ and "Reference" in text_
        assert "fraud_reader" not in text_ and "demo-reader-only" not in text_
    finally:
        postgres_server.psql(
            PG_DATABASE, "ALTER TABLE mart_daily_enforcement_x RENAME TO mart_daily_enforcement;"
        )
    next(b for b in at.button if b.label == "Retry").click().run()
    assert_clean(at)
    assert not at.error and [m for m in at.metric if m.label == "Open cases"]


@pytest.fixture(scope="module")
def corrupt_url(demo_frames, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("faults_corrupt") / "corrupt.duckdb"
    return build_unenforced_duckdb(path, corrupt(demo_frames))


@pytest.mark.parametrize(
    "page, headline",
    [
        ("app_pages/overview.py", "Streams"),
        ("app_pages/cases.py", "Open cases"),
        ("app_pages/health.py", "Checks failing"),
    ],
)
def test_malformed_rows_pages_render_and_health_flags_them(
    monkeypatch, corrupt_url, page, headline
):
    # The corruption is older than the health page's default week: check the full history.
    params = {"health_window": "Full history"} if page.endswith("health.py") else None
    at = run_app(monkeypatch, corrupt_url, page=page, params=params)
    assert_clean(at)
    assert [m for m in at.metric if m.label == headline], screen_text(at)
    if page.endswith("health.py"):
        failing = next(m for m in at.metric if m.label == "Checks failing")
        assert not failing.value.startswith("0 of")
