"""Loaders of the Cases & escalations page."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.availability import load_not_mapped
from data_access.loaders.base import cached, run
from data_access.queries import cases as q
from data_access.scope import Scope


def _floats(df: pd.DataFrame, cols) -> pd.DataFrame:
    for col in cols:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


@cached
def load_case_backlog(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Open cases at the period end: priority, age_bucket (ordered), owner_team, cases,
    exposure_eur, oldest_h."""
    df = _floats(run(q.backlog_query(filters, scope), url), ("cases", "exposure_eur", "oldest_h"))
    df["age_bucket"] = pd.Categorical(df["age_bucket"], categories=q.AGE_ORDER, ordered=True)
    return df


@cached
def load_case_response_times(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Per priority: SLA hours, case counts, median / p90 hours, cases within SLA."""
    df = run(q.response_times_query(filters, scope), url)
    return _floats(df, [c for c in df.columns if c != "priority"])


@cached
def load_case_sla_weekly(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Per week: cases opened, cases due (SLA windows closed by the period end), their SLA
    breaches (either, first response, resolution), exposure."""
    events = "case_events" not in load_not_mapped(url=url)
    df = run(q.sla_weekly_query(filters, scope, case_events=events), url)
    df["week"] = pd.to_datetime(df["week"])
    return _floats(df, [c for c in df.columns if c != "week"])


@cached
def load_escalation_flows(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Hand-offs in the period: from_team, to_team, handoffs, cases, exposure_eur."""
    df = run(q.escalation_flows_query(filters, scope), url)
    return _floats(df, ("handoffs", "cases", "exposure_eur"))


@cached
def load_case_count(scope: Scope, filters: Filters, *, url: str) -> int:
    """Cases opened in the period (the length of the case list)."""
    df = run(q.case_count_query(filters, scope), url)
    return int(df.iloc[0, 0]) if not df.empty else 0


@cached
def load_case_page(
    scope: Scope,
    filters: Filters,
    sort: str,
    descending: bool,
    page: int,
    page_size: int,
    *,
    url: str,
) -> pd.DataFrame:
    """One page (at most ``page_size`` rows) of the case list, sorted server-side."""
    stmt = q.case_page_query(
        filters,
        scope,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
        case_events="case_events" not in load_not_mapped(url=url),
    )
    df = run(stmt, url)
    df["opened_at"] = pd.to_datetime(df["opened_at"])
    df["sla_breached"] = df["sla_breached"].astype(bool)
    return _floats(df, ("exposure_eur", "first_response_h", "resolution_h", "age_h"))
