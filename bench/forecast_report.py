"""Forecast-accuracy report over a demo warehouse: per series (overall + the top 5 markets),
every candidate's backtest MAE, MASE and 80% / 95% interval coverage beside the baseline,
the chosen model and fit time.

    python -m bench.forecast_report [--url URL] [--horizon 13] [--origins 12]

Writes bench/out/forecast.json and prints a Markdown table, then one summary line with the
chosen model's MAE ÷ the baseline's on the overall series (our bar: <= 0.85). A benchmark,
not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

from analytics.forecast import BASELINE, forecast_series  # noqa: E402
from data_access.filters import Filters  # noqa: E402
from data_access.loaders.base import run  # noqa: E402
from data_access.queries import exposure as q  # noqa: E402
from data_access.queries import options as oq  # noqa: E402
from data_access.scope import FULL  # noqa: E402
from data_access.settings import describe_url, resolve_url  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "forecast.json"
BAR = 0.85


def _series(df: pd.DataFrame, value: str) -> pd.Series:
    s = df.set_index(pd.to_datetime(df["week"]))[value].astype(float)
    idx = pd.date_range(s.index.min(), s.index.max(), freq="7D")
    return s.groupby(level=0).sum().reindex(idx, fill_value=0.0)


def report(url: str, *, horizon: int, origins: int, markets: int) -> dict:
    rng = run(oq.date_range_query(), url)
    end = pd.Timestamp(rng.loc[0, "max_date"]).date()
    f = Filters(start=date(end.year, 1, 1) if end.month > 1 else end, end=end)
    series = {"overall": _series(run(q.weekly_exposure_query(f, FULL), url), "exposure_eur")}
    by = run(q.weekly_by_group_query(f, FULL, by="market", limit=markets), url)
    for key, grp in by.groupby("key"):
        series[f"market {key}"] = _series(grp, "value")
    out = {"url": describe_url(url), "origin": str(q.history_window(f)[1]), "series": {}}
    for name, s in series.items():
        t0 = time.perf_counter()
        res = forecast_series(s, horizon=horizon, origins=origins, name=name)
        out["series"][name] = {
            "weeks": len(s),
            "chosen": res.chosen,
            "chosen_label": res.chosen_label,
            "baseline": res.baseline_label,
            "mae_ratio": res.mae_ratio,
            "fit_seconds": time.perf_counter() - t0,
            "notes": list(res.notes) + list(res.model_notes),
            "models": res.accuracy.drop(columns=["is_baseline"], errors="ignore").to_dict(
                "records"
            ),
        }
    return out


def markdown(out: dict) -> str:
    lines = [
        f"Forecast accuracy — {out['url']}, origin {out['origin']}",
        "",
        "| series | model | MAE (EUR/wk) | MASE | cov 80% | cov 95% | fit s | chosen |",
        "|---|---|---:|---:|---:|---:|---:|:-:|",
    ]
    for name, s in out["series"].items():
        for m in s["models"]:
            lines.append(
                f"| {name} | {m['label']}{' (baseline)' if m['model'] == BASELINE else ''} "
                f"| {m['mae']:,.0f} | {m['mase']:.2f} | {m['coverage80']:.0%} "
                f"| {m['coverage95']:.0%} | {m['fit_s']:.2f} | {'✔' if m.get('chosen') else ''} |"
            )
        if not s["models"]:
            lines.append(f"| {name} | {s['chosen_label']} (no backtest) | | | | | | ✔ |")
        lines.append(
            f"| {name} | **MAE ratio chosen ÷ baseline: {s['mae_ratio']:.2f}**, "
            f"total fit {s['fit_seconds']:.2f} s | | | | | | |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.forecast_report", description=__doc__)
    ap.add_argument("--url", help="SQLAlchemy URL (default: the configured warehouse)")
    ap.add_argument("--horizon", type=int, default=13)
    ap.add_argument("--origins", type=int, default=12)
    ap.add_argument("--markets", type=int, default=5)
    args = ap.parse_args(argv)
    url = args.url or resolve_url()
    out = report(url, horizon=args.horizon, origins=args.origins, markets=args.markets)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2, default=str))
    print(markdown(out))
    overall = out["series"]["overall"]
    ratio = overall["mae_ratio"]
    verdict = "meets" if ratio <= BAR else "MISSES"
    print(
        f"\nSUMMARY overall: chosen {overall['chosen_label']}, MAE ratio chosen/"
        f"{overall['baseline'].lower()} = {ratio:.3f} ({verdict} the {BAR} bar), "
        f"h={args.horizon}, {args.origins} origins, fit {overall['fit_seconds']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
