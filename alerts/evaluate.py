"""A rule's condition over its view's frame: the metric's series, the value the condition
reads (latest value, change on the previous period, anomaly score, forecast total) and
whether it holds. Pure: the runner gets the frame, this module judges it."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import pandas as pd

from alerts.model import RuleError, RuleSpec

TIME_COLUMNS = ("period", "week", "day", "month", "date")
# Forecast backtest origins: fewer than the Exposure page's, a runner judges many rules.
FORECAST_ORIGINS = int(os.environ.get("FRAUD_ALERT_FORECAST_ORIGINS", "6"))


@dataclass(frozen=True)
class Outcome:
    value: float  # what the condition compares with the threshold
    breached: bool
    latest: float  # the metric's latest value
    when: pd.Timestamp | None
    text: str  # "Detected share change on the previous week: +1.4 pp (rises more than 1 pp)"


def series_of(df: pd.DataFrame, metric: str) -> pd.Series:
    """The metric over time (one value per period), or a one-value series for a frame
    without a time column but with one row."""
    if metric not in df.columns:
        numeric = [str(c) for c in df.select_dtypes("number").columns]
        raise RuleError(
            f"the view's data has no column {metric!r}; numeric columns: "
            f"{', '.join(numeric) or 'none'}"
        )
    if not pd.api.types.is_numeric_dtype(df[metric]):
        raise RuleError(f"column {metric!r} of the view's data is not a number")
    time = next((c for c in TIME_COLUMNS if c in df.columns), None)
    if time is None:
        if len(df) != 1:
            raise RuleError(
                f"the view's data has {len(df)} rows and no time column: a rule needs one "
                "value per period"
            )
        return pd.Series([float(df[metric].iloc[0])], index=[pd.NaT])
    data = df.dropna(subset=[time])
    if data[time].duplicated().any():
        split = data["series"].nunique() if "series" in data else "several"
        raise RuleError(
            f"the view's data has {split} series per {time}: set its split to none, or narrow "
            "the slice, so the rule reads one value per period"
        )
    s = data.set_index(pd.DatetimeIndex(pd.to_datetime(data[time])))[metric].astype(float)
    return s.sort_index()


def judge(spec: RuleSpec, df: pd.DataFrame, *, label: str) -> Outcome:
    s = series_of(df, spec.metric).dropna()
    if s.empty:
        raise RuleError("the view has no value of the metric for this slice")
    latest, when = float(s.iloc[-1]), s.index[-1]
    when = None if pd.isna(when) else pd.Timestamp(when)
    if spec.kind == "value":
        value, what = latest, label
        shown = _number(value, spec.metric)
    elif spec.kind in ("change_pct", "change_pp"):
        if len(s) < 2:
            raise RuleError("a change needs two periods of data; the slice has one")
        prev = float(s.iloc[-2])
        if spec.kind == "change_pct":
            if prev == 0:
                raise RuleError("the previous period is zero: a change in % is undefined")
            value = (latest - prev) / abs(prev) * 100
            shown = f"{value:+.1f}%"
        else:
            value = (latest - prev) * 100
            shown = f"{value:+.1f} pp"
        what = f"{label} change on the previous period"
    elif spec.kind == "anomaly":
        from analytics.anomalies import weekly_anomalies

        scores = weekly_anomalies(s, threshold=spec.threshold)
        value = abs(float(scores["score"].iloc[-1]))
        value = 0.0 if math.isnan(value) else value
        what, shown = f"{label} anomaly score of the latest week", f"{value:.1f}"
    else:
        from analytics.forecast import forecast_series, horizon_total

        result = forecast_series(
            s, horizon=int(spec.weeks or 1), origins=FORECAST_ORIGINS, name=spec.name
        )
        value = horizon_total(result.forecast, int(spec.weeks or 1))
        what = f"{label} forecast over the next {spec.weeks} weeks"
        shown = _number(value, spec.metric)
    if spec.kind == "anomaly":
        breached = value >= spec.threshold
    elif spec.kind in ("change_pct", "change_pp"):  # the threshold is a size: rise or fall
        t = abs(spec.threshold)
        breached = value > t if spec.op == "above" else value < -t
    else:
        breached = value > spec.threshold if spec.op == "above" else value < spec.threshold
    return Outcome(value, breached, latest, when, f"{what}: {shown} ({spec.condition_text()})")


def _number(value: float, metric: str) -> str:
    if metric.endswith(("_share", "_rate")) and abs(value) <= 1.5:
        return f"{value * 100:.1f}%"
    if metric.endswith("_eur"):
        return f"€{value:,.0f}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
