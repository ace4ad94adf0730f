"""Random slices through the real app (hypothesis + AppTest): every analysis page (the Policy
lab and the Operations plan too) renders every view for slices drawn from the warehouse's
own values, with no exception element, no leaked internals and no "None"/"NaN"/"typologys"
on screen. Few examples per page (the
fast half with many examples is tests/test_random_slices.py); derandomized for CI."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, seed, settings

from data_access.access import PAGE_SLUGS
from tests.support.apptest import assert_clean, run_app, screen_text
from tests.test_random_slices import BAD_WORDS, options, slices

# The analysis pages: every page in navigation order before the Deck builder.
PAGES = PAGE_SLUGS[: PAGE_SLUGS.index("deck")]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_random_slices(page, duck_url):
    opts = options(duck_url)

    @seed(20261201)
    @settings(
        max_examples=int(os.environ.get("PAGE_SLICE_EXAMPLES", "2")),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(f=slices(opts))
    def check(f) -> None:
        with pytest.MonkeyPatch.context() as mp:
            at = run_app(mp, duck_url, page=f"app_pages/{page}.py", params=f.to_query_params(opts))
            assert_clean(at)
            text = screen_text(at)
            assert not BAD_WORDS.search(text), (page, f, BAD_WORDS.search(text).group(0))

    check()
