"""The deck on a warehouse without optional inputs: no events means no marks (not a failed
deck); a view that needs an unmapped input is refused with the one line that names it."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation

from data_access.filters import Filters
from data_access.loaders.options import load_options
from data_access.scope import FULL
from reports.deck import DeckItem, SpecError, build_deck
from tests.support.warehouse import copy_without, with_marts


@pytest.fixture(scope="module")
def no_appeals_url(duck_url, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("deck_no_appeals") / "w.duckdb"
    return with_marts(copy_without(duck_url, path, drop=("fact_appeal", "dim_event")))


def _deck(url: str, *view_ids: str) -> bytes:
    opts = load_options(FULL, url=url)
    f = Filters(*opts.default_period())
    return build_deck(
        [DeckItem(v, f) for v in view_ids],
        title="t",
        url=url,
        as_of=opts.max_date,
        options=opts,
    )


def test_a_deck_without_events_or_appeals_is_built(no_appeals_url):
    data = _deck(no_appeals_url, "overview.trend", "enforcement.offenders", "funnel.sankey")
    assert len(Presentation(io.BytesIO(data)).slides) == 3 + 2


def test_a_view_that_needs_an_unmapped_input_is_refused(duck_url, tmp_path):
    url = with_marts(copy_without(duck_url, tmp_path / "w.duckdb", meta={"cases": False}))
    with pytest.raises(SpecError) as err:
        _deck(url, "overview.trend", "cases.sla_weekly")
    assert str(err.value) == (
        "view 'cases.sla_weekly': Cases are not mapped in this warehouse: see docs/INPUTS.md#cases"
    )


def test_a_frame_that_needs_an_unmapped_input_says_which(duck_url, tmp_path):
    import reports
    from reports.view import NotMapped

    url = copy_without(duck_url, tmp_path / "w.duckdb", meta={"appeals": False})
    opts = load_options(FULL, url=url)
    f = Filters(*opts.default_period())
    with pytest.raises(NotMapped, match="Appeals are not mapped in this warehouse"):
        reports.frame(reports.get("track.appeals"), FULL, f, url, {"isrc": "QZA002500001"})
    assert not reports.frame(reports.get("overview.trend"), FULL, f, url).empty


def test_policy_replay_without_appeals_or_ground_truth_leaves_them_out(duck_url, tmp_path):
    import reports

    url = copy_without(
        duck_url,
        tmp_path / "w.duckdb",
        drop=("fact_appeal",),
        statements=("UPDATE fact_detection SET campaign_id = NULL",),
    )
    opts = load_options(FULL, url=url)
    view = reports.get("policy.compare")
    df = reports.frame(view, FULL, Filters(*opts.default_period()), url)
    assert len(df) >= 2
    assert not {"expected_appeals", "honest"} & set(df.columns)
    assert df["honest_estimated"].isna().all()  # unknown, never 0
    assert "honest" not in view.headline(df)
