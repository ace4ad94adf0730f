"""From a table to the entity behind it, in Chromium: the Fraud trends top-tracks table's
ISRC opens the track's page (a new tab), whose case list opens the case's page with its
timeline; the sidebar search opens a label's page."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries.drilldown import top_tracks_query
from data_access.scope import FULL
from tests.support.browser import streamlit_server
from tests.support.settle import wait_settled

pytestmark = pytest.mark.browser

TIMEOUT = 60_000
PERIOD = "period=2024-12-02&period=2026-11-29"
ROW_PX, HEADER_PX = 35, 35  # st.dataframe's row and header heights


def _click_first_link(page, grid) -> object:
    """Click the link in the first column of the grid's first row; return the new tab.
    The grid is a canvas: the link opens on a click over its text once the grid has seen
    the pointer there, so the click is repeated a few times if the first lands early."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    x, y = box["x"] + 13, box["y"] + HEADER_PX + ROW_PX / 2  # over the text of short ids too
    for attempt in range(5):
        page.mouse.move(x + attempt, y)
        page.wait_for_timeout(300)
        try:
            with page.context.expect_page(timeout=4_000) as tab:
                page.mouse.click(x + attempt, y)
            break
        except PlaywrightTimeout:
            continue
    else:
        raise AssertionError("no link opened from the grid's first row")
    new = tab.value
    new.wait_for_load_state()
    wait_settled(new, timeout_ms=TIMEOUT, headline=None)
    return new


def test_top_track_to_its_track_page_then_its_case(duck_url, demo_frames, fresh_page, tmp_path):
    f = Filters(start=date(2024, 12, 2), end=date(2026, 11, 29))
    top = run(top_tracks_query(f, FULL, limit=1), duck_url).iloc[0]
    cases = demo_frames["fact_case"].merge(
        demo_frames["fact_detection"][["detection_id", "track_id"]], on="detection_id"
    )
    mine = cases[cases["track_id"] == top["track_id"]].sort_values("opened_at")
    assert len(mine), "the demo's top track has a case (the journey below needs one)"
    newest = int(mine["case_id"].iloc[-1])

    env = {"FRAUD_WAREHOUSE_URL": duck_url, "FRAUD_AUDIT_URL": f"sqlite:///{tmp_path}/a.sqlite"}
    with streamlit_server(env=env) as base:
        page = fresh_page()
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(f"{base}/trends?{PERIOD}")
        wait_settled(page, timeout_ms=TIMEOUT, headline=None)
        heading = page.get_by_role("heading", name="Top tracks by detected artificial streams")
        heading.scroll_into_view_if_needed()
        grid = page.get_by_test_id("stDataFrame").last
        track = _click_first_link(page, grid)
        assert track.url.endswith(f"/track?isrc={top['isrc']}&{PERIOD}")  # with the period
        expect(track.get_by_role("heading", name=top["title"])).to_be_visible()
        expect(track.get_by_text(re.compile(r"detections?, \d+ confirmed")).first).to_be_visible()

        track.get_by_role("heading", name="Cases", exact=True).scroll_into_view_if_needed()
        case = _click_first_link(track, track.get_by_test_id("stDataFrame").last)
        assert f"/case?id={newest}&" in case.url  # newest first
        expect(case.get_by_role("heading", name=f"Case {newest}")).to_be_visible()
        expect(case.get_by_text(re.compile(r"First response .* SLA")).first).to_be_visible()
        expect(case.get_by_test_id("stVegaLiteChart")).to_have_count(1)

        # The sidebar search, as you type: a label by part of its name opens its page.
        label = demo_frames["dim_label"].iloc[0]
        dists = demo_frames["dim_distributor"].set_index("distributor_id")["name"]
        shown = re.compile(re.escape(f"{label['name']} · {dists[label['distributor_id']]}"))
        box = case.get_by_test_id("stSidebar").get_by_role("searchbox")
        box.fill(label["name"][:6].lower())
        hit = case.get_by_test_id("stSidebar").get_by_role("link", name=shown)
        expect(hit.first).to_be_visible(timeout=TIMEOUT)
        hit.first.click()
        expect(case.get_by_role("heading", name=label["name"], exact=True)).to_be_visible(
            timeout=TIMEOUT
        )
        url = urlsplit(case.url)
        assert url.path == "/label" and parse_qs(url.query)["id"] == [str(label["label_id"])]


def test_from_what_changed_to_the_track_and_case_behind_it(
    duck_url, demo_frames, fresh_page, tmp_path
):
    """The P9 journey: Overview's "What changed" names a driver; its link applies it as a
    filter; Fraud trends (through the sidebar, the filter kept) ranks the slice's tracks;
    the worst one's page shows its detections, enforcement and cases, and its newest case
    opens with its timeline. (The annotation a colleague sees: test_e2e_notes.)"""
    from data_access.loaders.options import load_options

    env = {"FRAUD_WAREHOUSE_URL": duck_url, "FRAUD_AUDIT_URL": f"sqlite:///{tmp_path}/a.sqlite"}
    with streamlit_server(env=env) as base:
        page = fresh_page()
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(f"{base}/?{PERIOD}")
        wait_settled(page, timeout_ms=TIMEOUT, headline=None)
        block = page.locator(".st-key-view-overview-changes")
        expect(block.get_by_text(re.compile(r"week over week")).first).to_be_visible()
        driver = block.locator("a[target=_self]").first
        query = parse_qs(urlsplit(driver.get_attribute("href")).query)
        (dim,) = [k for k in query if k not in ("period", "overview_vs")]
        member = query[dim][0]
        driver.click()
        page.wait_for_url(re.compile(rf"[?&]{dim}="), timeout=TIMEOUT)
        wait_settled(page, timeout_ms=TIMEOUT, headline=None)
        assert parse_qs(urlsplit(page.url).query)[dim] == [member]

        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Fraud trends").click()
        page.wait_for_url(re.compile(r"/trends"), timeout=TIMEOUT)
        wait_settled(page, timeout_ms=TIMEOUT, headline=None)
        here = parse_qs(urlsplit(page.url).query)
        assert here.get(dim) == [member], "the driver's filter follows to Fraud trends"

        # The slice's worst track, as the warehouse ranks it, and its cases.
        f = Filters.from_query_params(here, load_options(FULL, url=duck_url))
        top = run(top_tracks_query(f, FULL, limit=1), duck_url).iloc[0]
        heading = page.get_by_role("heading", name="Top tracks by detected artificial streams")
        heading.scroll_into_view_if_needed()
        track = _click_first_link(page, page.get_by_test_id("stDataFrame").last)
        assert f"/track?isrc={top['isrc']}&" in track.url
        expect(track.get_by_role("heading", name=top["title"])).to_be_visible()
        # Its detections, reviews, enforcement and appeals (one view each), and its cases.
        for view in ("detections", "reviews", "enforcement", "appeals"):
            expect(track.locator(f".st-key-view-track-{view}")).to_be_visible()
        expect(track.get_by_role("heading", name="Cases", exact=True)).to_be_visible()

        cases = demo_frames["fact_case"].merge(
            demo_frames["fact_detection"][["detection_id", "track_id"]], on="detection_id"
        )
        mine = cases[cases["track_id"] == top["track_id"]].sort_values("opened_at")
        opened = mine[
            (mine["opened_at"].dt.date <= date(2026, 11, 29))
            & (mine["resolved_at"].isna() | (mine["resolved_at"].dt.date >= date(2024, 12, 2)))
        ]
        if opened.empty:
            expect(
                track.get_by_text("No case of this entity was open in the period.")
            ).to_be_visible()
            return
        track.get_by_role("heading", name="Cases", exact=True).scroll_into_view_if_needed()
        case = _click_first_link(track, track.get_by_test_id("stDataFrame").last)
        assert "/case?id=" in case.url
        case_id = int(parse_qs(urlsplit(case.url).query)["id"][0])
        assert case_id in set(mine["case_id"])
        expect(case.get_by_role("heading", name=f"Case {case_id}")).to_be_visible()
        expect(case.get_by_text(re.compile(r"First response .* SLA")).first).to_be_visible()
