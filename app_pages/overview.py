"""Overview: the morning numbers, their trend, and where the money at risk is."""

from __future__ import annotations

import streamlit as st

from analytics.metrics import tiles
from data_access.loaders.overview import load_overview_kpis
from reports import overview as views
from ui import changes, drill, render
from ui.page import start_page
from ui.view import show

ctx = start_page("overview")
f, opts = ctx.filters, ctx.options

st.title("Overview")
compare = render.period_caption(f, opts, ctx.context)
render.filter_notes(f.notes)
drill.clear_button()

kpis = render.load(load_overview_kpis, ctx.scope, f)
if kpis.loc["current", "streams"] == 0:
    render.no_data(None)
    st.stop()

render.tiles(
    tiles(kpis, ["streams", "detected_share", "streams_removed", "protected_eur"], compare=compare),
    ctx.scope,
    columns=4,
)
render.tiles(
    tiles(kpis, ["exposure_eur", "open_cases", "sla_breach_rate"], compare=compare),
    ctx.scope,
    columns=4,
    missing=ctx.missing,
)

what_changed, trend, top_markets, top_labels = views.VIEWS
st.subheader("What changed")
show(what_changed, ctx, above=lambda df, params: changes.render_block(ctx, df, params))
show(trend, ctx)

if not ctx.scope.money:
    st.caption("Money views (top markets and labels by money at risk) are not in your role.")
    st.stop()
left, right = st.columns(2)
with left:
    show(top_markets, ctx)
with right:
    show(top_labels, ctx)
