"""The marts hold what the facts say: each rollup against an independent pandas computation.

Runs on DuckDB and on PostgreSQL (`warehouse_url`), read-only through data_access.engine;
the expected values come from the raw frames (`demo_frames`), not from SQL. Also checks the
two command lines that build a warehouse.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

from data_access import schema as s
from data_access.demo.generate import generate
from data_access.dialect import trunc_date
from data_access.engine import make_engine
from tests.support import warehouse

Frames = dict[str, pd.DataFrame]
ROOT = Path(__file__).resolve().parent.parent
NULL_KEY = -1  # NULL attribution keys compare as -1 on both sides
MART_ROWS = "_mart_rows"
# Money is NUMERIC(18, 4): each mart row is rounded to 1e-4, so a sum over n mart rows may
# drift from the exact pandas sum by up to n x 0.5e-4.
ROW_ROUNDING = 0.5e-4


@pytest.fixture(scope="module")
def engine(warehouse_url: str) -> Iterator[Engine]:
    engine = make_engine(warehouse_url)
    yield engine
    engine.dispose()


def test_read_only_engine_serves_concurrent_connections(engine: Engine, warehouse_url: str) -> None:
    # Regression: the second DuckDB connection re-locked a locked configuration and failed.
    other = make_engine(warehouse_url)
    try:
        with engine.connect() as a, engine.connect() as b, other.connect() as c:
            for conn in (a, b, c):
                n = conn.execute(select(func.count()).select_from(s.dim_market)).scalar_one()
                assert n == 51
    finally:
        other.dispose()


def test_warehouse_refuses_writes(engine: Engine) -> None:
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(s.dim_event.delete())


# -- helpers --------------------------------------------------------------------------------


def _normalise_keys(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = df.copy()
    for k in keys:
        if k == "month":
            df[k] = pd.to_datetime(df[k]).dt.to_period("M").dt.start_time
        elif k == "week":
            df[k] = pd.to_datetime(df[k]).dt.to_period("W-SUN").dt.start_time
        elif k == "priority":
            df[k] = df[k].astype(str)
        else:
            df[k] = pd.to_numeric(df[k]).astype("Int64").fillna(NULL_KEY).astype("int64")
    return df


def read_mart(engine: Engine, table, keys: dict[str, object], measures: list[str]):
    """SUM(measure) of a mart grouped by `keys` (name -> column expression), as floats."""
    stmt = select(
        *(expr.label(name) for name, expr in keys.items()),
        *(func.sum(table.c[m]).label(m) for m in measures),
        func.count().label(MART_ROWS),
    ).group_by(*keys.values())
    with engine.connect() as conn:
        df = pd.read_sql(stmt, conn)
    df[measures] = df[measures].astype(float)
    return _normalise_keys(df, list(keys))


def month_of(expr):
    return trunc_date("month", expr)


def assert_same(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    keys: list[str],
    *,
    money: tuple[str, ...] = (),
) -> None:
    """Same key set; counts equal exactly, money within the mart's own rounding."""
    expected = _normalise_keys(expected.reset_index(), keys)
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("", "_exp"), indicator=True)
    lonely = merged[merged["_merge"] != "both"]
    assert lonely.empty, f"key sets differ:\n{lonely[[*keys, '_merge']].head()}"
    assert len(merged) > 1, "a comparison over one group proves little"
    for col in (c for c in expected.columns if c not in keys):
        got, want = merged[col].astype(float), merged[f"{col}_exp"].astype(float)
        if col in money:
            atol = ROW_ROUNDING * merged[MART_ROWS] + 1e-9
            ok = (got - want).abs() <= atol + 1e-9 * want.abs()
        else:
            ok = got == want
        assert ok.all(), f"{col}:\n{merged.loc[~ok, [*keys, col, f'{col}_exp']].head()}"


def month(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.to_period("M").dt.start_time


def hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600


# -- mart_daily_fraud -----------------------------------------------------------------------

FRAUD_COUNTS = ["streams", "flagged_streams", "confirmed_streams", "true_artificial_streams"]
FRAUD_MONEY = ("royalty_eur", "confirmed_royalty_eur", "at_risk_royalty_eur")


@pytest.fixture(scope="module")
def streams(demo_frames: Frames) -> pd.DataFrame:
    """fact_streams_daily with its label, distributor and the mart's money columns."""
    f = demo_frames["fact_streams_daily"]
    tracks = demo_frames["dim_track"][["track_id", "label_id"]]
    labels = demo_frames["dim_label"][["label_id", "distributor_id"]]
    rate = demo_frames["dim_market"].set_index("market_id")["payout_per_1k_streams_eur"] / 1000
    f = f.merge(tracks, on="track_id").merge(labels, on="label_id")
    r = f["market_id"].map(rate)
    artificial_left = (f["true_artificial_streams"] - f["confirmed_streams"]).clip(lower=0)
    return f.assign(
        month=month(f["date_key"]),
        confirmed_royalty_eur=f["confirmed_streams"] * r,
        at_risk_royalty_eur=artificial_left * r,
    )


@pytest.mark.parametrize(
    "keys",
    [["market_id"], ["month"], ["label_id", "distributor_id"], ["typology_id", "detector_id"]],
    ids=["market", "month", "label", "attribution"],
)
def test_daily_fraud(engine: Engine, streams: pd.DataFrame, keys: list[str]) -> None:
    m = s.mart_daily_fraud
    cols = {k: month_of(m.c.date_key) if k == "month" else m.c[k] for k in keys}
    measures = [*FRAUD_COUNTS, *FRAUD_MONEY]
    actual = read_mart(engine, m, cols, measures)
    expected = streams.groupby(keys, dropna=False)[measures].sum()
    assert_same(actual, expected, keys, money=FRAUD_MONEY)


# -- mart_daily_detection -------------------------------------------------------------------

STAGES = s.FUNNEL_STAGES
DETECTION_MONEY = (
    *(f"eur_{stage}" for stage in STAGES),
    "hours_to_detect_sum",
    "hours_to_decide_sum",
)


@pytest.fixture(scope="module")
def detections(demo_frames: Frames) -> pd.DataFrame:
    """One row per detection with its funnel stage flags, streams and money, in pandas."""
    d = demo_frames["fact_detection"].merge(demo_frames["fact_review"], on="detection_id")
    e, a = demo_frames["fact_enforcement"], demo_frames["fact_appeal"]
    rate = demo_frames["dim_market"].set_index("market_id")["payout_per_1k_streams_eur"] / 1000
    appeals = a.merge(e[["enforcement_id", "detection_id"]], on="enforcement_id")
    upheld = appeals.loc[appeals["outcome"] == "upheld", "detection_id"]
    flags = {
        "detected": pd.Series(True, index=d.index),
        "reviewed": d["outcome"] != "pending",
        "confirmed": d["outcome"] == "confirmed",
        "enforced": d["detection_id"].isin(e["detection_id"]),
        "appealed": d["detection_id"].isin(appeals["detection_id"]),
        "upheld": d["detection_id"].isin(upheld),
    }
    confirmed_eur = d["streams_confirmed"] * d["market_id"].map(rate)
    out = {}
    for stage, flag in flags.items():
        early = stage in ("detected", "reviewed")
        out[f"n_{stage}"] = flag.astype(int)
        out[f"streams_{stage}"] = (d["streams_flagged"] if early else d["streams_confirmed"]) * flag
        out[f"eur_{stage}"] = (d["estimated_amount_eur"] if early else confirmed_eur) * flag
    labels = demo_frames["dim_label"][["label_id", "distributor_id"]]
    return d.assign(
        **out,
        month=month(d["detected_at"]),
        false_positive=(d["outcome"] == "false_positive").astype(int),
        hours_to_detect_sum=hours(d["detected_at"] - d["activity_started_at"]),
        hours_to_decide_sum=hours(d["decided_at"] - d["queued_at"]).fillna(0),
    ).merge(labels, on="label_id")


def _detection_measures() -> list[str]:
    return [
        *(f"{kind}_{stage}" for stage in STAGES for kind in ("n", "streams", "eur")),
        "false_positive",
        "hours_to_detect_sum",
        "hours_to_decide_sum",
    ]


@pytest.mark.parametrize(
    "keys",
    [["detector_id"], ["typology_id", "month"], ["market_id"], ["distributor_id"]],
    ids=["detector", "typology-month", "market", "distributor"],
)
def test_daily_detection(engine: Engine, detections: pd.DataFrame, keys: list[str]) -> None:
    m = s.mart_daily_detection
    cols = {k: month_of(m.c.date_key) if k == "month" else m.c[k] for k in keys}
    measures = _detection_measures()
    actual = read_mart(engine, m, cols, measures)
    expected = detections.groupby(keys)[measures].sum()
    assert_same(actual, expected, keys, money=DETECTION_MONEY)


def test_detection_funnel_is_not_trivial(detections: pd.DataFrame) -> None:
    # The comparisons above would pass on an all-zero funnel; this data has every stage.
    totals = detections[[f"n_{stage}" for stage in STAGES]].sum()
    assert (totals > 0).all(), totals.to_dict()
    assert list(totals) == sorted(totals, reverse=True)


# -- mart_daily_enforcement -----------------------------------------------------------------

ENFORCEMENT_MONEY = ("amount_eur", "recovered_eur", "reversed_eur")


@pytest.fixture(scope="module")
def enforcement(demo_frames: Frames) -> pd.DataFrame:
    e = demo_frames["fact_enforcement"]
    d = demo_frames["fact_detection"][["detection_id", "detector_id", "typology_id"]]
    rev = e["status"] == "reversed"
    return e.merge(d, on="detection_id").assign(
        month=month(e["applied_at"]),
        actions=1,
        reversed=rev.astype(int),
        reversed_eur=e["amount_eur"].where(rev, 0.0),
    )


@pytest.mark.parametrize(
    "keys",
    [["enforcement_type_id"], ["detector_id", "month"], ["typology_id"], ["market_id"]],
    ids=["type", "detector-month", "typology", "market"],
)
def test_daily_enforcement(engine: Engine, enforcement: pd.DataFrame, keys: list[str]) -> None:
    m = s.mart_daily_enforcement
    cols = {k: month_of(m.c.date_key) if k == "month" else m.c[k] for k in keys}
    measures = ["actions", "reversed", "streams_removed", *ENFORCEMENT_MONEY]
    actual = read_mart(engine, m, cols, measures)
    expected = enforcement.groupby(keys)[measures].sum()
    assert_same(actual, expected, keys, money=ENFORCEMENT_MONEY)


# -- mart_case_daily ------------------------------------------------------------------------

CASE_MEASURES = [
    "cases_opened",
    "cases_resolved",
    "cases_escalated",
    "first_response_breaches",
    "resolution_breaches",
    "sla_breaches",
    "exposure_eur",
]


@pytest.fixture(scope="module")
def cases(demo_frames: Frames) -> pd.DataFrame:
    """Cases with SLA breaches as of the warehouse's last case event (still-open cases count
    against their SLA)."""
    c = demo_frames["fact_case"]
    sla = demo_frames["dim_priority"].set_index("priority")
    as_of = demo_frames["fact_case_event"]["event_at"].max()
    fr = hours(c["first_response_at"].fillna(as_of) - c["opened_at"])
    res = hours(c["resolved_at"].fillna(as_of) - c["opened_at"])
    fr_breach = fr > c["priority"].map(sla["first_response_sla_hours"])
    res_breach = res > c["priority"].map(sla["resolution_sla_hours"])
    return c.assign(
        month=month(c["opened_at"]),
        cases_opened=1,
        cases_resolved=c["resolved_at"].notna().astype(int),
        cases_escalated=c["escalated_at"].notna().astype(int),
        first_response_breaches=fr_breach.astype(int),
        resolution_breaches=res_breach.astype(int),
        sla_breaches=(fr_breach | res_breach).astype(int),
    )


@pytest.mark.parametrize(
    "keys",
    [["priority"], ["owner_team_id", "month"], ["typology_id"]],
    ids=["priority", "team-month", "typology"],
)
def test_case_daily(engine: Engine, cases: pd.DataFrame, keys: list[str]) -> None:
    m = s.mart_case_daily
    cols = {k: month_of(m.c.date_key) if k == "month" else m.c[k] for k in keys}
    actual = read_mart(engine, m, cols, CASE_MEASURES)
    expected = cases.groupby(keys)[CASE_MEASURES].sum()
    assert_same(actual, expected, keys, money=("exposure_eur",))


def test_case_breaches_are_not_trivial(cases: pd.DataFrame) -> None:
    assert cases["sla_breaches"].sum() > 0
    assert cases["sla_breaches"].sum() < len(cases)


# -- every mart: one row per grain ----------------------------------------------------------


_GRAIN_COLUMNS = {
    "date_key",
    "market_id",
    "label_id",
    "distributor_id",
    "typology_id",
    "detector_id",
    "enforcement_type_id",
    "priority",
    "owner_team_id",
    "track_id",
    "appeal_id",
    "detection_id",
    # mart_track_month_quiet's demonetisation bands
    "streams_12m_floor",
    "is_noise",
    "duration_s_floor",
}


# -- mart_track_13w, mart_appeal, mart_detection_latency ------------------------------------


@pytest.fixture(scope="module")
def track_windows(streams: pd.DataFrame, demo_frames: Frames) -> pd.DataFrame:
    """Per week and track: streams over the 13 weeks ending with that week (pandas rolling
    over every week of the data, tracks with streams in the window only)."""
    week = pd.to_datetime(streams["date_key"]).dt.to_period("W-SUN").dt.start_time
    weekly = streams.assign(week=week).pivot_table(
        index="week",
        columns="track_id",
        values=["streams", "true_artificial_streams"],
        aggfunc="sum",
        fill_value=0,
    )
    weeks = pd.date_range(weekly.index.min(), weekly.index.max(), freq="W-MON")
    rolled = weekly.reindex(weeks, fill_value=0).rolling(13, min_periods=1).sum()
    out = rolled.stack("track_id", future_stack=True).reset_index(names=["week", "track_id"])
    out = out[out["streams"] > 0]
    labels = streams[["track_id", "label_id", "distributor_id"]].drop_duplicates()
    return out.merge(labels, on="track_id")


@pytest.mark.parametrize("keys", [["week"], ["label_id", "distributor_id"]], ids=["week", "label"])
def test_track_13w(engine: Engine, track_windows: pd.DataFrame, keys: list[str]) -> None:
    m = s.mart_track_13w
    cols = {k: m.c.date_key if k == "week" else m.c[k] for k in keys}
    measures = ["streams", "true_artificial_streams"]
    actual = read_mart(engine, m, cols, measures)
    expected = track_windows.assign(**{MART_ROWS: 1}).groupby(keys)[[*measures, MART_ROWS]].sum()
    assert_same(actual, expected, keys)


@pytest.fixture(scope="module")
def appeals(demo_frames: Frames) -> pd.DataFrame:
    a = demo_frames["fact_appeal"]
    e = demo_frames["fact_enforcement"][
        ["enforcement_id", "detection_id", "applied_at", "label_id", "enforcement_type_id"]
    ]
    d = demo_frames["fact_detection"][["detection_id", "detector_id"]]
    x = a.merge(e, on="enforcement_id").merge(d, on="detection_id")
    return x.assign(
        month=month(x["applied_at"]),
        decide_hours=hours(x["decided_at"] - x["filed_at"]).fillna(0.0),
    )


@pytest.mark.parametrize(
    "keys",
    [["enforcement_type_id"], ["detector_id", "month"], ["label_id"]],
    ids=["type", "detector-month", "label"],
)
def test_appeal(engine: Engine, appeals: pd.DataFrame, keys: list[str]) -> None:
    m = s.mart_appeal
    cols = {k: month_of(m.c.date_key) if k == "month" else m.c[k] for k in keys}
    money = ("amount_restored_eur", "decide_hours")
    actual = read_mart(engine, m, cols, list(money)).fillna({"decide_hours": 0.0})
    expected = appeals.assign(**{MART_ROWS: 1}).groupby(keys)[[*money, MART_ROWS]].sum()
    assert_same(actual, expected, keys, money=money)


@pytest.fixture(scope="module")
def latencies(demo_frames: Frames) -> pd.DataFrame:
    d = demo_frames["fact_detection"]
    r = demo_frames["fact_review"][["detection_id", "queued_at", "decided_at", "outcome"]]
    labels = demo_frames["dim_label"][["label_id", "distributor_id"]]
    x = d.merge(r, on="detection_id").merge(labels, on="label_id")
    decided = x["outcome"] != "pending"
    return x.assign(
        month=month(x["detected_at"]),
        hours_to_detect=hours(x["detected_at"] - x["activity_started_at"]),
        hours_to_validate=hours(x["decided_at"] - x["queued_at"]).where(decided, 0.0),
    )


@pytest.mark.parametrize(
    "keys",
    [["detector_id", "month"], ["distributor_id"], ["typology_id", "market_id"]],
    ids=["detector-month", "distributor", "typology-market"],
)
def test_detection_latency(engine: Engine, latencies: pd.DataFrame, keys: list[str]) -> None:
    m = s.mart_detection_latency
    cols = {k: month_of(m.c.date_key) if k == "month" else m.c[k] for k in keys}
    hours_cols = ("hours_to_detect", "hours_to_validate")
    actual = read_mart(engine, m, cols, list(hours_cols)).fillna({"hours_to_validate": 0.0})
    expected = latencies.assign(**{MART_ROWS: 1}).groupby(keys)[[*hours_cols, MART_ROWS]].sum()
    assert_same(actual, expected, keys, money=hours_cols)


@pytest.mark.parametrize("mart", s.MARTS, ids=lambda t: t.name)
def test_mart_rows_are_unique_per_grain(engine: Engine, mart) -> None:
    keys = [c for c in mart.columns if c.name in _GRAIN_COLUMNS]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(mart)).scalar_one()
        distinct = conn.execute(
            select(func.count()).select_from(select(*keys).distinct().subquery())
        ).scalar_one()
    assert total > 0 and total == distinct


# -- PostgreSQL: the small warehouse was built there in full --------------------------------


@pytest.mark.pg
def test_postgres_warehouse_row_counts(
    pg_readonly_url: str, duck_url: str, demo_frames: Frames
) -> None:
    base = [*s.DIMENSIONS, *s.FACTS]
    pg = warehouse.row_counts(pg_readonly_url)
    assert {t.name: pg[t.name] for t in base} == {t.name: len(demo_frames[t.name]) for t in base}
    duck = warehouse.row_counts(duck_url, s.MARTS)
    marts = {t.name: pg[t.name] for t in s.MARTS}
    assert all(n > 0 for n in marts.values()) and marts == duck


# -- the command lines ----------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FRAUD_WAREHOUSE_URL"}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_marts_cli_builds_the_marts(demo_frames: Frames, duck_url: str, tmp_path: Path) -> None:
    url = warehouse.build_duckdb(tmp_path / "facts_only.duckdb", demo_frames, marts=False)
    proc = _run("data_access.marts", "--url", url)
    assert proc.returncode == 0, proc.stderr
    for mart in s.MARTS:
        assert f"{mart.name}: " in proc.stdout
    assert warehouse.row_counts(url, s.MARTS) == warehouse.row_counts(duck_url, s.MARTS)


def test_demo_cli_builds_every_table(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    proc = _run(
        "data_access.demo",
        "--url",
        f"duckdb:///{path}",
        "--scale",
        "0.01",
        "--seed",
        "3",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert "built" in proc.stdout and proc.stderr == ""
    counts = warehouse.row_counts(f"duckdb:///{path}", s.metadata.sorted_tables)
    assert set(counts) == set(s.metadata.tables)  # the input layer's own tables too
    frames = generate(scale=0.01, seed=3)
    # The demo goes through the input layer: every fact row arrives; the dimensions hold what
    # the inputs name (detectors that detected something, artists with tracks), no more.
    assert {t.name: counts[t.name] for t in s.FACTS} == {
        t.name: len(frames[t.name]) for t in s.FACTS
    }
    for t in s.DIMENSIONS:
        assert 0 < counts[t.name] <= len(frames[t.name]), t.name
    assert all(counts[t.name] > 0 for t in s.MARTS)
