"""AppTest of the Cases & escalations page: default view, empty selection, one day with an
open backlog, week drill-down, URL-bound table controls, hostile URL values, team scope."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data_access.scope import Scope
from tests.support.apptest import assert_clean, run_app, screen_text, view_as
from tests.test_queries_cases import busy_day

PAGE = "app_pages/cases.py"
WHOLE = ["2024-12-02", "2026-11-29"]


def _case_table(at) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if "case_id" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _opened(frames, start: str, end: str) -> pd.DataFrame:
    c = frames["fact_case"]
    lo, hi = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    return c[(c["opened_at"] >= lo) & (c["opened_at"] < hi)]


def _open_at_end(frames, day: date) -> int:
    c = frames["fact_case"]
    cut = pd.Timestamp(day) + pd.Timedelta(days=1)
    return int(((c["opened_at"] < cut) & ~(c["resolved_at"] < cut)).sum())


def test_default_view(monkeypatch, duck_url, demo_frames):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert at.title[0].value == "Cases & escalations"
    opened = _opened(demo_frames, "2026-08-31", "2026-11-29")  # the default 91 days
    assert _metric(at, "Cases opened") == str(len(opened))
    assert _metric(at, "Open cases") == str(_open_at_end(demo_frames, date(2026, 11, 29)))
    assert "€" in _metric(at, "Money in open cases")
    assert all(m.proto.help for m in at.metric)
    subheaders = [s.value for s in at.subheader]
    assert "Escalations between teams" in subheaders and "Open backlog" in subheaders
    assert len(_case_table(at)) == len(opened)


def test_empty_selection_says_no_data(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": ["2024-12-03", "2024-12-03"]})
    assert_clean(at)
    assert any("No data for this selection" in i.value for i in at.info)
    assert not at.metric


def test_one_day_with_an_open_backlog(monkeypatch, duck_url, demo_frames):
    day, _ = busy_day(demo_frames)
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": [str(day), str(day)]})
    assert_clean(at)
    assert _metric(at, "Open cases") == str(_open_at_end(demo_frames, day))
    assert _metric(at, "Open cases") != "0"
    assert _metric(at, "Cases opened") == str(len(_opened(demo_frames, str(day), str(day))))
    assert len(at.get("vega_lite_chart")) >= 2  # the backlog charts are drawn


def test_week_drill_down_narrows_the_period(monkeypatch, duck_url, demo_frames):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WHOLE})
    assert_clean(at)
    assert _metric(at, "Cases opened") == str(len(demo_frames["fact_case"]))
    # What drill.pick("cases_week_chart", "week_start", "week") sets on a click on a week.
    opened = demo_frames["fact_case"]["opened_at"].iloc[len(demo_frames["fact_case"]) // 2]
    monday = (opened - pd.Timedelta(days=opened.day_of_week)).date()
    sunday = monday + pd.Timedelta(days=6)
    at.session_state["_drill_previous"] = {"period": (date(2024, 12, 2), date(2026, 11, 29))}
    at.session_state["period"] = (monday, sunday)
    at.run()
    assert_clean(at)
    assert f"{monday:%d %b %Y} – {sunday:%d %b %Y}" in at.caption[0].value
    want = len(_opened(demo_frames, str(monday), str(sunday)))
    assert _metric(at, "Cases opened") == str(want) != "0"
    assert any(b.label == "Clear drill-down" for b in at.button)


def test_url_params_reproduce_the_case_table(monkeypatch, duck_url, demo_frames):
    params = {
        "period": WHOLE,
        "cases_sort": "exposure",
        "cases_dir": "desc",
        "cases_page_size": "10",
        "cases_page": "2",
    }
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    rows = _case_table(at)
    want = demo_frames["fact_case"].sort_values(["exposure_eur", "case_id"], ascending=False)
    assert rows["case_id"].tolist() == want["case_id"].iloc[10:20].tolist()
    n = len(want)
    pages = -(-n // 10)
    assert any(f"Cases 11–20 of {n} (page 2 of {pages})" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "params",
    [
        {"cases_sort": "exposure; DROP TABLE fact_case; --", "cases_dir": "<script>x</script>"},
        {"cases_page": "-1", "cases_page_size": "7"},
        {"cases_page": "99999", "cases_page_size": "1e9"},
        {"cases_page": "' OR 1=1 --", "market": "' OR 1=1 --"},
    ],
    ids=["sql-sort", "negative-page", "huge-page", "sql-page"],
)
def test_hostile_page_params(monkeypatch, duck_url, params):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WHOLE, **params})
    assert_clean(at)
    text = screen_text(at)
    assert "DROP TABLE" not in text and "<script>" not in text
    rows = _case_table(at)
    assert 0 < len(rows) <= 25


def test_detector_filter_is_said_not_to_apply(monkeypatch, duck_url, demo_frames):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WHOLE})
    at.session_state["detector"] = [demo_frames["dim_detector"]["name"].iloc[0]]
    at.run()
    assert_clean(at)
    assert any("detector filter does not apply to cases" in c.value for c in at.caption)
    assert _metric(at, "Cases opened") == str(len(demo_frames["fact_case"]))


def test_team_scope_sees_its_cases_only(monkeypatch, duck_url):
    view_as(monkeypatch, Scope(role="partner", team="content", money=False))
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WHOLE})
    assert_clean(at)
    rows = _case_table(at)
    assert set(rows["owner_team"]) == {"Content"}
    assert "exposure_eur" not in rows.columns
    assert "Money in open cases" not in [m.label for m in at.metric]


def test_cases_without_a_priority_row_are_shown(monkeypatch, demo_frames, tmp_path):
    # An empty dim_priority: the cases are still there, their SLA unknown (not breached).
    from tests.support.corrupt_warehouse import build_unenforced_duckdb, without_priorities

    url = build_unenforced_duckdb(tmp_path / "w.duckdb", without_priorities(demo_frames))
    at = run_app(monkeypatch, url, page=PAGE, params={"period": WHOLE})
    assert_clean(at)
    n = len(_opened(demo_frames, *WHOLE))
    assert n > 0
    assert _metric(at, "Cases opened") == f"{n:,}"
    assert "No case was opened in this period" not in screen_text(at)
    times = next(d.value for d in at.dataframe if "first_response_median_h" in d.value.columns)
    assert times["cases"].sum() == n
    assert times["first_response_compliance"].isna().all()  # unknown, not 0%
    assert any(w.value.startswith("No SLA is known for priority P1, P2") for w in at.warning)
    assert not _case_table(at)["sla_breached"].any()
