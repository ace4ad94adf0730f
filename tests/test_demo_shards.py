"""The sharded build of big demo warehouses (data_access.demo.shards), at a tiny scale.

Shards are made tiny (SHARD_SCALE patched) so three of them build in seconds; the checks are
the ones a scale-100 build relies on: deterministic, disjoint id ranges, referentially
sound, unique names and ISRCs, rows linear in the scale, marts in sync with the facts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import schema as s
from data_access.demo import shards
from data_access.demo.generate import generate
from data_access.marts import build_marts

SCALE = 0.06
SEED = 5


def _read(path) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(f"duckdb:///{path}")
    try:
        with engine.connect() as conn:
            return {
                t.name: pd.read_sql(sa.select(t), conn)
                for t in (*s.DIMENSIONS, *s.FACTS, s.mart_daily_fraud)
            }
    finally:
        engine.dispose()


def _build(path, *, workers: int) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(f"duckdb:///{path}")
    try:
        rows = shards.build_sharded(engine, scale=SCALE, seed=SEED, workers=workers)
        build_marts(engine)
    finally:
        engine.dispose()
    tables = _read(path)
    assert rows["fact_streams_daily"] == len(tables["fact_streams_daily"])
    return tables


def _checksum(df: pd.DataFrame) -> int:
    df = df.sort_values(list(df.columns)).reset_index(drop=True)
    return int(pd.util.hash_pandas_object(df, index=False).sum())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(shards, "SHARD_SCALE", 0.02)
    try:
        assert shards.plan(SCALE)[0] == 3
        d = tmp_path_factory.mktemp("shards")
        a = _build(d / "a.duckdb", workers=0)
        # Worker processes (spawn) from a clean interpreter: under pytest, ``__main__`` may
        # be an AppTest script that a spawned child would try to re-import.
        code = (
            "import sys; from data_access.demo import shards; shards.SHARD_SCALE = 0.02; "
            "import sqlalchemy as sa; from data_access.marts import build_marts; "
            f"e = sa.create_engine('duckdb:///{d / 'b.duckdb'}'); "
            f"shards.build_sharded(e, scale={SCALE}, seed={SEED}, workers=1); "
            "build_marts(e); e.dispose()"
        )
        root = Path(__file__).resolve().parent.parent
        proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
        yield a, _read(d / "b.duckdb")
    finally:
        patch.undo()


def test_same_seed_same_warehouse_in_process_or_workers(built):
    a, b = built
    for name in a:
        assert _checksum(a[name]) == _checksum(b[name]), name


def test_ids_disjoint_and_references_sound(built):
    t, _ = built
    for table, key in (
        ("dim_track", "track_id"),
        ("dim_label", "label_id"),
        ("dim_artist", "artist_id"),
        ("dim_distributor", "distributor_id"),
        ("fact_detection", "detection_id"),
        ("fact_enforcement", "enforcement_id"),
        ("fact_case", "case_id"),
        ("fact_case_event", "case_event_id"),
    ):
        assert t[table][key].is_unique, table
    assert t["dim_track"]["isrc"].is_unique
    assert t["dim_label"]["name"].is_unique and t["dim_distributor"]["name"].is_unique
    assert t["fact_streams_daily"]["track_id"].isin(t["dim_track"]["track_id"]).all()
    assert t["dim_track"]["label_id"].isin(t["dim_label"]["label_id"]).all()
    assert t["dim_label"]["distributor_id"].isin(t["dim_distributor"]["distributor_id"]).all()
    det = t["fact_detection"].merge(t["dim_track"][["track_id", "label_id"]], on="track_id")
    assert (det["label_id_x"] == det["label_id_y"]).all()  # a detection's label is its track's
    assert t["fact_review"]["detection_id"].isin(t["fact_detection"]["detection_id"]).all()
    assert t["fact_enforcement"]["detection_id"].isin(t["fact_detection"]["detection_id"]).all()
    assert t["fact_appeal"]["enforcement_id"].isin(t["fact_enforcement"]["enforcement_id"]).all()
    assert t["fact_case_event"]["case_id"].isin(t["fact_case"]["case_id"]).all()
    # One set of shared dimensions, not one per shard.
    assert len(t["dim_market"]) == t["dim_market"]["market_id"].nunique()
    assert t["dim_date"]["date_key"].is_unique


def test_rows_linear_in_scale_and_marts_in_sync(built):
    t, _ = built
    whole = generate(SCALE, SEED)
    ratio = len(t["fact_streams_daily"]) / len(whole["fact_streams_daily"])
    assert 0.8 < ratio < 1.25, ratio
    assert t["mart_daily_fraud"]["streams"].sum() == t["fact_streams_daily"]["streams"].sum()
    # Labels: about as many as one warehouse of the whole scale, not one catalogue per shard.
    assert len(t["dim_label"]) < 2 * max(40, len(whole["dim_label"]))


def test_small_scales_are_not_sharded(monkeypatch):
    """Scales up to the threshold keep the single-pass generator (byte-identical output)."""
    assert shards.SHARD_THRESHOLD >= 2
    monkeypatch.setattr(shards, "SHARD_SCALE", 1.0)
    n, shard_scale, _ = shards.plan(100)
    assert n == 100 and shard_scale == 1.0


def test_other_warehouses_read_the_shard_files_back_to_the_same_rows(built, tmp_path):
    """Warehouses other than DuckDB append each shard's Parquet files as frames (here
    SQLite, through the generic loader): the same rows as the DuckDB build."""
    duck, _ = built
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    patch = pytest.MonkeyPatch()
    patch.setattr(shards, "SHARD_SCALE", 0.02)
    try:
        rows = shards.build_sharded(engine, scale=SCALE, seed=SEED, workers=0)
        with engine.connect() as conn:
            for table in s.FACTS:
                lite = pd.read_sql(sa.select(table), conn)
                assert rows[table.name] == len(lite) == len(duck[table.name]), table.name
                for col in (c.name for c in table.columns if c.name.endswith("_id")):
                    assert lite[col].sum() == duck[table.name][col].sum(), (table.name, col)
    finally:
        patch.undo()
        engine.dispose()
