"""Fraud insights: the entry point. Page config, the viewer, global filters, navigation."""

from __future__ import annotations

import logging

import streamlit as st

from data_access.inputs import business
from data_access.loaders.base import WarehouseError
from data_access.settings import describe_url, resolve_url
from reports.pages import PAGES as REPORT_PAGES
from ui import forecast_warm, identity, render, saved_views, search, state

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
st.set_page_config(page_title="Fraud insights", page_icon=":material/shield:", layout="wide")

# The page files live in app_pages/, not pages/, so Streamlit never falls back to its legacy
# pages/ mode (a deep link as the first request after a start opened in it).
PAGES = [
    st.Page(
        f"app_pages/{p.slug}.py",
        title=p.title,
        icon=f":material/{p.icon}:",
        url_path=p.url_path or None,
        default=not p.url_path,
        visibility="hidden" if p.hidden else "visible",
    )
    for p in REPORT_PAGES
]

# The business configuration is checked before any page runs: a wrong file is named with
# every problem in it, instead of pages computed on defaults.
try:
    business.current()
except business.BusinessConfigError as err:

    def misconfigured(err: business.BusinessConfigError = err) -> None:
        st.title("Fraud insights")
        st.error(
            f"The business configuration ({err.path.name}) is not valid, so no page is shown. "
            "Fix these and reload:",
            icon=":material/settings:",
        )
        st.markdown("\n".join(f"- {render.plain(p)}" for p in err.problems))

    identity.single_page(misconfigured)

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

# Once per process: the Exposure page's standard forecasts, fitted (or found) in the store.
forecast_warm.start_background()
page = st.navigation(identity.navigation(PAGES, viewer), position="sidebar")
saved_views.follow_pending()  # an Open click in "Saved views": go there first
search.sidebar(viewer)
state.render_sidebar(opts)
st.sidebar.caption(f"Data as of **{opts.max_date:%d %b %Y}** · {describe_url(resolve_url())}")
identity.sidebar_identity(viewer)
saved_views.sidebar(viewer, identity.page_slug(page))
page.run()
