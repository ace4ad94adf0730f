"""Per-page loader timings (ours) and the naive baseline (fact table into pandas), each run in
its own process so the parent can measure peak RSS and cap memory and time.

    python -m bench.scale ours  --url URL --repeat 5       # JSON on stdout
    python -m bench.scale naive --url URL --page overview  # JSON on stdout

Ours: every loader a page calls, with the page's default arguments (last 91 days, all
markets, full scope), Streamlit's cache cleared before each repeat (cold app cache; the
warehouse's own buffers stay as warm as they would be in production).
Naive: the common pattern — ``pd.read_sql("SELECT * FROM fact_... WHERE date BETWEEN ...")``
for the facts the page needs, then the page's main aggregations in pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import date, timedelta


def _pages(options):
    """page -> list of (loader, args) the page calls with its default filters."""
    from data_access.filters import Filters
    from data_access.loaders import cases as lc
    from data_access.loaders import enforcement as le
    from data_access.loaders import exposure as lx
    from data_access.loaders import funnel as lf
    from data_access.loaders import health as lh
    from data_access.loaders import options as lo
    from data_access.loaders import overview as lv
    from data_access.loaders import trends as lt
    from data_access.scope import FULL as sc

    start, end = options.default_period()
    f = Filters(start=start, end=end)
    history = f.narrowed(start=max(options.min_date, end - timedelta(days=7 * 104)))
    return {
        "overview": [
            (lv.load_overview_kpis, (sc, f)),
            (lv.load_weekly_trend, (sc, f)),
            (lo.load_events, ()),
            (lv.load_top_exposure, (sc, f, "market")),
            (lv.load_top_exposure, (sc, f, "label")),
        ],
        "trends": [
            (lt.load_trend_kpis, (sc, f)),
            (lt.load_trend, (sc, history, "week", "none", "detected_streams", 6)),
            (lt.load_trend, (sc, f, "week", "market", "detected_streams", 6)),
            (lx.load_weekly_by_group, (sc, history, "market", "detected_streams", 10)),
            (lx.load_weekly_by_group, (sc, history, "label", "detected_streams", 10)),
            (lt.load_trend, (sc, f.previous(), "week", "none", "detected_streams", 6)),
            (lt.load_market_week, (sc, f, 20)),
        ],
        "funnel": [
            (lf.load_funnel_stages, (sc, f)),
            (lf.load_detector_performance, (sc, f)),
            (lf.load_recall, (sc, f, "detector")),
            (lf.load_weekly_precision, (sc, f)),
            (lf.load_recall, (sc, f, "typology")),
        ],
        "enforcement": [
            (le.load_enforcement_kpis, (sc, f)),
            (le.load_weekly_enforcement, (sc, f)),
            (le.load_enforcement_by_type, (sc, f)),
            (le.load_repeat_offenders, (sc, f, "label")),
        ],
        "cases": [
            (lc.load_case_backlog, (sc, f)),
            (lc.load_case_sla_weekly, (sc, f)),
            (lc.load_case_count, (sc, f)),
            (lc.load_case_response_times, (sc, f)),
            (lc.load_escalation_flows, (sc, f)),
            (lc.load_case_page, (sc, f, "opened", True, 1, 25)),
        ],
        "exposure": [
            (lx.load_weekly_exposure, (sc, f)),
            (lx.load_scenario_inputs, (sc, f)),
            (lx.load_track_shares, (sc, f)),
            (lx.load_weekly_by_group, (sc, f, "market", "exposure_eur", 8)),
            (lx.load_weekly_by_group, (sc, f, "label", "exposure_eur", 10)),
        ],
        # The page's default: integrity checks over the last 7 days of data.
        "health": [
            (lh.load_table_stats, (sc,)),
            (lh.load_health_checks, (sc, end + timedelta(days=1), end - timedelta(days=6))),
        ],
        # On request: every row of every fact (reported, not a target).
        "health_full": [
            (lh.load_table_stats, (sc,)),
            (lh.load_health_checks, (sc, end + timedelta(days=1), None)),
        ],
    }


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ours(url: str, repeat: int) -> dict:
    os.environ["FRAUD_WAREHOUSE_URL"] = url
    import streamlit as st

    from data_access.loaders.options import load_options
    from data_access.scope import FULL

    options = load_options(FULL)
    pages = _pages(options)
    times: dict[str, list[float]] = {p: [] for p in pages}
    loaders: dict[str, dict[str, float]] = {p: {} for p in pages}
    errors: dict[str, dict[str, str]] = {}
    for _ in range(repeat):
        for page, calls in pages.items():
            st.cache_data.clear()
            t0 = time.perf_counter()
            for fn, args in calls:
                t1 = time.perf_counter()
                name = fn.__name__
                try:
                    fn(*args)
                except Exception as exc:  # noqa: BLE001 - a timeout is a result here
                    errors.setdefault(page, {})[name] = getattr(exc, "kind", type(exc).__name__)
                loaders[page][name] = max(loaders[page].get(name, 0.0), time.perf_counter() - t1)
            times[page].append(time.perf_counter() - t0)
    duckdb_mb = None
    if url.startswith("duckdb"):
        # What DuckDB's buffer manager holds at the end (cached blocks, capped by
        # FRAUD_DUCKDB_MEMORY_MB): the embedded warehouse's share of this process's RSS.
        from sqlalchemy import text

        from data_access.engine import get_engine

        with get_engine(url).connect() as conn:
            used = conn.execute(text("SELECT sum(memory_usage_bytes) FROM duckdb_memory()"))
            duckdb_mb = float(used.scalar_one() or 0) / 1024**2
    return {
        "duckdb_memory_mb": duckdb_mb,
        "pages": {
            p: {
                "median_s": statistics.median(t),
                "p90_s": _pct(t, 0.9),
                "runs": len(t),
                "slowest_loader_max_s": loaders[p],
                "errors": errors.get(p, {}),
            }
            for p, t in times.items()
        },
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "period": [str(x) for x in options.default_period()],
    }


# -- the naive baseline ------------------------------------------------------------------------


def naive(url: str, page: str) -> dict:
    """The page's main answers computed the naive way; returns seconds and rows read."""
    import pandas as pd
    from sqlalchemy import text

    from data_access.engine import make_engine

    engine = make_engine(url, timeout_s=3600)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        rng = conn.execute(text("SELECT min(date_key), max(date_key) FROM dim_date")).one()
        last = conn.execute(text("SELECT max(date_key) FROM fact_streams_daily")).scalar_one()
        last = last if isinstance(last, date) else pd.Timestamp(last).date()
        start = last - timedelta(days=90)
        prev_start = start - timedelta(days=91)
        history = max(rng[0], last - timedelta(days=7 * 104))
        read = 0

        def sql(q: str, **params) -> pd.DataFrame:
            nonlocal read
            df = pd.read_sql(text(q), conn, params=params)
            read += len(df)
            return df

        tracks = sql("SELECT track_id, label_id FROM dim_track")
        labels = sql("SELECT label_id, distributor_id FROM dim_label")
        if page in ("overview", "trends", "exposure"):
            lo = {"overview": prev_start, "trends": history, "exposure": history}[page]
            q = "SELECT * FROM fact_streams_daily WHERE date_key BETWEEN :a AND :b"
            fs = sql(q, a=lo, b=last)
            fs = fs.merge(tracks, on="track_id").merge(labels, on="label_id")
            fs["week"] = pd.to_datetime(fs["date_key"]).dt.to_period("W").dt.start_time
            fs.groupby("week")[["streams", "flagged_streams", "confirmed_streams"]].sum()
            fs.groupby(["week", "market_id"])[["streams", "flagged_streams"]].sum()
            fs.groupby("label_id")[["true_artificial_streams", "confirmed_streams"]].sum()
        if page in ("overview", "enforcement", "exposure", "funnel"):
            e = sql("SELECT * FROM fact_enforcement WHERE applied_at >= :a", a=prev_start)
            d = sql("SELECT * FROM fact_detection WHERE detected_at >= :a", a=prev_start)
            e.merge(d[["detection_id", "typology_id", "detector_id"]], on="detection_id").groupby(
                ["enforcement_type_id", "label_id"]
            )[["amount_eur", "recovered_eur"]].sum()
        if page == "funnel":
            r = sql("SELECT * FROM fact_review")
            x = d.merge(r, on="detection_id")
            x["h"] = (x["detected_at"] - x["activity_started_at"]).dt.total_seconds() / 3600
            x.groupby("detector_id")["h"].quantile([0.5, 0.9])
            x.groupby(["detector_id", "outcome"]).size()
        if page in ("overview", "cases"):
            c = sql("SELECT * FROM fact_case")
            ev = sql("SELECT * FROM fact_case_event")
            c.groupby(["priority", "owner_team_id"])["exposure_eur"].agg(["count", "sum"])
            ev.merge(c, on="case_id").groupby(["from_team_id", "to_team_id"]).size()
        if page in ("health", "health_full"):
            # The page's default checks the last 7 days of data; health_full every row.
            dated = {
                "fact_streams_daily": "date_key",
                "fact_detection": "detected_at",
                "fact_enforcement": "applied_at",
                "fact_case": "opened_at",
            }
            for t, col in dated.items():
                q = f"SELECT * FROM {t}"  # noqa: S608 - fixed table and column names
                if page == "health":
                    q += f" WHERE {col} >= :a"
                df = sql(q, a=last - timedelta(days=6))
                df.isna().sum()
                del df
    engine.dispose()
    return {
        "seconds": time.perf_counter() - t0,
        "rows_read": read,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scale")
    ap.add_argument("mode", choices=("ours", "naive"))
    ap.add_argument("--url", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--page")
    ap.add_argument("--mem-cap-gb", type=float, default=0)
    args = ap.parse_args(argv)
    if args.mem_cap_gb:
        cap = int(args.mem_cap_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    out = ours(args.url, args.repeat) if args.mode == "ours" else naive(args.url, args.page)
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
