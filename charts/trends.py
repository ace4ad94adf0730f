"""Charts of the Fraud trends page: the (split) trend, the current vs previous period
overlay, and the market x week heatmap of the detected artificial share."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.common import count_axis, date_x, empty_chart, event_layer, pct_axis, size, title
from charts.theme import OTHER, SEQUENTIAL, colour_of, colour_scale, repeated

_GRAIN_TITLE = {"day": "Day", "week": "Week", "month": "Month"}
_LABELS = {
    "detected_streams": "Detected artificial streams",
    "confirmed_streams": "Confirmed artificial streams",
    "detected_share": "Detected artificial share",
    "confirmed_share": "Confirmed artificial share",
}


def _is_share(metric: str) -> bool:
    return metric.endswith("_share")


def _value_axis(metric: str) -> alt.Axis:
    return pct_axis() if _is_share(metric) else count_axis()


def _value_format(metric: str) -> str:
    return ".1%" if _is_share(metric) else ",.0f"


def _tick_grain(grain: str) -> str:
    """Month buckets tick on the month's first day; day and week buckets on Mondays."""
    return "month" if grain == "month" else "week"


def _usable(df: pd.DataFrame | None, cols: list[str]) -> bool:
    return df is not None and not df.empty and set(cols) <= set(df.columns)


def series_order(df: pd.DataFrame, metric: str) -> list[str]:
    """Series by their total of ``metric`` (largest first), "Other" last."""
    totals = df.groupby("series")[metric].sum(min_count=1).fillna(0.0)
    names = totals.sort_values(ascending=False, kind="stable").index.tolist()
    return [n for n in names if n != OTHER] + ([OTHER] if OTHER in names else [])


def trend_chart(
    df: pd.DataFrame,
    *,
    metric: str = "detected_streams",
    grain: str = "week",
    split: str = "none",
    events: pd.DataFrame | None = None,
    subtitle: str | None = None,
    select_field: str | None = None,
) -> alt.LayerChart | alt.Chart:
    """One line per series (top members + "Other") of ``metric`` per period bucket, with
    dated events annotated; ``select_field`` adds a click selection named "pick"."""
    label = _LABELS.get(metric, metric)
    per = _GRAIN_TITLE.get(grain, grain)
    text = f"{label} per {per.lower()}" + (f" by {split}" if split != "none" else "")
    if not _usable(df, ["period", "series", metric]):
        return empty_chart(text, selection="pick" if select_field else None)
    data = df.dropna(subset=[metric]).copy()
    if data.empty:
        return empty_chart(text, selection="pick" if select_field else None)
    data["period_key"] = data["period"].dt.strftime("%Y-%m-%d")
    order = series_order(data, metric)
    # More series than colours: a series whose colour another one already has is dashed.
    dashed = repeated(order)
    data["dashed"] = data["series"].map(lambda n: n in dashed)
    tooltip = [
        alt.Tooltip("period:T", title=f"{per} of"),
        alt.Tooltip("series:N", title=split.capitalize() if split != "none" else "Series"),
        alt.Tooltip(f"{metric}:Q", title=label, format=_value_format(metric)),
    ]
    for col, name in (("detected_streams", "Detected"), ("confirmed_streams", "Confirmed")):
        if col in data and col != metric:
            tooltip.append(alt.Tooltip(f"{col}:Q", title=name, format=",.0f"))
    base = alt.Chart(data).encode(
        x=date_x("period", data["period"], title=per, grain=_tick_grain(grain)),
        y=alt.Y(f"{metric}:Q", title=label, axis=_value_axis(metric)),
        color=alt.Color(
            "series:N",
            title=None,
            sort=order,
            # Unsplit, the one series is the metric itself: the metric's colour everywhere.
            scale=alt.Scale(domain=order, range=[colour_of(label)] * len(order))
            if split == "none"
            else colour_scale(order),
            legend=None if split == "none" else alt.Legend(),
        ),
        tooltip=tooltip,
    )
    lines = base.mark_line(strokeWidth=2).encode(
        strokeDash=alt.StrokeDash("dashed:N", legend=None), detail="series:N"
    )
    # The click target is a point layer: a point carries its own bucket and series (a
    # line's datum would be its first point); nearest picks the closest point to a click.
    points = base.mark_point(filled=True, size=40, opacity=1)
    if select_field and select_field in data.columns:
        sel = alt.selection_point(name="pick", fields=[select_field], on="click", nearest=True)
        points = points.add_params(sel)
    layers = [
        lines,
        points,
        *event_layer(events, "period", data["period"].min(), data["period"].max()),
    ]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def overlay_chart(
    df: pd.DataFrame,
    *,
    metric: str = "detected_streams",
    grain: str = "week",
    events: pd.DataFrame | None = None,
    subtitle: str | None = None,
) -> alt.LayerChart | alt.Chart:
    """``metric`` of the current period vs the previous period of equal length, the
    previous one shifted onto the current dates (frame from analytics.trends.overlay_frame)."""
    label = _LABELS.get(metric, metric)
    per = _GRAIN_TITLE.get(grain, grain)
    text = f"{label}: this period vs the previous one"
    if not _usable(df, ["period", "series", "value"]):
        return empty_chart(text)
    data = df.dropna(subset=["value"])
    if data.empty:
        return empty_chart(text)
    domain = ["Current period", "Previous period"]
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=date_x(
                "period",
                data["period"],
                title=f"{per} (previous period shifted onto this one)",
                grain=_tick_grain(grain),
            ),
            y=alt.Y("value:Q", title=label, axis=_value_axis(metric)),
            color=alt.Color(
                "series:N",
                title=None,
                scale=colour_scale(domain),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=domain, range=[[1, 0], [5, 3]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Period"),
                alt.Tooltip("date:T", title=f"{per} of"),
                alt.Tooltip("value:Q", title=label, format=_value_format(metric)),
            ],
        )
    )
    layers = [lines, *event_layer(events, "period", data["period"].min(), data["period"].max())]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def heatmap_chart(
    df: pd.DataFrame,
    *,
    order: list[str] | None = None,
    events: pd.DataFrame | None = None,
    subtitle: str | None = None,
    selectable: bool = True,
) -> alt.LayerChart | alt.Chart:
    """Detected artificial share per market (rows) and week (columns); a click selects the
    market's iso2 code (selection "pick")."""
    text = "Detected artificial share by market and week"
    cols = ["week", "week_end", "iso2", "market", "detected_share"]
    if not _usable(df, cols):
        return empty_chart(text, selection="pick" if selectable else None)
    data = df.copy()
    if data["detected_share"].notna().sum() == 0:
        return empty_chart(text, selection="pick" if selectable else None)
    order = order or sorted(data["market"].dropna().unique().tolist())
    tooltip = [
        alt.Tooltip("week:T", title="Week of"),
        alt.Tooltip("market:N", title="Market"),
        alt.Tooltip("detected_share:Q", title="Detected share", format=".2%"),
    ]
    for col, name in (("streams", "Streams"), ("detected_streams", "Detected streams")):
        if col in data:
            tooltip.append(alt.Tooltip(f"{col}:Q", title=name, format=",.0f"))
    cells = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=date_x("week", data["week"], title="Week"),
            x2="week_end:T",
            y=alt.Y("market:N", title=None, sort=order),
            color=alt.Color(
                "detected_share:Q",
                title="Detected share",
                scale=alt.Scale(scheme=SEQUENTIAL, zero=True),
                legend=alt.Legend(format=".1%", orient="right"),
            ),
            tooltip=tooltip,
        )
    )
    if selectable:
        sel = alt.selection_point(name="pick", fields=["iso2"], on="click")
        cells = cells.add_params(sel).encode(
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.45))
        )
    layers = [cells, *event_layer(events, "week", data["week"].min(), data["week_end"].max())]
    height = max(120, 18 * len(order))
    return size(alt.layer(*layers).properties(title=title(text, subtitle)), height=height)
