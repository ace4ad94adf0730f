"""What changed: per-member measures of two windows, on DuckDB and on a real PostgreSQL
server. Each dimension's contributions add up to the change exactly; the totals equal
Overview's KPI builders; members equal an independent pandas computation over the facts;
scope and the money rule hold; user values stay bound parameters."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from analytics import changes as ch
from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.loaders.changes import load_changes
from data_access.queries import changes as q
from data_access.queries import overview as qo
from data_access.scope import FULL, Scope

F = Filters(start=date(2026, 6, 1), end=date(2026, 11, 29))


@pytest.fixture(scope="module")
def frames(warehouse_url):
    return {c: load_changes(FULL, F, c, url=warehouse_url) for c in q.COMPARISONS}


@pytest.mark.parametrize("comparison", q.COMPARISONS)
def test_contributions_add_up_to_the_change(frames, comparison):
    df = frames[comparison]
    checked = 0
    for metric in ch.HEADLINE:
        baseline, current = ch.totals(df, metric)
        for dim in metric.dims:
            dec = ch.decompose(df, metric, dim)
            if dec.empty:
                assert not metric.ratio or pd.isna(baseline) or pd.isna(current)
                continue
            change = current - baseline
            assert dec["contribution"].sum() == pytest.approx(change, rel=1e-9, abs=1e-9)
            if metric.ratio:
                assert (dec["mix"] + dec["rate"]).to_numpy() == pytest.approx(
                    dec["contribution"].to_numpy(), abs=1e-12
                )
            checked += 1
    assert checked >= 40


def test_totals_equal_overview_kpis(frames, warehouse_url):
    """The period comparison's totals are Overview's tiles (same marts, same rules)."""
    df = frames["period"]
    fraud = run(qo.fraud_kpi_query(F, FULL), warehouse_url).set_index("period").astype(float)
    enf = run(qo.enforcement_kpi_query(F, FULL), warehouse_url).set_index("period").astype(float)
    cases = run(qo.case_kpi_query(F, FULL), warehouse_url).set_index("period").astype(float)
    expect = {
        "detected_streams": fraud["detected_streams"],
        "confirmed_streams": fraud["confirmed_streams"],
        "streams_removed": enf["streams_removed"],
        "protected_eur": fraud["protected_eur"],
        "exposure_eur": fraud["at_risk_eur"] + enf["fees_outstanding_eur"],
        "cases_opened": cases["cases_opened"],
        "sla_breach_rate": cases["sla_breaches"] / cases["cases_due"],
        "detected_share": fraud["detected_streams"] / fraud["streams"],
    }
    for key, series in expect.items():
        baseline, current = ch.totals(df, ch.BY_KEY[key])
        assert current == pytest.approx(series["current"], rel=1e-6), key
        assert baseline == pytest.approx(series["previous"], rel=1e-6), key


def test_week_and_year_windows():
    w = q.windows(F, "week")
    assert w.current == (F.end - timedelta(days=6), F.end)
    assert w.baseline.end == w.current.start - timedelta(days=1)
    y = q.windows(F, "year")
    assert y.baseline.start.weekday() == F.start.weekday()
    assert (F.start - y.baseline.start).days == 364
    with pytest.raises(ValueError):
        q.windows(F, "decade")


def test_members_match_pandas(demo_frames, frames):
    """Detected streams by market and side, from the raw stream facts."""
    st = demo_frames["fact_streams_daily"].merge(
        demo_frames["dim_market"][["market_id", "iso2"]], on="market_id"
    )
    st["date_key"] = pd.to_datetime(st["date_key"])
    w = q.windows(F, "week")
    got = frames["week"].query("dimension == 'market'").set_index(["member", "side"])
    for side, (start, end) in (("current", w.current), ("baseline", w.baseline)):
        part = st[(st["date_key"] >= pd.Timestamp(start)) & (st["date_key"] <= pd.Timestamp(end))]
        expected = part.groupby("iso2")["flagged_streams"].sum()
        for iso2, value in expected[expected > 0].items():
            assert got.loc[(iso2, side), "detected_streams"] == pytest.approx(value), iso2


def test_cases_by_typology_match_pandas(demo_frames, frames):
    c = demo_frames["fact_case"].merge(demo_frames["dim_typology"], on="typology_id")
    c["opened_at"] = pd.to_datetime(c["opened_at"])
    w = q.windows(F, "period")
    got = frames["period"].query("dimension == 'typology'").set_index(["member", "side"])
    for side, (start, end) in (("current", w.current), ("baseline", w.baseline)):
        lo, hi = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
        expected = c[(c["opened_at"] >= lo) & (c["opened_at"] < hi)].groupby("name").size()
        for name, n in expected.items():
            assert got.loc[(name, side), "cases_opened"] == n, name
    assert "detector" not in set(frames["period"].dropna(subset=["cases_opened"])["dimension"])


def test_scope_and_money_rule(warehouse_url, demo_frames):
    labels = tuple(int(x) for x in demo_frames["dim_label"]["label_id"].head(3))
    scoped = Scope(role="partner", labels=labels, money=False)
    df = load_changes(scoped, F, "period", url=warehouse_url)
    assert not [c for c in df.columns if c.endswith("_eur")]  # money dropped before caching
    names = set(demo_frames["dim_label"].set_index("label_id").loc[list(labels), "name"])
    assert set(df.query("dimension == 'label'")["member"]) <= names
    summary = ch.summary_frame(df, "period")
    assert not {"protected_eur", "exposure_eur"} & set(summary["metric"])
    team = Scope(role="partner", team="legal")
    fraud = run(q.fraud_change_query(F, team, comparison="week"), warehouse_url)
    assert fraud.empty  # a team scope sees case data only


def test_bound_parameters_and_allow_list():
    hostile = Filters(start=F.start, end=F.end, regions=("x'); DROP TABLE dim_market; --",))
    stmt = q.fraud_change_query(hostile, FULL, dims=("region", "label"))
    sql = str(stmt.compile())
    assert "DROP TABLE" not in sql and "2026-06-01" not in sql
    with pytest.raises(ValueError):
        q.fraud_change_query(F, FULL, dims=("name; drop",))
    with pytest.raises(ValueError):
        q.case_change_query(F, FULL, dims=("detector",))
