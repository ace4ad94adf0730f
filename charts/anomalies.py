"""Anomaly markers for any weekly time chart, the anomaly chart itself, and the table that
lists flagged weeks with the market / label that drove them.

Input frames come from analytics.anomalies.weekly_anomalies (week, value, expected,
residual, score, flagged) and attribute_anomalies (week, driver, ...).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from charts.common import all_zero, date_x, empty_chart, event_layer, money_axis, size, title
from charts.theme import colour_of

ANOMALY_COLOUR = "#D55E00"  # Okabe-Ito vermillion


def anomaly_markers_layer(
    df: pd.DataFrame | None, x_field: str = "week", y_field: str = "value"
) -> alt.Chart:
    """Red markers at the flagged points (tooltip: date, value, score); layer it on a chart
    whose x is ``x_field`` (temporal) and y is ``y_field``. Empty when nothing is flagged."""
    cols = [x_field, y_field, "score"]
    if df is None or df.empty or not set(cols) <= set(df.columns):
        data = pd.DataFrame(
            {x_field: pd.Series(dtype="datetime64[ns]"), y_field: [], "score": []}
        ).astype({y_field: float, "score": float})
    else:
        flagged = df["flagged"].fillna(False).astype(bool) if "flagged" in df else True
        data = df.loc[flagged, cols].dropna(subset=[y_field])
    return (
        alt.Chart(data)
        .mark_point(shape="diamond", size=110, filled=True, color=ANOMALY_COLOUR, opacity=0.95)
        .encode(
            x=alt.X(f"{x_field}:T"),
            y=alt.Y(f"{y_field}:Q"),
            tooltip=[
                alt.Tooltip(f"{x_field}:T", title="Week of"),
                alt.Tooltip(f"{y_field}:Q", title="Value", format=",.0f"),
                alt.Tooltip("score:Q", title="Anomaly score (robust z)", format=".1f"),
            ],
        )
    )


def anomaly_chart(
    df: pd.DataFrame | None,
    *,
    text: str = "Weekly exposure and anomalous weeks",
    subtitle: str | None = None,
    events: pd.DataFrame | None = None,
    money: bool = True,
    value_title: str = "Exposure (EUR)",
) -> alt.LayerChart | alt.Chart:
    """The weekly series, its expected value (STL trend + season), and flagged weeks."""
    if all_zero(df, "value"):  # no rows, or a slice without money: nothing to draw
        return empty_chart(text)
    data = df[["week", "value", "expected", "score", "flagged"]].copy()
    axis = money_axis() if money else alt.Axis(format="~s")
    fmt = ",.0f"
    base = alt.Chart(data).encode(x=date_x("week", data["week"], title="Week"))
    actual = base.mark_line(color=colour_of(value_title), strokeWidth=2).encode(
        y=alt.Y("value:Q", title=value_title, axis=axis),
        tooltip=[
            alt.Tooltip("week:T", title="Week of"),
            alt.Tooltip("value:Q", title="Actual", format=fmt),
            alt.Tooltip("expected:Q", title="Expected", format=fmt),
            alt.Tooltip("score:Q", title="Anomaly score (robust z)", format=".1f"),
        ],
    )
    expected = base.mark_line(
        color=colour_of("Expected"), strokeDash=[5, 3], strokeWidth=1.5
    ).encode(y="expected:Q")
    layers = [
        actual,
        expected,
        anomaly_markers_layer(data),
        *event_layer(events, "week", data["week"].min(), data["week"].max()),
    ]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def anomaly_table(
    flags: pd.DataFrame | None,
    drivers: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Flagged weeks, most anomalous first: week, value, expected, score, and for each
    ``drivers`` entry (e.g. {"market": df, "label": df} from attribute_anomalies) the
    group that drove the week and its change from its own median (negative for a fall);
    ``direction`` says whether the week rose above or fell below its expected value."""
    cols = ["week", "value", "expected", "score"]
    if flags is None or flags.empty:
        out = pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
        out["week"] = pd.Series(dtype="datetime64[ns]")
        out["direction"] = pd.Series(dtype=str)
        for name in drivers or {}:
            out[name] = pd.Series(dtype=str)
            out[f"{name}_change"] = pd.Series(dtype=float)
        return out
    out = flags.loc[flags["flagged"].fillna(False).astype(bool), cols].copy()
    out["direction"] = np.where(out["score"].astype(float) < 0, "fall", "rise")
    for name, d in (drivers or {}).items():
        if d is None or d.empty:
            out[name] = pd.Series(dtype=str)
            out[f"{name}_change"] = pd.Series(dtype=float)
            continue
        d = d[["week", "driver", "driver_change"]].rename(
            columns={"driver": name, "driver_change": f"{name}_change"}
        )
        d["week"] = pd.to_datetime(d["week"])
        out = out.merge(d, on="week", how="left")
    return out.sort_values("score", key=lambda s: s.abs(), ascending=False).reset_index(drop=True)
