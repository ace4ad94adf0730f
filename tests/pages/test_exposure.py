"""AppTest of the Exposure page: default filters, empty selection, a one-day range, every
slider moved, the horizon from the URL, a drill-down, and hostile values of its params."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support.apptest import assert_clean, run_app, screen_text

PAGE = "app_pages/exposure.py"
HEADLINE = "Forecast exposure, next {} weeks"
SCENARIO = "Forecast under the scenario, next {} weeks"


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def first_day(demo_frames):
    return pd.Timestamp(demo_frames["fact_streams_daily"]["date_key"].min()).date()


@pytest.fixture
def exposure_at(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    return at


def test_default_view(exposure_at):
    at = exposure_at
    assert at.title[0].value == "Exposure forecast"
    headline = _metric(at, HEADLINE.format(13))
    assert headline.value.startswith("€") and headline.value != "€0"
    assert all(m.proto.help for m in at.metric)
    text = screen_text(at)
    assert "forecast origin" in text and "Chosen:" in text
    assert [s.value for s in at.subheader][:2] == [
        "Model accuracy (rolling-origin backtest)",
        "What would change it: scenarios",
    ]
    # The backtest table lists the baseline beside the models.
    acc = at.dataframe[0].value
    assert {"Naive (last value)", "ETS (level)"} <= set(acc["label"]) or len(acc) >= 2
    # Defaults of the scenario sliders change nothing.
    assert _metric(at, SCENARIO.format(13)).value == headline.value


def test_each_slider_moves_the_view(exposure_at):
    at = exposure_at
    before = _metric(at, SCENARIO.format(13)).value
    at.slider(key="exposure_recall").set_value(20).run()
    assert_clean(at)
    recall = _metric(at, SCENARIO.format(13))
    assert recall.value != before and recall.delta and recall.delta.startswith("-")
    at.slider(key="exposure_backlog").set_value(2).run()
    assert_clean(at)
    assert _metric(at, SCENARIO.format(13)).value != recall.value
    at.slider(key="exposure_fee_threshold").set_value(50).run()
    assert_clean(at)
    assert "at 50%" in screen_text(at)
    at.slider(key="exposure_z").set_value(2.0).run()
    assert_clean(at)
    at.slider(key="exposure_horizon").set_value(26).run()
    assert_clean(at)
    assert _metric(at, HEADLINE.format(26)).value.startswith("€")


def test_url_params_reproduce_the_view(monkeypatch, duck_url):
    at = run_app(
        monkeypatch,
        duck_url,
        page=PAGE,
        params={"exposure_horizon": "8", "exposure_recall": "10", "exposure_fee_threshold": "70"},
    )
    assert_clean(at)
    assert _metric(at, HEADLINE.format(8))
    assert at.slider(key="exposure_recall").value == 10
    assert at.slider(key="exposure_fee_threshold").value == 70


def test_recall_above_100_percent_is_said_under_the_recall_scenario(
    monkeypatch, duck_url, tmp_path
):
    """An estimate of artificial streams below the flagged streams: the recall scenario has
    no room, and the caption gives the measured recall and says why (not "already 100%")."""
    from tests.support import warehouse

    url = warehouse.edited_copy(duck_url, tmp_path / "low.duckdb", warehouse.lower_estimate)
    at = run_app(monkeypatch, url, page=PAGE, params={"exposure_recall": "10"})
    assert_clean(at)
    (said,) = [c.value for c in at.caption if c.value.startswith("Recall is already")]
    assert "100.0%" not in said and float(said.split()[3].rstrip("%:")) > 100
    assert "Recall above 100%: the estimate of artificial streams is below" in said


def test_empty_selection_says_no_data(monkeypatch, duck_url, first_day):
    day = first_day.isoformat()
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": [day, day]})
    assert_clean(at)
    assert any("No data for this selection" in i.value for i in at.info)
    assert not at.metric


def test_one_day_range(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": ["2026-06-10", "2026-06-10"]})
    assert_clean(at)
    assert "ending 07 Jun 2026" in screen_text(at)
    assert _metric(at, HEADLINE.format(13))


def test_drill_down_to_a_market(exposure_at):
    at = exposure_at
    # What the bar chart's on_select callback does: narrow the market filter.
    at.session_state["exposure_market_pick"] = {"selection": {"pick": [{"key": "US"}]}}
    from ui import drill

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(drill.st, "session_state", at.session_state)
        drill.pick("exposure_market_pick", "key", "market")()
    at.run()
    assert_clean(at)
    assert "markets US" in screen_text(at)
    assert at.button(key="drill_clear")


@pytest.mark.parametrize(
    "params",
    [
        {"exposure_horizon": "abc"},
        {"exposure_horizon": "999"},
        {"exposure_z": "'; DROP TABLE dim_market; --"},
        {"exposure_recall": "-5", "exposure_backlog": "<script>alert(1)</script>"},
        {"exposure_fee_threshold": ["1", "2", "3"]},
    ],
    ids=["text", "out-of-range", "sql", "negative-and-html", "repeated"],
)
def test_hostile_page_params(monkeypatch, duck_url, params):
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    text = screen_text(at)
    assert "DROP TABLE" not in text and "<script>" not in text
    assert _metric(at, HEADLINE.format(13))
