"""Policy lab benchmark: one policy replayed over two years at scale 100 on DuckDB (target
<= 1 s), plus three candidates, a frontier sweep and the members most affected.

    python -m bench.policy [--source PATH] [--url duckdb:///PATH] [--repeat 5]
    make bench

``--source``: a scale-100 demo warehouse (default: bench/out/warehouse-s100.duckdb, which
``python -m bench`` builds, else /work/bench-out/s100.duckdb); ``--url``: the benchmark's own
file (default: beside the source, ``<source>-policy.duckdb``).

The scale-100 warehouse is big (12 GB) and may be shared: it is opened read-only. The
benchmark's own DuckDB file attaches it, builds mart_track_month from its facts and its two
derivatives the replay reads (mart_track_month_touched, mart_track_month_quiet) with the mart
builder's own statements, copies the small tables the replay also reads (mart_appeal,
fact_detection, the label and distributor names) and notes the source's size (stream rows,
tracks: the scale reported is tracks / the generator's tracks per unit of scale), once; a
file of an older benchmark gets what it lacks. Each timing is a cold call of the loaders'
work (no app cache; the app's engine settings, FRAUD_DUCKDB_MEMORY_MB included), the median
of ``--repeat`` runs. The figure is written to bench/RESULTS.md ("Policy lab"). Not part of
the test run's pass/fail.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.0
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Policy lab"
COPIED = ("mart_appeal", "fact_detection")
SOURCE_SIZE = "bench_source"  # one row: the source's stream rows and tracks
# Built from mart_track_month (data_access.marts), in the benchmark's file.
DERIVED = ("mart_track_month_touched", "mart_track_month_quiet")
SIZE_TABLES = ("fact_streams_daily", "dim_track")  # counted for the scale
SOURCES = (ROOT / "bench" / "out" / "warehouse-s100.duckdb", Path("/work/bench-out/s100.duckdb"))


def _attach(con, source: Path) -> None:
    """Attach the source warehouse read-only as ``src``. ATTACH takes no bound parameters:
    the path goes in as a quoted string literal (``_literal``), the one place it does."""
    con.execute(f"ATTACH {_literal(source)} AS src (READ_ONLY)")


def prepare(source: Path, target: Path) -> float:
    """Build ``target`` (mart_track_month over ``source``'s facts, its derivatives, the
    source's size), or add what an existing one lacks; seconds taken, 0 if nothing was."""
    import duckdb

    from data_access import schema as s

    t0 = time.perf_counter()
    if target.exists():
        # Opened for writing only when it lacks something (it may be a shared warehouse).
        with duckdb.connect(str(target), read_only=True) as ro:
            rows = ro.sql("SELECT table_name FROM information_schema.tables").fetchall()
        have = {name for (name,) in rows}
        derived = [name for name in DERIVED if name not in have]
        note = source.exists() and SOURCE_SIZE not in have and not set(SIZE_TABLES) <= have
        if not derived and not note:
            return 0.0
        con = duckdb.connect(str(target), config={"memory_limit": "8GB", "threads": 2})
        try:
            for name in derived:
                _fill(con, s.metadata.tables[name])
            if note:
                _attach(con, source)
                _note_size(con)
                con.execute("DETACH src")
        finally:
            con.close()
        return time.perf_counter() - t0
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial), config={"memory_limit": "8GB", "threads": 2})
    q = _quote
    try:
        # DDL takes no bound parameters: table names come from the schema (an allow-list)
        # and are quoted identifiers.
        _attach(con, source)
        for t in (*s.DIMENSIONS, *s.FACTS):
            if t.name not in COPIED:
                con.execute(f"CREATE VIEW {q(t.name)} AS SELECT * FROM src.{q(t.name)}")
        for name in COPIED:
            con.execute(f"CREATE TABLE {q(name)} AS SELECT * FROM src.{q(name)}")
        _fill(con, s.mart_track_month)
        for t in (*s.DIMENSIONS, *s.FACTS):
            if t.name not in COPIED:
                con.execute(f"DROP VIEW {q(t.name)}")
        for name in DERIVED:
            _fill(con, s.metadata.tables[name])
        # The replay reads dimension names for the members most affected.
        for t in (s.dim_label, s.dim_distributor):
            con.execute(f"CREATE TABLE {q(t.name)} AS SELECT * FROM src.{q(t.name)}")
        _note_size(con)
        con.execute("DETACH src")
    finally:
        con.close()
    partial.rename(target)
    return time.perf_counter() - t0


def _fill(con, table) -> None:
    """Create ``table`` and fill it with the mart builder's statement."""
    from sqlalchemy.schema import CreateTable

    from data_access import marts

    dialect = _dialect()
    con.execute(str(CreateTable(table).compile(dialect=dialect)))
    stmt = marts.fill_statement(table)
    con.execute(str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})))


def _note_size(con) -> None:
    """The attached source's stream rows and tracks (SIZE_TABLES), as one row of
    SOURCE_SIZE."""
    streams, tracks = (f"(SELECT count(*) FROM src.{_quote(name)})" for name in SIZE_TABLES)
    con.execute(
        f"CREATE TABLE {_quote(SOURCE_SIZE)} AS SELECT {streams} AS stream_rows, {tracks} AS tracks"
    )


def _time(fn, repeat: int) -> tuple[float, float, float]:
    """(median wall s, max wall s, median CPU s of this process: DuckDB runs in it, so the
    CPU time is what the replay costs whatever else the machine is doing)."""
    runs, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(runs), max(runs), statistics.median(cpu)


def run(url: str, repeat: int) -> dict:
    from sqlalchemy import column, func, inspect, select, table

    from data_access import schema as s
    from data_access.engine import make_engine
    from data_access.filters import Filters
    from data_access.loaders import policy as lp
    from data_access.queries import policy as q
    from data_access.scope import FULL
    from reports.policy import SWEEP_VALUES

    load = os.getloadavg()
    engine = make_engine(url)
    with engine.connect() as conn:
        m = s.mart_track_month
        first, last, rows = conn.execute(
            select(func.min(m.c.date_key), func.max(m.c.date_key), func.count())
        ).one()
        derived = {
            name: conn.execute(
                select(func.count()).select_from(s.metadata.tables[name])
            ).scalar_one()
            for name in DERIVED
        }
        size, have = None, set(inspect(conn).get_table_names())
        if SOURCE_SIZE in have:
            noted = table(SOURCE_SIZE, column("stream_rows"), column("tracks"))
            size = tuple(conn.execute(select(noted.c.stream_rows, noted.c.tracks)).one())
        elif set(SIZE_TABLES) <= have:  # the warehouse itself (--url of the source)
            size = tuple(
                conn.execute(select(func.count()).select_from(s.metadata.tables[n])).scalar_one()
                for n in SIZE_TABLES
            )
    engine.dispose()
    end = last.replace(day=28)
    f = Filters(start=date(end.year - 2, end.month, 1), end=end)
    candidate = q.Policy(fee_threshold=0.8, fee_eur=15)
    three = (candidate, q.Policy(min_streams=2000), q.Policy(auto=(("model", 0.95),)))
    sweep = SWEEP_VALUES["fee_threshold"]
    cases = {
        "one policy (vs current)": lambda: lp._replay(FULL, f, (candidate,), url),
        "three candidates": lambda: lp._replay(FULL, f, three, url),
        f"frontier ({len(sweep)} values)": lambda: lp.load_policy_frontier.__wrapped__(
            FULL, f, q.CURRENT, "fee_threshold", sweep, url=url
        ),
        "ten labels most affected": lambda: lp.load_policy_affected.__wrapped__(
            FULL, f, (candidate,), "label", url=url
        ),
    }
    cases["one policy (vs current)"]()  # open the engine and the file once
    timings = {name: _time(fn, repeat) for name, fn in cases.items()}
    return {
        "rows": rows,
        "derived": derived,
        "size": size,
        "load_end": os.getloadavg(),
        "first": first,
        "last": last,
        "filters": f,
        "timings": timings,
        "load": load,
    }


def write(result: dict, *, url: str, built_s: float, repeat: int) -> str:
    import duckdb

    f = result["filters"]
    one, _, one_cpu = result["timings"]["one policy (vs current)"]
    load = ", ".join(f"{x:.1f}" for x in result["load"])
    load_end = ", ".join(f"{x:.1f}" for x in result["load_end"])
    lines = [
        SECTION,
        "",
        f"Generated by `python -m bench.policy` on {time.strftime('%Y-%m-%d %H:%M')} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, DuckDB {duckdb.__version__}; load "
        f"average {load} at start, {load_end} at the end: above the number of CPUs the "
        "machine was shared, wall times are upper bounds and CPU time is the figure that "
        "holds).",
        "",
        f"{_described(result['size'])}; mart_track_month {result['rows']:,} rows "
        f"({result['first']:%b %Y} – {result['last']:%b %Y}), "
        + ", ".join(f"{name} {n:,}" for name, n in result["derived"].items())
        + (f"; built in {built_s:.0f} s" if built_s else "")
        + f". Period {f.start} – {f.end} (two years), full scope, cold (no app cache), "
        f"median of {repeat}. CPU = this process's CPU time (DuckDB runs in it). "
        f"Target: one policy ≤ {TARGET_S:g} s.",
        "",
        "| replay | median wall s | max wall s | median CPU s |",
        "|---|---|---|---|",
        *(
            f"| {name} | {med:.3f} | {mx:.3f} | {cpu:.3f} |"
            for name, (med, mx, cpu) in result["timings"].items()
        ),
        "",
        f"One policy over two years: **{one:.3f} s** wall, {one_cpu:.3f} s CPU "
        f"({'meets' if one <= TARGET_S else 'MISSES'} the ≤ {TARGET_S:g} s target).",
        "",
    ]
    section = "\n".join(lines)
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if SECTION in text:
        head, _, rest = text.partition(SECTION)
        nxt = rest.find("\n## ")
        text = head + section + (rest[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    return (
        f"policy lab, {_described(result['size'])}: one policy over two years in {one:.3f} s "
        f"({one_cpu:.3f} s CPU)"
    )


@functools.cache
def _dialect():
    from sqlalchemy.engine import make_url

    return make_url("duckdb://").get_dialect()()


def _described(size) -> str:
    """The source warehouse's scale, from its size (the demo generator's tracks per unit of
    scale), or that it is unknown (a benchmark file without the source's size)."""
    from data_access.demo.dimensions import TRACKS_PER_SCALE

    if size is None:
        return "Warehouse of unknown scale (its size was not recorded)"
    stream_rows, tracks = size
    return (
        f"Scale-{tracks / TRACKS_PER_SCALE:.3g} demo warehouse ({stream_rows:,} stream rows, "
        f"{tracks:,} tracks)"
    )


def _quote(name: str) -> str:
    return _dialect().identifier_preparer.quote(name)


def _literal(path) -> str:
    """A file path as a SQL string literal (quotes doubled)."""
    return "'" + str(path).replace("'", "''") + "'"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=None)
    ap.add_argument("--url", default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    source = (
        Path(args.source) if args.source else next((p for p in SOURCES if p.exists()), SOURCES[0])
    )
    url = args.url or f"duckdb:///{source.with_name(source.stem + '-policy.duckdb')}"
    target = Path(url.removeprefix("duckdb:///"))
    if not target.exists() and not source.exists():
        print(
            f"no warehouse at {source}: build one with python -m data_access.demo "
            f"--url duckdb:///{source} --scale 100"
        )
        return 1
    built = prepare(source, target)
    result = run(url, args.repeat)
    print(write(result, url=url, built_s=built, repeat=args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
