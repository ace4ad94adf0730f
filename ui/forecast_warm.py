"""Precompute the Exposure page's standard forecasts into the fit store, so even the first
open after a start (or after new data) finds them: the overall series at each horizon
asked for, and the top markets over a quarter, for the unrestricted viewer, no slicers
and the default period: exactly the calls the page makes (same loaders, same arguments).

    python -m ui.forecast_warm [--url URL] [--horizons 13 | all] [--markets | --no-markets]

Then each market on its own (a one-market pick in the sidebar: the page's overall forecast
at its default horizon and that market's row), most exposure first (``warm_markets``).

``make warehouse`` runs it after building (or finding) the demo warehouse; the app starts
it once per process (``start_background``): the standard slices in a background thread,
then the single markets in a separate low-priority process (``python -m ui.forecast_warm
--markets-only``), so their fits share neither the server's interpreter lock nor its
priority. A slice already in the store costs one lookup per series.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import subprocess
import sys
import threading
import time

if __name__ == "__main__":  # a CLI run: one BLAS thread (small fits; not inside the app)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from analytics.forecast import MAX_HORIZON, MIN_HORIZON, FitMemo  # noqa: E402
from data_access.filters import Filters  # noqa: E402
from data_access.scope import FULL, Scope  # noqa: E402
from ui import forecasting  # noqa: E402

log = logging.getLogger("fraud.forecast")

_started = threading.Event()
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def standard_filters(scope: Scope = FULL) -> Filters:
    from data_access.loaders.options import load_options

    start, end = load_options(scope).default_period()
    return Filters(start=start, end=end)


ALL_HORIZONS = tuple(range(MIN_HORIZON, MAX_HORIZON + 1))


def warm(
    *,
    horizons: tuple[int, ...] = ALL_HORIZONS,
    scope: Scope = FULL,
    filters: Filters | None = None,
):
    """Fit (or find) the standard slices' forecasts (``filters``: the default period, no
    slicers); returns counts and seconds."""
    from data_access.loaders.exposure import load_weekly_exposure

    t0 = time.perf_counter()
    svc = forecasting.service()
    before = svc.store.count()
    f = filters or standard_filters(scope)
    sl = forecasting.slice_of(scope, f)
    weekly = load_weekly_exposure(scope, f)
    # The page's default horizon first, then the markets, then the other horizons: a page
    # opened while this runs waits for the fits it needs, not for the whole warm-up.
    first = tuple(h for h in horizons if h == forecasting.DEFAULT_HORIZON)
    rest = tuple(h for h in horizons if h != forecasting.DEFAULT_HORIZON)
    memo = FitMemo(max(horizons)) if horizons else None  # one per series: the overall one
    series = 0

    def overall(hs: tuple[int, ...]) -> int:
        if weekly.empty or not hs:
            return 0
        forecasting.precompute(
            weekly, value=forecasting.OVERALL_VALUE, horizons=hs, slice=sl, memo=memo
        )
        return len(hs)

    series += overall(first)
    series += _market_series(scope, f, sl)
    series += overall(rest)
    out = {
        "series": series,
        "fitted": svc.store.count() - before,
        "seconds": time.perf_counter() - t0,
        "store": str(svc.store.path),
    }
    log.info("forecast warm-up: %(series)d series, %(fitted)d fitted, %(seconds).1f s", out)
    return out


# Markets ranked by exposure to warm one by one (every market of the demo; a bound for more).
MAX_SINGLE_MARKETS = 100


def _market_series(scope: Scope, f: Filters, sl: tuple) -> int:
    """Store the Exposure page's market-row forecasts of slice ``f`` (the page's calls)."""
    from data_access.loaders.exposure import load_weekly_by_group

    by_market = load_weekly_by_group(
        scope, f, "market", forecasting.OVERALL_VALUE, forecasting.TOP_MARKETS
    )
    n = 0
    for key, grp in by_market.groupby("key", sort=False):
        forecasting.precompute(
            grp.sort_values("week"),
            value="value",
            horizons=(forecasting.QUARTER,),
            origins=forecasting.MARKET_ORIGINS,
            models=forecasting.MARKET_MODELS,
            name=f"market {key}",
            slice=sl,
        )
        n += 1
    return n


def warm_markets(
    *, scope: Scope = FULL, filters: Filters | None = None, limit: int = MAX_SINGLE_MARKETS
):
    """Fit (or find) each market's own slice (the default period, that market alone), most
    exposure first: what the page asks for when someone picks one market in the sidebar."""
    from data_access.loaders.exposure import load_weekly_by_group, load_weekly_exposure

    t0 = time.perf_counter()
    svc = forecasting.service()
    before = svc.store.count()
    f0 = filters or standard_filters(scope)
    ranked = load_weekly_by_group(scope, f0, "market", forecasting.OVERALL_VALUE, limit)
    markets = list(dict.fromkeys(ranked["key"]))
    series = 0
    for code in markets:
        f = dataclasses.replace(f0, markets=(code,))
        sl = forecasting.slice_of(scope, f)
        weekly = load_weekly_exposure(scope, f)
        if weekly.empty:
            continue
        forecasting.precompute(
            weekly,
            value=forecasting.OVERALL_VALUE,
            horizons=(forecasting.DEFAULT_HORIZON,),
            slice=sl,
        )
        series += 1 + _market_series(scope, f, sl)
    out = {
        "markets": len(markets),
        "series": series,
        "fitted": svc.store.count() - before,
        "seconds": time.perf_counter() - t0,
    }
    log.info(
        "forecast warm-up of single markets: %(markets)d markets, %(series)d series, "
        "%(fitted)d fitted, %(seconds).1f s",
        out,
    )
    return out


def _markets_process() -> subprocess.Popen:
    """``python -m ui.forecast_warm --markets-only --low-priority`` (nice 19; the same
    environment: warehouse, fit store)."""
    return subprocess.Popen(
        [sys.executable, "-m", "ui.forecast_warm", "--markets-only", "--low-priority"],
        cwd=str(_ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _lowest_priority() -> None:
    """nice 19, and on Linux the SCHED_IDLE policy: the fits take CPU only when nothing
    else in the server wants it (a page run never waits behind a model fit)."""
    if hasattr(os, "nice"):
        os.nice(19)
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError as exc:  # a container may forbid it: nice 19 still holds
            log.info("SCHED_IDLE not available (%s): running at nice 19", exc)


def start_background(*, markets: bool = True, **kw) -> bool:
    """Run ``warm`` once per process in a daemon thread (never in front of a user); False
    when it was already started or FRAUD_FORECAST_WARM=0 (the test suite). Failures are
    logged, never raised into a page."""
    if _started.is_set() or os.environ.get("FRAUD_FORECAST_WARM", "1") == "0":
        return False
    _started.set()

    def run():
        try:
            warm(**kw)
            if markets:
                _markets_process()
        except Exception:  # noqa: BLE001 - a warm-up failure must not break the app
            log.exception("forecast warm-up failed")

    threading.Thread(target=run, name="forecast-warm", daemon=True).start()
    return True


def _horizons(text: str) -> tuple[int, ...]:
    if text == "all":
        return ALL_HORIZONS
    return tuple(sorted({int(x) for x in text.split(",")}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ui.forecast_warm", description=__doc__)
    ap.add_argument("--url", help="SQLAlchemy URL (default: the configured warehouse)")
    ap.add_argument("--horizons", default="all", help="'all' (4-26) or e.g. 13,26")
    ap.add_argument(
        "--markets",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="then each market on its own (default: yes)",
    )
    ap.add_argument("--markets-only", action="store_true", help="only the single markets")
    ap.add_argument("--low-priority", action="store_true", help="run at nice 19")
    args = ap.parse_args(argv)
    if args.low_priority:
        _lowest_priority()
    if args.url:
        os.environ["FRAUD_WAREHOUSE_URL"] = args.url
    # Streamlit's caches warn once per loader outside a server ("No runtime found"): noise.
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    logging.basicConfig(level=logging.WARNING)
    if not args.markets_only:
        out = warm(horizons=_horizons(args.horizons))
        print(
            f"forecast warm-up: {out['series']} series, {out['fitted']} newly fitted, "
            f"{out['seconds']:.1f} s, store {out['store']}"
        )
    if args.markets or args.markets_only:
        out = warm_markets()
        print(
            f"single markets: {out['markets']} markets, {out['series']} series, "
            f"{out['fitted']} newly fitted, {out['seconds']:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
