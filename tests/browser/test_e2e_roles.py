"""End to end per role, in real Chromium: one `streamlit run` per role over the demo warehouse.

Every allowed page opens with its headline; forbidden pages are absent from the navigation
and refused by direct URL; a filter change shows on screen and its URL reproduces the view in
a fresh browser context; an export downloads (formula-neutralised) and lands in the audit
log; hostile URLs over every page show no traceback.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import streamlit_server
from tests.support.settle import install_probe, wait_settled

pytestmark = pytest.mark.browser

TIMEOUT = 45_000
SLOW = {"exposure": 300_000}  # forecasts and backtests on a first, uncached visit (~3 min)
LEAD, VIEWER = "dev.lead@example.com", "vic.viewer@example.com"
HEADINGS = {
    "overview": "Overview",
    "trends": "Fraud trends",
    "funnel": "Detection → validation → enforcement",
    "enforcement": "Enforcement outcomes",
    "cases": "Cases & escalations",
    "exposure": "Exposure forecast",
    "deck": "Deck builder",
    "health": "Data health",
    "audit": "Audit log",
}
ALLOWED = {
    LEAD: tuple(HEADINGS),
    VIEWER: ("overview", "trends", "funnel", "enforcement", "cases", "exposure"),
}
NAV_TITLES = {"deck": "Deck builder", "health": "Data health", "audit": "Audit"}


def _server(duck_url, tmp_path_factory, identity):
    audit = tmp_path_factory.mktemp("e2e_audit") / "audit.sqlite"
    env = {
        "FRAUD_WAREHOUSE_URL": duck_url,
        "FRAUD_DEV_IDENTITY": identity,
        "FRAUD_AUDIT_URL": f"sqlite:///{audit}",
    }
    return streamlit_server(env=env)


@pytest.fixture(scope="module")
def lead_url(duck_url, tmp_path_factory):
    with _server(duck_url, tmp_path_factory, LEAD) as url:
        yield url


@pytest.fixture(scope="module")
def viewer_url(duck_url, tmp_path_factory):
    with _server(duck_url, tmp_path_factory, VIEWER) as url:
        yield url


def _base(request, identity: str) -> str:
    return request.getfixturevalue("lead_url" if identity == LEAD else "viewer_url")


def _ready(page: Page, timeout: int = TIMEOUT) -> None:
    # After a goto: the load's script run has finished and nothing is stale or still loading
    # (tests/support/settle.py); the status widget alone passes before a run has started.
    wait_settled(page, timeout_ms=timeout, headline=None)


def _clean(page: Page) -> None:
    body = page.locator("body").inner_text()
    for marker in ("Traceback", "duckdb:///", "postgresql+", "Error:", "<script>"):
        assert marker not in body, f"{marker!r} on screen"
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _heading(page: Page, text: str):
    return page.get_by_role("heading", name=text, exact=True).first


CASES = [(who, slug) for who in (LEAD, VIEWER) for slug in ALLOWED[who]]


@pytest.mark.parametrize(
    "who, slug", CASES, ids=[f"{'lead' if w == LEAD else 'viewer'}-{s}" for w, s in CASES]
)
def test_every_allowed_page_opens_with_its_headline(page: Page, request, who, slug):
    page.goto(f"{_base(request, who)}/{'' if slug == 'overview' else slug}")
    expect(_heading(page, HEADINGS[slug])).to_be_visible(timeout=TIMEOUT)
    _ready(page, SLOW.get(slug, TIMEOUT))
    _clean(page)
    expect(page.get_by_text("do not have access")).to_have_count(0)


def test_viewer_navigation_lacks_forbidden_pages_and_urls_are_refused(page: Page, viewer_url):
    page.goto(viewer_url)
    expect(_heading(page, "Overview")).to_be_visible(timeout=TIMEOUT)
    _ready(page)
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "Fraud trends" in nav
    for title in NAV_TITLES.values():
        assert title not in nav
    expect(page.get_by_role("button", name="Export")).to_have_count(0)
    for slug in ("audit", "health", "deck"):
        page.goto(f"{viewer_url}/{slug}")
        expect(page.get_by_text("You do not have access to this page").first).to_be_visible(
            timeout=TIMEOUT
        )
        _ready(page)
        _clean(page)
        expect(page.get_by_test_id("stMetricValue")).to_have_count(0)


def test_lead_navigation_lists_every_page(page: Page, lead_url):
    page.goto(lead_url)
    expect(_heading(page, "Overview")).to_be_visible(timeout=TIMEOUT)
    _ready(page)
    nav = page.get_by_test_id("stSidebarNav")
    for title in NAV_TITLES.values():
        expect(nav.get_by_text(title, exact=True)).to_be_visible()


def test_filter_change_and_shared_url_on_trends(page: Page, viewer_url, browser):
    page.goto(f"{viewer_url}/trends")
    expect(_heading(page, "Fraud trends")).to_be_visible(timeout=TIMEOUT)
    _ready(page)
    before = page.get_by_test_id("stMetricValue").first.inner_text()
    page.goto(f"{viewer_url}/trends?market=SE&trends_grain=month")
    expect(page.get_by_text(re.compile(r"markets SE")).first).to_be_visible(timeout=TIMEOUT)
    _ready(page)
    after = page.get_by_test_id("stMetricValue").first.inner_text()
    assert after != before, "the market filter changes the headline"
    fresh = browser.new_context()
    install_probe(fresh)
    other = fresh.new_page()
    other.goto(page.url)
    expect(other.get_by_text(re.compile(r"markets SE")).first).to_be_visible(timeout=TIMEOUT)
    _ready(other)
    assert other.get_by_test_id("stMetricValue").first.inner_text() == after
    assert "trends_grain=month" in other.url
    other.context.close()


def test_export_downloads_neutralised_csv_and_is_audited(page: Page, lead_url):
    page.goto(lead_url)
    expect(_heading(page, "Overview")).to_be_visible(timeout=TIMEOUT)
    _ready(page)
    page.get_by_role("button", name="Export").last.click()  # the top-labels chart
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="CSV data").last.click()
    path = info.value.path()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) > 1 and "label" in rows[0]
    for row in rows:
        for cell in row:
            # A cell that a spreadsheet would run as a formula is neutralised with a quote
            # (plain negative numbers are data, not formulas).
            if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _number(cell)):
                raise AssertionError(f"formula-like cell not neutralised: {cell!r}")
    page.goto(f"{lead_url}/audit?audit_action=export")
    expect(_heading(page, "Audit log")).to_be_visible(timeout=TIMEOUT)
    _ready(page)
    expect(page.get_by_test_id("stMetricValue").nth(1)).not_to_have_text("0", timeout=TIMEOUT)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


HOSTILE = {
    "sql": "market="
    + quote("' OR 1=1 --")
    + "&label="
    + quote("'; DROP TABLE dim_label; --")
    + "&trends_split="
    + quote("label_id;DROP TABLE x")
    + "&cases_sort="
    + quote("1;DELETE")
    + "&audit_user="
    + quote("' OR '1'='1")
    + "&funnel_measure="
    + quote("eur' --"),
    "html": "label="
    + quote("<script>alert(1)</script>")
    + "&typology="
    + quote("<img src=x>")
    + "&audit_page="
    + quote("<b>x</b>")
    + "&trends_metric="
    + quote("<i>m</i>"),
    "dates": "period=9999-01-01&period=0001-01-01&audit_period=9999-99-99"
    "&trends_grain=" + quote("week\x00"),
    "huge": "&".join(f"market=M{i}" for i in range(800)) + "&trends_top=-99999999999"
    "&cases_page=999999999999",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_urls_over_every_page_show_no_traceback(page: Page, lead_url, kind):
    for slug, heading in HEADINGS.items():
        page.goto(f"{lead_url}/{'' if slug == 'overview' else slug}?{HOSTILE[kind]}")
        expect(_heading(page, heading)).to_be_visible(timeout=TIMEOUT)
        _ready(page, SLOW.get(slug, TIMEOUT))
        _clean(page)
