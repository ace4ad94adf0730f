"""Overview: the morning numbers, their trend, and where the money at risk is."""

from __future__ import annotations

import streamlit as st

from analytics.metrics import tiles
from charts.overview import top_bar_chart, weekly_trend_chart
from data_access.loaders.options import load_events
from data_access.loaders.overview import load_overview_kpis, load_top_exposure, load_weekly_trend
from ui import render, state
from ui.identity import current_scope

scope = current_scope()
f = state.current_filters()
opts = state.options()
context = state.context_line(f, opts)

st.title("Overview")
st.caption(f"{context} · compared with the previous {f.days} days")
render.filter_notes(f.notes)

kpis = render.load(load_overview_kpis, scope, f)
if kpis.loc["current", "streams"] == 0:
    render.no_data(None)
    st.stop()

render.tiles(
    tiles(kpis, ["streams", "detected_share", "streams_removed", "protected_eur"]), columns=4
)
render.tiles(tiles(kpis, ["exposure_eur", "open_cases", "sla_breach_rate"]), columns=4)

trend = render.load(load_weekly_trend, scope, f)
events = render.load(load_events)
st.altair_chart(weekly_trend_chart(trend, events=events, subtitle=context), width="stretch")

left, right = st.columns(2)
for col, by, heading in ((left, "market", "Top markets"), (right, "label", "Top labels")):
    top = render.load(load_top_exposure, scope, f, by)
    with col:
        st.altair_chart(
            top_bar_chart(
                top,
                category=by,
                value="exposure_eur",
                text=f"{heading} by money at risk",
                value_title="Exposure (EUR)",
                subtitle=context,
            ),
            width="stretch",
        )
