"""CLI: build the demo warehouse. ``python -m data_access.demo --help``."""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from tqdm import tqdm

from data_access.demo.as_inputs import input_frames
from data_access.demo.generate import PROGRESS_STEPS, generate
from data_access.demo.load import LOAD_ORDER, load_frames
from data_access.demo.shards import SHARD_THRESHOLD, build_sharded, plan
from data_access.inputs import business
from data_access.inputs.build import build as build_from_inputs
from data_access.inputs.build import write_inputs
from data_access.marts import BUILDERS, build_marts
from data_access.settings import default_url, describe_url, resolve_url


def build(
    url: str, *, scale: float = 1.0, seed: int = 7, quiet: bool = False, workers: int = 2
) -> dict:
    """Generate, load and build marts into ``url``; returns timings and row counts.

    Scales above SHARD_THRESHOLD are generated in shards by ``workers`` processes
    (data_access.demo.shards) so memory stays that of one scale-1 shard per worker."""
    steps = PROGRESS_STEPS + len(LOAD_ORDER) + len(BUILDERS)
    bar = tqdm(total=steps, desc="demo warehouse", unit="step", disable=quiet, file=sys.stderr)
    t0 = time.perf_counter()

    def step(msg: str, *_):
        bar.set_postfix_str(msg)
        bar.update(1)

    u = make_url(url)
    if u.get_backend_name() == "duckdb" and u.database:
        from pathlib import Path

        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    if scale > SHARD_THRESHOLD:
        return _build_sharded(url, scale=scale, seed=seed, workers=workers, bar=bar, t0=t0)
    frames = generate(scale=scale, seed=seed, progress=step)
    t_gen = time.perf_counter() - t0
    rows = {name: len(df) for name, df in frames.items()}
    engine = create_engine(url)
    try:
        if engine.dialect.name == "hive":
            # Spark SQL: the generated star directly (the input layer runs on DuckDB and
            # PostgreSQL; docs/INPUTS.md).
            load_frames(engine, frames, progress=step)
            t_load = time.perf_counter() - t0 - t_gen
            marts = build_marts(engine, progress=step)
        else:
            # The demo is one producer of the input layer like any team's warehouse: its
            # inputs are written as in_<input> tables and the project builds the star from them.
            inputs = input_frames(frames)
            del frames  # the generated star: the input layer builds its own (memory)
            write_inputs(engine, inputs)
            t_load = time.perf_counter() - t0 - t_gen
            _, marts = build_from_inputs(engine, business.current(), progress=step, written=inputs)
    finally:
        engine.dispose()
        bar.close()
    return {
        "seconds": time.perf_counter() - t0,
        "generate_s": t_gen,
        "load_s": t_load,
        "rows": rows,
        "marts": marts,
        "fact_rows": sum(rows[t.name] for t in LOAD_ORDER if t.name.startswith("fact_")),
    }


def _build_sharded(url: str, *, scale: float, seed: int, workers: int, bar, t0: float) -> dict:
    n, _, _ = plan(scale)
    bar.reset(total=n + len(BUILDERS))

    def step(msg: str, *_):
        bar.set_postfix_str(msg)
        bar.update(1)

    engine = create_engine(url)
    try:
        rows = build_sharded(engine, scale=scale, seed=seed, workers=workers, progress=step)
        t_load = time.perf_counter() - t0
        marts = build_marts(engine, progress=step)
    finally:
        engine.dispose()
        bar.close()
    return {
        "seconds": time.perf_counter() - t0,
        "generate_s": t_load,  # generation and loading overlap in a sharded build
        "load_s": t_load,
        "rows": rows,
        "marts": marts,
        "shards": n,
        "fact_rows": sum(rows[t.name] for t in LOAD_ORDER if t.name.startswith("fact_")),
    }


def _add_missing_marts(url: str) -> int:
    """An existing demo file built before a mart was added gets its marts rebuilt (seconds),
    instead of pages failing with "a table is missing"."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    from data_access.engine import make_engine

    reader = make_engine(url)  # read-only: works while an app holds the file open
    try:
        have = set(inspect(reader).get_table_names())
    finally:
        reader.dispose()
    if all(t.name in have for t in BUILDERS):
        return 0
    print("building the marts this version adds...")
    engine = create_engine(url)
    try:
        build_marts(engine, tables=[t for t in BUILDERS if t.name not in have])
    except OperationalError:
        print(
            "the demo warehouse is open in another process (a running app?): stop it and run "
            "`make warehouse` again to add the missing marts",
            file=sys.stderr,
        )
    finally:
        engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m data_access.demo",
        description="Build the synthetic fraud warehouse (deterministic for a seed).",
    )
    ap.add_argument("--url", help="SQLAlchemy URL (default: the configured warehouse)")
    ap.add_argument(
        "--scale", type=float, default=1.0, help="1 = ~2 years, ~4.5M stream rows; 100 = ~450M"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--workers",
        type=int,
        default=2,
        help=f"generator processes for scales above {SHARD_THRESHOLD:g} (sharded build)",
    )
    ap.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when the embedded DuckDB file already exists",
    )
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    url = args.url or resolve_url()
    if args.if_missing:
        u = make_url(url)
        if u.get_backend_name() != "duckdb" or url != default_url():
            print(f"using the configured {describe_url(url)}; not building demo data")
            return 0
        from pathlib import Path

        if Path(u.database).is_file():
            return _add_missing_marts(url)
        print("building the demo warehouse (first run only)...")
    out = build(url, scale=args.scale, seed=args.seed, quiet=args.quiet, workers=args.workers)
    print(
        f"built {describe_url(url)}: {out['fact_rows']:,} fact rows in {out['seconds']:.1f}s "
        f"({out['fact_rows'] / max(out['seconds'], 1e-9):,.0f} rows/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
