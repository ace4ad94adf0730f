"""End to end in real Chromium: an analyst adds a note under the Fraud trends chart, and a
colleague with the same role, in another browser on their own server process (sharing the
application store, as two replicas would), sees it under the same chart, without the
author's edit and delete."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.support.browser import streamlit_server
from tests.support.settle import install_probe

pytestmark = pytest.mark.browser

TIMEOUT = 45_000
ANA, OLA = "ana.analyst@example.com", "ola.analyst@example.com"
TITLE = "Campaign taken down (E2E)"


@pytest.fixture(scope="module")
def servers(duck_url, tmp_path_factory):
    """One server as Ana and one as Ola (a second analyst added to a copy of the config)."""
    from data_access.access import DEFAULT_CONFIG

    where = tmp_path_factory.mktemp("e2e_notes")
    config = where / "access.toml"
    config.write_text(
        DEFAULT_CONFIG.read_text(encoding="utf-8") + f'\n[users."{OLA}"]\nrole = "analyst"\n',
        encoding="utf-8",
    )
    env = {
        "FRAUD_WAREHOUSE_URL": duck_url,
        "FRAUD_ACCESS_CONFIG": str(config),
        "FRAUD_AUDIT_URL": f"sqlite:///{where / 'audit.sqlite'}",
        "FRAUD_APP_STORE_URL": f"sqlite:///{where / 'app.sqlite'}",
    }
    with contextlib.ExitStack() as stack:
        urls = {
            who: stack.enter_context(streamlit_server(env={**env, "FRAUD_DEV_IDENTITY": who}))
            for who in (ANA, OLA)
        }
        yield urls


def _open_trends(page: Page, url: str) -> None:
    page.goto(f"{url}/trends")
    expect(page.get_by_role("heading", name="Fraud trends").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def test_a_note_added_by_one_analyst_is_seen_by_another(servers, page: Page, browser):
    _open_trends(page, servers[ANA])
    page.get_by_role("button", name="Add a note").first.click()
    form = page.get_by_test_id("stPopoverBody")
    form.get_by_label("Title").fill(TITLE)
    form.get_by_label("Text").fill("Forty AI-generated tracks removed in Norway and Japan.")
    form.get_by_label("Link (optional)").fill("https://wiki.example.com/incident/42")
    form.get_by_role("button", name="Save note").click()
    expect(page.get_by_text(f"Note: {TITLE}").first).to_be_visible(timeout=TIMEOUT)
    # The chart's XLSX export carries it, numbered as under the chart.
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Export").first.click()
    xlsx = page.get_by_role("button", name="XLSX data").filter(visible=True).first
    with page.expect_download(timeout=TIMEOUT) as info:
        xlsx.click()
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))["Annotations"]
    assert TITLE in [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]

    other = browser.new_context()
    install_probe(other)
    colleague = other.new_page()
    _open_trends(colleague, servers[OLA])
    listed = colleague.get_by_text(f"Note: {TITLE}").first
    expect(listed).to_be_visible(timeout=TIMEOUT)
    expect(listed).to_contain_text("by ana.analyst")
    expect(listed.get_by_role("link", name="link", exact=True)).to_have_attribute(
        "href", "https://wiki.example.com/incident/42"
    )
    colleague.get_by_role("button", name="Add a note").first.click()
    body = colleague.get_by_test_id("stPopoverBody")
    expect(body.get_by_label("Title")).to_be_visible(timeout=TIMEOUT)
    expect(body.get_by_text("Edit or delete one of your notes")).to_have_count(0)
    assert "Traceback" not in colleague.locator("body").inner_text()
    other.close()
