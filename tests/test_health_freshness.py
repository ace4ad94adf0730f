"""Data health's dates (pure): the newest data is the newest day in the facts, not the
calendar, the marts or a day after today; lags are never negative; monthly marts compare at
month grain; a calendar past the data and future dates are findings."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.health import findings, freshness, newest

TODAY = date(2026, 12, 7)


def _stats(**latest) -> pd.DataFrame:
    kinds = {"dim": "dimension", "fac": "fact", "mar": "mart"}
    rows = [
        {"table": t, "kind": kinds[t[:3]], "rows": 10.0, "latest": pd.Timestamp(d) if d else pd.NaT}
        for t, d in latest.items()
    ]
    return pd.DataFrame(rows)


BASE = {
    "dim_date": "2026-11-29",
    "dim_market": None,
    "fact_streams_daily": "2026-11-29",
    "fact_detection": "2026-11-28 17:00",
    "mart_daily_fraud": "2026-11-29",
    "mart_track_month": "2026-11-01",
    "mart_track_month_quiet": "2026-11-01",
}


def test_the_newest_data_is_the_facts_not_the_calendar():
    stats = _stats(**{**BASE, "dim_date": "2027-12-31", "mart_daily_fraud": "2027-01-03"})
    assert newest(stats, TODAY) == pd.Timestamp("2026-11-29")
    out = freshness(stats, TODAY).set_index("table")
    assert out.loc["fact_streams_daily", "status"] == "fresh"
    assert out.loc["dim_date", "status"] == "future dates"
    assert out["lag_today_days"].dropna().ge(0).all()
    assert out["lag_newest_days"].dropna().ge(0).all()
    assert findings(stats, TODAY)[0] == (
        "dim_date runs 397 days past the newest data (29 Nov 2026): end it at the newest data day."
    )


def test_a_calendar_ahead_but_not_in_the_future_is_past_the_newest_data():
    stats = _stats(**{**BASE, "dim_date": "2026-12-05"})
    out = freshness(stats, TODAY).set_index("table")
    assert out.loc["dim_date", "status"] == "past the newest data"
    assert findings(stats, TODAY) == [
        "dim_date runs 6 days past the newest data (29 Nov 2026): end it at the newest data day."
    ]


def test_future_facts_are_a_finding_and_left_out_of_the_newest_data():
    stats = _stats(**{**BASE, "fact_detection": "2027-03-01 10:00"})
    assert newest(stats, TODAY) == pd.Timestamp("2026-11-29")
    out = freshness(stats, TODAY).set_index("table")
    assert out.loc["fact_detection", "status"] == "future dates"
    assert pd.isna(out.loc["fact_detection", "lag_today_days"])
    (finding,) = findings(stats, TODAY)
    assert finding.startswith("Dated after today (07 Dec 2026): fact_detection (the latest 01 Mar")


def test_monthly_marts_compare_at_month_grain():
    out = freshness(_stats(**BASE), TODAY).set_index("table")
    assert out.loc["mart_track_month", "lag_newest_days"] == 0
    assert out.loc["mart_track_month", "status"] == "fresh"
    behind = freshness(_stats(**{**BASE, "mart_track_month": "2026-09-01"}), TODAY)
    row = behind.set_index("table").loc["mart_track_month"]
    assert row["status"] == "lagging" and row["lag_newest_days"] == 61


def test_a_clean_warehouse_has_no_finding():
    assert findings(_stats(**BASE), TODAY) == []


def test_unread_tables_keep_their_state():
    stats = _stats(**BASE)
    stats["state"] = ""
    stats.loc[stats["table"] == "mart_track_month_quiet", ["state", "rows", "latest"]] = (
        "missing",
        float("nan"),
        pd.NaT,
    )
    out = freshness(stats, TODAY).set_index("table")
    assert out.loc["mart_track_month_quiet", "status"] == "missing"
