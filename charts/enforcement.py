"""Charts of the Enforcement page: actions by type per week, money over time, and the
labels / distributors with the most confirmed fraud (repeat offenders)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.format import plural_of
from charts.common import count_axis, date_x, empty_chart, event_layer, money_axis, size, title
from charts.theme import colour_scale

# dim_enforcement_type names in a stable colour order.
TYPE_ORDER = (
    "Stream removal",
    "Royalty withholding",
    "Per-track fee",
    "Takedown",
    "Account suspension",
    "Warning",
)
MONEY_ORDER = ("Royalties withheld", "Fees levied", "Fees recovered", "Reversed after appeal")


def _domain(values, order) -> list[str]:
    seen = [v for v in order if v in set(values)]
    return seen + sorted(v for v in set(values) if v not in order)


def actions_by_type_chart(
    df: pd.DataFrame, *, events: pd.DataFrame | None = None, subtitle: str | None = None
) -> alt.LayerChart | alt.Chart:
    """Enforcement actions per week, stacked by type, with dated events."""
    text = "Enforcement actions per week, by type"
    if df is None or df.empty or df["actions"].fillna(0).sum() == 0:
        return empty_chart(text)
    data = df[["week", "enforcement_type", "actions"]].dropna()
    domain = _domain(data["enforcement_type"].astype(str), TYPE_ORDER)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=date_x("week", data["week"], title="Week applied"),
            y=alt.Y("sum(actions):Q", title="Actions", axis=count_axis()),
            color=alt.Color("enforcement_type:N", title=None, scale=colour_scale(domain)),
            order=alt.Order("enforcement_type:N"),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("enforcement_type:N", title="Type"),
                alt.Tooltip("sum(actions):Q", title="Actions", format=",.0f"),
            ],
        )
    )
    layers = [bars, *event_layer(events, "week", data["week"].min(), data["week"].max())]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def money_trend_chart(
    df: pd.DataFrame, *, events: pd.DataFrame | None = None, subtitle: str | None = None
) -> alt.LayerChart | alt.Chart:
    """Royalties withheld, fees levied / recovered and money reversed after appeal per week
    (``df``: week, series, value_eur), in EUR."""
    text = "Money withheld, fees and reversals per week (EUR)"
    if df is None or df.empty or df["value_eur"].fillna(0).abs().sum() == 0:
        return empty_chart(text)
    data = df[["week", "series", "value_eur"]].dropna()
    domain = _domain(data["series"].astype(str), MONEY_ORDER)
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=date_x("week", data["week"], title="Week applied"),
            y=alt.Y("value_eur:Q", title="EUR", axis=money_axis()),
            color=alt.Color("series:N", title=None, scale=colour_scale(domain)),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value_eur:Q", title="EUR", format=",.0f"),
            ],
        )
    )
    layers = [lines, *event_layer(events, "week", data["week"].min(), data["week"].max())]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def offenders_chart(
    df: pd.DataFrame, *, by: str, subtitle: str | None = None, selectable: bool = False
) -> alt.Chart:
    """Labels or distributors ranked by confirmed detections; colour = weeks with actions
    (the 'repeat' evidence). ``by`` names the category column ('label' / 'distributor')."""
    text = f"Repeat offenders: {plural_of(by)} with the most confirmed detections"
    if df is None or df.empty or by not in df or df["confirmed_detections"].fillna(0).sum() == 0:
        return empty_chart(text, selection=f"pick_{by}" if selectable else None)
    data = df[[by, "confirmed_detections", "actions", "action_weeks"]].copy()
    data = data.dropna(subset=["confirmed_detections"])
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{by}:N", sort="-x", title=None),
            x=alt.X("confirmed_detections:Q", title="Confirmed detections", axis=count_axis()),
            color=alt.Color(
                "action_weeks:Q",
                title="Weeks with actions",
                scale=alt.Scale(scheme="blues"),
            ),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=by.capitalize()),
                alt.Tooltip("confirmed_detections:Q", title="Confirmed detections", format=",.0f"),
                alt.Tooltip("actions:Q", title="Enforcement actions", format=",.0f"),
                alt.Tooltip("action_weeks:Q", title="Weeks with actions", format=",.0f"),
            ],
        )
        .properties(title=title(text, subtitle), width=340, height=max(120, 24 * len(data)))
    )
    if selectable:
        sel = alt.selection_point(name=f"pick_{by}", fields=[by], on="click")
        chart = chart.add_params(sel).encode(
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.55))
        )
    return chart


def actions_share_chart(df: pd.DataFrame, *, subtitle: str | None = None) -> alt.Chart:
    """Each enforcement type's share of the actions applied in the period (a donut)."""
    text = "Enforcement actions by type"
    if df is None or df.empty or "actions" not in df or df["actions"].fillna(0).sum() <= 0:
        return empty_chart(text)
    data = df[["enforcement_type", "actions"]].dropna()
    data = data[data["actions"] > 0].copy()
    data["share"] = data["actions"] / data["actions"].sum()
    domain = _domain(data["enforcement_type"].astype(str), TYPE_ORDER)
    return (
        alt.Chart(data)
        .mark_arc(innerRadius=70, outerRadius=130)
        .encode(
            theta=alt.Theta("actions:Q", stack=True),
            color=alt.Color(
                "enforcement_type:N",
                title=None,
                sort=domain,
                scale=colour_scale(domain),
                legend=alt.Legend(orient="right"),
            ),
            order=alt.Order("actions:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("enforcement_type:N", title="Type"),
                alt.Tooltip("actions:Q", title="Actions", format=",.0f"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(title=title(text, subtitle), width=420, height=280)
    )
