"""The top-tracks drill-down table, shared by pages: the tracks behind a slice's artificial
streams, with their main typology and enforcement status in the period."""

from __future__ import annotations

import streamlit as st

from analytics.trends import add_shares
from data_access.loaders.drilldown import load_top_tracks
from ui import exports, links, render
from ui.page import PageContext

LIMIT = 50
_ISRC_HELP = "International Standard Recording Code; opens the track's page."
COLUMNS = {
    "isrc": ("ISRC", "text", "International Standard Recording Code."),
    "title": ("Title", "text", ""),
    "artist": ("Artist", "text", ""),
    "label": ("Label", "text", ""),
    "streams": "streams",
    "detected_streams": render.column("detected_streams", label="Detected"),
    "confirmed_streams": render.column("confirmed_streams", label="Confirmed"),
    "detected_share": render.column("detected_share", label="Detected share", progress=True),
    "main_typology": (
        "Main typology",
        "text",
        "The typology with most flagged streams on the track in the period and slice.",
    ),
    "latest_action": (
        "Latest enforcement",
        "text",
        "The most recent enforcement action on the track applied in the period (— for none).",
    ),
    "enforcement_actions": render.column("enforcement_actions", label="Actions"),
    "reversed_actions": render.column("reversed_actions", label="Reversed"),
}


def render_top_tracks(ctx: PageContext, *, limit: int = LIMIT):
    """Heading, context caption and the bounded table of the slice's top tracks, with an
    export menu (CSV/XLSX)."""
    scope, f, page = ctx.scope, ctx.filters, ctx.page
    st.subheader("Top tracks by detected artificial streams")
    note = (
        ""
        if f.labels or f.markets
        else " No label or market is selected, so this ranks tracks across the whole "
        "catalogue; pick a label or market (or click one in a chart) to focus."
    )
    st.caption(
        f"{ctx.context} · at most {limit} tracks, most detected artificial "
        f"streams first; enforcement applied in the period.{note}"
    )
    df = render.load(load_top_tracks, scope, f, limit)
    if render.no_data(df):
        return
    table = add_shares(df)[list(COLUMNS)]
    # The ISRC cell opens the track's page (with the period: a link opens a new session).
    linked = links.add_link(table, "track", "isrc", period=(f.start, f.end)).drop(columns="isrc")
    shown = {"track_page": render.link("ISRC", links.SHOWN["track"], _ISRC_HELP), **COLUMNS}
    render.table(linked, shown)
    exports.render(
        exports.ChartExport(
            key=f"{page}_top_tracks",
            page=page,
            title="Top tracks by detected artificial streams",
            data=table,
            metrics=(
                "streams",
                "detected_streams",
                "confirmed_streams",
                "detected_share",
                "enforcement_actions",
                "reversed_actions",
            ),
        ),
        ctx,
    )
