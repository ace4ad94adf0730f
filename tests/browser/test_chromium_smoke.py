"""Proves the Playwright -> Debian Chromium path works, independently of the app."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_chromium_renders_a_page(page: Page) -> None:
    page.goto("data:text/html,<title>smoke</title><h1>ok</h1>")

    expect(page.get_by_role("heading", level=1)).to_have_text("ok")
    assert page.title() == "smoke"
    # Headless, as configured in tests/browser/conftest.py.
    assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
