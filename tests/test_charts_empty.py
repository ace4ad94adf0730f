"""Chart builders on empty and all-zero frames: a "no data" card, never a NaN axis, and a
builder asked for a click selection always returns a spec that defines it (Streamlit raises
"Selections are activated, but the provided chart spec does not have any selections
defined" otherwise, which crashed Overview and Exposure on a slice without money)."""

from __future__ import annotations

import pandas as pd
import pytest

from charts import anomalies as ca
from charts import cases as cc
from charts import enforcement as ce
from charts import exposure as cx
from charts import funnel as cf
from charts import overview as co
from charts import trends as ct
from charts.common import NO_DATA, all_zero, empty_chart, selection_names

WEEKS = pd.date_range("2026-01-05", periods=4, freq="W-MON")


def _says_no_data(chart) -> bool:
    return NO_DATA in str(chart.to_dict())


# (builder call on an empty or all-zero frame, the selection name the page asks for)
SELECTING = {
    "overview.trend": (lambda df: co.weekly_trend_chart(df), "week_pick"),
    "overview.top_market": (
        lambda df: co.top_bar_chart(
            df,
            category="market",
            value="exposure_eur",
            text="t",
            value_title="v",
            select_field="iso2",
        ),
        "pick",
    ),
    "trends.trend": (lambda df: ct.trend_chart(df, select_field="series"), "pick"),
    "trends.heatmap": (lambda df: ct.heatmap_chart(df, selectable=True), "pick"),
    "funnel.precision": (
        lambda df: cf.detector_precision_chart(df, selectable=True),
        "pick_detector",
    ),
    "funnel.precision_trend": (
        lambda df: cf.precision_trend_chart(df, selectable=True),
        "pick_week",
    ),
    "enforcement.offenders": (
        lambda df: ce.offenders_chart(df, by="label", selectable=True),
        "pick_label",
    ),
    "cases.sla": (lambda df: cc.sla_breach_chart(df, selectable=True), "week_pick"),
    "exposure.markets": (lambda df: cx.market_forecast_chart(df), "pick"),
}


@pytest.mark.parametrize("name", sorted(SELECTING))
@pytest.mark.parametrize("frame", [None, pd.DataFrame()], ids=["none", "empty"])
def test_selecting_builder_keeps_its_selection_when_empty(name, frame):
    build, selection = SELECTING[name]
    chart = build(frame)
    assert _says_no_data(chart)
    assert selection in selection_names(chart)


def test_top_bars_of_a_slice_without_money_say_no_data_and_keep_the_pick():
    df = pd.DataFrame(
        {"market": ["Chile", "Peru"], "iso2": ["CL", "PE"], "exposure_eur": [0.0, 0.0]}
    )
    chart = co.top_bar_chart(
        df, category="market", value="exposure_eur", text="Top", value_title="EUR",
        select_field="iso2",
    )  # fmt: skip
    assert _says_no_data(chart) and "pick" in selection_names(chart)
    assert not selection_names(co.top_bar_chart(df, category="market", value="exposure_eur",
                                                 text="Top", value_title="EUR"))  # fmt: skip


def test_market_forecast_without_money_says_no_data():
    df = pd.DataFrame({"key": ["CL"], "group": ["Chile"], "forecast_eur": [0.0], "model": ["x"]})
    chart = cx.market_forecast_chart(df)
    assert _says_no_data(chart) and "pick" in selection_names(chart)


def test_money_series_all_zero_say_no_data_not_a_nan_axis():
    hist = pd.DataFrame({"week": WEEKS, "value": 0.0})
    fc = pd.DataFrame({"week": WEEKS + pd.Timedelta(weeks=4), "mean": 0.0, "lo80": 0.0,
                       "hi80": 0.0, "lo95": 0.0, "hi95": 0.0})  # fmt: skip
    assert _says_no_data(cx.fan_chart(hist, fc))
    scen = pd.DataFrame({"week": WEEKS, "mean": 0.0, "baseline": 0.0})
    assert _says_no_data(cx.scenario_chart(scen))
    anom = pd.DataFrame(
        {"week": WEEKS, "value": 0.0, "expected": float("nan"), "score": float("nan"),
         "flagged": False}
    )  # fmt: skip
    assert _says_no_data(ca.anomaly_chart(anom))


def test_a_series_with_money_still_draws():
    hist = pd.DataFrame({"week": WEEKS, "value": [0.0, 5.0, 0.0, 2.0]})
    assert not _says_no_data(cx.fan_chart(hist, None))


def test_all_zero():
    assert all_zero(None, "x") and all_zero(pd.DataFrame(), "x")
    assert all_zero(pd.DataFrame({"x": [0, None, -0.0]}), "x")
    assert all_zero(pd.DataFrame({"y": [1]}), "x")  # a missing column has nothing to draw
    assert not all_zero(pd.DataFrame({"x": [0, -1]}), ["x"])


def test_selection_names_walks_layers():
    assert selection_names(empty_chart("t")) == set()
    assert selection_names(empty_chart("t", selection="pick")) == {"pick"}
    df = pd.DataFrame({"week": WEEKS, "detected_streams": 1.0, "confirmed_streams": 2.0})
    assert selection_names(co.weekly_trend_chart(df)) == {"week_pick"}  # a layer chart


def test_render_drops_on_select_for_a_spec_without_selections():
    from ui.render import _selection_kwargs

    cb = object()
    plain = tuple(selection_names(empty_chart("t")))
    kw = _selection_kwargs(plain, {"on_select": cb, "selection_mode": "pick", "key": "k"})
    assert kw == {"key": "k"}
    picked = tuple(selection_names(empty_chart("t", selection="pick")))
    kw = _selection_kwargs(picked, {"on_select": cb, "selection_mode": ["pick", "gone"]})
    assert kw == {"on_select": cb, "selection_mode": ["pick"]}
    assert _selection_kwargs(picked, {"on_select": cb}) == {"on_select": cb}
