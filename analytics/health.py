"""Freshness arithmetic of the Data health page (pure pandas).

The newest data is the newest day in the facts: not the calendar (dim_date may be filled
years ahead) nor the marts (built from the facts), and not a day after today (a clock or
load error, reported as its own finding). Every lag is counted back from it; monthly marts
(one row per month, dated by its first day) are compared at month grain."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics import format as fmt

# Days a table may trail the newest data before it is called "lagging": daily loads should
# be complete to the day; event tables (detections, cases, appeals) are sparse.
DAILY_TOLERANCE_DAYS = 1
EVENT_TOLERANCE_DAYS = 14
DAILY_TABLES = ("dim_date", "fact_streams_daily", "mart_daily_fraud")
# Dated by the first day of their month: fresh while they hold the newest data's month.
MONTHLY_TABLES = ("mart_track_month", "mart_track_month_touched", "mart_track_month_quiet")
CALENDAR = "dim_date"
STALE_AFTER_DAYS = 2  # the warehouse as a whole vs today


def _days(stats: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(stats["latest"]).dt.normalize()


def newest(stats: pd.DataFrame, today: date) -> pd.Timestamp | None:
    """The newest day of data: the newest date in the facts not after ``today`` (if every
    fact is dated after today, the newest of them); None without any dated fact."""
    days = _days(stats)[stats["kind"] == "fact"].dropna()
    if days.empty:
        return None
    past = days[days <= pd.Timestamp(today)]
    return (past if not past.empty else days).max()


def freshness(stats: pd.DataFrame, today: date) -> pd.DataFrame:
    """Add lag_today_days, lag_newest_days (never negative: a table dated after today or
    after the newest data has no lag, its status says so) and status: fresh / lagging /
    future dates / past the newest data / no date column, or the table's ``state`` (not
    mapped, missing) when it was not read."""
    out = stats.copy()
    if "state" not in out:
        out["state"] = ""
    latest = _days(out)
    top = newest(out, today)
    lag_today = (pd.Timestamp(today) - latest).dt.days.astype(float)
    top_ts = pd.Timestamp(top) if top is not None else pd.NaT
    lag_newest = (top_ts - latest).dt.days.astype(float)
    monthly = out["table"].isin(MONTHLY_TABLES)
    if top is not None and monthly.any():
        month_start = latest[monthly].dt.to_period("M").dt.to_timestamp()
        top_month = top_ts.to_period("M").to_timestamp()
        lag_newest[monthly] = (top_month - month_start).dt.days.astype(float)
    out["lag_today_days"] = lag_today.where(lag_today >= 0)
    out["lag_newest_days"] = lag_newest.where(lag_newest >= 0)
    daily = out["table"].isin(DAILY_TABLES)
    tolerance = daily.map({True: DAILY_TOLERANCE_DAYS, False: EVENT_TOLERANCE_DAYS})
    status = pd.Series("fresh", index=out.index, dtype=object)
    status[lag_newest > tolerance] = "lagging"
    status[lag_newest < 0] = "past the newest data"
    status[lag_today < 0] = "future dates"
    status[latest.isna()] = "no date column"
    unread = out["state"].fillna("").astype(str) != ""
    status[unread] = out.loc[unread, "state"]
    out["status"] = status.astype(str)
    return out


def findings(stats: pd.DataFrame, today: date) -> list[str]:
    """Sentences about dates that cannot be right: a calendar that runs past the newest
    data, facts or marts dated after today."""
    out = []
    top = newest(stats, today)
    latest = _days(stats)
    cal = latest[stats["table"] == CALENDAR].dropna()
    if top is not None and not cal.empty and cal.max() > top:
        days = int((cal.max() - top).days)
        out.append(
            f"{CALENDAR} runs {fmt.plural(days, 'day')} past the newest data "
            f"({top:%d %b %Y}): end it at the newest data day."
        )
    future = (latest > pd.Timestamp(today)) & (stats["kind"] != "dimension")
    if future.any():
        names = ", ".join(stats.loc[future, "table"])
        out.append(
            f"Dated after today ({today:%d %b %Y}): {names} (the latest "
            f"{latest[future].max():%d %b %Y}). Clock or load errors: these dates are left "
            "out of the newest data, and rows dated in the future fall outside every period."
        )
    return out
