"""Case queries on DuckDB and PostgreSQL vs an independent pandas computation over fact_case
and fact_case_event (not the marts, except where the mart's own rule is re-derived)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.dialects import postgresql

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import cases as q
from data_access.scope import FULL, Scope

WHOLE = Filters(start=date(2024, 12, 2), end=date(2026, 11, 29))


def busy_day(frames) -> tuple[date, pd.Series]:
    """A day at whose end some case is open: the day after the longest-running case opened."""
    c = frames["fact_case"]
    end = c["resolved_at"].fillna(pd.Timestamp(WHOLE.end) + pd.Timedelta(days=1))
    case = c.loc[(end - c["opened_at"]).idxmax()]
    return (case["opened_at"] + pd.Timedelta(days=1)).date(), case


@pytest.fixture(scope="module")
def busy(demo_frames) -> Filters:
    day, _ = busy_day(demo_frames)
    return Filters(start=day - timedelta(days=60), end=day)


def _cases(frames, f: Filters, scope: Scope = FULL) -> pd.DataFrame:
    c = frames["fact_case"].copy()
    m = frames["dim_market"]
    if f.markets:
        c = c[c["market_id"].isin(m.loc[m["iso2"].isin(f.markets), "market_id"])]
    if f.labels:
        c = c[c["label_id"].isin(f.labels)]
    if f.typologies:
        c = c[c["typology_id"].isin(f.typologies)]
    if scope.team is not None:
        t = frames["dim_team"]
        c = c[c["owner_team_id"].isin(t.loc[t["code"] == scope.team, "team_id"])]
    return c


def _cut(f: Filters) -> pd.Timestamp:
    return pd.Timestamp(f.end + timedelta(days=1))


def _opened_in(c: pd.DataFrame, f: Filters) -> pd.DataFrame:
    return c[(c["opened_at"] >= pd.Timestamp(f.start)) & (c["opened_at"] < _cut(f))]


def _bucket(hours: float) -> str:
    for name, hi in q.AGE_BUCKETS:
        if hi is None or hours < hi:
            return name
    raise AssertionError


def expected_backlog(frames, f: Filters, scope: Scope = FULL) -> pd.DataFrame:
    c = _cases(frames, f, scope)
    cut = _cut(f)
    c = c[(c["opened_at"] < cut) & (c["resolved_at"].isna() | (c["resolved_at"] >= cut))].copy()
    c["age_bucket"] = [_bucket((cut - t).total_seconds() / 3600) for t in c["opened_at"]]
    teams = frames["dim_team"].set_index("team_id")["name"]
    c["owner_team"] = c["owner_team_id"].map(teams)
    return (
        c.groupby(["priority", "age_bucket", "owner_team"], as_index=False)
        .agg(cases=("case_id", "size"), exposure_eur=("exposure_eur", "sum"))
        .sort_values(["priority", "age_bucket", "owner_team"])
        .reset_index(drop=True)
    )


def _norm(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = df.sort_values(keys).reset_index(drop=True)
    for col in out.columns:
        if col not in keys:
            out[col] = out[col].astype(float)
    return out


@pytest.mark.parametrize("which", ["whole", "busy", "no-market", "typology", "label"])
def test_backlog_matches_pandas(warehouse_url, demo_frames, busy, which):
    _, case = busy_day(demo_frames)
    f = {
        "whole": WHOLE,
        "busy": busy,
        "no-market": busy.narrowed(markets=("XX",)),
        "typology": busy.narrowed(typologies=(int(case["typology_id"]),)),
        "label": busy.narrowed(labels=(int(case["label_id"]),)),
    }[which]
    got = run(q.backlog_query(f, FULL), warehouse_url)
    want = expected_backlog(demo_frames, f)
    keys = ["priority", "age_bucket", "owner_team"]
    pd.testing.assert_frame_equal(
        _norm(got[[*keys, "cases", "exposure_eur"]], keys), _norm(want, keys), check_dtype=False
    )


def test_backlog_has_cases_and_buckets(warehouse_url, demo_frames, busy):
    got = run(q.backlog_query(busy, FULL), warehouse_url)
    # A test that cannot pass on an empty backlog.
    assert got["cases"].sum() == expected_backlog(demo_frames, busy)["cases"].sum() > 0
    assert set(got["age_bucket"]) <= set(q.AGE_ORDER)


def _pct(s: pd.Series, p: float) -> float:
    s = s.dropna()
    return float(s.quantile(p)) if len(s) else np.nan


@pytest.mark.parametrize(
    "f", [WHOLE, WHOLE.narrowed(markets=("BR", "US", "DE", "GB", "FR"))], ids=["whole", "markets"]
)
def test_response_times_match_pandas(warehouse_url, demo_frames, f):
    c = _opened_in(_cases(demo_frames, f), f).merge(demo_frames["dim_priority"], on="priority")
    c["fr"] = (c["first_response_at"] - c["opened_at"]).dt.total_seconds() / 3600
    c["res"] = (c["resolved_at"] - c["opened_at"]).dt.total_seconds() / 3600
    got = run(q.response_times_query(f, FULL), warehouse_url).set_index("priority")
    assert len(got) == c["priority"].nunique() and len(got) > 0
    for prio, g in c.groupby("priority"):
        row = got.loc[prio]
        assert row["cases"] == len(g)
        assert row["responded"] == g["first_response_at"].notna().sum()
        assert row["resolved"] == g["resolved_at"].notna().sum()
        assert row["first_response_median_h"] == pytest.approx(_pct(g["fr"], 0.5), rel=1e-6)
        assert row["first_response_p90_h"] == pytest.approx(_pct(g["fr"], 0.9), rel=1e-6)
        assert row["resolution_median_h"] == pytest.approx(_pct(g["res"], 0.5), rel=1e-6)
        assert row["resolution_p90_h"] == pytest.approx(_pct(g["res"], 0.9), rel=1e-6)
        fr_sla = g["first_response_sla_hours"].iloc[0]
        assert row["first_response_sla_h"] == fr_sla
        assert row["first_response_within_sla"] == (g["fr"] <= fr_sla).sum()
        res_sla = g["resolution_sla_hours"].iloc[0]
        assert row["resolution_within_sla"] == (g["res"] <= res_sla).sum()


def sla_judged(frames, c: pd.DataFrame, end: date) -> pd.DataFrame:
    """Cases ``c`` judged at the end of ``end`` (or the data's last case event if earlier):
    due = both SLA windows closed by then; breaches count among due cases only."""
    c = c.merge(frames["dim_priority"], on="priority")
    cut = min(_cut(Filters(start=end, end=end)), frames["fact_case_event"]["event_at"].max())
    hours = lambda until: (until - c["opened_at"]).dt.total_seconds() / 3600  # noqa: E731
    age = hours(pd.Series(cut, index=c.index))
    due = (age > c["first_response_sla_hours"]) & (age > c["resolution_sla_hours"])
    frb = hours(c["first_response_at"].fillna(cut)) > c["first_response_sla_hours"]
    resb = hours(c["resolved_at"].fillna(cut)) > c["resolution_sla_hours"]
    return c.assign(due=due, frb=due & frb, resb=due & resb, anyb=due & (frb | resb))


def _weekly_want(frames, f: Filters) -> pd.DataFrame:
    c = sla_judged(frames, _opened_in(_cases(frames, f), f), f.end)
    c["week"] = c["opened_at"].dt.normalize() - pd.to_timedelta(c["opened_at"].dt.day_of_week, "D")
    return c.groupby("week").agg(
        cases_opened=("case_id", "size"),
        cases_due=("due", "sum"),
        first_response_breaches=("frb", "sum"),
        resolution_breaches=("resb", "sum"),
        sla_breaches=("anyb", "sum"),
    )


def _weekly_got(url: str, f: Filters) -> pd.DataFrame:
    got = run(q.sla_weekly_query(f, FULL), url)
    got["week"] = pd.to_datetime(got["week"])
    return got.set_index("week")


def test_sla_weekly_matches_pandas(warehouse_url, demo_frames):
    f = WHOLE
    want, got = _weekly_want(demo_frames, f), _weekly_got(warehouse_url, f)
    assert got["cases_opened"].sum() == want["cases_opened"].sum() > 0
    for col in want.columns:
        assert got[col].astype(int).to_dict() == want[col].astype(int).to_dict(), col


def test_sla_breach_rate_counts_only_cases_whose_window_closed(warehouse_url, demo_frames):
    """A period ending a few days after a case opened: that case (resolution SLA of 3 days
    or more) cannot have breached yet, so it is neither a breach nor a "met" in the rate."""
    c = demo_frames["fact_case"]
    newest = c.loc[c["opened_at"].idxmax()]
    end = (newest["opened_at"] + pd.Timedelta(days=1)).date()
    f = Filters(start=end - timedelta(days=90), end=end)
    want, got = _weekly_want(demo_frames, f), _weekly_got(warehouse_url, f)
    for col in want.columns:
        assert got[col].astype(int).to_dict() == want[col].astype(int).to_dict(), col
    # The newest case's week is partial: opened, but not due by the period end.
    assert got["cases_due"].sum() < got["cases_opened"].sum()
    assert (got["sla_breaches"] <= got["cases_due"]).all()

    from analytics.cases import period_breach_rate, sla_breach_rates

    rates = sla_breach_rates(got.reset_index())
    assert not rates["complete"].iloc[-1]
    due = want["cases_due"].sum()
    expected = want["sla_breaches"].sum() / due if due else float("nan")
    assert period_breach_rate(got) == pytest.approx(expected, nan_ok=True)


def expected_flows(frames, f: Filters, scope: Scope = FULL) -> pd.DataFrame:
    e = frames["fact_case_event"]
    e = e[
        (e["event_type"] == "handoff")
        & (e["event_at"] >= pd.Timestamp(f.start))
        & (e["event_at"] < _cut(f))
    ]
    c = _cases(frames, f, scope)
    e = e.merge(c[["case_id", "exposure_eur"]], on="case_id")
    teams = frames["dim_team"].set_index("team_id")["name"]
    e = e.assign(
        from_team=e["from_team_id"].astype(int).map(teams),
        to_team=e["to_team_id"].astype(int).map(teams),
    )
    return e.groupby(["from_team", "to_team"], as_index=False).agg(
        handoffs=("case_id", "size"),
        cases=("case_id", "nunique"),
        exposure_eur=("exposure_eur", "sum"),
    )


@pytest.mark.parametrize(
    "f,scope",
    [
        (WHOLE, FULL),
        (WHOLE.narrowed(typologies=(1,)), FULL),
        (WHOLE, Scope(role="partner", team="content")),
    ],
    ids=["whole", "typology", "team-scope"],
)
def test_escalation_flows_match_pandas(warehouse_url, demo_frames, f, scope):
    got = run(q.escalation_flows_query(f, scope), warehouse_url)
    want = expected_flows(demo_frames, f, scope)
    keys = ["from_team", "to_team"]
    pd.testing.assert_frame_equal(_norm(got, keys), _norm(want, keys), check_dtype=False)
    if scope is FULL and not f.typologies:
        events = demo_frames["fact_case_event"]
        assert got["handoffs"].sum() == (events["event_type"] == "handoff").sum() > 0


def test_team_scope_limits_cases(warehouse_url, demo_frames):
    scope = Scope(role="partner", team="content")
    got = run(q.case_count_query(WHOLE, scope), warehouse_url).iloc[0, 0]
    team_id = demo_frames["dim_team"].set_index("code").loc["content", "team_id"]
    want = (demo_frames["fact_case"]["owner_team_id"] == team_id).sum()
    assert got == want > 0
    page = run(q.case_page_query(WHOLE, scope, page_size=100), warehouse_url)
    assert set(page["owner_team"]) == {"Content"}


def test_case_page_two_sorted_by_exposure(warehouse_url, demo_frames):
    c = _opened_in(_cases(demo_frames, WHOLE), WHOLE)
    want = c.sort_values(["exposure_eur", "case_id"], ascending=False)["case_id"].iloc[10:20]
    got = run(
        q.case_page_query(WHOLE, FULL, sort="exposure", descending=True, page=2, page_size=10),
        warehouse_url,
    )
    assert len(got) <= 10
    assert got["case_id"].tolist() == want.tolist()
    assert got["exposure_eur"].astype(float).is_monotonic_decreasing
    last = run(q.case_page_query(WHOLE, FULL, page=3, page_size=10), warehouse_url)
    assert len(last) == len(c) - 20  # the last, partial page
    total = run(q.case_count_query(WHOLE, FULL), warehouse_url).iloc[0, 0]
    assert total == len(c)


@pytest.mark.parametrize("sort", q.SORT_KEYS)
def test_case_page_sorts_and_bounds(warehouse_url, sort):
    for desc in (True, False):
        got = run(
            q.case_page_query(WHOLE, FULL, sort=sort, descending=desc, page_size=10), warehouse_url
        )
        assert 0 < len(got) <= 10
        col = {"opened": "opened_at", "exposure": "exposure_eur", "age": "age_h"}.get(sort, sort)
        values = got[col].astype(float) if sort in ("exposure", "age") else got[col]
        assert values.is_monotonic_decreasing if desc else values.is_monotonic_increasing


def test_case_page_columns_and_sla_flag(warehouse_url, demo_frames):
    got = run(q.case_page_query(WHOLE, FULL, page_size=100), warehouse_url).set_index("case_id")
    assert list(got.columns) == [
        "opened_at", "priority", "status", "owner_team", "typology", "market", "label",
        "exposure_eur", "first_response_h", "resolution_h", "age_h", "sla_breached",
    ]  # fmt: skip
    c = demo_frames["fact_case"].merge(demo_frames["dim_priority"], on="priority")
    last = demo_frames["fact_case_event"]["event_at"].max()
    fr = (c["first_response_at"].fillna(last) - c["opened_at"]).dt.total_seconds() / 3600
    res = (c["resolved_at"].fillna(last) - c["opened_at"]).dt.total_seconds() / 3600
    breached = (fr > c["first_response_sla_hours"]) | (res > c["resolution_sla_hours"])
    want = dict(zip(c["case_id"], breached, strict=True))
    assert {k: bool(v) for k, v in got["sla_breached"].items()} == want


@pytest.mark.parametrize(
    "kwargs",
    [{"sort": "exposure; DROP TABLE fact_case"}, {"page_size": 7}, {"page": 0}, {"page": 10**9}],
)
def test_case_page_refuses_values_outside_allow_lists(kwargs):
    with pytest.raises(ValueError):
        q.case_page_query(WHOLE, FULL, **kwargs)


HOSTILE = "'; DROP TABLE fact_case; --"
BUILDERS = [
    q.backlog_query,
    q.response_times_query,
    q.sla_weekly_query,
    q.escalation_flows_query,
    q.case_count_query,
    lambda f, s: q.case_page_query(f, s, sort="exposure", page=3, page_size=50),
]


@pytest.mark.parametrize("builder", BUILDERS)
def test_statements_compile_and_bind_user_text(builder):
    from duckdb_sqlalchemy import Dialect as DuckDialect

    f = WHOLE.narrowed(markets=(HOSTILE,), labels=(3,), typologies=(2,))
    scope = Scope(role="partner", team=HOSTILE)
    stmt = builder(f, scope)
    for dialect in (postgresql.dialect(), DuckDialect()):
        sql = str(stmt.compile(dialect=dialect))
        assert HOSTILE not in sql and "DROP TABLE" not in sql
        literal = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        assert "SELECT" in literal


def test_as_of_is_bound():
    stmt = q.backlog_query(Filters(start=date(2026, 4, 1), end=date(2026, 5, 1)), FULL)
    params = stmt.compile(dialect=postgresql.dialect()).params
    assert datetime(2026, 5, 2) in params.values()
