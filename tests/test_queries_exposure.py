"""Exposure builders: results equal an independent pandas computation over the raw facts,
on DuckDB and on a real PostgreSQL server; statements keep user text in bound parameters."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import exposure as q
from data_access.scope import FULL

F = Filters(start=date(2026, 9, 1), end=date(2026, 11, 25))  # a Wednesday: origin 22 Nov
FEE_TYPE = "per_track_fee"


@pytest.fixture(scope="module")
def facts(demo_frames):
    st = demo_frames["fact_streams_daily"].copy()
    tracks = demo_frames["dim_track"][["track_id", "label_id"]]
    labels = demo_frames["dim_label"][["label_id", "distributor_id"]]
    markets = demo_frames["dim_market"][["market_id", "iso2", "name", "payout_per_1k_streams_eur"]]
    st = st.merge(tracks, on="track_id").merge(labels, on="label_id").merge(markets, on="market_id")
    st["date_key"] = pd.to_datetime(st["date_key"])
    st["week"] = st["date_key"] - pd.to_timedelta(st["date_key"].dt.day_of_week, unit="D")
    rate = st["payout_per_1k_streams_eur"] / 1000
    st["at_risk"] = np.maximum(st["true_artificial_streams"] - st["confirmed_streams"], 0) * rate
    return st


@pytest.fixture(scope="module")
def fees(demo_frames):
    enf = demo_frames["fact_enforcement"].copy()
    types = demo_frames["dim_enforcement_type"]
    fee_id = int(types.loc[types["code"] == FEE_TYPE, "enforcement_type_id"].iloc[0])
    det = demo_frames["fact_detection"][["detection_id", "typology_id"]]
    markets = demo_frames["dim_market"][["market_id", "iso2", "name"]]
    enf = enf[enf["enforcement_type_id"] == fee_id].merge(det, on="detection_id")
    enf = enf.merge(markets, on="market_id")
    enf["date_key"] = pd.to_datetime(enf["applied_at"]).dt.normalize()
    enf["week"] = enf["date_key"] - pd.to_timedelta(enf["date_key"].dt.day_of_week, unit="D")
    enf["out"] = (
        enf["amount_eur"].astype(float)
        - enf["recovered_eur"].astype(float)
        - np.where(enf["status"] == "reversed", enf["amount_eur"].astype(float), 0.0)
    )
    return enf


def _slice(df, f: Filters, start, end, *, attribution: bool):
    out = df[(df["date_key"] >= pd.Timestamp(start)) & (df["date_key"] <= pd.Timestamp(end))]
    if f.markets:
        out = out[out["iso2"].isin(f.markets)]
    if f.labels:
        out = out[out["label_id"].isin(f.labels)]
    if attribution and f.typologies:
        out = out[out["typology_id"].isin(f.typologies)]
    return out


def _busiest_label(facts) -> int:
    return int(facts.groupby("label_id")["at_risk"].sum().idxmax())


def _filters(narrow: str, facts) -> Filters:
    return {
        "none": F,
        "market": F.narrowed(markets=("US", "DE")),
        "label": F.narrowed(labels=(_busiest_label(facts),)),
        "typology": F.narrowed(typologies=(1, 2)),
    }[narrow]


def test_history_window_is_complete_weeks_up_to_the_period_end():
    start, end = q.history_window(F)
    assert end == date(2026, 11, 22) and end.weekday() == 6
    assert start.weekday() == 0 and (end - start).days + 1 == 7 * q.HISTORY_WEEKS
    # The period's start does not matter; a Sunday end is its own origin.
    assert q.history_window(F.narrowed(start=date(2026, 11, 20))) == (start, end)
    assert q.history_window(F.narrowed(end=date(2026, 11, 29)))[1] == date(2026, 11, 29)


@pytest.mark.parametrize("narrow", ["none", "market", "label", "typology"])
def test_weekly_exposure_matches_pandas(warehouse_url, facts, fees, narrow):
    f = _filters(narrow, facts)
    start, end = q.history_window(f)
    got = run(q.weekly_exposure_query(f, FULL), warehouse_url)
    got["week"] = pd.to_datetime(got["week"])
    got = got.set_index("week").astype(float)
    fr = _slice(facts, f, start, end, attribution=False)
    attr = fr["typology_id"].isin(f.typologies) if f.typologies else fr["at_risk"].notna()
    at_risk = fr["at_risk"].where(attr, 0.0).groupby(fr["week"]).sum()
    fe = _slice(fees, f, start, end, attribution=True)
    fee = fe.groupby("week")["out"].sum()
    exp = pd.DataFrame({"at_risk_eur": at_risk}).join(
        pd.DataFrame({"fees_outstanding_eur": fee}), how="outer"
    )
    exp = exp.fillna(0.0)
    exp["exposure_eur"] = exp["at_risk_eur"] + exp["fees_outstanding_eur"]
    assert got.index.max() <= pd.Timestamp(end)
    assert list(got.index) == list(exp.index)
    for col in ("at_risk_eur", "fees_outstanding_eur", "exposure_eur"):
        np.testing.assert_allclose(got[col], exp[col], rtol=1e-4, atol=0.05, err_msg=col)
    assert got["exposure_eur"].sum() > 0


@pytest.mark.parametrize("narrow", ["none", "typology"])
def test_weekly_by_market_matches_pandas(warehouse_url, facts, fees, narrow):
    f = _filters(narrow, facts)
    start, end = q.history_window(f)
    recent_start, _ = q.recent_window(f)
    got = run(q.weekly_by_group_query(f, FULL, by="market", limit=3), warehouse_url)
    got["week"] = pd.to_datetime(got["week"])
    fr = _slice(facts, f, start, end, attribution=False)
    if f.typologies:
        fr = fr[fr["typology_id"].isin(f.typologies)]
    fe = _slice(fees, f, start, end, attribution=True)
    both = pd.concat(
        [
            fr[["week", "iso2", "name", "at_risk"]].rename(columns={"at_risk": "v"}),
            fe[["week", "iso2", "name", "out"]].rename(columns={"out": "v"}),
        ]
    )
    recent = both[both["week"] >= pd.Timestamp(recent_start)].groupby("iso2")["v"].sum()
    top = recent.reset_index().sort_values(["v", "iso2"], ascending=[False, True]).head(3)
    assert sorted(got["key"].unique()) == sorted(top["iso2"])
    exp = both[both["iso2"].isin(top["iso2"])].groupby(["week", "iso2"])["v"].sum()
    got_s = got.set_index(["week", "key"])["value"].astype(float).sort_index()
    exp = exp.reindex(got_s.index, fill_value=0.0)
    np.testing.assert_allclose(got_s, exp, rtol=1e-4, atol=0.05)
    names = got.drop_duplicates("key").set_index("key")["group"]
    market_names = facts.drop_duplicates("iso2").set_index("iso2")["name"]
    assert all(names[k] == market_names[k] for k in names.index)


def test_weekly_by_label_of_a_fraud_measure(warehouse_url, facts):
    got = run(
        q.weekly_by_group_query(F, FULL, by="label", measure="detected_streams", limit=2),
        warehouse_url,
    )
    start, end = q.history_window(F)
    recent_start, _ = q.recent_window(F)
    fr = _slice(facts, F, start, end, attribution=False)
    recent = fr[fr["week"] >= pd.Timestamp(recent_start)].groupby("label_id")["flagged_streams"]
    top = recent.sum().sort_values(ascending=False).head(2)
    labels = F.narrowed(labels=tuple(int(i) for i in top.index))
    total = _slice(facts, labels, start, end, attribution=False)["flagged_streams"].sum()
    assert got["value"].astype(float).sum() == pytest.approx(float(total))
    assert got["key"].nunique() == 2


@pytest.mark.parametrize("narrow", ["none", "market", "typology"])
def test_scenario_inputs_match_pandas(warehouse_url, facts, fees, narrow):
    f = _filters(narrow, facts)
    start, end = q.recent_window(f)
    got = run(q.scenario_inputs_query(f, FULL), warehouse_url).astype(float).iloc[0]
    fr = _slice(facts, f, start, end, attribution=True)
    fe = _slice(fees, f, start, end, attribution=True)
    assert got["artificial_streams"] == pytest.approx(fr["true_artificial_streams"].sum())
    assert got["flagged_streams"] == pytest.approx(fr["flagged_streams"].sum())
    assert got["confirmed_streams"] == pytest.approx(fr["confirmed_streams"].sum())
    assert got["at_risk_eur"] == pytest.approx(fr["at_risk"].sum(), rel=1e-4, abs=0.05)
    assert got["fees_outstanding_eur"] == pytest.approx(fe["out"].sum(), abs=0.01)


@pytest.mark.parametrize("narrow", ["none", "market"])
def test_track_share_histogram_matches_pandas(warehouse_url, facts, narrow):
    f = _filters(narrow, facts)
    start, end = q.recent_window(f)
    got = run(q.track_share_query(f, FULL), warehouse_url).astype(float)
    fr = _slice(facts, f, start, end, attribution=False)
    per = fr.groupby("track_id")[["streams", "true_artificial_streams"]].sum()
    per = per[(per["streams"] > 0) & (per["true_artificial_streams"] > 0)]
    share = per["true_artificial_streams"] / per["streams"]
    bins = np.minimum(np.floor(share * q.SHARE_BINS), q.SHARE_BINS - 1) / q.SHARE_BINS
    exp = bins.round(2).value_counts().sort_index()
    assert list(got["bin_start"].round(2)) == list(exp.index)
    assert list(got["tracks"]) == list(exp.astype(float))


def test_an_empty_slice_returns_no_rows(warehouse_url):
    early = Filters(start=date(2020, 1, 1), end=date(2020, 1, 31))
    assert run(q.weekly_exposure_query(early, FULL), warehouse_url).empty
    assert run(q.weekly_by_group_query(early, FULL, by="region"), warehouse_url).empty
    assert run(q.track_share_query(early, FULL), warehouse_url).empty
    row = run(q.scenario_inputs_query(early, FULL), warehouse_url).astype(float).iloc[0]
    assert row.sum() == 0


HOSTILE = "x' OR '1'='1'; DROP TABLE dim_label; --"


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_user_values_stay_in_bound_parameters(dialect):
    import duckdb_sqlalchemy
    from sqlalchemy.dialects import postgresql

    d = postgresql.dialect() if dialect == "postgresql" else duckdb_sqlalchemy.Dialect()
    f = F.narrowed(markets=(HOSTILE,), regions=(HOSTILE,))
    for stmt in (
        q.weekly_exposure_query(f, FULL),
        *(q.weekly_by_group_query(f, FULL, by=by) for by in q.GROUPS),
        q.weekly_by_group_query(f, FULL, by="label", measure="confirmed_streams"),
        q.scenario_inputs_query(f, FULL),
        q.track_share_query(f, FULL),
    ):
        compiled = stmt.compile(dialect=d)
        assert HOSTILE not in str(compiled) and "DROP TABLE" not in str(compiled)
        bound = [
            v
            for value in compiled.params.values()
            for v in (value if isinstance(value, (list, tuple)) else [value])
        ]
        assert HOSTILE in bound
        # And the statement compiles with literal values too (portable SQL).
        stmt.compile(dialect=d, compile_kwargs={"literal_binds": True})


def test_split_dimension_and_measure_are_allow_listed():
    with pytest.raises(ValueError):
        q.weekly_by_group_query(F, FULL, by="label_id; DROP TABLE x")
    with pytest.raises(ValueError):
        q.weekly_by_group_query(F, FULL, by="market", measure="royalty_eur) --")


def test_group_limit_is_bounded():
    sql = str(
        q.weekly_by_group_query(F, FULL, by="market", limit=10_000).compile(
            compile_kwargs={"literal_binds": True}
        )
    )
    assert "LIMIT 50" in sql


def test_recent_window_is_thirteen_weeks():
    start, end = q.recent_window(F)
    assert (end - start) == timedelta(weeks=13) - timedelta(days=1)
