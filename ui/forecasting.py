"""Cached forecasts for pages: analytics.forecast never imports streamlit, so the cache lives
here, keyed by plain hashable values (the weekly series as a tuple, the horizon, ...)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analytics.forecast import ForecastResult, forecast_series
from data_access.loaders.base import CACHE_TTL_S


@st.cache_data(ttl=CACHE_TTL_S, max_entries=256, show_spinner=False)
def _cached(
    first_week: date,
    values: tuple[float, ...],
    horizon: int,
    origins: int,
    models: tuple[str, ...] | None,
    name: str,
) -> ForecastResult:
    weeks = pd.date_range(pd.Timestamp(first_week), periods=len(values), freq="7D")
    series = pd.Series(values, index=weeks, dtype=float)
    return forecast_series(series, horizon=horizon, origins=origins, models=models, name=name)


def forecast(
    weekly: pd.DataFrame,
    *,
    value: str,
    horizon: int,
    origins: int = 12,
    models: tuple[str, ...] | None = None,
    name: str = "overall",
) -> ForecastResult:
    """Forecast a contiguous weekly frame (columns week, ``value``); cached on its values."""
    if weekly is None or weekly.empty:
        return forecast_series(pd.Series(dtype=float), horizon=horizon, name=name)
    first = pd.Timestamp(weekly["week"].iloc[0]).date()
    values = tuple(float(v) for v in weekly[value].fillna(0.0))
    return _cached(first, values, int(horizon), int(origins), models, name)
