"""The small demo warehouse the data-access tests read: frames, a DuckDB file, a PostgreSQL db.

Generated once per session (scale 0.03, seed 11: ~120k stream rows, a few hundred
detections) and loaded with the generator's own loader and mart builder, so what the tests
read is what `python -m data_access.demo` would build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.demo.generate import generate
from data_access.demo.load import load_frames
from data_access.marts import build_marts

DEMO_SCALE = 0.03
DEMO_SEED = 11
PG_DATABASE = "fraud_demo"
PG_READER = "fraud_reader"
PG_READER_PASSWORD = "demo-reader-only"  # a throwaway role on a throwaway test cluster


def demo_frames(*, scale: float = DEMO_SCALE, seed: int = DEMO_SEED) -> dict[str, pd.DataFrame]:
    """Every dimension and fact table as a DataFrame (marts are built in SQL)."""
    return generate(scale=scale, seed=seed)


def load_into(url: str, frames: dict[str, pd.DataFrame], *, marts: bool = True) -> None:
    """Load `frames` (and build the marts) through a read-write engine that is disposed after.

    DuckDB cannot hold a read-write and a read-only engine on one file in one process, so
    the writer must be gone before anyone opens the file read-only.
    """
    engine = sa.create_engine(url)
    try:
        load_frames(engine, frames)
        if marts:
            build_marts(engine)
    finally:
        engine.dispose()


def build_duckdb(path: Path, frames: dict[str, pd.DataFrame], *, marts: bool = True) -> str:
    """A DuckDB file at `path` holding `frames` (and marts); returns its URL."""
    url = f"duckdb:///{path}"
    load_into(url, frames, marts=marts)
    return url


def edited_copy(url: str, path: Path, edit) -> str:
    """A copy of the DuckDB file at ``url`` at ``path``, changed by ``edit(conn)`` (in one
    transaction, through a read-write engine disposed before anyone reads it); its URL.
    A team's own warehouse in a few lines: other names, bigger ids, another estimate."""
    shutil.copyfile(url.removeprefix("duckdb:///"), path)
    out = f"duckdb:///{path}"
    engine = sa.create_engine(out)
    try:
        with engine.begin() as conn:
            edit(conn)
    finally:
        engine.dispose()
    return out


def lower_estimate(conn, factor: float = 0.9) -> None:
    """Estimated artificial streams = ``factor`` x flagged streams in every fraud mart:
    below 1, recall reads above 100% (the estimate is lower than what detectors flagged)."""
    for t in (s.mart_daily_fraud, *s.ROLLUPS):
        estimate = sa.cast(t.c.flagged_streams * factor, t.c.true_artificial_streams.type)
        conn.execute(sa.update(t).values(true_artificial_streams=estimate))


def row_counts(url: str, tables=None) -> dict[str, int]:
    """count(*) of each table (default: the star schema and its marts; the input layer's own
    tables exist only where it built the warehouse) through a plain engine."""
    from data_access.engine import make_engine

    tables = tables if tables is not None else (*s.DIMENSIONS, *s.FACTS, *s.MARTS, *s.ROLLUPS)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in tables
            }
    finally:
        engine.dispose()


def check_can_select(url: str) -> None:
    """Fail loudly if `url` cannot read the facts (e.g. grants made before the tables)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(sa.func.count()).select_from(s.fact_streams_daily)).one()
            conn.execute(sa.select(sa.func.count()).select_from(s.mart_daily_fraud)).one()
    finally:
        engine.dispose()


def with_marts(url: str) -> str:
    """``url`` after its marts are rebuilt, as ``python -m data_access.marts`` would."""
    from data_access.marts import build_marts

    engine = sa.create_engine(url)
    try:
        build_marts(engine)
    finally:
        engine.dispose()
    return url


def copy_without(
    src_url: str,
    path: Path,
    *,
    drop: tuple[str, ...] = (),
    meta: dict[str, bool] | None = None,
    statements: tuple[str, ...] = (),
) -> str:
    """A copy at ``path`` of the DuckDB warehouse at ``src_url`` without the tables ``drop``
    (dropped in that order: a referencing table before the one it references), with a
    ``meta_inputs`` table when ``meta`` ({input: mapped}) is given, after running
    ``statements``; returns its URL. Copying the file is much faster than building one."""
    import shutil

    shutil.copyfile(sa.engine.make_url(src_url).database, path)
    url = f"duckdb:///{path}"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for stmt in statements:
                conn.exec_driver_sql(stmt)
            for name in drop:
                conn.exec_driver_sql(f'DROP TABLE "{name}"')  # a name chosen by the test
            if meta is not None:
                conn.exec_driver_sql(
                    "CREATE TABLE meta_inputs (input VARCHAR, mapped BOOLEAN, "
                    "row_count BIGINT, built_at TIMESTAMP)"
                )
                for name, mapped in meta.items():
                    conn.exec_driver_sql(
                        "INSERT INTO meta_inputs VALUES (?, ?, 0, now())", (name, mapped)
                    )
    finally:
        engine.dispose()
    return url
