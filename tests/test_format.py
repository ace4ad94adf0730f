"""How numbers and counted nouns read on screen: no 'nan', 'inf', '1 days', 'typologys',
and no delta (no red arrow) for a change that is not one."""

from __future__ import annotations

import math

import pytest

from analytics import format as fmt
from analytics.metrics import METRICS, Tile


@pytest.mark.parametrize(
    ("n", "noun", "want"),
    [
        (1, "day", "1 day"),
        (0, "day", "0 days"),
        (91, "day", "91 days"),
        (1, "week", "1 week"),
        (3, "typology", "3 typologies"),
        (1, "typology", "1 typology"),
        (2, "match", "2 matches"),
        (2, "key", "2 keys"),
        (1204, "case", "1,204 cases"),
        (1.5, "day", "1.5 days"),
        (float("nan"), "day", "– days"),
        (None, "week", "– weeks"),
        (math.inf, "day", "– days"),
    ],
)
def test_plural(n, noun, want):
    assert fmt.plural(n, noun) == want


def test_plural_of_never_says_typologys():
    assert fmt.plural_of("typology") == "typologies"
    assert fmt.plural_of("day") == "days" and fmt.plural_of("label") == "labels"
    assert (
        fmt.noun_for(1, "typology") == "typology"
        and fmt.noun_for(2, "person", "people") == "people"
    )


@pytest.mark.parametrize("bad", [None, float("nan"), math.inf, -math.inf, "x"])
def test_no_delta_for_missing_or_infinite(bad):
    assert fmt.delta(bad, "pct") is None and fmt.delta(bad, "count") is None
    assert not fmt.delta_moved(bad, "pct")


def test_delta_text():
    assert fmt.delta(0.012, "pct") == "+1.2 pp"
    assert fmt.delta(-0.166, "count") == "-16.6%"
    # A change that rounds to nothing is not shown as a rise.
    assert fmt.delta(0.0, "pct") == "0.0 pp" and not fmt.delta_moved(0.0, "pct")
    assert fmt.delta(0.0004, "pct") == "0.0 pp" and not fmt.delta_moved(0.0004, "pct")
    assert fmt.delta(-0.0004, "eur") == "0.0%"


def test_tile_without_anything_in_either_period_has_no_delta():
    share = METRICS["detected_share"]
    assert Tile(share, 0.0, 0.0).delta is None  # a 0 % share in both periods
    assert Tile(share, float("nan"), 0.0).delta is None  # 0 ÷ 0 this period
    assert Tile(share, 0.02, 0.0).delta == pytest.approx(0.02)
    assert Tile(METRICS["streams"], 5.0, 0.0).delta is None  # no relative change from 0


def test_values_never_read_nan_or_inf():
    for unit in ("count", "eur", "pct", "hours"):
        for x in (None, float("nan"), math.inf):
            assert fmt.value(x, unit) == "–"
