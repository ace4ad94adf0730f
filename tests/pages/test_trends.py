"""AppTest of the Fraud trends page: default view, empty selection, one-day range, drill-down
(from the chart callbacks' own state), URL-bound page widgets, hostile URL values."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest

from tests.support.apptest import assert_clean, run_app, screen_text
from ui import drill

PAGE = "app_pages/trends.py"
BUSY = ["2025-03-03", "2025-06-01"]  # 13 weeks with campaigns; the previous 13 have data
TILES = (
    "Detected artificial streams",
    "Detected artificial share",
    "Confirmed artificial streams",
    "Confirmed artificial share",
)


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _titles(at) -> list[str]:
    return [c.get("title", {}).get("text", "") for c in _charts(at)]


def test_default_view(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": BUSY})
    assert_clean(at)
    assert at.title[0].value == "Fraud trends"
    labels = [m.label for m in at.metric]
    assert all(t in labels for t in TILES)
    detected = next(m for m in at.metric if m.label == "Detected artificial streams")
    assert detected.value not in ("–", "0") and detected.delta
    assert all(m.proto.help for m in at.metric)
    titles = _titles(at)
    assert "Detected artificial streams per week" in titles
    assert "Detected artificial streams: this period vs the previous one" in titles
    assert "Detected artificial share by market and week" in titles
    # Every time chart carries the filter context and the dated events.
    for spec in _charts(at):
        assert spec["title"]["subtitle"].startswith("03 Mar 2025 – 01 Jun 2025")
    assert any(layer["mark"]["type"] == "rule" for layer in _charts(at)[0]["layer"])
    text = screen_text(at)
    assert "Top tracks by detected artificial streams" in text
    assert "at most 50 tracks" in text and "No label or market is selected" in text
    tracks = at.dataframe[-1].value
    assert 0 < len(tracks) <= 50
    # Each row opens its track's page (the ISRC column is the link).
    # with the period, since it opens in a new session
    assert (
        tracks["track_page"]
        .str.fullmatch(r"track\?isrc=[A-Z0-9]{12}&period=2025-03-03&period=2025-06-01")
        .all()
    )
    # Each chart and the tracks table can leave the app (an Export menu each).
    menus = [p.proto.popover.label for p in at.get("popover")]
    assert menus.count("Export") == 6  # five charts + the tracks table
    assert menus.count("Add a note") == 4  # under each time chart


def test_no_deltas_when_the_previous_period_precedes_the_data(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": ["2025-01-06", "2025-03-02"]})
    assert_clean(at)
    assert "no comparison" in at.caption[0].value
    assert all(not m.delta for m in at.metric)
    assert "incomplete" in screen_text(at)


def _quiet_slice(demo_frames):
    """A label and a day on which that label has no streams at all."""
    st = demo_frames["fact_streams_daily"]
    tracks = demo_frames["dim_track"][["track_id", "label_id"]]
    per = st.merge(tracks, on="track_id").groupby("label_id")["date_key"].agg(set)
    labels = demo_frames["dim_label"].set_index("label_id")["name"]
    day = pd.Timestamp("2025-03-05")
    label_id = next(i for i, days in per.items() if day not in days)
    return labels[label_id], day.date().isoformat()


def test_empty_selection_says_no_data(monkeypatch, duck_url, demo_frames):
    label, day = _quiet_slice(demo_frames)
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"label": label, "period": [day, day]})
    assert_clean(at)
    assert any("No data for this selection" in i.value for i in at.info)
    assert not _charts(at)


def test_one_day_range(monkeypatch, duck_url):
    day = "2025-03-05"
    at = run_app(
        monkeypatch, duck_url, page=PAGE, params={"period": [day, day], "trends_grain": "day"}
    )
    assert_clean(at)
    assert "05 Mar 2025 – 05 Mar 2025" in at.caption[0].value
    assert "Detected artificial streams per day" in _titles(at)


def _fake_session(monkeypatch, state: dict) -> dict:
    monkeypatch.setattr(drill, "st", SimpleNamespace(session_state=state))
    return state


def test_chart_callbacks_narrow_the_filters(monkeypatch):
    # A click on a market point: the selection carries the iso2 code in "key".
    state = _fake_session(
        monkeypatch,
        {"trends_chart": {"selection": {"pick": [{"key": "SE", "series": "Sweden"}]}}},
    )
    drill.pick("trends_chart", "key", "market")()
    assert state["market"] == ["SE"] and "_drill_previous" in state
    # A click on "Other" selects nothing (its key is null): no change.
    state = _fake_session(monkeypatch, {"trends_chart": {"selection": {"pick": [{"key": None}]}}})
    drill.pick("trends_chart", "key", "label")()
    assert "label" not in state and "_drill_previous" not in state
    # A click on a week of the unsplit weekly chart narrows the period to that week.
    state = _fake_session(
        monkeypatch, {"trends_chart": {"selection": {"pick": [{"period_key": "2025-03-03"}]}}}
    )
    drill.pick("trends_chart", "period_key", "week")()
    assert state["period"] == (date(2025, 3, 3), date(2025, 3, 9))
    # A heatmap cell drills to its market.
    state = _fake_session(
        monkeypatch, {"trends_heatmap": {"selection": {"pick": [{"iso2": "DE"}]}}}
    )
    drill.pick("trends_heatmap", "iso2", "market")()
    assert state["market"] == ["DE"]


def test_drill_down_to_a_market_and_back(monkeypatch, duck_url):
    at = run_app(
        monkeypatch, duck_url, page=PAGE, params={"period": BUSY, "trends_split": "market"}
    )
    assert_clean(at)
    chart = _charts(at)[0]
    assert chart["params"][0]["select"]["fields"] == ["key"]
    # What the chart's callback sets on a click on Sweden (see the callback test above).
    busy = tuple(date.fromisoformat(d) for d in BUSY)
    at.session_state["_drill_previous"] = {"market": [], "period": busy}
    at.session_state["market"] = ["SE"]
    at.run()
    assert_clean(at)
    assert "markets SE" in at.caption[0].value
    assert any(b.label == "Clear drill-down" for b in at.button)
    assert "No label or market is selected" not in screen_text(at)
    next(b for b in at.button if b.label == "Clear drill-down").click().run()
    assert_clean(at)
    assert "markets SE" not in at.caption[0].value
    assert at.caption[0].value.startswith("03 Mar 2025 – 01 Jun 2025")


def test_drill_down_to_a_week(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": BUSY})
    assert _charts(at)[0]["params"][0]["select"]["fields"] == ["period_key"]
    start = date(2025, 3, 3)
    at.session_state["_drill_previous"] = {"period": None}
    at.session_state["period"] = (start, start + timedelta(days=6))
    at.run()
    assert_clean(at)
    assert "03 Mar 2025 – 09 Mar 2025" in at.caption[0].value


def test_page_widgets_are_reproduced_from_the_url(monkeypatch, duck_url):
    params = {
        "period": BUSY,
        "trends_grain": "month",
        "trends_split": "label",
        "trends_metric": "detected share",
        "trends_top": "4",
    }
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    assert at.radio(key="trends_grain").value == "month"
    assert at.selectbox(key="trends_split").value == "label"
    assert at.selectbox(key="trends_metric").value == "detected share"
    assert at.slider(key="trends_top").value == 4
    trend = _charts(at)[0]
    assert trend["title"]["text"] == "Detected artificial share per month by label"
    domain = trend["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert len(domain) == 5 and domain[-1] == "Other"  # top 4 + Other
    assert "Top 4 labels by detected share" in screen_text(at)


@pytest.mark.parametrize(
    "params,warned",
    [
        ({"trends_split": "label_id; DROP TABLE dim_label; --"}, "split dimension"),
        ({"trends_grain": "<script>alert(1)</script>"}, "grain"),
        ({"trends_top": "999"}, "top-N"),
        ({"trends_top": "1 OR 1=1"}, "top-N"),
        ({"trends_metric": "streams) UNION SELECT password --"}, "metric"),
        ({"trends_split": ["market", "' OR '1'='1"], "label": "x'; --"}, None),
    ],
    ids=["split-sql", "grain-html", "top-range", "top-sql", "metric-sql", "repeated"],
)
def test_hostile_page_params(monkeypatch, duck_url, params, warned):
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    text = screen_text(at)
    assert "<script>" not in text and "DROP TABLE" not in text and "UNION" not in text
    assert [m for m in at.metric if m.label == "Detected artificial streams"]
    if warned:
        assert any(warned in w.value and "not recognised" in w.value for w in at.warning)
    assert at.selectbox(key="trends_split").value in ("none", "market")


def test_anomalies_section_flags_weeks_and_threshold_is_in_the_url(monkeypatch, duck_url):
    at = run_app(
        monkeypatch,
        duck_url,
        page=PAGE,
        params={"period": ["2025-06-01", "2026-11-29"], "trends_z": "2.0"},
    )
    assert_clean(at)
    assert any("Anomalous weeks" in h.value for h in at.subheader)
    slider = at.slider(key="trends_z")
    assert slider.value == 2.0
    # At a low threshold over 18 months some week stands out, and the table names drivers.
    tables = [df.value for df in at.dataframe if "score" in df.value.columns]
    assert tables and len(tables[0]) > 0
    assert {"market", "label"} <= set(tables[0].columns)
    slider.set_value(6.0).run()
    assert_clean(at)
