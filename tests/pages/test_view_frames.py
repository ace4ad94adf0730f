"""One declaration per view: the frame a page shows and exports is the frame the deck and
the deck CLI put on the slide, for every view a page draws."""

from __future__ import annotations

import pandas as pd
import pytest

import reports
from reports import deck
from tests.support.apptest import assert_clean, run_app

# Every analysis page and the settings a link may give its views (not the defaults, so a
# setting that reaches the page but not the deck, or the reverse, shows up).
PAGES = {
    "overview": {},
    "trends": {"trends_grain": "month", "trends_split": "market", "trends_top": "4"},
    "funnel": {"funnel_measure": "streams"},
    "enforcement": {"enforcement_by": "distributor"},
    "cases": {},
    "exposure": {"exposure_z": "3.0"},
    "ops": {"ops_by": "typology", "ops_sla_h": "48", "ops_headcount": "-5", "ops_extra": "100"},
    "policy": {
        "policy_n": "2",
        "policy_2_fee": "70",
        "policy_2_model_auto": "0.95",
        "policy_sweep": "minimum streams",
        "policy_affected_by": "distributor",
    },
}


@pytest.fixture(scope="module")
def page_frames(duck_url):
    """(view id -> (frame, params, filters, scope)) as the pages' export menus received them."""
    seen: dict[str, tuple] = {}
    with pytest.MonkeyPatch.context() as mp:
        real = reports.frame

        def spy_menu(view, df, fig, ctx, params):
            seen[view.id] = (df.copy(), dict(params), ctx.filters, ctx.scope)

        mp.setattr("ui.exports.view_menu", spy_menu)
        mp.setattr("reports.frame", real)
        for page, params in PAGES.items():
            at = run_app(mp, duck_url, page=f"app_pages/{page}.py", params=params)
            assert_clean(at)
    return seen


def test_every_view_is_drawn_by_its_page(page_frames):
    drawn = set(page_frames)
    assert drawn == set(reports.REGISTRY)


def test_page_frame_equals_deck_and_cli_frame(page_frames, duck_url, monkeypatch):
    built: dict[str, pd.DataFrame] = {}
    real = reports.frame

    def spy_frame(view, scope, filters, url=None, params=None):
        df = real(view, scope, filters, url, params)
        built[view.id] = df
        return df

    monkeypatch.setattr(deck.views, "frame", spy_frame)
    by_scope: dict = {}
    for view_id, (_, params, filters, scope) in page_frames.items():
        by_scope.setdefault(scope, []).append(deck.DeckItem(view_id, filters, params))
    for scope, items in by_scope.items():
        deck.build_deck(items, title="t", author="a", url=duck_url, as_of=filters.end, scope=scope)
    assert set(built) == set(page_frames)
    for view_id, (df, params, _, _) in page_frames.items():
        pd.testing.assert_frame_equal(
            df.reset_index(drop=True), built[view_id].reset_index(drop=True), obj=view_id
        )
        # The page's settings reached the deck too (the frame says what it was built for).
        assert reports.resolve_params(reports.get(view_id), params) == params
