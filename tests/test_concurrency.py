"""Under load: slow statements are cut off with a readable message, and concurrent sessions
hitting different filters get their own, correct results without exhausting connections.

The loaders' cache is bypassed on purpose: each thread runs ``run(builder(filters, scope),
url)``, the uncached path every cold page load takes. (The PostgreSQL statement_timeout is
covered with the fault tests; here DuckDB's application timer.)
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select, true

from data_access import engine as engine_mod
from data_access.demo import reference as ref
from data_access.filters import Filters
from data_access.loaders import base
from data_access.queries import cases, enforcement, funnel, overview, trends
from data_access.scope import FULL, Scope

END = ref.END
BASE = Filters(start=END - timedelta(days=90), end=END)
FILTER_SETS = {
    "default": BASE,
    "market": BASE.narrowed(markets=("FR", "DE")),
    "labels": BASE.narrowed(labels=(1, 2, 3, 4, 5)),
    "typology": BASE.narrowed(typologies=(1,)),
    "one_day": Filters(start=END, end=END),
    "year": Filters(start=date(2025, 6, 1), end=date(2026, 5, 31), regions=("Europe",)),
}
SCOPES = {"full": FULL, "partner": Scope(role="partner", labels=(1, 2, 3))}
BUILDERS = {
    "fraud_kpi": overview.fraud_kpi_query,
    "weekly_trend": overview.weekly_trend_query,
    "top_labels": lambda f, sc: overview.top_exposure_query(f, sc, by="label"),
    "trend_split": lambda f, sc: trends.trend_query(f, sc, split="market"),
    "funnel": funnel.funnel_totals_query,
    "latency": funnel.detector_latency_query,
    "enforcement": enforcement.enforcement_by_type_query,
    "backlog": cases.backlog_query,
}
JOBS = [(b, fk, sk) for b in BUILDERS for fk in FILTER_SETS for sk in SCOPES]


def _run_job(job, url: str) -> pd.DataFrame:
    b, fk, sk = job
    return base.run(BUILDERS[b](FILTER_SETS[fk], SCOPES[sk]), url)


def _same(a: pd.DataFrame, b: pd.DataFrame, job) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False, obj=str(job)
    )


# -- timeouts --------------------------------------------------------------------------------


def test_slow_duckdb_query_is_cut_off_with_timeout_message(duck_url, monkeypatch):
    """A 10^10-row cross join would run for minutes: the timer interrupts it."""
    monkeypatch.setattr(base, "STATEMENT_TIMEOUT_S", 0.5)
    r = func.range(100_000).table_valued("range")
    a, b = r.alias("a"), r.alias("b")
    slow = select(func.sum(a.c.range * b.c.range)).select_from(a.join(b, true()))
    t0 = time.perf_counter()
    with pytest.raises(base.WarehouseError) as err:
        base.run(slow, duck_url)
    elapsed = time.perf_counter() - t0
    assert err.value.kind == "timeout"
    assert "took too long" in err.value.message
    assert elapsed < 10, f"cut off after {elapsed:.1f}s, wanted about 0.5s"
    # The connection is usable afterwards (the interrupt hit only that statement).
    monkeypatch.setattr(base, "STATEMENT_TIMEOUT_S", 30.0)
    assert len(base.run(overview.fraud_kpi_query(BASE, FULL), duck_url)) == 2


def test_fast_query_is_not_interrupted_late(duck_url, monkeypatch):
    """The timer is cancelled when a statement finishes: it cannot hit the next one."""
    monkeypatch.setattr(base, "STATEMENT_TIMEOUT_S", 0.3)
    for _ in range(3):
        base.run(overview.weekly_trend_query(BASE, FULL), duck_url)
    time.sleep(0.5)
    monkeypatch.setattr(base, "STATEMENT_TIMEOUT_S", 30.0)
    assert not base.run(overview.weekly_trend_query(BASE, FULL), duck_url).empty


# -- concurrent sessions ---------------------------------------------------------------------


@pytest.mark.slow
def test_concurrent_sessions_get_their_own_results(warehouse_url):
    """12 threads (more than the pool holds) run every (builder, filters, scope) in their
    own order; each result equals the single-threaded one, no connection is left out."""
    engine = engine_mod.get_engine(warehouse_url)
    # Spark answers a statement in about a second: there each session runs three jobs (still
    # 12 sessions, more than the pool holds), elsewhere its whole order.
    per_session = 3 if engine.dialect.name == "hive" else None
    orders = [(JOBS[i::3] + JOBS[: i % 7])[:per_session] for i in range(12)]  # per session
    expected = {job: _run_job(job, warehouse_url) for job in dict.fromkeys(sum(orders, []))}
    peak = [0]
    lock = threading.Lock()
    errors: list[BaseException] = []

    def session(i: int) -> int:
        order = orders[i]
        done = 0
        for job in order:
            got = _run_job(job, warehouse_url)
            with lock:
                peak[0] = max(peak[0], engine.pool.checkedout())
            try:
                _same(got, expected[job], job)
            except AssertionError as exc:
                errors.append(exc)
            done += 1
        return done

    with ThreadPoolExecutor(max_workers=12) as pool:
        done = list(pool.map(session, range(12)))
    assert not errors, errors[:3]
    assert sum(done) == sum(len(o) for o in orders) > len(expected)
    assert engine.pool.checkedout() == 0, "a connection was not returned to the pool"
    if engine.dialect.name == "postgresql":
        limit = engine_mod.POOL_SIZE + engine_mod.MAX_OVERFLOW
        assert peak[0] <= limit
        assert engine.pool.size() == engine_mod.POOL_SIZE


@pytest.mark.pg
def test_pool_waits_instead_of_failing_when_saturated(pg_readonly_url):
    """More simultaneous loads than pool_size + max_overflow queue for a connection
    (pool_timeout) instead of opening more server connections or failing."""
    r = func.pg_sleep(0.3)
    url = pg_readonly_url
    engine = engine_mod.get_engine(url)
    limit = engine_mod.POOL_SIZE + engine_mod.MAX_OVERFLOW
    n = limit + 4
    peak = [0]
    lock = threading.Lock()

    def one(_):
        with engine.connect() as conn:
            with lock:
                peak[0] = max(peak[0], engine.pool.checkedout())
            conn.execute(select(r)).all()
        return True

    with ThreadPoolExecutor(max_workers=n) as pool:
        assert all(pool.map(one, range(n)))
    assert peak[0] <= limit
    assert engine.pool.checkedout() == 0
