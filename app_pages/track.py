"""A track's page (``/track?isrc=…``): its streams and detected share per week, detections,
reviews, enforcement, appeals and cases over the sidebar's period."""

from __future__ import annotations

import streamlit as st

from data_access.loaders.entities import load_track
from data_access.queries.entities import Entity
from reports.entities import parse_isrc
from ui import entity, links, render
from ui.page import start_page

ctx = start_page("track")
entity.follow_source_key(ctx, "track")  # ?key=<your own key>
raw = entity.raw_key("isrc", "track")
isrc = parse_isrc(raw)
if isrc is None:
    entity.stop("That is not an ISRC: 12 letters and digits, e.g. QZA002500001.")
track = render.load(load_track, ctx.scope, isrc)
if track.empty:
    entity.not_found("track with ISRC", isrc)
row = track.iloc[0]
period = (ctx.filters.start, ctx.filters.end)  # links open in a new session
st.title(render.plain(row["title"]))
label_url = links.entity_url("label", int(row["label_id"]), period)
dist_url = links.entity_url("distributor", int(row["distributor_id"]), period)
flags = ", ".join(n for n, on in (("AI-generated", row["is_ai"]), ("noise", row["is_noise"])) if on)
st.markdown(
    f"ISRC **{isrc}** · {render.plain(row['artist'])} · label "
    f"[{render.plain(row['label'])}]({label_url}) · distributor "
    f"[{render.plain(row['distributor'])}]({dist_url}) · {render.plain(row['genre'])}"
    + (f" · {flags}" if flags else "")
)
entity.sidebar_period_caption(ctx)
entity.sections(ctx, "track", Entity("track", int(row["track_id"])), {"isrc": isrc})
