"""Loaders of the Operations plan page. The team loader never lets a raw reviewer id out
for a viewer without the personal-data right: it swaps the id for its pseudonym
(data_access.pseudonyms) before the result is cached; ``cached`` drops any remaining
reviewer column for such viewers as a second fence."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.base import cached, run
from data_access.pseudonyms import pseudonym
from data_access.queries import ops as q
from data_access.scope import Scope


def _floats(df: pd.DataFrame, skip=()) -> pd.DataFrame:
    for col in df.columns:
        if col not in skip:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


def _weeks(df: pd.DataFrame) -> pd.DataFrame:
    df["week"] = pd.to_datetime(df["week"])
    return df


@cached
def load_review_flow(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Per week: arrivals, decided, open_end, waiting_end, age_median_h / p90 / max,
    analysts (who decided a review that week)."""
    return _weeks(_floats(run(q.review_flow_query(filters, scope), url), skip=("week",)))


@cached
def load_review_times(scope: Scope, filters: Filters, by: str, *, url: str) -> pd.DataFrame:
    """Per detector or typology: reviews, decided, confirmed, median / p90 hours in queue,
    in review and to decision."""
    return _floats(run(q.review_times_query(filters, scope, by=by), url), skip=(by,))


@cached
def load_team(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Per analyst: ``analyst`` (pseudonym), ``reviewer_id`` only with the personal-data
    right, decided, analyst_weeks, reviews_per_week, confirmed, confirm_rate, review
    median / p90 hours."""
    df = _floats(run(q.team_query(filters, scope), url))
    ids = df.pop("reviewer_id")
    df.insert(0, "analyst", [pseudonym(i) for i in ids])
    if scope.personal:
        df.insert(1, "reviewer_id", ids.astype("Int64"))
    df["reviews_per_week"] = df["decided"] / df["analyst_weeks"].where(df["analyst_weeks"] > 0)
    df["confirm_rate"] = df["confirmed"] / df["decided"].where(df["decided"] > 0)
    return df.sort_values(["decided", "analyst"], ascending=[False, True]).reset_index(drop=True)


@cached
def load_decision_histogram(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Reviews queued in the period by hours to decision (bucket upper bound) and decided
    (bool); undecided ones by their age at the warehouse's last review."""
    df = run(q.decision_histogram_query(filters, scope), url)
    df["hours"] = pd.to_numeric(df["hours"], errors="coerce").astype(float)
    df["reviews"] = pd.to_numeric(df["reviews"], errors="coerce").astype(float)
    df["decided"] = df["decided"].astype(bool)
    return df


@cached
def load_weekly_detections(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Detections per ISO week (week, detections)."""
    return _weeks(_floats(run(q.weekly_detections_query(filters, scope), url), skip=("week",)))


@cached
def load_case_team_weekly(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Per week x owner team: open_end, awaiting_response_end, past_sla_end, at_risk_end,
    opened, responded, resolved, age_median_h, age_max_h."""
    df = run(q.case_team_weekly_query(filters, scope), url)
    return _weeks(_floats(df, skip=("week", "owner_team")))
