"""The sidebar's search box: tracks by ISRC or title, artists, labels, distributors and case
ids, as you type (a bounded, case-insensitive match in the warehouse, under the viewer's
scope); each hit opens the entity's page."""

from __future__ import annotations

import streamlit as st

from data_access.access import Viewer
from data_access.loaders.base import WarehouseError
from data_access.loaders.entities import load_search
from reports.entities import parse_id
from ui import links

KEY = "search_text"
MIN_CHARS = 2
MAX_CHARS = 60
PER_KIND = 5
ICONS = {
    "track": "music_note",
    "artist": "person",
    "label": "album",
    "distributor": "local_shipping",
    "case": "folder_open",
}
PAGE_OF = {"artist": "label"}  # an artist opens its label's page


def sidebar(viewer: Viewer) -> None:
    """The box and its hits, in the sidebar (only where the viewer may open a hit)."""
    if not any(viewer.may_open(k) for k in ("track", "label", "distributor", "case")):
        return
    with st.sidebar:
        _box(viewer)


@st.fragment
def _box(viewer: Viewer) -> None:
    text = st.text_input(
        "Search",
        key=KEY,
        type="search",
        live="300ms",
        max_chars=MAX_CHARS,
        placeholder="ISRC, title, artist, label, case id…",
        help="Tracks by ISRC or title, artists, labels, distributors and case ids.",
    )
    text = (text or "").strip()
    if len(text) < MIN_CHARS and parse_id(text) is None:  # one digit may be a case id
        return
    try:
        hits = load_search(viewer.scope, text, PER_KIND)
    except WarehouseError:
        st.caption("Search is unavailable right now.")
        return
    hits = hits[[viewer.may_open(PAGE_OF.get(k, k)) for k in hits["kind"]]] if len(hits) else hits
    if hits.empty:
        st.caption("Nothing found that you have access to.")
        return
    for hit in hits.itertuples(index=False):
        page = PAGE_OF.get(hit.kind, hit.kind)
        st.page_link(
            f"app_pages/{page}.py",
            label=f"{hit.name} · {hit.detail}" if hit.detail else str(hit.name),
            icon=f":material/{ICONS[hit.kind]}:",
            query_params={links.KEYS[page]: str(hit.key)},
            help=f"{hit.kind.capitalize()}: open its page",
        )
