"""Overview: the morning numbers, their trend, and where the money at risk is."""

from __future__ import annotations

import streamlit as st

from analytics.metrics import tiles
from charts.overview import top_bar_chart, weekly_trend_chart
from data_access.loaders.options import load_events
from data_access.loaders.overview import load_overview_kpis, load_top_exposure, load_weekly_trend
from ui import drill, exports, render
from ui.page import start_page

PAGE = "overview"
scope, f, opts, context = start_page("overview")

st.title("Overview")
compare = render.period_caption(f, opts, context)
render.filter_notes(f.notes)
drill.clear_button()

kpis = render.load(load_overview_kpis, scope, f)
if kpis.loc["current", "streams"] == 0:
    render.no_data(None)
    st.stop()

render.tiles(
    tiles(kpis, ["streams", "detected_share", "streams_removed", "protected_eur"], compare=compare),
    columns=4,
)
render.tiles(
    tiles(kpis, ["exposure_eur", "open_cases", "sla_breach_rate"], compare=compare), columns=4
)

trend = render.load(load_weekly_trend, scope, f)
events = render.load(load_events)
trend_chart = weekly_trend_chart(trend, events=events, subtitle=context)
render.altair(
    trend_chart,
    width="stretch",
    key="overview_trend_sel",
    on_select=drill.pick("overview_trend_sel", "week", "week"),
    selection_mode="week_pick",
)
exports.render(
    exports.ChartExport(
        key="overview_trend",
        page=PAGE,
        title="Detected vs confirmed artificial streams per week",
        data=trend,
        chart=trend_chart,
        metrics=("detected_streams", "confirmed_streams", "streams"),
        view="overview.trend",
    ),
    f,
    opts,
)
st.caption("Click a week to narrow the period to it; dashed lines mark policy and detector events.")

if not scope.money:
    st.caption("Money views (top markets and labels by money at risk) are not in your role.")
    st.stop()
left, right = st.columns(2)
for col, by, heading in ((left, "market", "Top markets"), (right, "label", "Top labels")):
    top = render.load(load_top_exposure, scope, f, by)
    with col:
        chart = top_bar_chart(
            top,
            category=by,
            value="exposure_eur",
            text=f"{heading} by money at risk",
            value_title="Exposure (EUR)",
            subtitle=context,
            select_field="iso2" if by == "market" else by,
        )
        key = f"overview_top_{by}_sel"
        field = "iso2" if by == "market" else by
        render.altair(
            chart,
            width="stretch",
            key=key,
            on_select=drill.pick(key, field, by),
            selection_mode="pick",
        )
        exports.render(
            exports.ChartExport(
                key=f"overview_top_{by}",
                page=PAGE,
                title=f"{heading} by money at risk",
                data=top,
                chart=chart,
                metrics=("exposure_eur",),
                money=("at_risk_eur", "fees_outstanding_eur", "exposure_eur"),
                view=f"overview.top_{by}s",
            ),
            f,
            opts,
        )
