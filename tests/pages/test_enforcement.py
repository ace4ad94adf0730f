"""AppTest of the Enforcement page: default and wide periods, empty selection, one day,
drill-down to a label, the enforcement_by URL param, hostile URL values."""

from __future__ import annotations

import pytest

from tests.support.apptest import assert_clean, run_app, screen_text
from ui.render import NO_DATA

PAGE = "app_pages/enforcement.py"
WIDE = ["2025-06-01", "2026-11-29"]
TITLE = "Enforcement outcomes"
TILES = (
    "Enforcement actions",
    "Streams removed",
    "Royalties withheld",
    "Fees levied",
    "Fees recovered",
    "Reversed after appeal",
    "Appeal rate",
    "Overturn rate",
    "Time to decide appeals",
)


def test_default_view(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert [t.value for t in at.title] == [TITLE]
    assert at.metric or any(NO_DATA in i.value for i in at.info)


def test_wide_period_shows_tiles_tables_and_definitions(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WIDE})
    assert_clean(at)
    metrics = {m.label: m for m in at.metric}
    assert set(TILES) <= set(metrics)
    assert metrics["Enforcement actions"].value not in ("0", "–")
    for money in ("Royalties withheld", "Fees levied", "Fees recovered", "Reversed after appeal"):
        assert "€" in metrics[money].value
    assert metrics["Appeal rate"].value.endswith("%")
    assert all(m.proto.help for m in at.metric)
    by_type, offenders = at.dataframe[0].value, at.dataframe[1].value
    assert "Stream removal" in set(by_type["enforcement_type"])
    assert "label" in offenders.columns and len(offenders) >= 1
    assert (offenders["confirmed_detections"].diff().dropna() <= 0).all()
    assert at.radio(key="enforcement_by").value == "label"


def test_empty_selection_says_no_data(monkeypatch, duck_url):
    at = run_app(
        monkeypatch,
        duck_url,
        page=PAGE,
        params={"period": ["2024-12-02", "2024-12-02"], "market": "IS"},
    )
    assert_clean(at)
    assert any(NO_DATA in i.value for i in at.info)
    assert not at.metric


def test_one_day_range(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": ["2026-03-10", "2026-03-10"]})
    assert_clean(at)
    assert at.title[0].value == TITLE


def test_drill_down_to_a_label_and_back(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WIDE})
    label = at.dataframe[1].value["label"].iloc[0]
    # What drill.pick("enforcement_label_pick", "label", "label") does on a click.
    at.session_state["_drill_previous"] = {"label": []}
    at.session_state["label"] = [label]
    at.run()
    assert_clean(at)
    assert list(at.dataframe[1].value["label"]) == [label]
    assert any(f"labels {label}" in c.value for c in at.caption)
    [b for b in at.button if b.label == "Clear drill-down"][0].click().run()
    assert_clean(at)
    assert not at.session_state["label"]


def test_rank_by_url_param_reproduces_the_view(monkeypatch, duck_url):
    at = run_app(
        monkeypatch, duck_url, page=PAGE, params={"period": WIDE, "enforcement_by": "distributor"}
    )
    assert_clean(at)
    assert at.radio(key="enforcement_by").value == "distributor"
    assert "distributor" in at.dataframe[1].value.columns
    assert any("Repeat offenders" in s.value for s in at.subheader)


@pytest.mark.parametrize(
    "params",
    [
        {"enforcement_by": "name; DROP TABLE dim_label; --", "period": WIDE},
        {"enforcement_by": "market", "period": WIDE},
        {"enforcement_by": "<script>alert(1)</script>"},
        {"label": ["'; DROP TABLE dim_label; --"], "distributor": "<b>x</b>", "period": WIDE},
    ],
    ids=["sql", "not-allowed", "html", "hostile-filters"],
)
def test_hostile_query_params(monkeypatch, duck_url, params):
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    text = screen_text(at)
    assert "<script>" not in text and "DROP TABLE" not in text
    if at.radio:
        assert at.radio(key="enforcement_by").value in ("label", "distributor")
