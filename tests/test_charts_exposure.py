"""Exposure and anomaly charts: empty, one-row and NaN-bearing frames serialise; real data
gets the expected title, layers and encodings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.anomalies import attribute_anomalies, weekly_anomalies
from analytics.forecast import FAN_COLUMNS, forecast_series
from charts.anomalies import anomaly_chart, anomaly_markers_layer, anomaly_table
from charts.exposure import fan_chart, market_forecast_chart, scenario_chart

WEEKS = pd.date_range("2025-01-06", periods=60, freq="7D")


def _series():
    rng = np.random.default_rng(0)
    y = 1000 + rng.gamma(2, 200, len(WEEKS))
    y[40] += 5000
    return pd.Series(y, index=WEEKS)


def _forecast(n=4, nan=False):
    fc = pd.DataFrame({"week": pd.date_range("2026-03-02", periods=n, freq="7D")})
    fc["step"] = range(1, n + 1)
    for i, col in enumerate(FAN_COLUMNS):
        fc[col] = 100.0 + 10 * (i % 2) * (1 if col.startswith("hi") else -1)
    if nan and n:
        fc.loc[0, "mean"] = np.nan
    return fc


EMPTY_HIST = pd.DataFrame({"week": pd.Series(dtype="datetime64[ns]"), "value": []})


@pytest.mark.parametrize(
    "history, forecast",
    [
        (EMPTY_HIST, _forecast(0)),
        (None, None),
        (EMPTY_HIST.assign(value=[]).head(0), _forecast(1)),
        (pd.DataFrame({"week": WEEKS[:1], "value": [5.0]}), _forecast(1)),
        (pd.DataFrame({"week": WEEKS[:3], "value": [5.0, np.nan, 7.0]}), _forecast(3, nan=True)),
    ],
    ids=["empty", "none", "forecast-only", "one-row", "nan"],
)
def test_fan_chart_degenerate_inputs_serialise(history, forecast):
    fan_chart(history, forecast, subtitle="ctx").to_dict()


def test_fan_chart_on_real_data():
    res = forecast_series(_series(), horizon=8)
    events = pd.DataFrame(
        {
            "event_date": [WEEKS[30]],
            "title": ["Fee start"],
            "kind": ["policy"],
            "description": ["x"],
        }
    )
    spec = fan_chart(
        res.history, res.forecast, model=res.chosen_label, subtitle="ctx", events=events
    ).to_dict()
    assert spec["title"]["text"].startswith("Weekly exposure (EUR): history and forecast")
    assert spec["title"]["subtitle"] == "ctx"
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks.count("area") == 2 and "line" in marks and "rule" in marks
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["x"]["field"] == "week" and line["encoding"]["y"]["field"] == "value"
    assert "€" in line["encoding"]["y"]["axis"]["labelExpr"]


@pytest.mark.parametrize(
    "df",
    [None, _forecast(0).assign(baseline=[]), _forecast(1).assign(baseline=[1.0])],
    ids=["none", "empty", "one-row"],
)
def test_scenario_chart_degenerate_inputs_serialise(df):
    scenario_chart(df).to_dict()


def test_scenario_chart_on_real_data():
    df = _forecast(4, nan=True).assign(baseline=120.0)
    spec = scenario_chart(df, subtitle="ctx").to_dict()
    assert spec["title"]["text"] == "Forecast exposure per week: as is vs scenario"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["As is", "Scenario"]


def _markets(n):
    return pd.DataFrame(
        {
            "key": ["SE", "US", "DE"][:n],
            "group": ["Sweden", "United States", "Germany"][:n],
            "forecast_eur": [10.0, np.nan, 30.0][:n],
            "model": ["ETS (level)"] * n,
        }
    )


@pytest.mark.parametrize("n", [0, 1, 3], ids=["empty", "one-row", "nan"])
def test_market_chart_serialises_and_is_selectable(n):
    spec = market_forecast_chart(_markets(n), subtitle="ctx").to_dict()
    if n:
        assert spec["params"][0]["name"] == "pick"
        assert spec["params"][0]["select"]["fields"] == ["key"]
        assert spec["encoding"]["y"]["field"] == "group"


def test_anomaly_chart_and_layer():
    flags = weekly_anomalies(_series(), threshold=3.5)
    assert flags["flagged"].any()
    spec = anomaly_chart(flags, subtitle="ctx").to_dict()
    assert spec["title"]["text"] == "Weekly exposure and anomalous weeks"
    points = [layer for layer in spec["layer"] if layer["mark"]["type"] == "point"]
    assert len(points) == 1
    assert any(t.get("field") == "score" for t in points[0]["encoding"]["tooltip"])
    # The markers layer on any chart with week / value fields, even when nothing is flagged.
    for df in (None, flags.iloc[0:0], flags.assign(flagged=False), flags.head(1)):
        anomaly_markers_layer(df, "week", "value").to_dict()
    for df in (None, flags.iloc[0:0], flags.head(1), flags.assign(value=np.nan)):
        anomaly_chart(df).to_dict()


def test_anomaly_table_lists_flagged_weeks_with_drivers():
    s = _series()
    flags = weekly_anomalies(s, threshold=3.5)
    by = pd.DataFrame({"week": s.index, "key": "SE", "group": "Sweden", "value": s.to_numpy()})
    table = anomaly_table(flags, {"market": attribute_anomalies(flags, by)})
    assert len(table) == int(flags["flagged"].sum())
    assert table.loc[0, "week"] == WEEKS[40] and table.loc[0, "market"] == "Sweden"
    assert list(anomaly_table(None, {"market": None}).columns)[-2:] == [
        "market",
        "market_change",
    ]
    assert anomaly_table(flags.iloc[0:0]).empty
