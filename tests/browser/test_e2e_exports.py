"""End to end in real Chromium: download a chart's PNG from its Export menu, and a deck from
the Deck builder, through the UI of a real `streamlit run`; check the files that arrive."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from pptx import Presentation

import reports as views
from tests.support.browser import streamlit_server

pytestmark = pytest.mark.browser
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def app_url(duck_url):
    with streamlit_server(env={"FRAUD_WAREHOUSE_URL": duck_url}) as url:
        yield url


def _wait_ready(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def _no_traceback(page: Page) -> None:
    body = page.locator("body").inner_text()
    for marker in ("Traceback", "duckdb:///", "Error:"):
        assert marker not in body, f"{marker!r} on screen"


def test_download_a_chart_png_from_the_export_menu(page: Page, app_url):
    page.goto(f"{app_url}/?market=SE")
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible(timeout=TIMEOUT)
    _wait_ready(page)
    # The weekly trend chart's Export menu (each view is drawn in a keyed container).
    trend = page.locator(".st-key-view-overview-trend")
    trend.get_by_role("button", name="Export").first.click()
    png_button = page.get_by_role("button", name="PNG image").filter(visible=True).first
    expect(png_button).to_be_visible(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as info:
        png_button.click()
    download = info.value
    assert re.fullmatch(
        r"fraud-overview_\d{4}-W\d{2}_SE_overview-trend\.png", download.suggested_filename
    )
    img = Image.open(download.path())
    img.load()
    assert img.format == "PNG" and img.width >= 1000
    assert np.asarray(img.convert("L"), dtype=float).std() > 5, "the PNG is blank"
    _no_traceback(page)


def test_build_and_download_a_deck(page: Page, app_url):
    names = [views.get("overview.trend").name, views.get("enforcement.by_type").name]
    page.goto(f"{app_url}/deck?" + urlencode({"deck_views": names}, doseq=True))
    expect(page.get_by_role("heading", name="Deck builder", exact=True)).to_be_visible(
        timeout=TIMEOUT
    )
    _wait_ready(page)
    button = page.get_by_role("button", name=re.compile(r"Download deck"))
    expect(button).to_be_visible(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("fraud-deck_")
    assert download.suggested_filename.endswith(".pptx")
    with open(download.path(), "rb") as fh:
        prs = Presentation(io.BytesIO(fh.read()))
    assert len(prs.slides) == 1 + len(names) + 1
    assert prs.slides[-1].shapes.title.text == "Definitions and data sources"
    _no_traceback(page)
