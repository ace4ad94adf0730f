"""Deck builder: pick charts from any page (with the current filters, or as saved with
"Add to deck" in a chart's Export menu), order them, title the deck and download a .pptx."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

import reports as views
from charts import export
from data_access.filters import Filters, context_line
from data_access.settings import resolve_url
from reports.deck import DEFAULT_BASE_URL
from ui import audit, exports, render, saved_views
from ui.page import start_page

PAGE = "deck"
ctx = start_page(PAGE)
scope, f, opts, context = ctx.scope, ctx.filters, ctx.options, ctx.context

st.title("Deck builder")
st.caption(
    f"Current filters: {context} · each chart becomes one slide with a headline, the chart "
    "(an editable PowerPoint chart where possible), definitions, the data-as-of date and a "
    "link that reproduces the view."
)
render.filter_notes(f.notes)

if not scope.exports:
    st.info(
        "Your role may not download exports, and a deck is an export, so it cannot build "
        "decks. Ask a dashboard administrator if you need one.",
        icon=":material/lock:",
    )
    st.stop()


def base_url() -> str:
    """The app's own address (for the slides' permalinks)."""
    try:
        parts = urlsplit(str(st.context.url))
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    except Exception:  # noqa: BLE001 - no request context (tests, scripts)
        return DEFAULT_BASE_URL
    return DEFAULT_BASE_URL


available = views.available(scope)
by_name = {v.name: v for v in available}
chosen = st.multiselect(
    "Charts with the current filters",
    options=list(by_name),
    key="deck_views",
    bind="query-params",
    placeholder="Pick charts from any page",
    help="Each chart uses the filters in the sidebar and its page's default settings. To keep "
    "a chart with other filters or settings, use 'Add to deck' in its Export menu.",
)

# -- the slides: chosen charts, then saved views -------------------------------------------
rows: list[dict] = []
for name in chosen:
    view = by_name.get(name)
    if view is None:
        continue
    rows.append(
        {
            "view": view.id,
            "filters": f.to_query_params(opts),
            "params": views.resolve_params(view, {}),
            "source": "current filters",
            "context": context,
        }
    )
skipped = 0
for saved in st.session_state.get(exports.DECK_KEY, []):
    try:
        view = views.get(str(saved.get("view")))
        params = views.resolve_params(view, saved.get("params") or {})
    except (KeyError, ValueError, AttributeError):
        skipped += 1
        continue
    if view not in available:
        skipped += 1
        continue
    saved_filters = Filters.from_query_params(saved.get("filters") or {}, opts)
    rows.append(
        {
            "view": view.id,
            "filters": saved_filters.to_query_params(opts),
            "params": params,
            "source": "saved view",
            "context": context_line(saved_filters, opts),
        }
    )
if skipped:
    st.warning(
        f"{skipped} saved view(s) could not be used (unknown chart or setting) and were left out.",
        icon=":material/warning:",
    )

if not rows:
    st.info(
        "The deck is empty. Pick charts above, or open any page and use 'Add to deck' in a "
        "chart's Export menu to save it with its filters.",
        icon=":material/slideshow:",
    )
    st.stop()

table = pd.DataFrame(
    {
        "order": list(range(1, len(rows) + 1)),
        "include": [True] * len(rows),
        "slide": [views.get(r["view"]).name for r in rows],
        "source": [r["source"] for r in rows],
        "filters": [r["context"] for r in rows],
        "settings": [
            ", ".join(f"{k.split('_', 1)[-1]} {v}" for k, v in r["params"].items()) or "–"
            for r in rows
        ],
    }
)
st.subheader("Slides")
edited = st.data_editor(
    table,
    key="deck_order",
    hide_index=True,
    width="stretch",
    disabled=["slide", "source", "filters", "settings"],
    column_config={
        "order": st.column_config.NumberColumn(
            "Order", min_value=1, step=1, help="Slides are sorted by this number."
        ),
        "include": st.column_config.CheckboxColumn("Include"),
        "slide": st.column_config.TextColumn("Chart"),
        "source": st.column_config.TextColumn("Filters from"),
        "filters": st.column_config.TextColumn("Filters"),
        "settings": st.column_config.TextColumn("Page settings"),
    },
)
order = (
    edited.assign(row=range(len(edited)), order=pd.to_numeric(edited["order"], errors="coerce"))
    .fillna({"order": float(len(rows) + 1)})
    .sort_values(["order", "row"], kind="stable")
)
picked = [rows[i] for i, keep in zip(order["row"], order["include"], strict=True) if bool(keep)]
if st.session_state.get(exports.DECK_KEY):
    st.button(
        "Forget saved views",
        key="deck_forget",
        on_click=saved_views.forget_draft,  # from the store too
        icon=":material/delete_sweep:",
    )

# -- title, author, download ---------------------------------------------------------------
c1, c2 = st.columns(2)
title = c1.text_input("Deck title", value="Artificial streaming: weekly review", key="deck_title")
author = c2.text_input("Author", value="", key="deck_author", placeholder="Your name or team")
if not picked:
    st.info("No slide is included: tick 'Include' for at least one chart.", icon=":material/info:")
    st.stop()

items = [{"view": r["view"], "filters": r["filters"], "params": r["params"]} for r in picked]
url, base = resolve_url(), base_url()
st.download_button(
    f"Download deck (.pptx, {len(items) + 2} slides)",
    data=audit.audited(
        partial(
            exports.deck_bytes,
            items,
            title=(title or "Fraud insights")[:200],
            author=(author or "")[:200],
            base_url=base,
            url=url,
            scope=scope,
            opts=opts,
        ),
        viewer=ctx.viewer,
        item="deck",
        fmt="pptx",
        f=f,
        rows=len(items),
        page=PAGE,
    ),
    file_name=export.file_name(PAGE, end=f.end, markets=f.markets, ext="pptx"),
    mime=export.MIME["pptx"],
    key="deck_download",
    on_click="ignore",  # audited when the deck is built
    icon=":material/download:",
    type="primary",
)
st.caption(
    "The deck is built when you click (charts are rendered on the server; a large deck takes "
    "a few seconds). The title slide lists the period and filters; the last slide lists every "
    "definition and the data sources."
)
