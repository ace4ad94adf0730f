"""Charts of the Overview page."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.common import (
    all_zero,
    count_axis,
    date_x,
    empty_chart,
    event_layer,
    money_axis,
    size,
    title,
)
from charts.theme import colour_of, colour_scale


def weekly_trend_chart(
    df: pd.DataFrame, *, events: pd.DataFrame | None = None, subtitle: str | None = None
) -> alt.LayerChart | alt.Chart:
    """Detected vs confirmed artificial streams per week, with dated events annotated."""
    text = "Detected vs confirmed artificial streams per week"
    if df is None or df.empty:
        return empty_chart(text, selection="week_pick")
    long = df.melt(
        id_vars=["week"],
        value_vars=["detected_streams", "confirmed_streams"],
        var_name="series",
        value_name="value",
    ).dropna(subset=["value"])
    long["series"] = long["series"].map(
        {"detected_streams": "Detected (flagged)", "confirmed_streams": "Confirmed"}
    )
    pick = alt.selection_point(name="week_pick", fields=["week"], on="click")
    lines = (
        alt.Chart(long)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=date_x("week", long["week"], title="Week"),
            y=alt.Y("value:Q", title="Artificial streams", axis=count_axis()),
            color=alt.Color(
                "series:N",
                title=None,
                scale=colour_scale(["Detected (flagged)", "Confirmed"]),
            ),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title="Streams", format=",.0f"),
            ],
        )
        .add_params(pick)
    )
    layers = [lines, *event_layer(events, "week", df["week"].min(), df["week"].max())]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def top_bar_chart(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    text: str,
    value_title: str,
    subtitle: str | None = None,
    money: bool = True,
    select_field: str | None = None,
) -> alt.Chart:
    """Horizontal bars, largest first; ``select_field`` adds a click selection named 'pick'
    carrying that column's value (e.g. a market's iso2 code) for drill-down."""
    if all_zero(df, value):
        return empty_chart(text, selection="pick" if select_field else None)
    cols = [category, value] + ([select_field] if select_field and select_field != category else [])
    data = df[cols].dropna(subset=[value])
    chart = (
        alt.Chart(data)
        .mark_bar(color=colour_of(value_title))
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None),
            x=alt.X(f"{value}:Q", title=value_title, axis=money_axis() if money else count_axis()),
            tooltip=[
                alt.Tooltip(f"{category}:N"),
                alt.Tooltip(f"{value}:Q", title=value_title, format=",.0f"),
            ],
        )
        .properties(title=title(text, subtitle), width=340, height=max(120, 26 * len(data)))
    )
    if select_field:
        sel = alt.selection_point(name="pick", fields=[select_field], on="click")
        chart = chart.add_params(sel).encode(
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.55))
        )
    return chart
