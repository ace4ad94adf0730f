"""Operations plan queries on DuckDB and PostgreSQL vs an independent pandas computation over
fact_review, fact_detection, fact_case and fact_case_event: the weekly queue arithmetic,
review times, the team, the decision histogram and the case backlog by owner team."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import ops as q
from data_access.scope import FULL, Scope

PERIOD = Filters(start=date(2025, 8, 20), end=date(2026, 2, 11))  # cut weeks at both ends


def _reviews(frames, f: Filters, scope: Scope = FULL) -> pd.DataFrame:
    r = frames["fact_review"].merge(frames["fact_detection"], on="detection_id")
    if f.typologies:
        r = r[r["typology_id"].isin(f.typologies)]
    if f.labels:
        r = r[r["label_id"].isin(f.labels)]
    if scope.labels is not None:
        r = r[r["label_id"].isin(scope.labels)]
    return r


def _windows(f: Filters):
    return [
        (pd.Timestamp(m), pd.Timestamp(a), pd.Timestamp(b))
        for m, a, b in q.week_windows(f.start, f.end)
    ]


def _hours(a, b) -> pd.Series:
    return (b - a).dt.total_seconds() / 3600


def expected_flow(frames, f: Filters, scope: Scope = FULL) -> pd.DataFrame:
    r = _reviews(frames, f, scope)
    rows = []
    for week, lo, hi in _windows(f):
        dec = r["decided_at"]
        is_open = (r["queued_at"] < hi) & (dec.isna() | (dec >= hi))
        waiting = is_open & (r["started_at"].isna() | (r["started_at"] >= hi))
        decided_in = (dec >= lo) & (dec < hi)
        age = (hi - r.loc[is_open, "queued_at"]).dt.total_seconds() / 3600
        rows.append(
            {
                "week": week,
                "arrivals": float(((r["queued_at"] >= lo) & (r["queued_at"] < hi)).sum()),
                "decided": float(decided_in.sum()),
                "open_end": float(is_open.sum()),
                "waiting_end": float(waiting.sum()),
                "age_median_h": age.quantile(0.5) if len(age) else np.nan,
                "age_p90_h": age.quantile(0.9) if len(age) else np.nan,
                "age_max_h": age.max() if len(age) else np.nan,
                "analysts": float(r.loc[decided_in, "reviewer_id"].nunique()),
            }
        )
    return pd.DataFrame(rows)


def _fetch(builder, url) -> pd.DataFrame:
    df = run(builder, url)
    for c in df.columns:
        if c not in ("week", "detector", "typology", "owner_team"):
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    if "week" in df:
        df["week"] = pd.to_datetime(df["week"])
    return df


def _same(got: pd.DataFrame, want: pd.DataFrame, keys) -> None:
    got = got.sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)[list(got.columns)]
    pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-6, rtol=1e-9)


@pytest.mark.parametrize(
    "f",
    [PERIOD, PERIOD.narrowed(typologies=(1, 2))],
    ids=["all", "typologies"],
)
def test_review_flow_matches_pandas(warehouse_url, demo_frames, f):
    got = _fetch(q.review_flow_query(f, FULL), warehouse_url)
    want = expected_flow(demo_frames, f)
    assert len(got) == len(_windows(f)) and want["arrivals"].sum() > 0
    _same(got, want, ["week"])


def test_review_flow_queue_arithmetic(demo_frames, duck_url):
    """Open at a week's end = open at the previous end + arrivals - decided (whole weeks)."""
    f = Filters(start=date(2025, 9, 1), end=date(2026, 1, 4))
    got = _fetch(q.review_flow_query(f, FULL), duck_url)
    before = expected_flow(demo_frames, Filters(start=date(2025, 8, 25), end=date(2025, 8, 31)))
    prev = np.concatenate([[before["open_end"].iloc[-1]], got["open_end"].to_numpy()[:-1]])
    np.testing.assert_allclose(got["open_end"], prev + got["arrivals"] - got["decided"])


def test_scope_narrows_and_team_scope_sees_nothing(warehouse_url, demo_frames):
    labels = tuple(sorted(demo_frames["fact_detection"]["label_id"].unique()[:5].tolist()))
    scoped = Scope(role="partner", labels=labels, money=False, personal=False)
    got = _fetch(q.review_flow_query(PERIOD, scoped), warehouse_url)
    _same(got, expected_flow(demo_frames, PERIOD, scoped), ["week"])
    team = Scope(role="partner", team="legal", money=False, personal=False)
    assert _fetch(q.review_flow_query(PERIOD, team), warehouse_url)["arrivals"].sum() == 0
    assert _fetch(q.team_query(PERIOD, team), warehouse_url).empty


@pytest.mark.parametrize("by", q.BY)
def test_review_times_match_pandas(warehouse_url, demo_frames, by):
    r = _reviews(demo_frames, PERIOD)
    end = pd.Timestamp(PERIOD.end + timedelta(days=1))
    r = r[(r["queued_at"] >= pd.Timestamp(PERIOD.start)) & (r["queued_at"] < end)].copy()
    dim = demo_frames[f"dim_{by}"][[f"{by}_id", "name"]].rename(columns={"name": by})
    r = r.merge(dim, on=f"{by}_id")
    r["q"] = _hours(r["queued_at"], r["started_at"])
    r["v"] = _hours(r["started_at"], r["decided_at"])
    r["d"] = _hours(r["queued_at"], r["decided_at"])
    want = r.groupby(by).agg(
        reviews=("review_id", "size"),
        decided=("decided_at", "count"),
        confirmed=("outcome", lambda s: (s == "confirmed").sum()),
        queue_median_h=("q", "median"),
        queue_p90_h=("q", lambda s: s.quantile(0.9)),
        review_median_h=("v", "median"),
        review_p90_h=("v", lambda s: s.quantile(0.9)),
        decision_median_h=("d", "median"),
        decision_p90_h=("d", lambda s: s.quantile(0.9)),
    )
    _same(
        _fetch(q.review_times_query(PERIOD, FULL, by=by), warehouse_url), want.reset_index(), [by]
    )


def test_review_times_refuse_unknown_split():
    with pytest.raises(ValueError):
        q.review_times_query(PERIOD, FULL, by="reviewer_id")


def test_team_matches_pandas(warehouse_url, demo_frames):
    r = _reviews(demo_frames, PERIOD)
    end = pd.Timestamp(PERIOD.end + timedelta(days=1))
    r = r[(r["decided_at"] >= pd.Timestamp(PERIOD.start)) & (r["decided_at"] < end)].copy()
    r = r[r["reviewer_id"].notna()]
    r["week"] = r["decided_at"].dt.to_period("W-SUN").dt.start_time
    r["v"] = _hours(r["started_at"], r["decided_at"])
    want = r.groupby("reviewer_id").agg(
        decided=("review_id", "size"),
        analyst_weeks=("week", "nunique"),
        confirmed=("outcome", lambda s: (s == "confirmed").sum()),
        review_median_h=("v", "median"),
        review_p90_h=("v", lambda s: s.quantile(0.9)),
    )
    want = want.reset_index().astype({"reviewer_id": float})
    _same(_fetch(q.team_query(PERIOD, FULL), warehouse_url), want, ["reviewer_id"])


def test_decision_histogram_matches_pandas(warehouse_url, demo_frames):
    f = Filters(start=date(2026, 9, 1), end=date(2026, 11, 29))  # some undecided at the end
    r = _reviews(demo_frames, f)
    r = r[
        (r["queued_at"] >= pd.Timestamp(f.start))
        & (r["queued_at"] < pd.Timestamp(f.end) + pd.Timedelta(days=1))
    ]
    rev = demo_frames["fact_review"]
    as_of = rev["decided_at"].fillna(rev["queued_at"]).max()
    hours = _hours(r["queued_at"], r["decided_at"].fillna(as_of))
    want = (
        pd.DataFrame(
            {
                "hours": np.ceil(hours / q.HIST_STEP_H) * q.HIST_STEP_H,
                "decided": r["decided_at"].notna(),
            }
        )
        .groupby(["hours", "decided"], as_index=False)
        .size()
        .rename(columns={"size": "reviews"})
    )
    got = run(q.decision_histogram_query(f, FULL), warehouse_url)
    got["decided"] = got["decided"].astype(bool)
    got["hours"] = got["hours"].astype(float)
    got["reviews"] = got["reviews"].astype(float)
    assert got["reviews"].sum() == len(r) > 0
    _same(got, want, ["decided", "hours"])


def expected_case_weekly(frames, f: Filters) -> pd.DataFrame:
    c = frames["fact_case"].merge(frames["dim_priority"], on="priority")
    e = frames["fact_case_event"]
    e = e[e["to_team_id"].notna()]
    teams = frames["dim_team"].set_index("team_id")["name"]
    rows = []
    for week, lo, hi in _windows(f):
        k = c[(c["opened_at"] < hi) & (c["resolved_at"].isna() | (c["resolved_at"] >= lo))]
        ev = e[(e["event_at"] < hi) & e["case_id"].isin(k["case_id"])]
        ev = ev.sort_values(["event_at", "case_event_id"]).groupby("case_id").tail(1)
        k = k.merge(ev[["case_id", "to_team_id"]], on="case_id")
        is_open = k["resolved_at"].isna() | (k["resolved_at"] >= hi)
        awaiting = is_open & (k["first_response_at"].isna() | (k["first_response_at"] >= hi))
        age = (hi - k["opened_at"]).dt.total_seconds() / 3600
        fr, res = k["first_response_sla_hours"], k["resolution_sla_hours"]
        past = is_open & ((age > res) | (awaiting & (age > fr)))
        risk = is_open & ~past & ((age > res * 0.5) | (awaiting & (age > fr * 0.5)))
        frame = pd.DataFrame(
            {
                "owner_team": k["to_team_id"].map(teams),
                "open_end": is_open,
                "awaiting_response_end": awaiting,
                "past_sla_end": past,
                "at_risk_end": risk,
                "opened": k["opened_at"] >= lo,
                "responded": (k["first_response_at"] >= lo) & (k["first_response_at"] < hi),
                "resolved": (k["resolved_at"] >= lo) & (k["resolved_at"] < hi),
                "open_age": age.where(is_open),
            }
        )
        for team, g in frame.groupby("owner_team"):
            row = {"week": week, "owner_team": team}
            for col in (
                "open_end",
                "awaiting_response_end",
                "past_sla_end",
                "at_risk_end",
                "opened",
                "responded",
                "resolved",
            ):
                row[col] = float(g[col].sum())
            row["age_median_h"] = g["open_age"].median()
            row["age_max_h"] = g["open_age"].max()
            rows.append(row)
    return pd.DataFrame(rows)


def test_case_team_weekly_matches_pandas(warehouse_url, demo_frames):
    f = Filters(start=date(2024, 12, 2), end=date(2026, 11, 25))  # 25 cases: all of them
    got = _fetch(q.case_team_weekly_query(f, FULL), warehouse_url)
    want = expected_case_weekly(demo_frames, f)
    assert want["open_end"].sum() > 0 and want["owner_team"].nunique() > 1
    _same(got, want, ["week", "owner_team"])
