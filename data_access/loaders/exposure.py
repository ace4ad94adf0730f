"""Loaders of the Exposure page (and the weekly series by group that anomaly drivers read)."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.base import cached, run
from data_access.queries import exposure as q
from data_access.scope import Scope

_SERIES = ("at_risk_eur", "fees_outstanding_eur", "exposure_eur")
_INPUTS = (
    "artificial_streams",
    "flagged_streams",
    "confirmed_streams",
    "at_risk_eur",
    "fees_outstanding_eur",
)


def _weeks(first, last) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="7D", name="week")


@cached
def load_weekly_exposure(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Weekly exposure up to the origin: week (Monday), at_risk_eur, fees_outstanding_eur,
    exposure_eur; contiguous weeks (no rows = 0) from the slice's first week with data to
    the last complete week on or before the period's end. Empty when the slice has none."""
    df = run(q.weekly_exposure_query(filters, scope), url)
    if df.empty:
        return pd.DataFrame({"week": pd.Series(dtype="datetime64[ns]")}).assign(
            **{c: pd.Series(dtype=float) for c in _SERIES}
        )
    df["week"] = pd.to_datetime(df["week"])
    _, end = q.history_window(filters)
    last_week = pd.Timestamp(end) - pd.Timedelta(days=6)
    idx = _weeks(df["week"].min(), last_week)
    out = df.set_index("week")[list(_SERIES)].astype(float).reindex(idx, fill_value=0.0)
    return out.fillna(0.0).reset_index()


@cached
def load_weekly_by_group(
    scope: Scope,
    filters: Filters,
    by: str,
    measure: str = "exposure_eur",
    limit: int = 8,
    *,
    url: str,
) -> pd.DataFrame:
    """week, key (the filter value: iso2 / region / label / distributor name), group (its
    display name), value (float) for the top ``limit`` groups; missing weeks filled with 0."""
    df = run(q.weekly_by_group_query(filters, scope, by=by, measure=measure, limit=limit), url)
    if df.empty:
        return pd.DataFrame(
            {
                "week": pd.Series(dtype="datetime64[ns]"),
                "key": pd.Series(dtype=str),
                "group": pd.Series(dtype=str),
                "value": pd.Series(dtype=float),
            }
        )
    df["week"] = pd.to_datetime(df["week"])
    df["value"] = df["value"].astype(float)
    df["key"] = df["key"].astype(str)
    df["group"] = df["group"].astype(str)
    _, end = q.history_window(filters)
    weeks = _weeks(df["week"].min(), pd.Timestamp(end) - pd.Timedelta(days=6))
    names = df.drop_duplicates("key").set_index("key")["group"]
    full = pd.MultiIndex.from_product([weeks, names.index], names=["week", "key"])
    out = df.groupby(["week", "key"])["value"].sum().reindex(full, fill_value=0.0).reset_index()
    out["group"] = out["key"].map(names)
    return out[["week", "key", "group", "value"]]


@cached
def load_scenario_inputs(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """One row of floats: the last 13 weeks' artificial, flagged, confirmed streams,
    at-risk royalties and fees outstanding (the scenario formula's inputs)."""
    df = run(q.scenario_inputs_query(filters, scope), url)
    if df.empty:
        return pd.DataFrame({c: [0.0] for c in _INPUTS})
    return df[list(_INPUTS)].astype(float).fillna(0.0).head(1)


@cached
def load_track_shares(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """bin_start (0, 0.05, ..., 0.95), tracks: how many tracks of the slice have each
    artificial share over the last 13 weeks (tracks with artificial streams only)."""
    df = run(q.track_share_query(filters, scope), url)
    return pd.DataFrame(
        {
            "bin_start": df["bin_start"].astype(float).round(2),
            "tracks": df["tracks"].astype(float),
        }
    )


def forecast_origin(filters: Filters):
    """The last day of the last complete week on or before the period's end (a Sunday)."""
    return q.history_window(filters)[1]
