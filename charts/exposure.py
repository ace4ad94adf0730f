"""Charts of the Exposure page: the forecast fan, the scenario comparison, and next
quarter's exposure by market."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.common import all_zero, date_x, empty_chart, event_layer, money_axis, size, title
from charts.theme import colour_of, colour_scale, series_colours

_SERIES = ["Actual", "Forecast"]


def fan_chart(
    history: pd.DataFrame | None,
    forecast: pd.DataFrame | None,
    *,
    model: str = "",
    subtitle: str | None = None,
    events: pd.DataFrame | None = None,
    show_weeks: int = 78,
) -> alt.LayerChart | alt.Chart:
    """Weekly exposure (history), the point forecast and its 80% / 95% bands."""
    text = "Weekly exposure (EUR): history and forecast" + (f" ({model})" if model else "")
    hist = (
        history.dropna(subset=["value"]).tail(show_weeks) if history is not None else pd.DataFrame()
    )
    fc = forecast.dropna(subset=["mean"]) if forecast is not None else pd.DataFrame()
    # A slice without money (every week 0) would draw a flat line on a degenerate axis.
    if (hist.empty or all_zero(hist, "value")) and (fc.empty or all_zero(fc, "mean")):
        return empty_chart(text)
    layers: list[alt.Chart] = []
    colour = alt.Color("series:N", title=None, scale=colour_scale(_SERIES))
    forecast_colour = series_colours(_SERIES)["Forecast"]
    x = date_x(
        "week",
        pd.concat([hist.get("week", pd.Series(dtype="datetime64[ns]")), fc.get("week")]),
        title="Week",
    )
    y_axis = alt.Y("value:Q", title="Exposure (EUR)", axis=money_axis())
    if not fc.empty:
        for lo, hi, opacity, name in (("lo95", "hi95", 0.15, "95%"), ("lo80", "hi80", 0.3, "80%")):
            band = fc[["week", lo, hi]].dropna().assign(interval=name)
            layers.append(
                alt.Chart(band)
                .mark_area(color=forecast_colour, opacity=opacity)
                .encode(
                    x=x,
                    y=alt.Y(f"{lo}:Q", title="Exposure (EUR)", axis=money_axis()),
                    y2=f"{hi}:Q",
                    tooltip=[
                        alt.Tooltip("week:T", title="Week of"),
                        alt.Tooltip("interval:N", title="Interval"),
                        alt.Tooltip(f"{lo}:Q", title="Low", format=",.0f"),
                        alt.Tooltip(f"{hi}:Q", title="High", format=",.0f"),
                    ],
                )
            )
    lines = []
    if not hist.empty:
        lines.append(hist[["week", "value"]].assign(series="Actual"))
    if not fc.empty:
        joint = fc[["week", "mean"]].rename(columns={"mean": "value"})
        if not hist.empty:  # join the forecast line to the last actual point
            joint = pd.concat([hist[["week", "value"]].tail(1), joint], ignore_index=True)
        lines.append(joint.assign(series="Forecast"))
    line_df = pd.concat(lines, ignore_index=True)
    layers.append(
        alt.Chart(line_df)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=y_axis,
            color=colour,
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=_SERIES, range=[[1, 0], [6, 3]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title="Exposure (EUR)", format=",.0f"),
            ],
        )
    )
    weeks = line_df["week"]
    layers += event_layer(events, "week", weeks.min(), weeks.max())
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def scenario_chart(
    df: pd.DataFrame | None, *, subtitle: str | None = None
) -> alt.LayerChart | alt.Chart:
    """Forecast as is ('baseline' column) vs under the scenario ('mean'), per week."""
    text = "Forecast exposure per week: as is vs scenario"
    if df is None or df.empty or not {"week", "mean", "baseline"} <= set(df.columns):
        return empty_chart(text)
    long = df.melt(
        id_vars=["week"], value_vars=["baseline", "mean"], var_name="series", value_name="value"
    ).dropna(subset=["value"])
    if long.empty or all_zero(long, "value"):
        return empty_chart(text)
    long["series"] = long["series"].map({"baseline": "As is", "mean": "Scenario"})
    chart = (
        alt.Chart(long)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=date_x("week", long["week"], title="Week"),
            y=alt.Y("value:Q", title="Exposure (EUR)", axis=money_axis()),
            color=alt.Color("series:N", title=None, scale=colour_scale(["As is", "Scenario"])),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title="Exposure (EUR)", format=",.0f"),
            ],
        )
    )
    return size(chart.properties(title=title(text, subtitle)), height=260)


def market_forecast_chart(
    df: pd.DataFrame | None, *, weeks: int = 13, subtitle: str | None = None
) -> alt.Chart:
    """Horizontal bars of forecast exposure over the next ``weeks`` per market (key = iso2,
    group = name); a click selects the market ('pick' selection on ``key``)."""
    text = f"Forecast exposure by market, next {weeks} weeks"
    if all_zero(df, "forecast_eur"):
        return empty_chart(text, selection="pick")
    data = df[["key", "group", "forecast_eur", "model"]].dropna(subset=["forecast_eur"])
    sel = alt.selection_point(name="pick", fields=["key"], on="click")
    return (
        alt.Chart(data)
        .mark_bar(color=colour_of("Forecast exposure (EUR)"))
        .encode(
            y=alt.Y("group:N", sort="-x", title=None),
            x=alt.X("forecast_eur:Q", title="Forecast exposure (EUR)", axis=money_axis()),
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.55)),
            tooltip=[
                alt.Tooltip("group:N", title="Market"),
                alt.Tooltip("forecast_eur:Q", title="Forecast (EUR)", format=",.0f"),
                alt.Tooltip("model:N", title="Model"),
            ],
        )
        .add_params(sel)
        .properties(title=title(text, subtitle), width=420, height=max(120, 26 * len(data)))
    )


def exposure_parts_chart(
    df: pd.DataFrame | None,
    *,
    events: pd.DataFrame | None = None,
    subtitle: str | None = None,
) -> alt.LayerChart | alt.Chart:
    """Weekly exposure split into royalties at risk and fees not yet recovered (stacked)."""
    text = "Weekly exposure: royalties at risk and fees outstanding (EUR)"
    cols = {"at_risk_eur": "Royalties at risk", "fees_outstanding_eur": "Fees outstanding"}
    if df is None or df.empty or not {"week", *cols} <= set(df.columns):
        return empty_chart(text)
    long = df.melt(
        id_vars=["week"], value_vars=list(cols), var_name="series", value_name="value_eur"
    ).dropna(subset=["value_eur"])
    if long.empty or long["value_eur"].abs().sum() == 0:
        return empty_chart(text)
    long["series"] = long["series"].map(cols)
    domain = list(cols.values())
    area = (
        alt.Chart(long)
        .mark_area(opacity=0.85)
        .encode(
            x=date_x("week", long["week"], title="Week"),
            y=alt.Y("value_eur:Q", title="Exposure (EUR)", axis=money_axis(), stack=True),
            color=alt.Color("series:N", title=None, scale=colour_scale(domain)),
            order=alt.Order("series:N"),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("series:N", title="Part"),
                alt.Tooltip("value_eur:Q", title="EUR", format=",.0f"),
            ],
        )
    )
    layers = [area, *event_layer(events, "week", long["week"].min(), long["week"].max())]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)), height=260)
