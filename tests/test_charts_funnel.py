"""Funnel and enforcement charts (and the arithmetic feeding them): empty, one-row and
NaN-bearing frames still give serialisable charts; real data gives the expected titles and
encodings."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.enforcement import weekly_money, with_rates
from analytics.funnel import (
    detector_table,
    funnel_table,
    recall_table,
    sankey_flows,
    weekly_precision,
)
from charts.enforcement import actions_by_type_chart, money_trend_chart, offenders_chart
from charts.funnel import (
    detector_precision_chart,
    funnel_sankey_chart,
    precision_trend_chart,
    recall_contribution_chart,
    volume_chart,
)
from data_access.filters import Filters
from data_access.loaders import enforcement as le
from data_access.loaders import funnel as lf
from data_access.scope import FULL

NAN = float("nan")
EVENTS = pd.DataFrame(
    {
        "event_date": pd.to_datetime(["2026-03-02"]),
        "kind": ["detector"],
        "title": ["AI-content classifier launched"],
        "description": ["..."],
    }
)


def _stages(values=(10, 8, 5, 4, 2, 1), fp=2.0) -> pd.DataFrame:
    stages = list(lf.STAGE_LABELS)
    v = np.asarray(values, dtype=float)
    return pd.DataFrame(
        {
            "stage": stages,
            "label": [lf.STAGE_LABELS[s] for s in stages],
            "count": v,
            "streams": v * 1000,
            "eur": v * 3.5,
            "false_positive": fp,
        }
    )


def _serialises(chart) -> dict:
    return chart.to_dict()


# -- the funnel arithmetic -----------------------------------------------------------------


def test_funnel_table_conversions():
    t = funnel_table(_stages(), "count")
    assert np.isnan(t["from_previous"].iloc[0])
    assert t["from_previous"].iloc[1] == pytest.approx(0.8)
    assert t["from_detected"].iloc[-1] == pytest.approx(0.1)
    zero = funnel_table(_stages((0, 0, 0, 0, 0, 0)), "eur")
    assert zero["from_detected"].isna().all()  # never inf
    with pytest.raises(ValueError):
        funnel_table(_stages(), "drop table")


def test_sankey_flows_balance():
    flows = sankey_flows(_stages(), "count")
    out = flows.groupby("source")["value"].sum()
    into = flows.groupby("target")["value"].sum()
    # What enters a stage leaves it (to the next stage or a branch), except the last.
    for stage in ("Reviewed", "Confirmed", "Enforced", "Appealed"):
        assert into[stage] == pytest.approx(out[stage])
    assert flows.loc[flows["target"] == "False positive", "value"].item() == 2
    assert flows.loc[flows["target"] == "Other outcome", "value"].item() == 1
    # Streams: no false-positive split; zero flows dropped.
    s = sankey_flows(_stages((10, 10, 5, 5, 0, 0)), "streams")
    assert "False positive" not in set(s["target"]) and (s["value"] > 0).all()


@pytest.mark.parametrize("measure", ["count", "streams", "eur"])
def test_sankey_chart_serialises(measure):
    fig = funnel_sankey_chart(sankey_flows(_stages(), measure), measure=measure, subtitle="ctx")
    d = fig.to_dict()
    assert d["data"][0]["type"] == "sankey"
    assert "funnel" in d["layout"]["title"]["text"]
    assert d["layout"]["title"]["subtitle"]["text"] == "ctx"
    labels = d["data"][0]["node"]["label"]
    assert "Detected" in labels and "Upheld on appeal" in labels


@pytest.mark.parametrize(
    "flows",
    [
        None,
        pd.DataFrame(columns=["source", "target", "value"]),
        pd.DataFrame({"source": ["Detected"], "target": ["Reviewed"], "value": [NAN]}),
        pd.DataFrame({"source": ["Detected"], "target": ["Reviewed"], "value": [3.0]}),
    ],
    ids=["none", "empty", "nan", "one-row"],
)
def test_sankey_chart_degenerate(flows):
    d = funnel_sankey_chart(flows, measure="count").to_dict()
    assert d["layout"]["title"]["text"]


def test_sankey_from_all_nan_stages():
    stages = _stages((NAN,) * 6, fp=NAN)
    d = funnel_sankey_chart(sankey_flows(stages, "count")).to_dict()
    assert d["layout"]["annotations"][0]["text"] == "No data for this selection"


# -- detector charts -----------------------------------------------------------------------


def _perf(n=3, nan=False) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "detector_id": range(1, n + 1),
            "detector": [f"Detector {i}" for i in range(n)],
            "detections": [10.0] * n,
            "reviewed": [8.0] * n,
            "confirmed": [NAN if nan else 4.0] * n,
        }
    )
    if n and nan:
        df.loc[0, "reviewed"] = 0.0
    return detector_table(df)


@pytest.mark.parametrize(
    "perf",
    [_perf(0), _perf(1), _perf(3, nan=True)],
    ids=["empty", "one-row", "nan"],
)
def test_detector_charts_degenerate(perf):
    _serialises(detector_precision_chart(perf, selectable=True))
    _serialises(volume_chart(perf))


def test_detector_precision_chart_real():
    perf = _perf(3)
    assert perf["precision"].tolist() == [0.5, 0.5, 0.5]
    d = _serialises(detector_precision_chart(perf, subtitle="ctx", selectable=True))
    assert d["title"]["text"].startswith("Precision by detector")
    assert d["encoding"]["x"]["field"] == "precision"
    assert d["params"][0]["select"]["fields"] == ["detector"]


def _weekly(n_weeks=3, nan=False) -> pd.DataFrame:
    weeks = pd.date_range("2026-02-23", periods=n_weeks, freq="7D")
    df = pd.DataFrame(
        {
            "week": list(weeks) * 2,
            "detector": ["A"] * n_weeks + ["B"] * n_weeks,
            "reviewed": [4.0] * (2 * n_weeks),
            "confirmed": [NAN if nan else 3.0] * (2 * n_weeks),
        }
    )
    return weekly_precision(df)


@pytest.mark.parametrize(
    "df",
    [_weekly(0), _weekly(1).head(1), _weekly(3, nan=True)],
    ids=["empty", "one-row", "nan"],
)
def test_precision_trend_degenerate(df):
    _serialises(precision_trend_chart(df, events=EVENTS, selectable=True))
    _serialises(precision_trend_chart(df, events=None))


def test_precision_trend_real():
    d = _serialises(
        precision_trend_chart(_weekly(3), events=EVENTS, subtitle="ctx", selectable=True)
    )
    assert d["title"]["text"] == "Weekly precision by detector"
    assert d["title"]["subtitle"] == "ctx"
    lines = d["layer"][0]
    assert lines["encoding"]["color"]["field"] == "detector"
    params = d.get("params", []) + lines.get("params", [])
    assert params[0]["select"]["fields"] == ["week_start"]
    assert len(d["layer"]) == 3, "the event within the weeks is annotated"


def _recall(rows=2, nan=False):
    df = pd.DataFrame(
        {
            "detector": [f"D{i}" for i in range(rows)],
            "flagged_streams": [NAN if nan else 50.0] * rows,
            "total_flagged": 50.0 * rows,
            "true_artificial": 200.0,
        }
    )
    df.attrs.update(total_flagged=50.0 * rows, true_artificial=200.0)
    return df


def test_recall_above_100_percent_is_kept_and_explained():
    """Flagged streams above the estimate of artificial ones (the estimate is too low):
    recall reads 111.5% and says why, in the headline, the note and the definition."""
    from analytics.funnel import RECALL_ABOVE_100, recall_caveat
    from analytics.metrics import METRICS
    from reports import funnel as rf

    df = _recall(2)
    df.attrs.update(total_flagged=223.0, true_artificial=200.0)  # estimate below flagged
    overall, t = recall_table(df)
    assert overall == pytest.approx(1.115)  # the number stays
    assert recall_caveat(overall) == RECALL_ABOVE_100
    assert "estimate of artificial streams is below" in RECALL_ABOVE_100
    assert [recall_caveat(v) for v in (1.0, 0.5, NAN, None, "x")] == [""] * 5
    view = next(v for v in rf.VIEWS if v.id == "funnel.recall_detector")
    t.attrs = {"overall": overall, "by": "detector"}
    headline = view.headline(t)
    assert "111.5%" in headline and "caught" not in headline
    assert view.note_for(t, {}) == RECALL_ABOVE_100
    t.attrs["overall"] = 0.5
    assert "caught an estimated 50.0%" in view.headline(t) and view.note_for(t, {}) == ""
    assert "Above 100%" in METRICS["recall"].definition  # the exports' footnote says it too


def test_recall_table_and_chart():
    overall, t = recall_table(_recall(2))
    assert overall == pytest.approx(0.5)
    assert t["contribution"].sum() == pytest.approx(overall)
    d = _serialises(recall_contribution_chart(t, by="detector", overall=overall, subtitle="ctx"))
    assert d["title"]["text"] == "Contribution to recall by detector"  # short: never cut
    assert d["title"]["subtitle"] == "ctx · overall recall 50.0%"
    for df in (_recall(0), _recall(1), _recall(2, nan=True)):
        overall, t = recall_table(df)
        _serialises(recall_contribution_chart(t, by="detector", overall=overall))
    nothing = pd.DataFrame(columns=["detector", "flagged_streams"])
    overall, t = recall_table(nothing)
    assert np.isnan(overall)
    _serialises(recall_contribution_chart(t, by="detector", overall=overall))


# -- enforcement charts --------------------------------------------------------------------


ENF_TYPES = (
    ("Royalty withholding", "royalty_withholding"),
    ("Per-track fee", "per_track_fee"),
    ("Stream removal", "stream_removal"),
)


def _enf_weekly(n=2, nan=False, types=ENF_TYPES) -> pd.DataFrame:
    weeks = pd.date_range("2026-02-23", periods=n, freq="7D")
    rows = []
    for w in weeks:
        for name, code in types:
            rows.append((w, name, code, 2.0, NAN if nan else 10.0, 5.0, 0.0))
    return pd.DataFrame(
        rows,
        columns=[
            "week",
            "enforcement_type",
            "type_code",
            "actions",
            "amount_eur",
            "recovered_eur",
            "reversed_eur",
        ],
    )


@pytest.mark.parametrize(
    "df",
    [_enf_weekly(0), _enf_weekly(1).head(1), _enf_weekly(2, nan=True)],
    ids=["empty", "one-row", "nan"],
)
def test_enforcement_time_charts_degenerate(df):
    _serialises(actions_by_type_chart(df, events=EVENTS))
    _serialises(money_trend_chart(weekly_money(df), events=EVENTS))


def test_enforcement_time_charts_real():
    df = _enf_weekly(3)
    money = weekly_money(df)
    assert set(money["series"]) == {
        "Royalties withheld",
        "Fees levied",
        "Fees recovered",
        "Reversed after appeal",
    }
    withheld = money[money["series"] == "Royalties withheld"]["value_eur"]
    assert withheld.tolist() == [10.0, 10.0, 10.0]
    recovered = money[money["series"] == "Fees recovered"]["value_eur"]
    assert recovered.tolist() == [15.0, 15.0, 15.0]
    d = _serialises(actions_by_type_chart(df, events=EVENTS, subtitle="ctx"))
    assert d["title"]["text"] == "Enforcement actions per week, by type"
    assert d["layer"][0]["encoding"]["color"]["field"] == "enforcement_type"
    m = _serialises(money_trend_chart(money, subtitle="ctx"))
    assert "EUR" in m["title"]["text"]
    assert "€" in m["layer"][0]["encoding"]["y"]["axis"]["labelExpr"]


def test_money_series_key_on_type_codes_not_names():
    """A warehouse that calls the per-track fee "Fine" (and withholding "Payout hold") still
    gets its fees and withholdings: the series key on dim_enforcement_type.code."""
    renamed = (
        ("Payout hold", "royalty_withholding"),
        ("Fine", "per_track_fee"),
        ("Royalty withholding", "stream_removal"),  # a name the demo gives another code
    )
    df = _enf_weekly(2, types=renamed)
    df.loc[df["type_code"] == "per_track_fee", "amount_eur"] = 142.0
    by = weekly_money(df).groupby("series")["value_eur"].sum()
    assert by["Fees levied"] == 284.0
    assert by["Royalties withheld"] == 20.0  # not the stream removal called "Royalty ..."
    assert by["Fees recovered"] == 30.0


def _offenders(n=3, nan=False) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "label": [f"Label {i}" for i in range(n)],
            "confirmed_detections": [NAN if nan else 5.0 - i for i in range(n)],
            "confirmed_streams": [100.0] * n,
            "slice_confirmed_streams": [400.0] * n,
            "actions": [3.0] * n,
            "action_weeks": [NAN if nan else 2.0] * n,
            "appeals": [1.0] * n,
            "appealable_actions": [0.0] + [2.0] * (n - 1) if n else [],
            "overturned": [0.0] * n,
            "decided_appeals": [1.0] * n,
        }
    )
    return with_rates(df)


@pytest.mark.parametrize(
    "df", [_offenders(0), _offenders(1), _offenders(3, nan=True)], ids=["empty", "one", "nan"]
)
def test_offenders_chart_degenerate(df):
    _serialises(offenders_chart(df, by="label", selectable=True))


def test_offenders_chart_real_and_rates():
    df = _offenders(3)
    assert df["confirmed_streams_share"].tolist() == [0.25, 0.25, 0.25]
    assert np.isnan(df["appeal_rate"].iloc[0]) and df["appeal_rate"].iloc[1] == 0.5
    d = _serialises(offenders_chart(df, by="label", subtitle="ctx", selectable=True))
    assert d["title"]["text"].startswith("Repeat offenders: labels")
    assert d["encoding"]["y"]["field"] == "label"
    assert d["params"][0]["select"]["fields"] == ["label"]


# -- on the demo warehouse -----------------------------------------------------------------


def test_charts_on_real_data(monkeypatch, duck_url):
    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    f = Filters(start=date(2025, 6, 1), end=date(2026, 11, 29))
    stages = lf.load_funnel_stages(FULL, f)
    fig = funnel_sankey_chart(sankey_flows(stages, "eur"), measure="eur").to_dict()
    assert fig["data"][0]["type"] == "sankey"
    perf = detector_table(lf.load_detector_performance(FULL, f))
    assert perf["precision"].between(0, 1).all()
    assert detector_precision_chart(perf).to_dict()["encoding"]["y"]["field"] == "detector"
    weekly = weekly_precision(lf.load_weekly_precision(FULL, f))
    assert precision_trend_chart(weekly, events=EVENTS).to_dict()["layer"]
    overall, by_det = recall_table(lf.load_recall(FULL, f, "detector"))
    assert 0 < overall <= 1.5
    assert by_det["contribution"].sum() == pytest.approx(overall)
    enf = le.load_weekly_enforcement(FULL, f)
    assert actions_by_type_chart(enf).to_dict()["layer"]
    off = with_rates(le.load_repeat_offenders(FULL, f, "distributor"))
    assert offenders_chart(off, by="distributor").to_dict()["encoding"]["y"]["field"] == (
        "distributor"
    )
