"""analytics.changes on small frames: contributions add up, mix + rate equal a ratio's
change, edge cases (a member in one window only, no denominator, no rows), and the words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import changes as ch


def _frame(rows) -> pd.DataFrame:
    """rows: (dimension, member, side, streams, detected, cases_opened, cases_due, breaches)"""
    cols = ["dimension", "member", "side", "streams", "detected_streams", "cases_opened"]
    cols += ["cases_due", "sla_breaches"]
    df = pd.DataFrame(rows, columns=cols)
    df["name"] = df["member"].map(lambda m: {"NO": "Norway", "JP": "Japan"}.get(m, m))
    df["confirmed_streams"] = df["detected_streams"] * 0.9
    return df


DATA = _frame(
    [
        ("market", "NO", "baseline", 1000, 200, 10, 8, 2),
        ("market", "NO", "current", 900, 60, 4, 4, 2),
        ("market", "JP", "baseline", 2000, 100, 6, 6, 1),
        ("market", "JP", "current", 2500, 125, 6, 5, 1),
        ("market", "SE", "current", 100, 30, 1, 1, 1),  # new in the current window
        ("typology", "Bot farm", "baseline", 1500, 300, 16, 14, 3),
        ("typology", "Bot farm", "current", 800, 215, 11, 10, 4),
        ("typology", None, "baseline", 1500, 0, 0, 0, 0),  # streams nothing is attributed to
        ("typology", None, "current", 2700, 0, 0, 0, 0),
    ]
)


@pytest.mark.parametrize("key", [m.key for m in ch.HEADLINE if ch.available(DATA, m)])
@pytest.mark.parametrize("dim", ["market", "typology"])
def test_contributions_add_up_and_mix_plus_rate(key, dim):
    m = ch.BY_KEY[key]
    baseline, current = ch.totals(DATA, m)
    dec = ch.decompose(DATA, m, dim)
    assert dec["contribution"].sum() == pytest.approx(current - baseline, abs=1e-12)
    if m.ratio:
        np.testing.assert_allclose(dec["mix"] + dec["rate"], dec["contribution"], atol=1e-12)
        # A member absent from the baseline: all of its contribution is mix.
        se = dec.set_index("name").loc["SE"] if dim == "market" else None
        if se is not None:
            assert se["rate"] == pytest.approx(0.0) and se["mix"] == pytest.approx(
                se["contribution"]
            )
    assert dec["share"].sum() == pytest.approx(1.0)


def test_the_detected_share_by_hand():
    m = ch.BY_KEY["detected_share"]
    assert ch.totals(DATA, m) == pytest.approx((300 / 3000, 215 / 3500))
    no = ch.decompose(DATA, m, "market").set_index("member").loc["NO"]
    assert no["contribution"] == pytest.approx(60 / 3500 - 200 / 3000)
    w0, w1, r0, r1 = 1000 / 3000, 900 / 3500, 0.2, 60 / 900
    assert no["rate"] == pytest.approx((r1 - r0) * (w0 + w1) / 2)
    assert no["mix"] == pytest.approx((w1 - w0) * (r0 + r1) / 2)


def test_drivers_follow_the_direction_and_name_no_unattributed_link():
    m = ch.BY_KEY["detected_streams"]
    dec = ch.decompose(DATA, m, "market")
    assert list(dec["member"])[:1] == ["NO"]  # the fall's largest driver first
    found = ch.drivers(dec)
    assert [d.member for d in found] == ["NO"] and found[0].share > 1  # JP, SE rose
    s = ch.summarize(DATA, m)
    assert [g[0].dimension for g in s.groups] == ["market", "typology"]


def test_a_dimension_with_one_member_names_no_driver():
    one = DATA[(DATA["dimension"] != "market") | (DATA["member"] == "NO")]
    s = ch.summarize(one, ch.BY_KEY["detected_streams"])
    assert [g[0].dimension for g in s.groups] == ["typology"]


def test_no_denominator_means_no_decomposition():
    m = ch.BY_KEY["sla_breach_rate"]
    empty = DATA.assign(cases_due=0.0)
    assert ch.decompose(empty, m, "market").empty
    s = ch.summarize(empty, m)
    assert not s.comparable
    text = ch.sentence(s, "week")
    assert "cannot be compared week over week" in text and "nan" not in text.lower()


def test_empty_frames_and_missing_money():
    assert ch.summary_frame(pd.DataFrame(), "week").empty
    assert ch.decompose(None, ch.BY_KEY["detected_streams"], "market").empty
    frame = ch.summary_frame(DATA, "week")  # no *_eur columns: money metrics left out
    assert not {"exposure_eur", "protected_eur"} & set(frame["metric"])


def test_words_fall_rise_steady_and_links():
    fall = ch.sentence(ch.summarize(DATA, ch.BY_KEY["detected_streams"]), "week")
    assert fall.startswith("Detected artificial streams fell 28% week over week (300 → 215)")
    assert "market Norway −140" in fall and "of the fall" in fall
    up = DATA.assign(side=DATA["side"].map({"current": "baseline", "baseline": "current"}))
    rise = ch.sentence(ch.summarize(up, ch.BY_KEY["detected_streams"]), "period")
    assert " rose " in rise and "on the previous period" in rise and "of the rise" in rise
    share = ch.sentence(ch.summarize(DATA, ch.BY_KEY["detected_share"]), "year")
    assert "pp on the same weeks a year earlier" in share and "rate " in share
    flat = _frame([("market", "NO", side, 10, 5, 1, 1, 0) for side in ("baseline", "current")])
    steady = ch.sentence(ch.summarize(flat, ch.BY_KEY["detected_streams"]), "week")
    assert "held steady" in steady
    linked = ch.sentence(
        ch.summarize(DATA, ch.BY_KEY["detected_streams"]),
        "week",
        link=lambda dim, member, text: f"<{dim}={member}:{text}>",
    )
    assert "<market=NO:Norway>" in linked and "<typology=" in linked
    for text in (fall, rise, share, steady, linked):
        assert "None" not in text and "nan" not in text.lower() and "NaN" not in text


def test_amount_words():
    assert ch.amount(-9.8e6, "count") == "−9.8M"
    assert ch.amount(1234, "eur") == "+€1.2k"
    assert ch.amount(-0.00001, "pct") == "0.0 pp"
    assert ch.amount(0.053, "pct", signed=False) == "5.3%"
    assert ch.amount(float("nan"), "count") == "–"
