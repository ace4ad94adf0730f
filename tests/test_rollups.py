"""The rollups of mart_daily_fraud (by market, by label) and the routing that picks them.

Queries read the smallest table that holds what they filter and group by
(queries.common.fraud_mart); the answers must not depend on which one they read.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from data_access import schema as s
from data_access.demo import reference as ref
from data_access.dialect import trunc_date
from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import exposure, overview, trends
from data_access.queries.common import fraud_mart
from data_access.scope import FULL, Scope

BASE = Filters(start=ref.END - timedelta(days=90), end=ref.END)
MEASURES = [c.name for c in s.mart_daily_market_fraud.columns if c.name not in s._FRAUD_KEYS]


@pytest.mark.parametrize("rollup", s.ROLLUPS, ids=lambda t: t.name)
def test_rollup_sums_equal_the_mart_per_key(warehouse_url, rollup):
    keys = [c.name for c in rollup.columns if c.name in s._FRAUD_KEYS]
    m = s.mart_daily_fraud
    weekly = rollup.name.startswith("mart_weekly_")  # date_key = the ISO week's Monday
    cols = [
        trunc_date("week", m.c[k]).label(k) if weekly and k == "date_key" else m.c[k] for k in keys
    ]
    want = run(
        select(*cols, *(func.sum(m.c[c]).label(c) for c in MEASURES))
        .group_by(*cols)
        .order_by(*cols),
        warehouse_url,
    )
    want["date_key"] = pd.to_datetime(want["date_key"]).dt.date
    got = run(select(rollup).order_by(*(rollup.c[k] for k in keys)), warehouse_url)
    assert len(got) == len(want) > 0
    got["date_key"] = pd.to_datetime(got["date_key"]).dt.date
    got = got[keys + MEASURES].astype({c: float for c in MEASURES})
    want = want[keys + MEASURES].astype({c: float for c in MEASURES})
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_routing_picks_the_smallest_table_that_holds_the_columns():
    partner = Scope(role="partner", labels=(1, 2))
    assert fraud_mart(BASE, FULL) is s.mart_daily_market_fraud
    assert fraud_mart(BASE, FULL, by=("region",)) is s.mart_daily_market_fraud
    assert fraud_mart(BASE, FULL, by=("typology",)) is s.mart_daily_market_fraud
    assert fraud_mart(BASE.narrowed(typologies=(1,)), FULL) is s.mart_daily_market_fraud
    assert fraud_mart(BASE, FULL, by=("label",)) is s.mart_daily_label_fraud
    assert fraud_mart(BASE, partner) is s.mart_daily_label_fraud
    assert fraud_mart(BASE.narrowed(distributors=(1,)), FULL) is s.mart_daily_label_fraud
    assert fraud_mart(BASE.narrowed(markets=("FR",)), partner) is s.mart_daily_fraud
    assert fraud_mart(BASE.narrowed(labels=(3,)), FULL, by=("market",)) is s.mart_daily_fraud


def _via_full_mart(monkeypatch, build):
    """The same builder forced onto mart_daily_fraud."""
    import data_access.queries.overview as ov
    import data_access.queries.trends as tr

    monkeypatch.setattr(ov, "fraud_mart", lambda *a, **k: s.mart_daily_fraud)
    monkeypatch.setattr(tr, "fraud_mart", lambda *a, **k: s.mart_daily_fraud)
    try:
        return build()
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize(
    "build",
    [
        lambda: overview.fraud_kpi_query(BASE, FULL),
        lambda: overview.top_exposure_query(BASE, FULL, by="label"),
        lambda: overview.weekly_trend_query(BASE, Scope(role="partner", labels=(1, 2, 3))),
        lambda: trends.trend_query(BASE, FULL, split="region"),
        lambda: trends.trend_query(BASE.narrowed(typologies=(1, 2)), FULL, split="distributor"),
    ],
)
def test_answers_do_not_depend_on_the_table_read(duck_url, monkeypatch, build):
    routed = run(build(), duck_url)
    full = run(_via_full_mart(monkeypatch, build), duck_url)
    assert not routed.empty
    pd.testing.assert_frame_equal(
        routed.reset_index(drop=True),
        full.reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
    )


def test_the_weekly_rollup_serves_whole_weeks_only():
    mon, sun = date(2026, 8, 31), date(2026, 11, 29)
    assert mon.weekday() == 0 and sun.weekday() == 6
    weekly = fraud_mart(BASE, FULL, by=("label",), weeks=(mon, sun))
    assert weekly is s.mart_weekly_label_fraud
    for lo, hi in ((mon + timedelta(days=1), sun), (mon, sun - timedelta(days=1))):
        assert fraud_mart(BASE, FULL, by=("label",), weeks=(lo, hi)) is s.mart_daily_label_fraud
    assert fraud_mart(BASE, FULL, by=("market",), weeks=(mon, sun)) is s.mart_daily_market_fraud
    assert fraud_mart(BASE, FULL, by=("label",)) is s.mart_daily_label_fraud


@pytest.mark.parametrize(
    "build",
    [
        lambda: exposure.weekly_by_group_query(BASE, FULL, by="label", measure="exposure_eur"),
        lambda: exposure.weekly_by_group_query(
            BASE, Scope(role="partner", distributors=(1, 2)), by="distributor", limit=3
        ),
        lambda: exposure.weekly_exposure_query(BASE.narrowed(labels=(1, 2, 3)), FULL),
        lambda: exposure.scenario_inputs_query(BASE.narrowed(distributors=(1,)), FULL),
    ],
)
def test_weekly_answers_equal_the_daily_marts(warehouse_url, monkeypatch, build):
    routed = run(build(), warehouse_url)
    monkeypatch.setattr(
        exposure, "fraud_mart", lambda f, scope, by=(), weeks=None: fraud_mart(f, scope, by=by)
    )
    daily = run(build(), warehouse_url)
    assert not routed.empty
    pd.testing.assert_frame_equal(routed, daily, check_dtype=False, check_exact=False)


@pytest.mark.parametrize(
    "f, scope",
    [
        (BASE, FULL),
        (BASE.narrowed(labels=(1, 2, 3, 4)), FULL),
        (BASE, Scope(role="partner", distributors=(1,))),
    ],
    ids=["all", "labels", "distributor-scope"],
)
def test_track_shares_from_the_weekly_mart_equal_the_fact(warehouse_url, monkeypatch, f, scope):
    routed = run(exposure.track_share_query(f, scope), warehouse_url)
    assert "mart_track_13w" in str(exposure.track_share_query(f, scope))
    monkeypatch.setattr(exposure, "whole_weeks", lambda *_: False)  # forces the fact
    assert "fact_streams_daily" in str(exposure.track_share_query(f, scope))
    fact = run(exposure.track_share_query(f, scope), warehouse_url)
    assert not routed.empty
    pd.testing.assert_frame_equal(routed, fact, check_dtype=False)
