"""Freshness arithmetic of the Data health page (pure pandas)."""

from __future__ import annotations

from datetime import date

import pandas as pd

# Days a table may trail the newest data before it is called "lagging": daily loads should
# be complete to the day; event tables (detections, cases, appeals) are sparse.
DAILY_TOLERANCE_DAYS = 1
EVENT_TOLERANCE_DAYS = 14
DAILY_TABLES = ("dim_date", "fact_streams_daily", "mart_daily_fraud")
STALE_AFTER_DAYS = 2  # the warehouse as a whole vs today


def freshness(stats: pd.DataFrame, today: date) -> pd.DataFrame:
    """Add lag_today_days, lag_newest_days and status (fresh / lagging / no date column)."""
    out = stats.copy()
    latest = pd.to_datetime(out["latest"]).dt.normalize()
    newest = latest.max()
    out["lag_today_days"] = (pd.Timestamp(today) - latest).dt.days.astype(float)
    out["lag_newest_days"] = (newest - latest).dt.days.astype(float)
    daily = out["table"].isin(DAILY_TABLES)
    tolerance = daily.map({True: DAILY_TOLERANCE_DAYS, False: EVENT_TOLERANCE_DAYS})
    status = pd.Series("fresh", index=out.index, dtype=object)
    status[out["lag_newest_days"] > tolerance] = "lagging"
    status[latest.isna()] = "no date column"
    out["status"] = status.astype(str)
    return out


def newest(stats: pd.DataFrame) -> pd.Timestamp | None:
    """The newest date of any table (NaT-safe)."""
    latest = pd.to_datetime(stats["latest"]).dropna()
    return None if latest.empty else latest.max().normalize()
