"""Overview builders: results equal an independent pandas computation over the raw facts,
on DuckDB and on a real PostgreSQL server; statements keep user text in bound parameters."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import overview as q
from data_access.scope import FULL, Scope

F = Filters(start=date(2026, 6, 1), end=date(2026, 11, 29))


@pytest.fixture(scope="module")
def facts(demo_frames):
    """Stream facts joined to their label / distributor / market, in pandas."""
    st = demo_frames["fact_streams_daily"].copy()
    tracks = demo_frames["dim_track"][["track_id", "label_id"]]
    labels = demo_frames["dim_label"][["label_id", "distributor_id"]]
    markets = demo_frames["dim_market"][["market_id", "iso2", "payout_per_1k_streams_eur"]]
    st = st.merge(tracks, on="track_id").merge(labels, on="label_id").merge(markets, on="market_id")
    st["date_key"] = pd.to_datetime(st["date_key"])
    return st


def _slice(df, f: Filters, start=None, end=None):
    start, end = pd.Timestamp(start or f.start), pd.Timestamp(end or f.end)
    out = df[(df["date_key"] >= start) & (df["date_key"] <= end)]
    if f.markets:
        out = out[out["iso2"].isin(f.markets)]
    if f.labels:
        out = out[out["label_id"].isin(f.labels)]
    return out


def _attr(df, f: Filters):
    mask = pd.Series(True, index=df.index)
    if f.typologies:
        mask &= df["typology_id"].isin(f.typologies)
    return mask


def _busiest_label(facts) -> int:
    return int(facts.groupby("label_id")["flagged_streams"].sum().idxmax())


@pytest.mark.parametrize("narrow", ["none", "market", "label", "typology"])
def test_fraud_kpis_match_pandas(warehouse_url, facts, narrow):
    f = {
        "none": F,
        "market": F.narrowed(markets=("US", "DE", "SE")),
        "label": F.narrowed(labels=(_busiest_label(facts),)),
        "typology": F.narrowed(typologies=(1, 2)),
    }[narrow]
    got = run(q.fraud_kpi_query(f, FULL), warehouse_url).set_index("period").astype(float)
    for period, fp in (("current", f), ("previous", f.previous())):
        df = _slice(facts, fp)
        attr = _attr(df, f)
        rate = df["payout_per_1k_streams_eur"] / 1000
        expected = {
            "streams": df["streams"].sum(),
            "detected_streams": df.loc[attr, "flagged_streams"].sum(),
            "confirmed_streams": df.loc[attr, "confirmed_streams"].sum(),
            "protected_eur": (df["confirmed_streams"] * rate)[attr].sum(),
            "at_risk_eur": (
                np.maximum(df["true_artificial_streams"] - df["confirmed_streams"], 0) * rate
            )[attr].sum(),
        }
        row = got.loc[period] if period in got.index else pd.Series(0.0, index=got.columns)
        for key, value in expected.items():
            # Marts store money as NUMERIC(18, 4): sub-cent rounding per mart row.
            rel = 1e-4 if key.endswith("_eur") else 1e-9
            assert row[key] == pytest.approx(value, rel=rel, abs=1e-3), (period, key)


def test_weekly_trend_matches_pandas(warehouse_url, facts):
    got = run(q.weekly_trend_query(F, FULL), warehouse_url)
    df = _slice(facts, F)
    week = df["date_key"] - pd.to_timedelta(df["date_key"].dt.day_of_week, unit="D")
    exp = df.groupby(week)[["streams", "flagged_streams", "confirmed_streams"]].sum()
    got["week"] = pd.to_datetime(got["week"])
    got = got.set_index("week").astype(float)
    assert list(got.index) == list(exp.index)
    np.testing.assert_allclose(got["detected_streams"], exp["flagged_streams"])
    np.testing.assert_allclose(got["confirmed_streams"], exp["confirmed_streams"])
    np.testing.assert_allclose(got["streams"], exp["streams"])


def test_top_exposure_by_market_matches_pandas(warehouse_url, facts, demo_frames):
    got = run(q.top_exposure_query(F, FULL, by="market", limit=5), warehouse_url)
    df = _slice(facts, F)
    rate = df["payout_per_1k_streams_eur"] / 1000
    df = df.assign(
        at_risk=np.maximum(df["true_artificial_streams"] - df["confirmed_streams"], 0) * rate
    )
    enf = demo_frames["fact_enforcement"]
    enf = enf[
        (pd.to_datetime(enf["applied_at"]).dt.normalize() >= pd.Timestamp(F.start))
        & (pd.to_datetime(enf["applied_at"]).dt.normalize() <= pd.Timestamp(F.end))
        & (enf["enforcement_type_id"] == 3)
    ]
    fees = enf.assign(
        out=enf["amount_eur"]
        - enf["recovered_eur"]
        - np.where(enf["status"] == "reversed", enf["amount_eur"], 0)
    )
    names = demo_frames["dim_market"].set_index("market_id")["name"]
    exp = (
        df.groupby("market_id")["at_risk"]
        .sum()
        .add(fees.groupby("market_id")["out"].sum(), fill_value=0)
    )
    exp.index = exp.index.map(names)
    exp = exp.sort_values(ascending=False).head(5)
    assert list(got["market"]) == list(exp.index)
    np.testing.assert_allclose(got["exposure_eur"].astype(float), exp.to_numpy(), rtol=1e-4)


def test_open_cases_match_pandas(warehouse_url, demo_frames):
    got = run(q.open_cases_query(F, FULL), warehouse_url).astype(float)
    c = demo_frames["fact_case"]
    opened, resolved = pd.to_datetime(c["opened_at"]), pd.to_datetime(c["resolved_at"])
    for col, end in (("open_current", F.end), ("open_previous", F.start - timedelta(days=1))):
        cut = pd.Timestamp(end) + pd.Timedelta(days=1)
        exp = ((opened < cut) & (resolved.isna() | (resolved >= cut))).sum()
        assert got.loc[0, col] == exp


@pytest.mark.parametrize("end", [F.end, date(2026, 10, 1)], ids=["default", "mid-data"])
def test_case_kpis_match_pandas(warehouse_url, demo_frames, end):
    """Cases opened per period, and the SLA breaches among the cases due at each period's
    own end (pandas over fact_case: tests/test_queries_cases.sla_judged)."""
    from tests.test_queries_cases import sla_judged

    f = Filters(start=end - (F.end - F.start), end=end)
    got = run(q.case_kpi_query(f, FULL), warehouse_url).set_index("period").astype(float)
    c = demo_frames["fact_case"]
    for period, p in (("current", f), ("previous", f.previous())):
        opened = c[
            (c["opened_at"] >= pd.Timestamp(p.start))
            & (c["opened_at"] < pd.Timestamp(p.end + timedelta(days=1)))
        ]
        judged = sla_judged(demo_frames, opened, p.end)
        row = got.loc[period] if period in got.index else pd.Series(0.0, index=got.columns)
        assert row["cases_opened"] == len(opened), period
        assert row["cases_due"] == judged["due"].sum(), period
        assert row["sla_breaches"] == judged["anyb"].sum(), period


def test_scope_restricts_rows(warehouse_url, facts):
    label = _busiest_label(facts)
    scoped = Scope(role="partner", labels=(label,))
    got = run(q.fraud_kpi_query(F, scoped), warehouse_url).set_index("period").astype(float)
    exp = _slice(facts, F.narrowed(labels=(label,)))["streams"].sum()
    assert got.loc["current", "streams"] == pytest.approx(exp)
    nothing = Scope(role="partner", labels=())
    assert run(q.fraud_kpi_query(F, nothing), warehouse_url).empty


HOSTILE = "x' OR '1'='1'; DROP TABLE dim_label; --"


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_user_values_stay_in_bound_parameters(dialect):
    import duckdb_sqlalchemy
    from sqlalchemy.dialects import postgresql

    d = postgresql.dialect() if dialect == "postgresql" else duckdb_sqlalchemy.Dialect()
    f = F.narrowed(markets=(HOSTILE,), regions=(HOSTILE,))
    for stmt in (
        q.fraud_kpi_query(f, FULL),
        q.weekly_trend_query(f, FULL),
        q.top_exposure_query(f, FULL, by="label"),
        q.open_cases_query(f, FULL),
    ):
        compiled = stmt.compile(dialect=d)
        assert HOSTILE not in str(compiled) and "DROP TABLE" not in str(compiled)
        bound = [
            v
            for value in compiled.params.values()
            for v in (value if isinstance(value, (list, tuple)) else [value])
        ]
        assert HOSTILE in bound


def test_rank_dimension_is_allow_listed():
    with pytest.raises(ValueError):
        q.top_exposure_query(F, FULL, by="label_id; DROP TABLE x")
