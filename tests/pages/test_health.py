"""AppTest of the Data health page: all checks pass on the demo warehouse, fail loudly on a
corrupted copy, and restricted viewers get a clear message and no query."""

from __future__ import annotations

import pytest

from data_access.queries.health import KINDS
from data_access.scope import Scope
from tests.support.apptest import assert_clean, run_app, screen_text, view_as
from tests.support.corrupt_warehouse import (
    CALENDAR_TO_2027,
    EXPECTED_FAILURES,
    build_unenforced_duckdb,
    corrupt,
    without_priorities,
)
from tests.support.warehouse import copy_without, with_marts

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


# -- a warehouse that is not the demo's -----------------------------------------------------


def _status(at) -> dict[str, str]:
    stats = next(d.value for d in at.dataframe if "table" in d.value.columns)
    return dict(zip(stats["table"], stats["status"], strict=True))


def test_unmapped_inputs_are_listed_and_the_rest_is_checked(monkeypatch, duck_url, tmp_path):
    url = with_marts(
        copy_without(duck_url, tmp_path / "w.duckdb", drop=("fact_appeal", "dim_event"))
    )
    at = run_app(monkeypatch, url, page=PAGE, params={"health_window": "Full history"})
    assert_clean(at)
    infos = [i.value for i in at.info]
    assert "Appeals are not mapped in this warehouse: see docs/INPUTS.md#appeals" in infos
    assert "Events are not mapped in this warehouse: see docs/INPUTS.md#events" in infos
    status = _status(at)
    assert {t: status[t] for t in ("fact_appeal", "mart_appeal", "dim_event")} == dict.fromkeys(
        ("fact_appeal", "mart_appeal", "dim_event"), "not mapped"
    )
    assert status["fact_streams_daily"] == "fresh"
    checks = next(d.value for d in at.dataframe if "check" in d.value.columns)
    assert len(checks) > 40 and set(checks["status"]) == {"pass"}
    assert not checks["check"].str.contains("fact_appeal|mart_appeal|dim_event").any()
    assert checks["check"].str.contains("fact_case").any()  # the rest is still checked
    assert not at.error


def test_a_missing_mart_is_named_with_its_fix(monkeypatch, duck_url, tmp_path):
    url = copy_without(duck_url, tmp_path / "w.duckdb", drop=("mart_track_13w",))
    at = run_app(monkeypatch, url, page=PAGE)
    assert_clean(at)
    assert [e.value for e in at.error] == [
        "mart_track_13w is missing from the warehouse: the checks that read it are left out; "
        "rebuild the marts (python -m data_access.marts)."
    ]
    assert _status(at)["mart_track_13w"] == "missing"


def test_the_window_follows_the_newest_data_not_the_calendar(monkeypatch, duck_url, tmp_path):
    url = copy_without(duck_url, tmp_path / "w.duckdb", statements=(CALENDAR_TO_2027,))
    at = run_app(monkeypatch, url, page=PAGE)
    assert_clean(at)
    assert _metric(at, "Newest data") == "29 Nov 2026"
    behind = _metric(at, "Behind today")
    assert not behind.startswith(("-", "−")), behind
    assert any("rows dated from 23 Nov 2026" in c.value for c in at.caption)
    warnings = [w.value for w in at.warning]
    assert (
        "dim_date runs 397 days past the newest data (29 Nov 2026): end it at the newest data "
        "day." in warnings
    )
    assert _status(at)["dim_date"] in ("future dates", "past the newest data")
    assert _metric(at, "Checks failing").startswith("0 of ")


def test_monthly_marts_do_not_trail_the_newest_data(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert not any("mart_track_month" in w.value for w in at.warning)
    status = _status(at)
    assert {status[t] for t in ("mart_track_month", "mart_track_month_quiet")} == {"fresh"}


def test_cases_without_a_priority_row_are_a_finding(monkeypatch, demo_frames, tmp_path):
    url = build_unenforced_duckdb(tmp_path / "w.duckdb", without_priorities(demo_frames))
    at = run_app(monkeypatch, url, page=PAGE, params={"health_window": "Full history"})
    assert_clean(at)
    n = len(demo_frames["fact_case"])
    errors = [e.value for e in at.error]
    assert any(
        e.startswith(
            f"Cases without a priority row: fact_case.priority → dim_priority: {n} offending rows."
        )
        for e in errors
    ), errors


@pytest.fixture(scope="module")
def inputs_url(tmp_path_factory) -> str:
    """The demo built through the input layer (in_<input> tables, then the star), with one
    planted mapping mistake: reviews whose verdict is a word nobody mapped."""
    import duckdb

    from data_access.demo.__main__ import build as demo_build

    path = tmp_path_factory.mktemp("inputs") / "w.duckdb"
    demo_build(f"duckdb:///{path}", scale=0.03, seed=11, quiet=True)
    con = duckdb.connect(str(path))
    con.execute("UPDATE in_reviews SET verdict = 'maybe' WHERE review_key <= 'R000000005'")
    con.close()
    return f"duckdb:///{path}"


def test_input_checks_show_each_finding_with_its_fix(monkeypatch, inputs_url):
    at = run_app(monkeypatch, inputs_url, page="app_pages/health.py")
    assert not at.exception
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "reviews.verdict" in errors and "maybe" in errors
    assert "[vocabularies.verdict]" in errors  # the fix names the place to map the word
    assert any("Every finding" in e.label for e in at.expander)


def test_a_warehouse_without_inputs_says_there_is_no_mapping_to_check(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page="app_pages/health.py")
    assert "not built through the input layer" in " ".join(c.value for c in at.caption)


def test_the_freshness_table_shows_dashes_not_none(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page="app_pages/health.py")
    table = at.dataframe[0].value
    for column in ("latest", "lag_today_days", "lag_newest_days"):
        assert table[column].notna().all() and "None" not in set(table[column].astype(str))
    assert "—" in set(table.loc[table["table"] == "dim_market", "latest"])
