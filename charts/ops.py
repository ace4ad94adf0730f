"""Charts of the Operations plan page: weekly lines (review flow, queue, staffing, case
backlog by team) and bars (review times, the team, the replay, SLA risk by team)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts.common import count_axis, date_x, empty_chart, pct_axis, size, title
from charts.theme import WIDTH, colour_scale

_FORMATS = {"count": ",.0f", "hours": ",.1f", "pct": ".1%"}


def _axis(unit: str) -> alt.Axis:
    return pct_axis() if unit == "pct" else count_axis()


def weekly_lines_chart(
    df: pd.DataFrame,
    *,
    series: Mapping[str, str] | None = None,
    pivot: tuple[str, str] | None = None,
    text: str,
    y_title: str,
    unit: str = "count",
    subtitle: str | None = None,
    dashed: tuple[str, ...] = (),
) -> alt.Chart:
    """One line per series over ``week``: wide (``series``: column -> legend name) or long
    (``pivot``: (series column, value column)). ``dashed`` names series drawn dashed."""
    if df is None or df.empty:
        return empty_chart(text)
    if pivot:
        col, value = pivot
        long = df[["week", col, value]].rename(columns={col: "series", value: "value"})
    else:
        cols = [c for c in (series or {}) if c in df.columns]
        long = df.melt(id_vars=["week"], value_vars=cols, var_name="series", value_name="value")
        long["series"] = long["series"].map(series)
    long = long.dropna(subset=["value"])
    if long.empty:
        return empty_chart(text)
    long["week"] = pd.to_datetime(long["week"])
    names = list(dict.fromkeys(long["series"].astype(str)))
    chart = (
        alt.Chart(long, title=title(text, subtitle))
        .mark_line(strokeWidth=2, point=len(long["week"].unique()) < 30)
        .encode(
            x=date_x("week", long["week"], title="Week"),
            y=alt.Y("value:Q", title=y_title, axis=_axis(unit)),
            color=alt.Color("series:N", title=None, scale=colour_scale(names), sort=names),
            strokeDash=alt.condition(
                alt.FieldOneOfPredicate(field="series", oneOf=list(dashed) or ["\u0000"]),
                alt.value([5, 3]),
                alt.value([1, 0]),
            ),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title=y_title, format=_FORMATS.get(unit, ",.1f")),
            ],
        )
    )
    return size(chart)


def bars_chart(
    df: pd.DataFrame,
    *,
    category: str,
    series: Mapping[str, str] | None = None,
    pivot: tuple[str, str] | None = None,
    text: str,
    x_title: str,
    unit: str = "count",
    stacked: bool = False,
    subtitle: str | None = None,
    category_title: str | None = None,
    max_rows: int = 40,
) -> alt.Chart:
    """Horizontal bars per ``category``, one bar per series side by side (or stacked)."""
    if df is None or df.empty or category not in df.columns:
        return empty_chart(text)
    data = df.head(max_rows)
    if pivot:
        col, value = pivot
        long = data[[category, col, value]].rename(columns={col: "series", value: "value"})
    else:
        cols = [c for c in (series or {}) if c in data.columns]
        long = data.melt(id_vars=[category], value_vars=cols, var_name="series", value_name="value")
        long["series"] = long["series"].map(series)
    long = long.dropna(subset=["value"])
    if long.empty:
        return empty_chart(text)
    long[category] = long[category].astype(str)
    order = list(dict.fromkeys(long[category]))
    names = list(dict.fromkeys(long["series"].astype(str)))
    enc = {
        "y": alt.Y(f"{category}:N", sort=order, title=category_title),
        "x": alt.X("value:Q", title=x_title, axis=_axis(unit), stack=True if stacked else None),
        "color": alt.Color("series:N", title=None, scale=colour_scale(names), sort=names),
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=category_title or category),
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("value:Q", title=x_title, format=_FORMATS.get(unit, ",.1f")),
        ],
    }
    if not stacked and len(names) > 1:
        enc["yOffset"] = alt.YOffset("series:N", sort=names)
    rows = len(order) * (1 if stacked else max(1, len(names)))
    chart = alt.Chart(long, title=title(text, subtitle)).mark_bar().encode(**enc)
    return size(chart, width=WIDTH, height=max(140, min(900, 14 * rows + 40)))
