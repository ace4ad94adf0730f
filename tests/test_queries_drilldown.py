"""Top-tracks drill-down: the bounded table equals an independent pandas computation over
the facts (streams, enforcement) for a label filter and a market filter, on DuckDB and
PostgreSQL; scope applies; user text stays in bound parameters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import drilldown as q
from data_access.scope import FULL, Scope

F = Filters(start=date(2025, 2, 1), end=date(2025, 6, 30))


@pytest.fixture(scope="module")
def facts(demo_frames):
    st = demo_frames["fact_streams_daily"].copy()
    tracks = demo_frames["dim_track"][["track_id", "label_id"]]
    labels = demo_frames["dim_label"][["label_id", "distributor_id"]]
    markets = demo_frames["dim_market"][["market_id", "iso2"]]
    st = st.merge(tracks, on="track_id").merge(labels, on="label_id").merge(markets, on="market_id")
    st["date_key"] = pd.to_datetime(st["date_key"])
    return st


def _busiest_label(facts) -> int:
    return int(facts.groupby("label_id")["flagged_streams"].sum().idxmax())


def _enforced_markets(frames, n: int = 3) -> tuple[str, ...]:
    """The markets with most enforcement actions in F (so the status columns are tested)."""
    e = frames["fact_enforcement"]
    day = pd.to_datetime(e["applied_at"]).dt.normalize()
    e = e[(day >= pd.Timestamp(F.start)) & (day <= pd.Timestamp(F.end))]
    iso = frames["dim_market"].set_index("market_id")["iso2"]
    return tuple(e["market_id"].map(iso).value_counts().head(n).index)


def _expected(facts, frames, f: Filters, limit: int) -> pd.DataFrame:
    df = facts[
        (facts["date_key"] >= pd.Timestamp(f.start)) & (facts["date_key"] <= pd.Timestamp(f.end))
    ]
    if f.labels:
        df = df[df["label_id"].isin(f.labels)]
    if f.markets:
        df = df[df["iso2"].isin(f.markets)]
    attr = pd.Series(True, index=df.index)
    if f.typologies:
        attr &= df["typology_id"].isin(f.typologies).fillna(False).astype(bool)
    df = df.assign(
        det=df["flagged_streams"].where(attr, 0), conf=df["confirmed_streams"].where(attr, 0)
    )
    g = df.groupby("track_id")[["streams", "det", "conf"]].sum().reset_index()
    g = g.sort_values(["det", "streams", "track_id"], ascending=[False, False, True]).head(limit)
    # main typology: most flagged (attributed) streams, lowest id on ties
    typ = (
        df[attr & df["typology_id"].notna()]
        .groupby(["track_id", "typology_id"])["flagged_streams"]
        .sum()
        .reset_index()
        .sort_values(["track_id", "flagged_streams", "typology_id"], ascending=[True, False, True])
        .drop_duplicates("track_id")
    )
    tnames = frames["dim_typology"].set_index("typology_id")["name"]
    typ["main_typology"] = typ["typology_id"].map(tnames)
    g = g.merge(typ[["track_id", "main_typology"]], on="track_id", how="left")
    # enforcement applied in the period, same slice
    e = frames["fact_enforcement"].copy()
    day = pd.to_datetime(e["applied_at"]).dt.normalize()
    e = e[(day >= pd.Timestamp(f.start)) & (day <= pd.Timestamp(f.end))]
    if f.labels:
        e = e[e["label_id"].isin(f.labels)]
    if f.markets:
        ids = frames["dim_market"].set_index("iso2").loc[list(f.markets), "market_id"]
        e = e[e["market_id"].isin(ids)]
    e = e.sort_values(["track_id", "applied_at", "enforcement_id"], ascending=[True, False, False])
    enames = frames["dim_enforcement_type"].set_index("enforcement_type_id")["name"]
    agg = e.groupby("track_id").agg(
        n=("enforcement_id", "size"),
        rev=("status", lambda s: int((s == "reversed").sum())),
        latest=("enforcement_type_id", "first"),
    )
    agg["latest"] = agg["latest"].map(enames)
    g = g.merge(agg, on="track_id", how="left")
    g["n"] = g["n"].fillna(0)
    g["rev"] = g["rev"].fillna(0)
    return g


@pytest.mark.parametrize("narrow", ["label", "market+typology"])
def test_top_tracks_match_pandas(warehouse_url, facts, demo_frames, narrow):
    if narrow == "label":
        f = F.narrowed(labels=(_busiest_label(facts),))
    else:
        f = F.narrowed(markets=_enforced_markets(demo_frames), typologies=(1, 3, 4))
    got = run(q.top_tracks_query(f, FULL, limit=10), warehouse_url)
    exp = _expected(facts, demo_frames, f, 10)
    assert len(got) == len(exp) > 0
    assert list(got["track_id"]) == list(exp["track_id"])
    for g, e in (
        ("streams", "streams"),
        ("detected_streams", "det"),
        ("confirmed_streams", "conf"),
    ):
        np.testing.assert_allclose(got[g].astype(float), exp[e].astype(float), err_msg=g)
    assert got["main_typology"].fillna("-").tolist() == exp["main_typology"].fillna("-").tolist()
    assert got["enforcement_actions"].astype(int).tolist() == exp["n"].astype(int).tolist()
    assert got["reversed_actions"].astype(int).tolist() == exp["rev"].astype(int).tolist()
    assert got["latest_action"].fillna("-").tolist() == exp["latest"].fillna("-").tolist()
    assert exp["det"].sum() > 0 and exp["n"].sum() > 0  # the comparison can fail
    tracks = demo_frames["dim_track"].set_index("track_id")
    assert got["isrc"].tolist() == tracks.loc[got["track_id"], "isrc"].tolist()
    if f.labels:
        names = demo_frames["dim_label"].set_index("label_id")["name"]
        assert set(got["label"]) == {names[f.labels[0]]}


def test_top_tracks_are_bounded_and_scoped(warehouse_url, facts):
    got = run(q.top_tracks_query(F, FULL, limit=50), warehouse_url)
    assert len(got) == 50
    label = _busiest_label(facts)
    scoped = run(q.top_tracks_query(F, Scope(role="partner", labels=(label,))), warehouse_url)
    mine = facts.loc[facts["label_id"] == label, "track_id"].unique()
    assert len(scoped) > 0 and set(scoped["track_id"]) <= set(mine)
    assert run(q.top_tracks_query(F, Scope(role="partner", labels=())), warehouse_url).empty
    with pytest.raises(ValueError):
        q.top_tracks_query(F, FULL, limit=10_000)


HOSTILE = "x' OR '1'='1'; DROP TABLE dim_label; --"


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_user_values_stay_in_bound_parameters(dialect):
    import duckdb_sqlalchemy
    from sqlalchemy.dialects import postgresql

    d = postgresql.dialect() if dialect == "postgresql" else duckdb_sqlalchemy.Dialect()
    f = F.narrowed(markets=(HOSTILE,), regions=(HOSTILE,), labels=(3,), typologies=(1,))
    stmt = q.top_tracks_query(f, FULL, limit=37)
    compiled = stmt.compile(dialect=d)
    sql = str(compiled)
    assert HOSTILE not in sql and "DROP TABLE" not in sql
    bound = [
        v
        for value in compiled.params.values()
        for v in (value if isinstance(value, (list, tuple)) else [value])
    ]
    assert HOSTILE in bound and 37 in bound
    assert "SELECT" in str(stmt.compile(dialect=d, compile_kwargs={"literal_binds": True}))
