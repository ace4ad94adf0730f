"""Loaders of the Enforcement page (actions, money, repeat offenders, appeals)."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.availability import load_not_mapped
from data_access.loaders.base import cached, run
from data_access.queries import enforcement as q
from data_access.scope import Scope

_PERIODS = pd.Index(["current", "previous"], name="period")
_APPEAL_COLS = (
    "appealable_actions",
    "appeals",
    "decided_appeals",
    "overturned",
    "restored_eur",
    "decide_median_h",
    "decide_p90_h",
)


def _floats(df: pd.DataFrame, cols) -> pd.DataFrame:
    for col in cols:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


@cached
def load_enforcement_kpis(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """One row per period (current, previous): actions, streams removed, money withheld,
    fees levied / recovered, reversed after appeal, and the appeal measures."""
    money = run(q.enforcement_kpi_query(filters, scope), url).set_index("period")
    money = _floats(money, money.columns).reindex(_PERIODS).fillna(0.0)
    if "appeals" in load_not_mapped(url=url):
        return money  # no appeal columns: the page says appeals are not mapped
    appeals = run(q.appeals_query(filters, scope), url).set_index("period")
    appeals = _floats(appeals, appeals.columns).reindex(_PERIODS)
    counts = [c for c in _APPEAL_COLS if not c.startswith("decide_")]
    appeals[counts] = appeals[counts].fillna(0.0)
    return money.join(appeals)


@cached
def load_enforcement_by_type(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    df = run(q.enforcement_by_type_query(filters, scope), url)
    cols = ("actions", "reversed", "streams_removed", "amount_eur", "recovered_eur", "reversed_eur")
    return _floats(df, cols)


@cached
def load_weekly_enforcement(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    df = run(q.weekly_enforcement_query(filters, scope), url)
    df["week"] = pd.to_datetime(df["week"])
    return _floats(df, ("actions", "amount_eur", "recovered_eur", "reversed_eur"))


@cached
def load_repeat_offenders(scope: Scope, filters: Filters, by: str, *, url: str) -> pd.DataFrame:
    """Top labels or distributors by confirmed detections, with enforcement actions, weeks
    with actions, money enforced, and their appeals (appealable actions, appeals, decided,
    overturned, hours to decide); without mapped appeals, no appeal columns."""
    df = run(q.repeat_offenders_query(filters, scope, by=by), url)
    appealed = "appeals" not in load_not_mapped(url=url)
    if appealed:
        df = df.merge(run(q.appeals_query(filters, scope, by=by), url), on=by, how="left")
    cols = (
        "confirmed_detections",
        "confirmed_streams",
        "slice_confirmed_streams",
        "actions",
        "amount_eur",
        "action_weeks",
        *(_APPEAL_COLS if appealed else ()),
    )
    return _floats(df, cols)
