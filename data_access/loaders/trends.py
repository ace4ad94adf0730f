"""Loaders of the Fraud trends page."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.base import cached, run
from data_access.queries import overview as qo
from data_access.queries import trends as q
from data_access.scope import Scope

# The page's allow-lists (re-exported so pages need not import the query layer).
GRAINS = q.TREND_GRAINS
SPLITS = q.SPLITS
METRICS = q.TREND_METRICS
MIN_TOP, MAX_TOP = q.MIN_TOP, q.MAX_TOP
OTHER = q.OTHER
SHARES = ("detected_share", "confirmed_share")

_PERIODS = pd.Index(["current", "previous"], name="period")
_COUNTS = ("streams", "all_streams", "detected_streams", "confirmed_streams")


@cached
def load_trend(
    scope: Scope,
    filters: Filters,
    grain: str,
    split: str,
    metric: str,
    top: int,
    *,
    url: str,
) -> pd.DataFrame:
    """Per period bucket and series (top ``top`` members of ``split`` + "Other"): period
    (datetime), series and key (the drill-down value: iso2 for markets, else the name),
    streams (the share's denominator), all_streams, detected_streams, confirmed_streams."""
    stmt = q.trend_query(filters, scope, grain=grain, split=split, metric=metric, top=top)
    df = run(stmt, url)
    df["period"] = pd.to_datetime(df["period"])
    for col in ("series", "key"):
        df[col] = df[col].astype(str)
    for col in _COUNTS:
        df[col] = df[col].astype(float)
    if split in ("typology", "detector"):
        # "Other" of an attribution split is only the unattributed streams when every
        # member made the top N: nothing flagged, so no series to draw.
        other = df["series"] == q.OTHER
        flagged = df.loc[other, ["detected_streams", "confirmed_streams"]].to_numpy().sum()
        if flagged == 0 and (~other).any():
            df = df[~other].reset_index(drop=True)
    return df


@cached
def load_trend_kpis(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """One row per period (current, previous of equal length): streams, detected and
    confirmed artificial streams (inputs of the period-over-period tiles)."""
    df = run(qo.fraud_kpi_query(filters, scope), url)
    cols = ["streams", "detected_streams", "confirmed_streams"]
    return df.set_index("period")[cols].reindex(_PERIODS).astype(float).fillna(0.0)


@cached
def load_market_week(
    scope: Scope, filters: Filters, top_markets: int = 20, *, url: str
) -> pd.DataFrame:
    """Week x market (the top ``top_markets`` by streams): week (datetime), iso2, market,
    streams, detected_streams, confirmed_streams."""
    df = run(q.market_week_query(filters, scope, top_markets=top_markets), url)
    df["week"] = pd.to_datetime(df["week"])
    for col in ("iso2", "market"):
        df[col] = df[col].astype(str)
    for col in ("streams", "detected_streams", "confirmed_streams"):
        df[col] = df[col].astype(float)
    return df
