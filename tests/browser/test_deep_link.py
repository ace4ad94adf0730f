"""A deep link as the very first request after a server start opens the app, not Streamlit's
legacy multipage mode.

Streamlit falls back to its legacy ``pages/`` directory mode when a session's first request
is for a page it does not know yet and a ``pages/`` folder sits beside the main script: the
sidebar then lists the raw files ("app", "audit", "cases", ...) and shows no filters. The
page files live in app_pages/ so that never happens; this test starts its own server so that
its deep link really is the first request that server sees.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import streamlit_server
from tests.support.settle import wait_settled

pytestmark = pytest.mark.browser

TIMEOUT = 60_000
# Names of the page files (and of app.py): what the legacy mode lists in the sidebar.
FILE_NAMES = ("app", "audit", "cases", "deck", "overview", "trends", "funnel", "exposure")


def test_deep_link_as_first_request_shows_navigation_and_filters(duck_url, fresh_page, tmp_path):
    env = {"FRAUD_WAREHOUSE_URL": duck_url, "FRAUD_AUDIT_URL": f"sqlite:///{tmp_path}/a.sqlite"}
    with streamlit_server(env=env) as base:
        page = fresh_page()
        page.goto(f"{base}/cases?market=SE")  # nothing else has talked to this server
        # The small warehouse may have no SE cases in the default period: no headline needed.
        wait_settled(page, timeout_ms=TIMEOUT, headline=None)

        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Fraud trends", exact=True)).to_be_visible()
        expect(nav.get_by_text("Cases & escalations", exact=True)).to_be_visible()
        for name in FILE_NAMES:
            expect(nav.get_by_text(name, exact=True)).to_have_count(0)

        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_test_id("stDateInput")).to_have_count(1)
        markets = sidebar.get_by_test_id("stMultiSelect").filter(has_text=re.compile("^Markets"))
        expect(markets).to_have_count(1)
        chosen = markets.get_by_role("group", name="Selected values")
        expect(chosen).to_contain_text(re.compile(r"(^|\W)SE(\W|$)"))
        expect(page.get_by_role("heading", name="Cases & escalations", exact=True)).to_be_visible()
        expect(page.get_by_text(re.compile(r"markets SE")).first).to_be_visible()
