"""AppTest of the Data health page: all checks pass on the demo warehouse, fail loudly on a
corrupted copy, and restricted viewers get a clear message and no query."""

from __future__ import annotations

import pytest

from data_access.queries.health import KINDS
from data_access.scope import Scope
from tests.support.apptest import assert_clean, run_app, screen_text, view_as
from tests.support.corrupt_warehouse import EXPECTED_FAILURES, build_unenforced_duckdb, corrupt

PAGE = "app_pages/health.py"


@pytest.fixture(scope="module")
def corrupt_url(demo_frames, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("corrupt_page") / "corrupt.duckdb"
    return build_unenforced_duckdb(path, corrupt(demo_frames))


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_all_checks_pass_on_the_demo_warehouse(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert at.title[0].value == "Data health"
    assert not at.error
    assert any("integrity checks pass" in s.value for s in at.success)
    assert _metric(at, "Checks failing").startswith("0 of ")
    assert _metric(at, "Newest data") == "29 Nov 2026"
    assert any("do not apply on this page" in c.value for c in at.caption)
    tables = [d.value for d in at.dataframe]
    stats = next(t for t in tables if "table" in t.columns)
    assert len(stats) == len(KINDS) and stats["rows"].gt(0).all()
    checks = next(t for t in tables if "check" in t.columns)
    assert set(checks["status"]) == {"pass"}


def test_the_default_window_checks_the_last_week_of_data(monkeypatch, corrupt_url):
    # The corruption is older than a week: the default window does not see it, and says
    # which rows it covered.
    at = run_app(monkeypatch, corrupt_url, page=PAGE)
    assert_clean(at)
    assert not at.error
    assert any("rows dated from 23 Nov 2026" in c.value for c in at.caption)


def test_a_corrupted_warehouse_fails_loudly(monkeypatch, corrupt_url):
    at = run_app(monkeypatch, corrupt_url, page=PAGE, params={"health_window": "Full history"})
    assert_clean(at)
    assert len(at.error) == len(EXPECTED_FAILURES)
    errors = "\n".join(e.value for e in at.error)
    assert "Orphan keys: fact_streams_daily.track_id → dim_track: 1 offending rows" in errors
    assert "Negative amounts: fact_streams_daily: 1 offending rows" in errors
    assert "Confirmed > flagged streams: 1 offending rows" in errors
    assert "Missing days: fact_streams_daily: 1 offending rows" in errors
    assert "123 offending (difference)" in errors
    assert _metric(at, "Checks failing").startswith(f"{len(EXPECTED_FAILURES)} of ")
    assert len(at.main.expander) == len(EXPECTED_FAILURES)  # a bounded sample per failure
    samples = [d.value for d in at.dataframe if "track_id" in d.value.columns]
    assert any(s["track_id"].tolist() == [999_999] for s in samples)


@pytest.mark.parametrize(
    "scope",
    [Scope(role="partner", team="legal"), Scope(role="label", labels=(1, 2))],
    ids=["team", "label"],
)
def test_restricted_viewers_get_a_message_and_no_query(monkeypatch, duck_url, scope):
    def refuse(*_a, **_k):
        raise AssertionError("a restricted viewer must not run health queries")

    view_as(monkeypatch, scope)
    monkeypatch.setattr("data_access.queries.health.health_checks", refuse)
    monkeypatch.setattr("data_access.queries.health.table_stats_query", refuse)
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert any("not available for your role" in i.value for i in at.info)
    assert not at.dataframe and not at.metric


@pytest.mark.parametrize(
    "params",
    [{"market": "' OR 1=1 --"}, {"period": ["9999-01-01", "9999-12-31"]}],
    ids=["sql-market", "year-9999"],
)
def test_hostile_global_params_do_not_matter(monkeypatch, duck_url, params):
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    assert "OR 1=1" not in screen_text(at)
    assert _metric(at, "Checks failing").startswith("0 of ")
