"""Playwright (pytest-playwright) configured for Debian's Chromium instead of a downloaded one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.support.browser import CHROMIUM_ARGS, chromium_executable
from tests.support.settle import install_probe


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options (--headed, --slowmo, ...) plus the system Chromium."""
    return {
        "headless": True,
        **browser_type_launch_args,  # --headed still wins
        "executable_path": chromium_executable(),
        "args": [*CHROMIUM_ARGS, *browser_type_launch_args.get("args", [])],
    }


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    """pytest-playwright's context with the settle probe (tests/support/settle.py), so tests
    can wait for the page to be settled instead of guessing from the DOM."""
    install_probe(context)
    return context


@pytest.fixture
def fresh_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """A factory of pages, each in a new browser context with the probe (a fresh tab)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        ctx = browser.new_context()
        install_probe(ctx)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
