"""Fraud trends charts (and the analytics feeding them): empty, one-row and NaN-bearing
frames give charts that serialise; real-looking data has the expected title and encodings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.trends import (
    CURRENT,
    PREVIOUS,
    add_shares,
    heatmap_frame,
    market_order,
    overlay_frame,
    period_totals,
)
from charts.trends import heatmap_chart, overlay_chart, series_order, trend_chart

EVENTS = pd.DataFrame(
    {
        "event_date": pd.to_datetime(["2025-03-10", "2030-01-01"]),
        "kind": ["detector", "policy"],
        "title": ["New model", "Far future"],
        "description": ["A detector launch", "Outside the data"],
    }
)


def _trend(n_weeks=6, series=("Sweden", "Norway", "Other")) -> pd.DataFrame:
    weeks = pd.date_range("2025-03-03", periods=n_weeks, freq="7D")
    rows = []
    for i, w in enumerate(weeks):
        for j, s in enumerate(series):
            streams = 1000.0 * (j + 1)
            rows.append(
                {
                    "period": w,
                    "series": s,
                    "key": {"Sweden": "SE", "Norway": "NO"}.get(s, s),
                    "streams": streams,
                    "all_streams": 6000.0,
                    "detected_streams": 10.0 * (i + 1) * (j + 1),
                    "confirmed_streams": 5.0 * (i + 1),
                }
            )
    return add_shares(pd.DataFrame(rows))


def _cells() -> pd.DataFrame:
    weeks = pd.date_range("2025-03-03", periods=4, freq="7D")
    rows = [
        {
            "week": w,
            "iso2": iso,
            "market": name,
            "streams": s,
            "detected_streams": s * 0.01 * (i + 1),
            "confirmed_streams": 0.0,
        }
        for i, w in enumerate(weeks)
        for iso, name, s in (("SE", "Sweden", 5000.0), ("NO", "Norway", 2000.0))
    ]
    return heatmap_frame(pd.DataFrame(rows))


def _spec(chart) -> dict:
    d = chart.to_dict()
    assert isinstance(d, dict)
    return d


def _empty_variants(df: pd.DataFrame, value_cols: list[str]):
    one = df.head(1)
    nan = df.copy()
    nan.loc[nan.index[::2], value_cols] = np.nan
    return {"empty": df.iloc[0:0], "none": None, "one-row": one, "nan": nan}


@pytest.mark.parametrize("variant", ["empty", "none", "one-row", "nan"])
@pytest.mark.parametrize("metric", ["detected_streams", "confirmed_share"])
def test_trend_chart_survives_odd_frames(variant, metric):
    df = _empty_variants(_trend(), ["detected_streams", "detected_share", "confirmed_share"])[
        variant
    ]
    _spec(trend_chart(df, metric=metric, split="market", events=EVENTS, select_field="key"))


def test_trend_chart_all_nan_metric_is_an_empty_chart():
    df = _trend().assign(detected_share=np.nan)
    spec = _spec(trend_chart(df, metric="detected_share"))
    assert spec["mark"]["type"] == "text"


def test_trend_chart_on_data_has_title_encodings_events_and_selection():
    spec = _spec(
        trend_chart(
            _trend(),
            metric="detected_share",
            grain="week",
            split="market",
            events=EVENTS,
            subtitle="03 Mar 2025 – 13 Apr 2025",
            select_field="key",
        )
    )
    assert spec["title"]["text"] == "Detected artificial share per week by market"
    assert spec["title"]["subtitle"] == "03 Mar 2025 – 13 Apr 2025"
    lines, points, rule, text = spec["layer"]
    assert lines["mark"]["type"] == "line" and points["mark"]["type"] == "point"
    enc = points["encoding"]
    assert lines["encoding"]["color"] == enc["color"]
    assert enc["x"]["field"] == "period" and enc["x"]["type"] == "temporal"
    assert enc["y"]["field"] == "detected_share" and enc["y"]["axis"]["format"] == ".1%"
    assert enc["color"]["field"] == "series"
    # "Other" is last and grey; named series come first, largest first.
    domain = enc["color"]["scale"]["domain"]
    assert domain == ["Norway", "Sweden", "Other"]
    assert enc["color"]["scale"]["range"][-1] == "#999999"
    assert spec["params"][0]["name"] == "pick"
    assert spec["params"][0]["select"]["fields"] == ["key"]
    # One event falls inside the data: a rule and its title.
    assert rule["mark"]["type"] == "rule" and text["mark"]["type"] == "text"


def test_trend_chart_unsplit_week_selects_the_week_start():
    df = _trend(series=("All streams",))
    spec = _spec(trend_chart(df, metric="detected_streams", select_field="period_key"))
    assert spec["title"]["text"] == "Detected artificial streams per week"
    assert spec["params"][0]["select"]["fields"] == ["period_key"]
    values = next(iter(spec["datasets"].values()))
    assert values[0]["period_key"] == "2025-03-03"


def test_many_series_get_dashes_beyond_the_palette():
    names = [f"Label {i}" for i in range(12)] + ["Other"]
    df = _trend(series=tuple(names))
    spec = _spec(trend_chart(df, metric="detected_streams", split="label"))
    assert spec["layer"][0]["encoding"]["strokeDash"]["field"] == "dashed"
    assert series_order(df, "detected_streams")[-1] == "Other"


@pytest.mark.parametrize("variant", ["empty", "none", "one-row", "nan"])
def test_overlay_chart_survives_odd_frames(variant):
    cur = _trend(series=("All streams",))
    prev = cur.assign(period=cur["period"] - pd.Timedelta(days=42))
    frames = _empty_variants(cur, ["detected_streams"])
    frame = overlay_frame(frames[variant], prev, metric="detected_streams", days=42)
    _spec(overlay_chart(frame, metric="detected_streams", events=EVENTS))


def test_overlay_aligns_the_previous_period_onto_the_current_one():
    cur = _trend(series=("All streams",))
    prev = cur.assign(
        period=cur["period"] - pd.Timedelta(days=42),
        detected_streams=cur["detected_streams"] / 2,
    )
    frame = overlay_frame(cur, prev, metric="detected_streams", days=42)
    c = frame[frame["series"] == CURRENT].set_index("period")["value"]
    p = frame[frame["series"] == PREVIOUS].set_index("period")["value"]
    assert list(c.index) == list(p.index)
    np.testing.assert_allclose(p.to_numpy(), c.to_numpy() / 2)
    spec = _spec(overlay_chart(frame, metric="detected_streams", subtitle="ctx"))
    assert spec["title"]["text"].startswith("Detected artificial streams")
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [CURRENT, PREVIOUS]


def test_period_totals_fold_series_back():
    df = _trend()
    tot = period_totals(df)
    assert len(tot) == 6
    np.testing.assert_allclose(tot["streams"], 6000.0)
    np.testing.assert_allclose(
        tot["detected_streams"], df.groupby("period")["detected_streams"].sum().to_numpy()
    )
    assert period_totals(df.iloc[0:0]).empty


@pytest.mark.parametrize("variant", ["empty", "none", "one-row", "nan"])
def test_heatmap_chart_survives_odd_frames(variant):
    df = _empty_variants(_cells(), ["detected_share", "streams"])[variant]
    _spec(heatmap_chart(df, order=market_order(df), events=EVENTS))


def test_heatmap_chart_on_data():
    cells = _cells()
    assert market_order(cells) == ["Sweden", "Norway"]
    np.testing.assert_allclose(
        cells["detected_share"], cells["detected_streams"] / cells["streams"]
    )
    spec = _spec(heatmap_chart(cells, order=market_order(cells), events=EVENTS, subtitle="ctx"))
    assert spec["title"]["text"] == "Detected artificial share by market and week"
    enc = spec["layer"][0]["encoding"]
    assert enc["x"]["field"] == "week" and enc["x2"]["field"] == "week_end"
    assert enc["y"]["field"] == "market" and enc["y"]["sort"] == ["Sweden", "Norway"]
    assert enc["color"]["field"] == "detected_share"
    assert spec["params"][0]["select"]["fields"] == ["iso2"]


def test_the_weekly_trend_marks_the_anomalous_weeks(duck_url):
    """The main trend (weekly, unsplit, detected streams) carries the anomalous weeks at the
    default threshold, the same ones the anomaly view flags, and draws them as diamonds."""
    import reports
    from analytics.anomalies import DEFAULT_THRESHOLD
    from data_access.filters import Filters
    from data_access.loaders.options import load_options
    from data_access.scope import FULL

    opts = load_options(FULL, url=duck_url)
    f = Filters(start=opts.min_date, end=opts.max_date)
    main, anomalies = reports.get("trends.main"), reports.get("trends.anomalies")
    df = reports.frame(main, FULL, f, duck_url, {})
    flags = reports.frame(anomalies, FULL, f, duck_url, {"trends_z": f"{DEFAULT_THRESHOLD}"})
    flagged = set(flags.loc[flags["flagged"].astype(bool), "week"])
    assert set(df.loc[df["anomalous"], "period"]) == flagged
    split = reports.frame(main, FULL, f, duck_url, {"trends_split": "market"})
    assert "anomalous" not in split  # one line per market: no single series to mark

    # Two weeks marked: a diamond layer with exactly those points.
    marked = df.assign(anomalous=False, anomaly_score=0.0)
    marked.loc[marked.index[[1, 3]], ["anomalous", "anomaly_score"]] = [True, 4.2]
    params = reports.resolve_params(main, {})
    spec = reports.figure(main, marked, subtitle="s", params=params).to_dict(validate=False)
    diamonds = [
        layer for layer in spec["layer"] if (layer.get("mark") or {}).get("shape") == "diamond"
    ]
    assert len(diamonds) == 1
    data = diamonds[0]["data"]
    values = data.get("values") or spec["datasets"][data["name"]]
    assert len(values) == 2
    plain = reports.figure(main, df.assign(anomalous=False), subtitle="s", params=params)
    assert "diamond" not in str(plain.to_dict(validate=False))
