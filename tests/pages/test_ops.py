"""AppTest of the Operations plan page: default view, settings from the URL, hostile URL
values, an empty slice, a viewer without money, and reviewer ids only with the
personal-data right (pseudonyms on screen otherwise, never the id in a table or the URL)."""

from __future__ import annotations

import re

import pytest

from data_access.scope import Scope
from tests.support.apptest import assert_clean, run_app, screen_text, view_as

PAGE = "app_pages/ops.py"
PSEUDONYM = re.compile(r"^Analyst [0-9A-F]{6}$")


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _team_table(at):
    tables = [d.value for d in at.dataframe if "analyst" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


def _arrivals(frames, start: str, end: str) -> int:
    r = frames["fact_review"]
    lo, hi = r["queued_at"] >= start, r["queued_at"] < end
    return int((lo & hi).sum())


def test_default_view(monkeypatch, duck_url, demo_frames):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert at.title[0].value == "Operations plan"
    assert _metric(at, "Detections arriving") == str(
        _arrivals(demo_frames, "2026-08-31", "2026-11-30")
    )
    subheaders = [s.value for s in at.subheader]
    for heading in ("Review queue", "The team", "Staffing next quarter", "Cases by owner team"):
        assert heading in subheaders
    assert len(at.get("vega_lite_chart")) >= 8
    text = screen_text(at)
    assert "Replay of" in text and "Next quarter needs" in text
    # The leadership role has the personal-data right: reviewer ids are shown.
    team = _team_table(at)
    assert "reviewer_id" in team.columns


def test_settings_from_the_url_change_the_plan(monkeypatch, duck_url):
    base = screen_text(run_app(monkeypatch, duck_url, page=PAGE))
    at = run_app(
        monkeypatch,
        duck_url,
        page=PAGE,
        params={
            "ops_extra": "2000",
            "ops_sla_h": "72",
            "ops_headcount": "-2",
            "ops_by": "typology",
        },
    )
    assert_clean(at)
    text = screen_text(at)
    assert "within 72 h" in text and text != base
    assert any("Typology" in d.value.columns or "typology" in d.value.columns for d in at.dataframe)


@pytest.mark.parametrize(
    "params",
    [
        {"ops_by": "reviewer_id"},
        {"ops_sla_h": "1; DROP TABLE fact_review"},
        {"ops_headcount": "-9999", "ops_extra": "<script>alert(1)</script>"},
        {"ops_work_h": "nan", "ops_sla_pct": ["90", "101"]},
    ],
)
def test_hostile_page_params(monkeypatch, duck_url, params):
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    text = screen_text(at)
    assert "DROP TABLE" not in text and "<script>" not in text
    assert at.title[0].value == "Operations plan"
    assert "Staffing next quarter" in [s.value for s in at.subheader]


def test_empty_selection_says_no_data(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": ["2024-12-03", "2024-12-03"]})
    assert_clean(at)
    assert any("No data for this selection" in i.value for i in at.info)
    assert not at.metric


def test_without_money_or_personal_right(monkeypatch, duck_url, demo_frames):
    view_as(monkeypatch, Scope(role="viewer", money=False, exports=True, personal=False))
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    text = screen_text(at)
    assert "€" not in text and "stable pseudonym" in text
    team = _team_table(at)
    assert not [c for c in team.columns if "reviewer" in str(c).lower()]
    assert team["analyst"].map(lambda s: bool(PSEUDONYM.match(str(s)))).all()
    for d in at.dataframe:
        assert not [c for c in d.value.columns if "reviewer" in str(c).lower()]
    assert not [k for k in at.query_params if "reviewer" in k]
