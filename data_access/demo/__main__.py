"""CLI: build the demo warehouse. ``python -m data_access.demo --help``."""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from tqdm import tqdm

from data_access.demo.generate import generate
from data_access.demo.load import LOAD_ORDER, load_frames
from data_access.marts import BUILDERS, build_marts
from data_access.settings import default_url, describe_url, resolve_url


def build(url: str, *, scale: float = 1.0, seed: int = 7, quiet: bool = False) -> dict:
    """Generate, load and build marts into ``url``; returns timings and row counts."""
    steps = 4 + len(LOAD_ORDER) + len(BUILDERS)
    bar = tqdm(total=steps, desc="demo warehouse", unit="step", disable=quiet, file=sys.stderr)
    t0 = time.perf_counter()

    def step(msg: str, *_):
        bar.set_postfix_str(msg)
        bar.update(1)

    frames = generate(scale=scale, seed=seed, progress=step)
    t_gen = time.perf_counter() - t0
    u = make_url(url)
    if u.get_backend_name() == "duckdb" and u.database:
        from pathlib import Path

        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        load_frames(engine, frames, progress=step)
        t_load = time.perf_counter() - t0 - t_gen
        marts = build_marts(engine, progress=step)
    finally:
        engine.dispose()
        bar.close()
    rows = {name: len(df) for name, df in frames.items()}
    return {
        "seconds": time.perf_counter() - t0,
        "generate_s": t_gen,
        "load_s": t_load,
        "rows": rows,
        "marts": marts,
        "fact_rows": sum(rows[t.name] for t in LOAD_ORDER if t.name.startswith("fact_")),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m data_access.demo",
        description="Build the synthetic fraud warehouse (deterministic for a seed).",
    )
    ap.add_argument("--url", help="SQLAlchemy URL (default: the configured warehouse)")
    ap.add_argument("--scale", type=float, default=1.0, help="1 = ~2 years, ~4M stream rows")
    ap.add_argument("--seed", type=int, default=7)
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
            return 0
        print("building the demo warehouse (first run only)...")
    out = build(url, scale=args.scale, seed=args.seed, quiet=args.quiet)
    print(
        f"built {describe_url(url)}: {out['fact_rows']:,} fact rows in {out['seconds']:.1f}s "
        f"({out['fact_rows'] / max(out['seconds'], 1e-9):,.0f} rows/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
