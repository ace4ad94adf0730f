"""Random slices of the small test warehouse (hypothesis): markets, labels, distributors,
typologies and detectors drawn from the warehouse's own dimension values, periods from one
day to the whole history. Every declared view's frame, figure and headline must build with
no exception and no "None" / "NaN" / "inf" / "1 days" / "typologys" in its words.

Fast: loaders and chart builders are called directly (no Streamlit runtime). The AppTest
half (every analysis page rendered through the real app) is tests/pages/test_random_slices.py.
Derandomized with a fixed seed so CI never flakes; a failure prints the slice.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from data_access.filters import Filters, Options
from data_access.scope import FULL

BAD_WORDS = re.compile(r"\b(None|NaN|nan|inf|-inf)\b|\b1 (days|weeks|typologies)\b|typologys")


def options(url: str) -> Options:
    from data_access.loaders.options import load_options

    return getattr(load_options, "__wrapped__", load_options)(FULL, url=url)


def _subset(values: list, *, max_size: int = 3):
    # Mostly "all" (empty) or a few values: a slice of everything is rarely empty.
    return st.one_of(st.just(()), st.lists(st.sampled_from(values), max_size=max_size, unique=True))


@st.composite
def slices(draw, opts: Options) -> Filters:
    """A Filters over the warehouse's own values: each dimension all or a small subset; a
    period from one day to the whole history."""
    days = (opts.max_date - opts.min_date).days
    length = draw(st.one_of(st.sampled_from([1, 7, 91, days + 1]), st.integers(1, days + 1)))
    start = opts.min_date + timedelta(days=draw(st.integers(0, days + 1 - length)))
    end = start + timedelta(days=length - 1)
    pick = {
        kind: draw(_subset([i for i, _ in getattr(opts, attr)]))
        for kind, attr in (
            ("labels", "labels"),
            ("distributors", "distributors"),
            ("typologies", "typologies"),
            ("detectors", "detectors"),
        )
    }
    markets = draw(_subset([iso for iso, _ in opts.markets]))
    return Filters(
        start=start, end=end, markets=tuple(markets), **{k: tuple(v) for k, v in pick.items()}
    )


def _serialise(fig) -> str:
    if isinstance(fig, go.Figure):
        return fig.to_json()
    return str(fig.to_dict())


@pytest.fixture(scope="module")
def opts(duck_url) -> Options:
    return options(duck_url)


def test_every_view_builds_on_random_slices(duck_url, opts, monkeypatch):
    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    import reports as views

    # The forecast views refit models per slice: cheap enough at this scale, but they are
    # the slowest; every view is still drawn on every example.
    @seed(20260701)
    @settings(
        max_examples=int(os.environ.get("SLICE_EXAMPLES", "8")),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(f=slices(opts))
    def check(f: Filters) -> None:
        from data_access.filters import context_line

        subtitle = context_line(f, opts)
        assert not BAD_WORDS.search(subtitle), subtitle
        for view in views.REGISTRY.values():
            df = views.frame(view, FULL, f, duck_url)
            for interactive in (False, True):  # the deck's figure and the page's
                fig = views.figure(view, df, subtitle=subtitle, interactive=interactive)
                _serialise(fig)
            params = views.resolve_params(view, {})
            words = f"{view.headline(df)} {view.note_for(df, params)}"
            assert not BAD_WORDS.search(words), (view.id, words)

    check()


def test_slices_cover_a_day_and_the_whole_history(opts):
    """The strategy itself: it can draw a one-day period and the whole history."""
    seen: set[int] = set()

    @seed(1)
    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(f=slices(opts))
    def collect(f: Filters) -> None:
        assert opts.min_date <= f.start <= f.end <= opts.max_date
        seen.add(f.days)

    collect()
    assert 1 in seen and (opts.max_date - opts.min_date).days + 1 in seen
