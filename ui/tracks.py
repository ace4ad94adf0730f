"""The top-tracks drill-down table, shared by pages: the tracks behind a slice's artificial
streams, with their main typology and enforcement status in the period."""

from __future__ import annotations

import streamlit as st

from analytics.metrics import METRICS
from analytics.trends import add_shares
from data_access.loaders.drilldown import load_top_tracks
from ui import exports, links, render
from ui.page import PageContext

LIMIT = 50
COLUMNS = (
    "isrc",
    "title",
    "artist",
    "label",
    "streams",
    "detected_streams",
    "confirmed_streams",
    "detected_share_pct",
    "main_typology",
    "latest_action",
    "enforcement_actions",
    "reversed_actions",
)


def _help(key: str) -> str:
    return METRICS[key].definition


def column_config() -> dict:
    num = st.column_config.NumberColumn
    return {
        "isrc": st.column_config.TextColumn("ISRC", help="International Standard Recording Code."),
        "title": st.column_config.TextColumn("Title"),
        "artist": st.column_config.TextColumn("Artist"),
        "label": st.column_config.TextColumn("Label"),
        "streams": num("Streams", format="compact", help=_help("streams")),
        "detected_streams": num("Detected", format="compact", help=_help("detected_streams")),
        "confirmed_streams": num("Confirmed", format="compact", help=_help("confirmed_streams")),
        "detected_share_pct": st.column_config.ProgressColumn(
            "Detected share",
            format="%.1f%%",
            min_value=0.0,
            max_value=100.0,
            help=_help("detected_share"),
        ),
        "main_typology": st.column_config.TextColumn(
            "Main typology",
            help="The typology with most flagged streams on the track in the period and slice.",
        ),
        "latest_action": st.column_config.TextColumn(
            "Latest enforcement",
            help="The most recent enforcement action on the track applied in the period "
            "(empty: none).",
        ),
        "enforcement_actions": num("Actions", format="plain", help=_help("enforcement_actions")),
        "reversed_actions": num("Reversed", format="plain", help=_help("reversed_actions")),
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
    view = add_shares(df)
    view["detected_share_pct"] = view["detected_share"] * 100.0
    table = view[list(COLUMNS)]
    linked = links.add_link(table, "track", "isrc", period=(f.start, f.end)).drop(columns="isrc")
    config = {**column_config(), "track_page": links.link_column("track", "ISRC")}
    st.dataframe(linked, hide_index=True, column_config=config, width="stretch")
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
