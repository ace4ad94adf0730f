"""Fraud trends: how detected and confirmed artificial streaming move over time, split by a
dimension, against the previous period, by market and week, down to the tracks behind it."""

from __future__ import annotations

import streamlit as st

from analytics.metrics import tiles
from data_access.loaders import trends as lt
from data_access.loaders.exposure import load_weekly_by_group
from reports import trends as views
from ui import anomalies, drill, render
from ui.page import controls, start_page
from ui.tracks import render_top_tracks
from ui.view import show

ctx = start_page("trends")
f, opts = ctx.filters, ctx.options

st.title("Fraud trends")
compare = render.period_caption(f, opts, ctx.context)
render.filter_notes(f.notes)
drill.clear_button()

kpis = render.load(lt.load_trend_kpis, ctx.scope, f)
if kpis.loc["current", "streams"] == 0:
    render.no_data(None)
    st.stop()
render.tiles(
    tiles(
        kpis,
        ["detected_streams", "detected_share", "confirmed_streams", "confirmed_share"],
        compare=compare,
    ),
    ctx.scope,
    columns=4,
)

# Grain and metric drive the trend and the comparison with the previous period.
ctx = controls(ctx, (views.GRAIN, views.METRIC))
main, vs_previous, weekly_anomalies, heatmap, tree = views.VIEWS
show(main, ctx)


def anomaly_drivers(df, params) -> None:
    """The flagged weeks with the markets and labels that drove them."""
    flagged = int(df["flagged"].fillna(False).astype(bool).sum()) if not df.empty else 0
    if not flagged:
        return
    history = views.history(f, opts.min_date)
    by_market = render.load(
        load_weekly_by_group, ctx.scope, history, "market", "detected_streams", 10
    )
    by_label = render.load(
        load_weekly_by_group, ctx.scope, history, "label", "detected_streams", 10
    )
    anomalies.render_table(
        df,
        by_market=by_market,
        by_label=by_label,
        value_title="Detected streams",
        money=False,
        threshold=float(params["trends_z"]),
    )


st.subheader("Is this week's spike real? Anomalous weeks")
show(weekly_anomalies, ctx, below=anomaly_drivers)
show(vs_previous, ctx)
show(heatmap, ctx)
st.subheader("What changed, and why: the decomposition tree")
show(tree, ctx)
render_top_tracks(ctx)
