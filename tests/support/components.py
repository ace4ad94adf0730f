"""Skip-or-fail policy for tests that need an optional system component (PostgreSQL, Chromium).

Locally a missing component skips the test; in CI (FRAUD_REQUIRE_COMPONENTS=1, set by .ci/run)
it fails it, so a broken runner image cannot turn the real-PostgreSQL or browser suites into a
quiet row of skips.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_ENV = "FRAUD_REQUIRE_COMPONENTS"


def components_required() -> bool:
    """True when missing components must fail tests instead of skipping them."""
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def require_component(name: str, reason: str) -> NoReturn:
    """Skip the current test because `name` is unavailable, or fail it when CI requires it."""
    if components_required():
        pytest.fail(f"{name} required in CI: {reason}", pytrace=False)
    pytest.skip(reason)
