"""Fraud insights: the entry point. Page config, the viewer, global filters, navigation."""

from __future__ import annotations

import logging

import streamlit as st

from data_access.loaders.base import WarehouseError
from data_access.settings import describe_url, resolve_url
from ui import identity, render, state

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
st.set_page_config(page_title="Fraud insights", page_icon=":material/shield:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(
        "pages/trends.py", title="Fraud trends", icon=":material/trending_up:", url_path="trends"
    ),
    st.Page("pages/funnel.py", title="Funnel", icon=":material/filter_alt:", url_path="funnel"),
    st.Page(
        "pages/enforcement.py", title="Enforcement", icon=":material/gavel:", url_path="enforcement"
    ),
    st.Page(
        "pages/cases.py",
        title="Cases & escalations",
        icon=":material/assignment_late:",
        url_path="cases",
    ),
    st.Page(
        "pages/exposure.py", title="Exposure", icon=":material/query_stats:", url_path="exposure"
    ),
    st.Page("pages/deck.py", title="Deck builder", icon=":material/slideshow:", url_path="deck"),
    st.Page(
        "pages/health.py",
        title="Data health",
        icon=":material/health_and_safety:",
        url_path="health",
    ),
    st.Page("pages/audit.py", title="Audit", icon=":material/policy:", url_path="audit"),
]

# Who is looking decides which pages exist for them; role "none" runs no query at all.
identity.login_gate()
try:
    viewer = identity.current_viewer()
    if not viewer.pages:
        st.navigation(identity.navigation(PAGES, viewer), position="sidebar").run()
        st.stop()
    opts = state.options()
except WarehouseError as err:

    def unavailable(err: WarehouseError = err) -> None:
        st.title("Fraud insights")
        render.show_warehouse_error(err)
        st.caption(f"Warehouse: {describe_url(resolve_url())}")

    identity.single_page(unavailable)

state.render_sidebar(opts)
st.sidebar.caption(f"Data as of **{opts.max_date:%d %b %Y}** · {describe_url(resolve_url())}")
identity.sidebar_identity(viewer)
st.navigation(identity.navigation(PAGES, viewer), position="sidebar").run()
