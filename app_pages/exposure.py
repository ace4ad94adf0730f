"""Exposure: how much money is at risk over the next weeks, how sure we are, what would
change it, and which weeks were anomalous."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import format as fmt
from analytics.anomalies import DEFAULT_THRESHOLD, weekly_anomalies
from analytics.forecast import (
    BASELINE,
    FEE_THRESHOLD,
    MAX_HORIZON,
    MIN_HORIZON,
    ScenarioInputs,
    apply_scenario,
    eligible_tracks,
    horizon_total,
    scenario_factors,
)
from analytics.metrics import METRICS
from charts.anomalies import anomaly_chart
from charts.exposure import (
    exposure_parts_chart,
    fan_chart,
    market_forecast_chart,
    scenario_chart,
)
from data_access.loaders.exposure import (
    forecast_origin,
    load_scenario_inputs,
    load_track_shares,
    load_weekly_by_group,
    load_weekly_exposure,
)
from data_access.loaders.options import load_events
from ui import anomalies, drill, exports, forecasting, render
from ui.page import start_page

# What the page forecasts lives in ui.forecasting, so the warm-up precomputes the same fits.
QUARTER, TOP_MARKETS = forecasting.QUARTER, forecasting.TOP_MARKETS

scope, f, opts, context = start_page("exposure")
origin = forecast_origin(f)

st.title("Exposure forecast")
st.caption(
    f"{context} · The period's end picks the forecast origin (the last complete week, ending "
    f"{origin:%d %b %Y}); the slice (markets, labels, …) picks the series. History: up to "
    "three years before the origin, whatever the period's start."
)
render.filter_notes(f.notes)
drill.clear_button()

horizon = st.slider(
    "Forecast horizon (weeks)",
    min_value=MIN_HORIZON,
    max_value=MAX_HORIZON,
    value=QUARTER,
    key="exposure_horizon",
    bind="query-params",
    help="How many weeks ahead to forecast (4–26).",
)

weekly = render.load(load_weekly_exposure, scope, f)
if render.no_data(weekly):
    st.stop()

with st.spinner("Fitting and backtesting forecast models…"):
    result = forecasting.forecast(
        weekly, value="exposure_eur", horizon=horizon, slice=forecasting.slice_of(scope, f)
    )
for note in result.notes:
    st.info(note, icon=":material/info:")

# -- headline numbers --------------------------------------------------------------------
total = horizon_total(result.forecast)
recent = float(weekly["exposure_eur"].tail(horizon).sum())
chosen_acc = result.accuracy_of(result.chosen)
base_acc = result.accuracy_of(BASELINE)
cols = st.columns(4)
cols[0].metric(
    f"Forecast exposure, next {horizon} weeks",
    fmt.eur(total),
    help=METRICS["exposure_forecast_eur"].definition,
    border=True,
)
cols[1].metric(
    f"Exposure, last {horizon} weeks",
    fmt.eur(recent),
    help=METRICS["exposure_eur"].definition,
    border=True,
)
cols[2].metric(
    "Backtest MAE per week",
    fmt.eur(chosen_acc["mae"]) if chosen_acc else "–",
    delta=(
        f"{fmt.pct(result.mae_ratio)} of the baseline's"
        if chosen_acc and base_acc and result.chosen != BASELINE
        else None
    ),
    delta_color="off",
    help=METRICS["forecast_mae"].definition,
    border=True,
)
cols[3].metric(
    "80% interval coverage",
    fmt.pct(chosen_acc["coverage80"]) if chosen_acc else "–",
    help=METRICS["interval_coverage"].definition,
    border=True,
)

events = render.load(load_events)
fan = fan_chart(
    result.history,
    result.forecast,
    model=result.chosen_label,
    subtitle=f"{context} · origin week ending {origin:%d %b %Y} · 80% and 95% bands",
    events=events,
)
render.altair(fan, width="stretch")
fan_cols = ("mean", "lo80", "hi80", "lo95", "hi95")
fan_data = pd.concat(
    [
        result.history.rename(columns={"value": "actual_eur"}),
        result.forecast.drop(columns=["step"]).rename(columns={c: f"{c}_eur" for c in fan_cols}),
    ],
    ignore_index=True,
)
exports.render(
    exports.ChartExport(
        key="exposure_fan",
        page="exposure",
        title="Weekly exposure (EUR): history and forecast",
        data=fan_data,
        chart=fan,
        metrics=("exposure_eur", "exposure_forecast_eur", "interval_coverage"),
        money=("actual_eur", *(f"{c}_eur" for c in fan_cols)),
        extra={"Model": result.chosen_label, "Horizon (weeks)": str(horizon)},
        view="exposure.fan",
        view_params={"exposure_horizon": str(horizon)},
    ),
    f,
    opts,
)
in_period = weekly[weekly["week"] >= pd.Timestamp(f.start) - pd.Timedelta(days=6)]
parts = exposure_parts_chart(in_period, events=events, subtitle=context)
render.altair(parts, width="stretch")
exports.render(
    exports.ChartExport(
        key="exposure_parts",
        page="exposure",
        title="Weekly exposure: royalties at risk and fees outstanding (EUR)",
        data=in_period,
        chart=parts,
        metrics=("exposure_eur",),
        money=("at_risk_eur", "fees_outstanding_eur", "exposure_eur"),
        view="exposure.parts",
    ),
    f,
    opts,
)

# -- model accuracy ----------------------------------------------------------------------
st.subheader("Model accuracy (rolling-origin backtest)")
if result.accuracy.empty:
    st.caption("No backtest: the series is too short or degenerate (see the note above).")
else:
    acc = result.accuracy.sort_values(["chosen", "mae"], ascending=[False, True])
    st.dataframe(
        acc[["label", "mae", "mase", "coverage80", "coverage95", "origins", "fit_s", "chosen"]],
        hide_index=True,
        column_config={
            "label": st.column_config.TextColumn("Model"),
            "mae": st.column_config.NumberColumn(
                "MAE (EUR/week)", format="€%.0f", help=METRICS["forecast_mae"].definition
            ),
            "mase": st.column_config.NumberColumn(
                "MASE", format="%.2f", help=METRICS["forecast_mase"].definition
            ),
            "coverage80": st.column_config.NumberColumn(
                "Coverage 80%", format="percent", help=METRICS["interval_coverage"].definition
            ),
            "coverage95": st.column_config.NumberColumn(
                "Coverage 95%", format="percent", help=METRICS["interval_coverage"].definition
            ),
            "origins": st.column_config.NumberColumn("Origins", help="Backtest origins fitted."),
            "fit_s": st.column_config.NumberColumn(
                "Fit time (s)", format="%.2f", help="Total time refitting at every origin."
            ),
            "chosen": st.column_config.CheckboxColumn("Chosen"),
        },
    )
    st.caption(
        f"Chosen: {result.chosen_label}, the lowest backtest MAE. Baseline: "
        f"{result.baseline_label}. Each model is refitted at each origin and forecasts "
        f"{horizon} weeks; fitting took {result.fit_seconds:.1f} s. " + " ".join(result.model_notes)
    )

# -- scenarios ---------------------------------------------------------------------------
st.subheader("What would change it: scenarios")
c1, c2, c3 = st.columns(3)
recall_pp = c1.slider(
    "Detector recall +x pp",
    min_value=0,
    max_value=30,
    value=0,
    key="exposure_recall",
    bind="query-params",
    help="Percentage points more of the artificial streams flagged by detectors.",
)
backlog_weeks = c2.slider(
    "Review backlog cleared in y weeks",
    min_value=0,
    max_value=26,
    value=0,
    key="exposure_backlog",
    bind="query-params",
    help="0 = as today. Flagged streams not yet removed are reviewed and removed evenly "
    "over y weeks.",
)
fee_pct = c3.slider(
    "Per-track fee threshold (% artificial)",
    min_value=50,
    max_value=95,
    value=round(FEE_THRESHOLD * 100),
    step=5,
    key="exposure_fee_threshold",
    bind="query-params",
    help="A track is charged the per-track fee when at least this share of its streams is "
    "artificial (today 90%).",
)
inputs = ScenarioInputs.from_frame(render.load(load_scenario_inputs, scope, f))
shares = render.load(load_track_shares, scope, f)
factors = scenario_factors(
    inputs,
    horizon=horizon,
    recall_pp=recall_pp,
    backlog_weeks=backlog_weeks,
    fee_threshold=fee_pct / 100,
    track_shares=shares,
)
scenario = apply_scenario(result.forecast, factors)
adjusted = horizon_total(scenario)
max_uplift = max(1.0 - inputs.recall, 0.0) * 100
if recall_pp > max_uplift:
    st.caption(
        f"Recall is already {fmt.pct(inputs.recall)}: the uplift is capped at {max_uplift:.1f} pp."
    )
s1, s2 = st.columns([1, 3])
s1.metric(
    f"Forecast under the scenario, next {horizon} weeks",
    fmt.eur(adjusted),
    delta=f"{fmt.eur(adjusted - total)} ({fmt.pct((adjusted - total) / total, signed=True)})"
    if total
    else None,
    delta_color="inverse",
    help=METRICS["scenario_delta_eur"].definition,
    border=True,
)
with s2:
    scenario_fig = scenario_chart(scenario, subtitle=context)
    render.altair(scenario_fig, width="stretch")
    exports.render(
        exports.ChartExport(
            key="exposure_scenario",
            page="exposure",
            title="Forecast exposure per week: as is vs scenario",
            data=scenario,
            chart=scenario_fig,
            metrics=("exposure_forecast_eur", "scenario_delta_eur"),
            money=("mean", "baseline", "lo80", "hi80", "lo95", "hi95"),
            extra={
                "Recall uplift (pp)": str(recall_pp),
                "Backlog cleared in (weeks)": str(backlog_weeks),
                "Fee threshold (% artificial)": str(fee_pct),
            },
        ),
        f,
        opts,
    )
with st.expander("How the scenario is computed"):
    st.markdown(
        "Inputs are the slice's last 13 weeks: A = estimated artificial streams, F = flagged, "
        "C = confirmed and removed, s = fees outstanding ÷ exposure.\n\n"
        "- Recall: the at-risk part × (1 − Δ·κ ÷ (1 − C/A)), Δ = uplift in pp ÷ 100 (capped "
        "at 100% recall), κ = C ÷ F (flagged streams that end up removed).\n"
        "- Backlog: the at-risk part × (1 − b·min(k ÷ y, 1)) in week k ahead, "
        "b = min(F − C, A − C) ÷ (A − C) (flagged, not yet removed; an upper bound).\n"
        "- Fee threshold: the fee part × N(θ) ÷ N(90%), N(θ) = tracks whose artificial share "
        "is at least θ (5-point bins). Fees not yet recovered count as exposure, so a lower "
        "threshold raises it until they are collected.\n"
        "- Scenario week k = forecast week k × ((1 − s) × at-risk factor + s × fee factor); "
        "the bands scale the same way."
    )
    st.caption(
        f"This slice: recall {fmt.pct(inputs.recall)}, κ {fmt.pct(inputs.removal_rate)}, "
        f"b {fmt.pct(inputs.backlog_share)}, s {fmt.pct(inputs.fee_share)}, "
        f"fee-eligible tracks at 90%: {fmt.compact(eligible_tracks(shares, FEE_THRESHOLD))}, "
        f"at {fee_pct}%: {fmt.compact(eligible_tracks(shares, fee_pct / 100))}."
    )

# -- next quarter by market --------------------------------------------------------------
st.subheader(f"Exposure by market, next {QUARTER} weeks")
by_market = render.load(load_weekly_by_group, scope, f, "market", "exposure_eur", TOP_MARKETS)
if by_market.empty:
    st.caption("No market has exposure in this slice.")
else:
    rows = []
    with st.spinner("Forecasting the top markets…"):
        for key, grp in by_market.groupby("key", sort=False):
            res = forecasting.forecast(
                grp.sort_values("week"),
                value="value",
                horizon=QUARTER,
                origins=forecasting.MARKET_ORIGINS,
                models=forecasting.MARKET_MODELS,
                name=f"market {key}",
                slice=forecasting.slice_of(scope, f),
            )
            mase = res.accuracy_of(res.chosen)
            rows.append(
                {
                    "key": key,
                    "group": grp["group"].iloc[0],
                    "forecast_eur": horizon_total(res.forecast, QUARTER),
                    "last_quarter_eur": float(grp["value"].tail(QUARTER).sum()),
                    "model": res.chosen_label,
                    "mase": mase["mase"] if mase else float("nan"),
                }
            )
    markets = pd.DataFrame(rows).sort_values("forecast_eur", ascending=False)
    left, right = st.columns([3, 2])
    with left:
        markets_fig = market_forecast_chart(markets, weeks=QUARTER, subtitle=context)
        render.altair(
            markets_fig,
            on_select=drill.pick("exposure_market_pick", "key", "market"),
            selection_mode="pick",
            key="exposure_market_pick",
            width="stretch",
        )
        exports.render(
            exports.ChartExport(
                key="exposure_markets",
                page="exposure",
                title=f"Forecast exposure by market, next {QUARTER} weeks",
                data=markets,
                chart=markets_fig,
                metrics=("exposure_forecast_eur", "exposure_eur", "forecast_mase"),
                money=("forecast_eur", "last_quarter_eur"),
            ),
            f,
            opts,
        )
    with right:
        st.dataframe(
            markets[["group", "key", "forecast_eur", "last_quarter_eur", "model", "mase"]],
            hide_index=True,
            column_config={
                "group": st.column_config.TextColumn("Market"),
                "key": st.column_config.TextColumn("Code"),
                "forecast_eur": st.column_config.NumberColumn(
                    f"Forecast, next {QUARTER} w (EUR)",
                    format="€%.0f",
                    help=METRICS["exposure_forecast_eur"].definition,
                ),
                "last_quarter_eur": st.column_config.NumberColumn(
                    f"Last {QUARTER} w (EUR)",
                    format="€%.0f",
                    help=METRICS["exposure_eur"].definition,
                ),
                "model": st.column_config.TextColumn("Model"),
                "mase": st.column_config.NumberColumn(
                    "MASE", format="%.2f", help=METRICS["forecast_mase"].definition
                ),
            },
        )
    st.caption(
        f"The {TOP_MARKETS} markets with the most exposure in the last {QUARTER} weeks, each "
        "with its own model, backtested over 6 origins (ETS, damped ETS, ARIMA(1,0,1) vs the "
        "baseline). Click a bar to narrow the page to that market."
    )

# -- anomalies ---------------------------------------------------------------------------
st.subheader("Is this week's spike real? Anomalous weeks")
z = st.slider(
    "Anomaly threshold (robust z-score)",
    min_value=2.0,
    max_value=6.0,
    value=DEFAULT_THRESHOLD,
    step=0.5,
    key="exposure_z",
    bind="query-params",
    help=METRICS["anomaly_score"].definition,
)
series = weekly.set_index("week")["exposure_eur"]
flags = weekly_anomalies(series, threshold=z)
anomaly_fig = anomaly_chart(flags, subtitle=f"{context} · threshold {z:.1f}", events=events)
render.altair(anomaly_fig, width="stretch")
exports.render(
    exports.ChartExport(
        key="exposure_anomalies",
        page="exposure",
        title="Weekly exposure and anomalous weeks",
        data=flags,
        chart=anomaly_fig,
        metrics=("anomaly_score", "exposure_eur"),
        money=("value", "expected", "residual"),
        extra={"Threshold (robust z)": f"{z:.1f}"},
        view="exposure.anomalies",
        view_params={"exposure_z": f"{z:.1f}"},
    ),
    f,
    opts,
)
n_flagged = int(flags["flagged"].sum())
if n_flagged == 0:
    st.caption(f"No week scores {z:.1f} or more.")
else:
    by_label = render.load(load_weekly_by_group, scope, f, "label", "exposure_eur", 10)
    anomalies.render_table(
        flags,
        by_market=by_market,
        by_label=by_label,
        value_title="Exposure (EUR)",
        money=True,
        threshold=z,
    )
