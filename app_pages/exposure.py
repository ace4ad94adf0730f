"""Exposure: how much money is at risk over the next weeks, how sure we are, what would
change it, and which weeks were anomalous."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import format as fmt
from analytics.forecast import (
    BASELINE,
    FEE_THRESHOLD,
    ScenarioInputs,
    apply_scenario,
    eligible_tracks,
    horizon_total,
    scenario_factors,
)
from analytics.funnel import recall_caveat
from analytics.metrics import METRICS
from charts.exposure import (
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
from reports import exposure as views
from ui import anomalies, drill, exports, forecasting, render
from ui.page import controls, start_page
from ui.view import show

# What the page forecasts lives in ui.forecasting, so the warm-up precomputes the same fits.
QUARTER, TOP_MARKETS = forecasting.QUARTER, forecasting.TOP_MARKETS

ctx = start_page("exposure")
scope, f, opts, context = ctx.scope, ctx.filters, ctx.options, ctx.context
origin = forecast_origin(f)

st.title("Exposure forecast")
st.caption(
    f"{context} · The period's end picks the forecast origin (the last complete week, ending "
    f"{origin:%d %b %Y}); the slice (markets, labels, …) picks the series. History: up to "
    "three years before the origin, whatever the period's start."
)
render.filter_notes(f.notes)
drill.clear_button()

ctx = controls(ctx, (views.HORIZON,))
horizon = int(ctx.params["exposure_horizon"])

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

fan, parts, _ = views.VIEWS
show(fan, ctx)
show(parts, ctx)

# -- model accuracy ----------------------------------------------------------------------
st.subheader("Model accuracy (rolling-origin backtest)")
if result.accuracy.empty:
    st.caption("No backtest: the series is too short or degenerate (see the note above).")
else:
    acc = result.accuracy.sort_values(["chosen", "mae"], ascending=[False, True])
    render.table(
        acc,
        {
            "label": ("Model", "text", ""),
            "mae": render.column("forecast_mae", label="MAE (EUR/week)"),
            "mase": render.column("forecast_mase", label="MASE", kind="ratio"),
            "coverage80": render.column("interval_coverage", label="Coverage 80%"),
            "coverage95": render.column("interval_coverage", label="Coverage 95%"),
            "origins": ("Origins", "count", "Backtest origins fitted."),
            "fit_s": ("Fit time (s)", "ratio", "Total time refitting at every origin."),
            "chosen": ("Chosen", "checkbox", "The model with the lowest backtest MAE."),
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
    caveat = recall_caveat(inputs.measured_recall)  # "already 100.0%" hid a 111.5%
    st.caption(
        f"Recall is already {fmt.pct(inputs.measured_recall)}: the uplift is capped at "
        f"{max_uplift:.1f} pp. {caveat}".strip()
    )
s1, s2 = st.columns([1, 3])
change = (adjusted - total) / total if total else float("nan")
moved = fmt.delta_moved(change)  # no arrow, no colour for a scenario that changes nothing
s1.metric(
    f"Forecast under the scenario, next {horizon} weeks",
    fmt.eur(adjusted),
    delta=f"{fmt.eur(adjusted - total)} ({fmt.pct(change, signed=True)})" if total else None,
    delta_color="inverse" if moved else "off",
    delta_arrow="auto" if moved else "off",
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
        ctx,
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
    measured = fmt.pct(inputs.measured_recall)
    if recall_caveat(inputs.measured_recall):
        measured += " (used as 100%; the estimate of artificial streams is below the flagged)"
    st.caption(
        f"This slice: recall {measured}, κ {fmt.pct(inputs.removal_rate)}, "
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
            ctx,
        )
    with right:
        render.table(
            markets,
            {
                "group": ("Market", "text", ""),
                "key": ("Code", "text", ""),
                "forecast_eur": render.column(
                    "exposure_forecast_eur", label=f"Forecast, next {QUARTER} w (EUR)"
                ),
                "last_quarter_eur": render.column("exposure_eur", label=f"Last {QUARTER} w (EUR)"),
                "model": ("Model", "text", ""),
                "mase": render.column("forecast_mase", label="MASE", kind="ratio"),
            },
        )
    st.caption(
        f"The {TOP_MARKETS} markets with the most exposure in the last {QUARTER} weeks, each "
        "with its own model, backtested over 6 origins (ETS, damped ETS, ARIMA(1,0,1) vs the "
        "baseline). Click a bar to narrow the page to that market."
    )

# -- anomalies ---------------------------------------------------------------------------
st.subheader("Is this week's spike real? Anomalous weeks")


def anomaly_drivers(flags, params) -> None:
    """The flagged weeks with the markets and labels that drove them."""
    if not int(flags["flagged"].fillna(False).astype(bool).sum()):
        return
    by_label = render.load(load_weekly_by_group, scope, f, "label", "exposure_eur", 10)
    anomalies.render_table(
        flags.rename(columns={v: k for k, v in views.ANOMALY_MONEY.items()}),
        by_market=by_market,
        by_label=by_label,
        value_title="Exposure (EUR)",
        money=True,
        threshold=float(params["exposure_z"]),
    )


show(views.VIEWS[2], ctx, below=anomaly_drivers)  # exposure.anomalies
