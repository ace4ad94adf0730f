"""A label's page (``/label?id=…`` or ``/label?name=…``): its streams and detected share,
detections, reviews, enforcement, appeals, cases and its top tracks over the period."""

from __future__ import annotations

import streamlit as st

from data_access.loaders.entities import load_label
from data_access.queries.entities import Entity
from ui import entity, links, render, tracks
from ui.page import start_page

ctx = start_page("label")
entity.follow_source_key(ctx, "label")  # ?key=<your own key>
row = entity.by_id_or_name(ctx, "label", load_label)
label_id = int(row["label_id"])
period = (ctx.filters.start, ctx.filters.end)  # links open in a new session
st.title(render.plain(row["label"]))
st.markdown(
    f"Label {label_id} · {render.plain(row['label_type'])} · risk tier "
    f"{render.plain(row['risk_tier'])} · distributor "
    f"[{render.plain(row['distributor'])}]"
    f"({links.entity_url('distributor', int(row['distributor_id']), period)})"
)
entity.sidebar_period_caption(ctx)
entity.sections(ctx, "label", Entity("label", label_id), {"id": str(label_id)})
tracks.render_top_tracks(ctx._replace(filters=ctx.filters.narrowed(labels=(label_id,))), limit=20)
