"""Fraud trends builders: results equal an independent pandas computation over the raw
facts (not the marts), on DuckDB and a real PostgreSQL; top-N + Other adds up to the
unsplit totals; grains agree; user text stays in bound parameters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.trends import heatmap_frame, period_totals
from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import trends as q
from data_access.scope import FULL, Scope

# A stretch with campaigns (Feb-May 2025), starting and ending mid-week and mid-month.
F = Filters(start=date(2025, 2, 5), end=date(2025, 5, 21))
MEMBER = {
    "market": "market_id",
    "region": "region",
    "label": "label_id",
    "distributor": "distributor_id",
    "typology": "typology_id",
    "detector": "detector_id",
}
ATTRIBUTION = ("typology", "detector")


@pytest.fixture(scope="module")
def facts(demo_frames):
    """Stream facts joined to their label / distributor / market, in pandas."""
    st = demo_frames["fact_streams_daily"].copy()
    tracks = demo_frames["dim_track"][["track_id", "label_id"]]
    labels = demo_frames["dim_label"][["label_id", "distributor_id"]]
    markets = demo_frames["dim_market"][["market_id", "iso2", "region"]]
    st = st.merge(tracks, on="track_id").merge(labels, on="label_id").merge(markets, on="market_id")
    st["date_key"] = pd.to_datetime(st["date_key"])
    return st


@pytest.fixture(scope="module")
def names(demo_frames):
    """member id -> (series name, drill key) per split."""
    mk = demo_frames["dim_market"]
    out = {
        "market": dict(zip(mk["market_id"], zip(mk["name"], mk["iso2"], strict=True), strict=True))
    }
    for split, table, key in (
        ("label", "dim_label", "label_id"),
        ("distributor", "dim_distributor", "distributor_id"),
        ("typology", "dim_typology", "typology_id"),
        ("detector", "dim_detector", "detector_id"),
    ):
        d = demo_frames[table]
        out[split] = {i: (n, n) for i, n in zip(d[key], d["name"], strict=True)}
    out["region"] = {r: (r, r) for r in mk["region"].unique()}
    return out


def _slice(df, f: Filters):
    out = df[(df["date_key"] >= pd.Timestamp(f.start)) & (df["date_key"] <= pd.Timestamp(f.end))]
    if f.markets:
        out = out[out["iso2"].isin(f.markets)]
    if f.regions:
        out = out[out["region"].isin(f.regions)]
    if f.labels:
        out = out[out["label_id"].isin(f.labels)]
    if f.distributors:
        out = out[out["distributor_id"].isin(f.distributors)]
    out = out.copy()
    attr = pd.Series(True, index=out.index)
    if f.typologies:
        attr &= out["typology_id"].isin(f.typologies).fillna(False).astype(bool)
    if f.detectors:
        attr &= out["detector_id"].isin(f.detectors).fillna(False).astype(bool)
    out["det"] = out["flagged_streams"].where(attr, 0)
    out["conf"] = out["confirmed_streams"].where(attr, 0)
    return out


def _bucket(dates: pd.Series, grain: str) -> pd.Series:
    if grain == "day":
        return dates
    if grain == "week":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    return dates.dt.to_period("M").dt.start_time


def _busiest_label(facts) -> int:
    return int(facts.groupby("label_id")["flagged_streams"].sum().idxmax())


def _expected(facts, names, f, *, grain, split, metric, top):
    """The trend computed in pandas from the facts: rank, keep top, fold the rest."""
    df = _slice(facts, f)
    df["period"] = _bucket(df["date_key"], grain)
    if split == "none":
        g = df.groupby("period")[["streams", "det", "conf"]].sum().reset_index()
        g["series"] = q.ALL
        g["all_streams"] = g["streams"]
        return g
    member = MEMBER[split]
    num = "conf" if metric.startswith("confirmed") else "det"
    per = df.groupby(member)[["streams", "det", "conf"]].sum()
    if split in ATTRIBUTION:
        per = per[(per["det"] + per["conf"]) > 0]
        per["rank"] = per[num]
    else:
        per = per[per["streams"] > 0]
        per["rank"] = per[num] / per["streams"] if metric.endswith("_share") else per[num]
    per = per.reset_index().sort_values(["rank", member], ascending=[False, True])
    kept = set(per[member].head(top))
    df["series"] = [names[split][k][0] if k in kept else q.OTHER for k in df[member]]
    g = df.groupby(["period", "series"])[["streams", "det", "conf"]].sum().reset_index()
    g["all_streams"] = g.groupby("period")["streams"].transform("sum")
    if split in ATTRIBUTION:
        g["streams"] = g["all_streams"]
    return g


def _compare(got: pd.DataFrame, exp: pd.DataFrame) -> None:
    got = got.assign(period=pd.to_datetime(got["period"])).sort_values(["period", "series"])
    exp = exp.sort_values(["period", "series"])
    assert list(zip(got["period"], got["series"], strict=True)) == list(
        zip(exp["period"], exp["series"], strict=True)
    )
    for g, e in (
        ("streams", "streams"),
        ("all_streams", "all_streams"),
        ("detected_streams", "det"),
        ("confirmed_streams", "conf"),
    ):
        np.testing.assert_allclose(got[g].astype(float), exp[e].astype(float), err_msg=g)


@pytest.mark.parametrize("grain", q.TREND_GRAINS)
def test_unsplit_trend_matches_pandas(warehouse_url, facts, names, grain):
    got = run(q.trend_query(F, FULL, grain=grain), warehouse_url)
    assert set(got["series"]) == {q.ALL}
    _compare(got, _expected(facts, names, F, grain=grain, split="none", metric="", top=6))


@pytest.mark.parametrize(
    "split,metric",
    [
        ("market", "detected_streams"),
        ("region", "confirmed_share"),
        ("label", "detected_share"),
        ("distributor", "confirmed_streams"),
        ("typology", "detected_streams"),
        ("detector", "confirmed_share"),
    ],
)
def test_split_trend_matches_pandas(warehouse_url, facts, names, split, metric):
    got = run(
        q.trend_query(F, FULL, grain="week", split=split, metric=metric, top=4), warehouse_url
    )
    exp = _expected(facts, names, F, grain="week", split=split, metric=metric, top=4)
    _compare(got, exp)
    # Markets carry their iso2 code as the drill-down key; others their name.
    if split == "market":
        iso = {v[0]: v[1] for v in names["market"].values()}
        real = got[got["series"] != q.OTHER]
        assert (real["key"] == real["series"].map(iso)).all()


@pytest.mark.parametrize("split", q.SPLITS[1:])
def test_top_n_plus_other_sums_to_the_unsplit_total(warehouse_url, split):
    whole = run(q.trend_query(F, FULL, grain="week"), warehouse_url).set_index("period")
    got = run(q.trend_query(F, FULL, grain="week", split=split, top=3), warehouse_url)
    assert got["series"].nunique() <= 4  # top 3 + Other
    assert len(got) <= len(whole) * 4
    sums = got.groupby("period")[["detected_streams", "confirmed_streams"]].sum()
    for col in ("detected_streams", "confirmed_streams"):
        np.testing.assert_allclose(sums[col].astype(float), whole[col].astype(float))
    totals = period_totals(got.astype({c: float for c in ("streams", "all_streams")}))
    np.testing.assert_allclose(totals["streams"], whole["streams"].astype(float))
    if split not in ATTRIBUTION:  # slicing splits partition the streams too
        split_streams = got.groupby("period")["streams"].sum().astype(float)
        np.testing.assert_allclose(split_streams, whole["streams"].astype(float))


def test_grains_agree_on_the_period_total(warehouse_url, facts):
    df = _slice(facts, F)
    exp = [df["streams"].sum(), df["det"].sum(), df["conf"].sum()]
    assert exp[1] > 0  # the period has flagged streams, so the check can fail
    for grain in q.TREND_GRAINS:
        got = run(q.trend_query(F, FULL, grain=grain, split="label", top=5), warehouse_url)
        totals = [
            got.groupby("period")["all_streams"].max().astype(float).sum(),
            got["detected_streams"].astype(float).sum(),
            got["confirmed_streams"].astype(float).sum(),
        ]
        np.testing.assert_allclose(totals, exp, err_msg=grain)


@pytest.mark.parametrize("narrow", ["market", "label", "typology", "region+detector"])
def test_narrowed_trends_match_pandas(warehouse_url, facts, names, narrow):
    f = {
        "market": F.narrowed(markets=("US", "DE", "SE")),
        "label": F.narrowed(labels=(_busiest_label(facts),)),
        "typology": F.narrowed(typologies=(1, 3)),
        "region+detector": F.narrowed(regions=("Continental Europe",), detectors=(1, 2, 3)),
    }[narrow]
    for split in ("none", "typology", "market"):
        got = run(q.trend_query(f, FULL, grain="week", split=split, top=3), warehouse_url)
        exp = _expected(
            facts, names, f, grain="week", split=split, metric="detected_streams", top=3
        )
        _compare(got, exp)


def test_scope_restricts_the_trend(warehouse_url, facts, names):
    label = _busiest_label(facts)
    got = run(q.trend_query(F, Scope(role="partner", labels=(label,))), warehouse_url)
    exp = _expected(
        facts, names, F.narrowed(labels=(label,)), grain="week", split="none", metric="", top=6
    )
    _compare(got, exp)
    assert run(q.trend_query(F, Scope(role="partner", labels=())), warehouse_url).empty
    assert run(q.market_week_query(F, Scope(role="t", team="legal")), warehouse_url).empty


def test_heatmap_shares_match_pandas(warehouse_url, facts):
    got = heatmap_frame(
        run(q.market_week_query(F, FULL, top_markets=8), warehouse_url)
        .assign(week=lambda d: pd.to_datetime(d["week"]))
        .astype({"streams": float, "detected_streams": float, "confirmed_streams": float})
    )
    df = _slice(facts, F)
    top = df.groupby("market_id")["streams"].sum().sort_values(ascending=False).head(8)
    df = df[df["market_id"].isin(top.index)]
    df["week"] = _bucket(df["date_key"], "week")
    exp = df.groupby(["week", "iso2"])[["streams", "det"]].sum()
    exp["share"] = exp["det"] / exp["streams"]
    got = got.set_index(["week", "iso2"]).sort_index()
    assert list(got.index) == list(exp.index)
    assert got["market"].nunique() == 8
    np.testing.assert_allclose(got["detected_share"], exp["share"])
    np.testing.assert_allclose(got["streams"], exp["streams"])
    assert exp["share"].max() > 0


def test_allow_lists_refuse_unknown_identifiers():
    for kwargs in (
        {"split": "label_id; DROP TABLE x"},
        {"grain": "year"},
        {"metric": "streams) --"},
        {"top": 13},
        {"top": 2},
    ):
        with pytest.raises(ValueError):
            q.trend_query(F, FULL, **kwargs)
    with pytest.raises(ValueError):
        q.market_week_query(F, FULL, top_markets=0)


HOSTILE = "x' OR '1'='1'; DROP TABLE dim_label; --"


def _dialect(name: str):
    import duckdb_sqlalchemy
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect() if name == "postgresql" else duckdb_sqlalchemy.Dialect()


def _statements(f: Filters):
    yield q.market_week_query(f, FULL, top_markets=20)
    for split in q.SPLITS:
        for grain in q.TREND_GRAINS:
            yield q.trend_query(f, FULL, grain=grain, split=split, metric="detected_share", top=7)


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_user_values_stay_in_bound_parameters(dialect):
    d = _dialect(dialect)
    f = F.narrowed(markets=(HOSTILE,), regions=(HOSTILE,), labels=(4,), typologies=(2,))
    for stmt in _statements(f):
        compiled = stmt.compile(dialect=d)
        sql = str(compiled)
        assert HOSTILE not in sql and "DROP TABLE" not in sql
        bound = [
            v
            for value in compiled.params.values()
            for v in (value if isinstance(value, (list, tuple)) else [value])
        ]
        assert HOSTILE in bound
        # The top-N is a bound LIMIT, not text.
        assert 7 in bound or 20 in bound or "LIMIT" not in sql
        # And the statement renders with literal binds (what a DBA would paste).
        assert "SELECT" in str(stmt.compile(dialect=d, compile_kwargs={"literal_binds": True}))


def test_grain_is_part_of_the_statement_cache_key():
    # A cached day statement must never be reused for week or month (dialect.trunc_date).
    keys = {g: q.trend_query(F, FULL, grain=g)._generate_cache_key() for g in q.TREND_GRAINS}
    assert len({k.key for k in keys.values()}) == len(q.TREND_GRAINS)


def test_loaders_return_small_typed_frames(monkeypatch, duck_url):
    from data_access.loaders import trends as lt

    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    df = lt.load_trend(FULL, F, "week", "typology", "detected_streams", 12)
    assert pd.api.types.is_datetime64_any_dtype(df["period"])
    for col in ("streams", "all_streams", "detected_streams", "confirmed_streams"):
        assert pd.api.types.is_float_dtype(df[col])
    # Every flagged typology made the top 12: no empty "Other" series is left to draw.
    assert q.OTHER not in set(df["series"])
    assert len(df) <= df["period"].nunique() * 13
    kpis = lt.load_trend_kpis(FULL, F)
    assert list(kpis.index) == ["current", "previous"] and all(
        pd.api.types.is_float_dtype(t) for t in kpis.dtypes
    )
    cells = lt.load_market_week(FULL, F, 5)
    assert cells["iso2"].nunique() == 5 and pd.api.types.is_datetime64_any_dtype(cells["week"])
