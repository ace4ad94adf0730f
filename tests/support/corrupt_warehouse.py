"""A corrupted copy of the demo warehouse for the data-health tests: one orphan track, one
negative royalty, one row with confirmed > flagged streams, one missing day."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data_access.demo.load import LOAD_ORDER, _load_duckdb
from data_access.marts import build_marts

MISSING_DAY = pd.Timestamp("2025-06-15")
ORPHAN_STREAMS = 123

# What the corrupted copy must report: check key -> offending count. Everything else passes.
EXPECTED_FAILURES = {
    "orphan:fact_streams_daily.track_id": 1,
    "negative:fact_streams_daily": 1,
    "confirmed_gt_flagged": 1,
    "gaps:fact_streams_daily": 1,
    "gaps:mart_daily_fraud": 1,
    # The mart joins streams to dim_track, so the orphan row's streams never reach it.
    "sync:mart_daily_fraud.streams": ORPHAN_STREAMS,
}


def corrupt(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A copy of the demo frames with one orphan track, one negative royalty, one row with
    confirmed > flagged, and one day with no stream rows at all."""
    out = dict(frames)
    f = frames["fact_streams_daily"]
    f = f[f["date_key"] != MISSING_DAY].reset_index(drop=True).copy()
    ok = f.index[(f["flagged_streams"] + 5 <= f["streams"]) & (f["royalty_eur"] > 0)]
    f.loc[ok[0], "royalty_eur"] = -5.0
    f.loc[ok[1], "confirmed_streams"] = f.loc[ok[1], "flagged_streams"] + 5
    orphan = f.loc[[ok[2]]].copy()
    orphan["track_id"] = 999_999
    orphan["streams"] = ORPHAN_STREAMS
    orphan[["flagged_streams", "confirmed_streams", "true_artificial_streams"]] = 0
    out["fact_streams_daily"] = pd.concat([f, orphan], ignore_index=True)
    return out


def build_unenforced_duckdb(path: Path, frames: dict[str, pd.DataFrame]) -> str:
    """Like warehouse.build_duckdb, but without FOREIGN KEY constraints (as in Snowflake or
    BigQuery, which do not enforce them), so orphan rows can be loaded at all."""
    url = f"duckdb:///{path}"
    unenforced = sa.MetaData()
    for table in LOAD_ORDER:
        cols = [sa.Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns]
        sa.Table(table.name, unenforced, *cols)
    engine = sa.create_engine(url)
    try:
        unenforced.create_all(engine)
        with engine.begin() as conn:
            for table in LOAD_ORDER:
                _load_duckdb(conn, table, frames[table.name][[c.name for c in table.columns]])
        build_marts(engine)
    finally:
        engine.dispose()
    return url


def without_priorities(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A copy of the demo frames whose dim_priority is empty: every case's priority has no
    row (SLA hours unknown). Load it with ``build_unenforced_duckdb``."""
    out = dict(frames)
    out["dim_priority"] = frames["dim_priority"].iloc[0:0]
    return out


# dim_date filled to the end of 2027, far past the data (a calendar loaded years ahead).
CALENDAR_TO_2027 = (
    "INSERT INTO dim_date SELECT d::DATE, year(d), quarter(d), month(d), isoyear(d), "
    "weekofyear(d), date_trunc('week', d)::DATE, date_trunc('month', d)::DATE, isodow(d), "
    "isodow(d) >= 6 FROM generate_series(TIMESTAMP '2026-11-30', TIMESTAMP '2027-12-31', "
    "INTERVAL 1 DAY) AS t(d)"
)
