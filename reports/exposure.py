"""Exposure's views: the forecast fan, exposure's two parts per week, anomalous weeks."""

from __future__ import annotations

import pandas as pd

from analytics import format as fmt
from analytics.anomalies import DEFAULT_THRESHOLD, weekly_anomalies
from analytics.forecast import (
    MAX_HORIZON,
    MIN_HORIZON,
    ForecastResult,
    horizon_total,
)
from analytics.forecast_store import default_forecaster, slice_of
from charts import exposure as cx
from charts.anomalies import anomaly_chart
from data_access.loaders import exposure as lx
from reports import words as w
from reports.view import MONEY_FORMAT, Native, Param, View

FAN_ORIGINS = 12  # backtest origins of the exposure forecast
QUARTER = 13
HORIZON = Param(
    "exposure_horizon",
    "Forecast horizon (weeks)",
    tuple(str(h) for h in range(MIN_HORIZON, MAX_HORIZON + 1)),
    default=str(QUARTER),
    widget="slider",
    help=f"How many weeks ahead to forecast ({MIN_HORIZON}–{MAX_HORIZON}).",
    shared=True,
)
Z = Param(
    "exposure_z",
    "Anomaly threshold (robust z-score)",
    tuple(f"{x / 2:.1f}" for x in range(4, 13)),
    default=f"{DEFAULT_THRESHOLD:.1f}",
    widget="slider",
)
FAN_COLUMNS = ("mean", "lo80", "hi80", "lo95", "hi95")
ANOMALY_MONEY = {"value": "value_eur", "expected": "expected_eur", "residual": "residual_eur"}


def fan_frame(weekly: pd.DataFrame, result: ForecastResult, horizon: int) -> pd.DataFrame:
    """History and forecast in one frame (what the fan chart draws and exports)."""
    hist = result.history.rename(columns={"value": "actual_eur"})
    fc = result.forecast.drop(columns=["step"]).rename(columns={c: f"{c}_eur" for c in FAN_COLUMNS})
    df = pd.concat([hist, fc], ignore_index=True)
    df.attrs.update(
        model=result.chosen_label,
        horizon=horizon,
        total=horizon_total(result.forecast),
        recent=float(weekly["exposure_eur"].tail(horizon).sum()) if not weekly.empty else 0.0,
    )
    return df


def _fan_data(scope, f, url, p):
    weekly = lx.load_weekly_exposure(scope, f, url=url)
    horizon = int(p["exposure_horizon"])
    series = (
        weekly.set_index("week")["exposure_eur"] if not weekly.empty else pd.Series(dtype=float)
    )
    # The persistent fit store: the page, the deck and the warm-up share one fit per series.
    result = default_forecaster().forecast(
        series,
        horizon=horizon,
        origins=FAN_ORIGINS,
        name="overall",  # the Exposure page's name for it: one slice, one stored fit
        slice_=slice_of(scope, f) if not weekly.empty else None,
    )
    return fan_frame(weekly, result, horizon)


def _fan_figure(df, ctx, p):
    hist = df[["week", "actual_eur"]].rename(columns={"actual_eur": "value"})
    hist = hist.dropna(subset=["value"])
    cols = {f"{c}_eur": c for c in ("mean", "lo80", "hi80", "lo95", "hi95")}
    fc = df[["week", *cols]].rename(columns=cols) if set(cols) <= set(df.columns) else None
    return cx.fan_chart(
        hist,
        fc,
        model=df.attrs.get("model", ""),
        subtitle=f"{ctx.subtitle} · 80% and 95% bands",
        events=ctx.events,
    )


def _fan_headline(df):
    h = df.attrs.get("horizon", 13)
    total, recent = df.attrs.get("total", float("nan")), df.attrs.get("recent", float("nan"))
    if not w.valid(total):
        return "No exposure to forecast in this selection"
    change = ""
    if w.valid(recent) and recent:
        change = f" ({(total - recent) / abs(recent) * 100:+.1f}% vs the last {h} weeks)"
    return f"Forecast exposure for the next {h} weeks: {fmt.eur(total)}{change}"


def _parts_data(scope, f, url, p):
    weekly = lx.load_weekly_exposure(scope, f, url=url)
    first = pd.Timestamp(f.start) - pd.Timedelta(days=6)
    return weekly[weekly["week"] >= first].reset_index(drop=True)


def _parts_headline(df):
    if df.empty or df["exposure_eur"].sum() == 0:
        return "No exposure in this selection"
    total = float(df["exposure_eur"].sum())
    fees = float(df["fees_outstanding_eur"].sum())
    return (
        f"Exposure over the period: {fmt.eur(total)}, of which {fmt.pct(1 - fees / total)} "
        f"royalties at risk and {fmt.pct(fees / total)} fees not yet recovered"
    )


def _anomaly_data(scope, f, url, p):
    weekly = lx.load_weekly_exposure(scope, f, url=url)
    series = weekly.set_index("week")["exposure_eur"] if not weekly.empty else None
    df = weekly_anomalies(series, threshold=float(p["exposure_z"])).rename(columns=ANOMALY_MONEY)
    df.attrs.update(threshold=float(p["exposure_z"]))
    return df


def _anomaly_figure(df, ctx, p):
    return anomaly_chart(
        df.rename(columns={v: k for k, v in ANOMALY_MONEY.items()}),
        subtitle=f"{ctx.subtitle} · threshold {float(p['exposure_z']):.1f}",
        events=ctx.events,
    )


def _anomaly_headline(df):
    return w.anomalies(df, "exposure")


VIEWS = (
    View(
        id="exposure.fan",
        page="exposure",
        title="Weekly exposure: history and forecast",
        data=_fan_data,
        figure=_fan_figure,
        headline=_fan_headline,
        metrics=("exposure_eur", "exposure_forecast_eur", "interval_coverage"),
        sources=("mart_daily_fraud", "mart_daily_enforcement"),
        params=(HORIZON,),
        needs_money=True,
    ),
    View(
        id="exposure.parts",
        page="exposure",
        title="Weekly exposure: royalties at risk and fees outstanding",
        data=_parts_data,
        figure=lambda df, ctx, p: cx.exposure_parts_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_parts_headline,
        metrics=("exposure_eur",),
        sources=("mart_daily_fraud", "mart_daily_enforcement"),
        native=Native(
            "area",
            "week",
            series=(
                ("at_risk_eur", "Royalties at risk"),
                ("fees_outstanding_eur", "Fees outstanding"),
            ),
            stacked=True,
            number_format=MONEY_FORMAT,
        ),
        needs_money=True,
    ),
    View(
        id="exposure.anomalies",
        page="exposure",
        title="Weekly exposure and anomalous weeks",
        data=_anomaly_data,
        figure=_anomaly_figure,
        headline=_anomaly_headline,
        metrics=("anomaly_score", "exposure_eur"),
        sources=("mart_daily_fraud", "mart_daily_enforcement"),
        native=Native(
            "line",
            "week",
            series=(("value_eur", "Exposure (EUR)"), ("expected_eur", "Expected (EUR)")),
            number_format=MONEY_FORMAT,
        ),
        params=(Z,),
        needs_money=True,
    ),
)
