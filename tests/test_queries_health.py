"""Data-health builders: every check passes on the demo warehouse (DuckDB and PostgreSQL),
and fails with the right count on a corrupted copy."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy.dialects import postgresql

from data_access import schema as s
from data_access.loaders.base import run
from data_access.loaders.health import load_health_checks, load_health_sample, load_table_stats
from data_access.queries import health as q
from data_access.scope import FULL, Scope
from tests.support.corrupt_warehouse import (
    EXPECTED_FAILURES,
    MISSING_DAY,
    build_unenforced_duckdb,
    corrupt,
)

TODAY = date(2026, 11, 29)  # the demo warehouse's last day


@pytest.fixture(scope="module")
def corrupt_url(demo_frames, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("corrupt") / "corrupt.duckdb"
    return build_unenforced_duckdb(path, corrupt(demo_frames))


def _counts(url: str) -> dict[str, int]:
    return {c.key: int(run(c.count, url).iloc[0, 0]) for c in q.health_checks(TODAY)}


def test_every_check_passes_on_the_demo_warehouse(warehouse_url):
    counts = _counts(warehouse_url)
    assert len(counts) > 40
    assert {k: v for k, v in counts.items() if v} == {}


def test_orphan_checks_cover_every_foreign_key():
    keys = {c.key for c in q.health_checks(TODAY)}
    for t in (*s.DIMENSIONS, *s.FACTS):
        for fk in t.foreign_keys:
            assert f"orphan:{t.name}.{fk.parent.name}" in keys


def test_checks_fail_with_the_right_counts_on_a_corrupted_copy(corrupt_url):
    counts = _counts(corrupt_url)
    failing = {k: v for k, v in counts.items() if v}
    assert failing == EXPECTED_FAILURES


def _window_counts(url: str, since) -> dict[str, int]:
    counts = {c.key: int(run(c.count, url).iloc[0, 0]) for c in q.health_checks(TODAY, since)}
    return {k: v for k, v in counts.items() if v}


def test_a_window_checks_only_the_rows_dated_in_it(corrupt_url, demo_frames):
    fs = demo_frames["fact_streams_daily"]
    last = pd.Timestamp(fs["date_key"].max()).date()
    # The last week holds none of the corruption: everything passes.
    assert _window_counts(corrupt_url, last - timedelta(days=6)) == {}
    # A window that starts just before the missing day sees the gap (and only what is dated
    # inside the window).
    since = (MISSING_DAY - pd.Timedelta(days=2)).date()
    failing = _window_counts(corrupt_url, since)
    assert failing["gaps:fact_streams_daily"] == 1 and failing["gaps:mart_daily_fraud"] == 1
    assert set(failing) <= set(EXPECTED_FAILURES)
    # The whole history sees everything.
    assert _window_counts(corrupt_url, None) == EXPECTED_FAILURES


def test_every_window_passes_on_a_clean_warehouse(warehouse_url, demo_frames):
    # Sync checks compare only the window's days; orphan checks on a windowed fact count
    # only its rows: on the clean warehouse every windowed check passes for any window.
    for days in (1, 7, 91):
        last = pd.Timestamp(demo_frames["fact_streams_daily"]["date_key"].max()).date()
        assert _window_counts(warehouse_url, last - timedelta(days=days - 1)) == {}


def test_samples_are_bounded_and_name_the_offenders(corrupt_url):
    checks = {c.key: c for c in q.health_checks(TODAY)}
    orphan = run(checks["orphan:fact_streams_daily.track_id"].sample, corrupt_url)
    assert orphan["track_id"].tolist() == [999_999]
    assert {"date_key", "market_id", "source", "device", "plan"} <= set(orphan.columns)
    gap = run(checks["gaps:fact_streams_daily"].sample, corrupt_url)
    assert pd.to_datetime(gap["date_key"]).tolist() == [MISSING_DAY]
    neg = run(checks["negative:fact_streams_daily"].sample, corrupt_url)
    assert neg["royalty_eur"].astype(float).tolist() == [-5.0]
    for check in checks.values():
        assert len(run(check.sample, corrupt_url)) <= q.SAMPLE_ROWS


def test_loaders_summarise_checks_and_stats(corrupt_url, demo_frames):
    checks = load_health_checks.__wrapped__(FULL, TODAY, url=corrupt_url)
    failed = checks[checks["status"] == "fail"].set_index("key")["offending"]
    assert failed.to_dict() == {k: float(v) for k, v in EXPECTED_FAILURES.items()}
    assert checks["offending"].dtype == float
    sample = load_health_sample.__wrapped__(FULL, "confirmed_gt_flagged", TODAY, url=corrupt_url)
    assert len(sample) == 1
    assert (sample["confirmed_streams"] > sample["flagged_streams"]).all()
    stats = load_table_stats.__wrapped__(FULL, url=corrupt_url).set_index("table")
    assert set(stats.index) == set(q.TABLES)
    assert stats.loc["fact_case", "rows"] == len(demo_frames["fact_case"])
    with pytest.raises(ValueError):
        load_health_sample.__wrapped__(FULL, "orphan:fact_case; DROP", TODAY, url=corrupt_url)


def test_table_stats_match_the_frames(warehouse_url, demo_frames):
    for name, frame in demo_frames.items():
        if name not in q.TABLES:
            continue
        got = run(q.table_stats_query(name), warehouse_url)
        assert got.loc[0, "rows"] == len(frame), name
        col = q.FRESHNESS.get(name)
        if col:
            assert pd.Timestamp(got.loc[0, "latest"]) == pd.Timestamp(frame[col].max()), name
        else:
            assert got.loc[0, "latest"] is None or pd.isna(got.loc[0, "latest"])


def test_unknown_tables_and_restricted_viewers_are_refused(duck_url):
    with pytest.raises(ValueError):
        q.table_stats_query("dim_label; DROP TABLE dim_label")
    with pytest.raises(PermissionError):
        load_table_stats.__wrapped__(Scope(role="partner", team="legal"), url=duck_url)
    with pytest.raises(PermissionError):
        load_health_checks.__wrapped__(Scope(role="label", labels=(1,)), TODAY, url=duck_url)


def test_statements_compile_for_postgres_and_duckdb():
    from duckdb_sqlalchemy import Dialect as DuckDialect

    for check in q.health_checks(TODAY):
        for stmt in (check.count, check.sample):
            for dialect in (postgresql.dialect(), DuckDialect()):
                sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                assert "SELECT" in sql
        assert "LIMIT" in str(check.sample.compile(dialect=postgresql.dialect()))
