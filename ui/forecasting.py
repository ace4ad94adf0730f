"""Forecasts for pages, served from the persistent fit store (analytics.forecast_store): a
series is fitted once, ever, whatever the process or the cache's age; a slice whose data
moved on shows its previous fit (marked stale) while the new one is fitted in the
background. Also the forecasts the Exposure page asks for by default (what the warm-up
precomputes: ui.forecast_warm)."""

from __future__ import annotations

import pandas as pd

from analytics.forecast import ForecastResult, forecast_series
from analytics.forecast_store import Forecaster, default_forecaster
from analytics.forecast_store import slice_of as slice_of  # re-exported for pages

# What the Exposure page forecasts: the overall series at the chosen horizon, and the top
# markets over a quarter with the cheaper candidates and fewer origins.
OVERALL_VALUE = "exposure_eur"
OVERALL_ORIGINS = 12
DEFAULT_HORIZON = 13
QUARTER = 13
TOP_MARKETS = 8
MARKET_ORIGINS = 6
MARKET_MODELS = ("ets", "ets_damped", "arima_101")


def service() -> Forecaster:
    """The process-wide forecaster (analytics.forecast_store.default_forecaster)."""
    return default_forecaster()


def _series(weekly: pd.DataFrame, value: str) -> pd.Series:
    weeks = pd.DatetimeIndex(pd.to_datetime(weekly["week"]))
    return pd.Series(weekly[value].fillna(0.0).astype(float).to_numpy(), index=weeks)


def forecast(
    weekly: pd.DataFrame,
    *,
    value: str,
    horizon: int,
    origins: int = 12,
    models: tuple[str, ...] | None = None,
    name: str = "overall",
    slice: tuple | None = None,  # noqa: A002 - reads best at the call site
    wait: bool = False,
) -> ForecastResult:
    """Forecast a contiguous weekly frame (columns week, ``value``).

    ``slice`` (see ``slice_of``) lets a series not fitted yet show the slice's previous fit,
    marked ``stale``, while it is fitted in the background; without it (or with ``wait``)
    a new series is fitted before this returns."""
    if weekly is None or weekly.empty:
        return forecast_series(pd.Series(dtype=float), horizon=horizon, name=name)
    return service().forecast(
        _series(weekly, value),
        horizon=int(horizon),
        origins=int(origins),
        models=None if models is None else tuple(models),
        name=name,
        slice_=slice,
        wait=wait,
    )


def precompute(
    weekly: pd.DataFrame,
    *,
    value: str,
    horizons,
    origins: int = 12,
    models: tuple[str, ...] | None = None,
    name: str = "overall",
    slice: tuple | None = None,  # noqa: A002
    memo=None,
) -> int:
    """Store the forecasts of ``weekly`` at each horizon (fits shared between horizons, and
    between calls through ``memo``: an analytics.forecast.FitMemo of this series); the same
    keys ``forecast`` looks up. Returns how many were fitted."""
    if weekly is None or weekly.empty:
        return 0
    return service().precompute(
        _series(weekly, value),
        horizons=tuple(int(h) for h in horizons),
        origins=int(origins),
        models=None if models is None else tuple(models),
        name=name,
        slice_=slice,
        memo=memo,
    )
