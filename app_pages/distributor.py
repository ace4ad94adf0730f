"""A distributor's page (``/distributor?id=…``): its streams and detected share,
detections, reviews, enforcement, appeals, cases and its labels over the period."""

from __future__ import annotations

import streamlit as st

from data_access.loaders.entities import load_distributor, load_distributor_labels
from data_access.queries.entities import Entity
from ui import entity, links, render
from ui.page import start_page

ctx = start_page("distributor")
entity.follow_source_key(ctx, "distributor")  # ?key=<your own key>
row = entity.by_id_or_name(ctx, "distributor", load_distributor)
dist_id = int(row["distributor_id"])
e = Entity("distributor", dist_id)
st.title(render.plain(row["distributor"]))
st.markdown(f"Distributor {dist_id} · {render.plain(row['tier'])} · {int(row['labels'])} label(s)")
entity.sidebar_period_caption(ctx)
entity.sections(ctx, "distributor", e, {"id": str(dist_id)})

st.subheader("Labels with most detected artificial streams")
labels = render.load(load_distributor_labels, ctx.scope, e, ctx.filters)
if not render.no_data(labels):
    st.dataframe(
        links.add_link(
            labels, "label", "label_id", period=(ctx.filters.start, ctx.filters.end)
        ).drop(columns="label_id"),
        hide_index=True,
        width="stretch",
        column_config={
            "label_page": links.link_column("label", "Page"),
            "label": "Label",
            "streams": st.column_config.NumberColumn("Streams", format="compact"),
            "detected_streams": st.column_config.NumberColumn("Detected", format="compact"),
            "confirmed_streams": st.column_config.NumberColumn("Confirmed", format="compact"),
        },
    )
