"""Loaders of the Overview page."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.availability import load_not_mapped
from data_access.loaders.base import cached, run
from data_access.queries import overview as q
from data_access.scope import Scope

_PERIODS = pd.Index(["current", "previous"], name="period")


def _by_period(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("period").reindex(_PERIODS).astype(float).fillna(0.0)


@cached
def load_overview_kpis(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """One row per period (current, previous) with every tile's inputs."""
    fraud = _by_period(run(q.fraud_kpi_query(filters, scope), url))
    enf = _by_period(run(q.enforcement_kpi_query(filters, scope), url))
    missing = load_not_mapped(url=url)
    if "cases" in missing:
        return fraud.join(enf)  # no case columns: the page says cases are not mapped
    events = "case_events" not in missing
    cases = _by_period(run(q.case_kpi_query(filters, scope, case_events=events), url))
    open_ = run(q.open_cases_query(filters, scope), url).astype(float).fillna(0.0)
    out = fraud.join(enf).join(cases)
    out["open_cases"] = [open_.loc[0, "open_current"], open_.loc[0, "open_previous"]]
    return out


@cached
def load_weekly_trend(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    df = run(q.weekly_trend_query(filters, scope), url)
    df["week"] = pd.to_datetime(df["week"])
    for col in ("streams", "detected_streams", "confirmed_streams"):
        df[col] = df[col].astype(float)
    return df


@cached
def load_top_exposure(scope: Scope, filters: Filters, by: str, *, url: str) -> pd.DataFrame:
    df = run(q.top_exposure_query(filters, scope, by=by), url)
    for col in ("at_risk_eur", "fees_outstanding_eur", "exposure_eur"):
        df[col] = df[col].astype(float)
    return df
