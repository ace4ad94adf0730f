"""Playwright (pytest-playwright) configured for Debian's Chromium instead of a downloaded one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import CHROMIUM_ARGS, chromium_executable


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options (--headed, --slowmo, ...) plus the system Chromium."""
    return {
        "headless": True,
        **browser_type_launch_args,  # --headed still wins
        "executable_path": chromium_executable(),
        "args": [*CHROMIUM_ARGS, *browser_type_launch_args.get("args", [])],
    }
