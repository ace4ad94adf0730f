"""Erlang B / C against textbook values and a simulated queue; the staffing plan's
arithmetic; the replay of past quarters on the test warehouse within the stated tolerance."""

from __future__ import annotations

import heapq
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import erlang, staffing
from data_access.filters import Filters
from data_access.scope import FULL
from reports import ops as views


@pytest.mark.parametrize(
    "c, a, b",
    [
        # Erlang B tables (grade of service of c trunks offered a Erlangs); B(1, a) = a / (1 + a).
        (5, 2.0, 0.0367),
        (10, 5.0, 0.0184),
        (12, 10.0, 0.1197),
        (1, 1.0, 0.5),
    ],
)
def test_erlang_b_table_values(c, a, b):
    assert erlang.erlang_b(c, a) == pytest.approx(b, abs=5e-5)
    assert erlang.erlang_b(c, a) == pytest.approx(erlang.erlang_b_recursive(c, a), rel=1e-10)


def test_erlang_c_closed_forms_and_textbook_example():
    # M/M/1: C = rho; M/M/2: C = 2 rho^2 / (1 + rho) with rho = a / 2.
    for rho in (0.1, 0.5, 0.9):
        assert erlang.erlang_c(1, rho) == pytest.approx(rho)
        assert erlang.erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho))
    # The call-centre example: 100 calls per 30 min, 180 s handling, 80% answered in 20 s:
    # 14 agents, P(wait) 17.4%, service level 88.8%.
    lam, work = 100 / 1800, 180.0
    assert erlang.erlang_c(14, lam * work) == pytest.approx(0.1741, abs=1e-4)
    assert erlang.wait_within(20, servers=14, lam=lam, work_h=work) == pytest.approx(
        0.8884, abs=1e-4
    )
    assert erlang.servers_needed(0.8, 20, lam=lam, work_h=work) == 14
    # Mean wait: C / (c mu - lam).
    assert erlang.mean_wait_h(servers=14, lam=lam, work_h=work) == pytest.approx(
        0.1741 / (14 / 180 - lam), rel=1e-3
    )


def test_erlang_edges_and_continuity():
    assert erlang.erlang_c(10, 10) == 1.0 and erlang.erlang_c(10, 12) == 1.0
    assert erlang.erlang_c(3, 0) == 0.0
    assert erlang.wait_within(1, servers=2, lam=3, work_h=1) == 0.0  # unstable
    # Continuous between whole servers, decreasing in servers.
    grid = [erlang.erlang_c(c, 10.0) for c in np.arange(10.5, 16.0, 0.25)]
    assert all(x > y for x, y in zip(grid, grid[1:], strict=False))
    assert erlang.erlang_b(12.5, 10) == pytest.approx(
        math.sqrt(erlang.erlang_b(12, 10) * erlang.erlang_b(13, 10)), rel=0.05
    )
    with pytest.raises(ValueError):
        erlang.erlang_b(-1, 2)
    with pytest.raises(ValueError):
        erlang.servers_needed(1.5, 1, lam=1, work_h=1)


def _simulate(c: int, lam: float, work: float, n: int, seed: int) -> np.ndarray:
    """FIFO M/M/c: each arrival's wait for the first free server."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    service = rng.exponential(work, n)
    free = [0.0] * c
    waits = np.empty(n)
    for i, t in enumerate(arrivals):
        first = heapq.heappop(free)
        start = max(t, first)
        waits[i] = start - t
        heapq.heappush(free, start + service[i])
    return waits[n // 10 :]  # without the warm-up


def test_erlang_c_matches_a_simulated_queue():
    lam, work, c, t = 5.0, 1.0, 7, 0.25
    waits = _simulate(c, lam, work, 60_000, seed=3)
    assert np.mean(waits > 0) == pytest.approx(erlang.erlang_c(c, lam * work), abs=0.02)
    model = erlang.wait_within(t, servers=c, lam=lam, work_h=work)
    assert np.mean(waits <= t) == pytest.approx(model, abs=0.02)
    # With a staffing-independent delay added, the mixture formula holds too.
    delays = np.random.default_rng(4).lognormal(0, 1, len(waits))
    both = erlang.attainment(
        2.0, servers=c, lam=lam, work_h=work, delays=np.round(delays, 2), weights=None
    )
    assert np.mean(waits + np.round(delays, 2) <= 2.0) == pytest.approx(both, abs=0.02)


def test_delays_alone_bound_what_staffing_can_reach():
    delays = np.array([1.0, 10.0, 50.0])
    assert erlang.servers_needed(0.9, 36, lam=2, work_h=1, delays=delays) is None
    n = erlang.servers_needed(0.6, 36, lam=2, work_h=1, delays=delays)
    assert n is not None and n > 2
    assert erlang.attainment(36, servers=n, lam=2, work_h=1, delays=delays) >= 0.6
    assert erlang.attainment(36, servers=n - 1, lam=2, work_h=1, delays=delays) < 0.6


def _delays(hours, weights=None):
    h = np.asarray(hours, float)
    w = np.ones_like(h) if weights is None else np.asarray(weights, float)
    return staffing.Delays(h, w, np.array([]), np.array([]))


def test_plan_and_what_if():
    sla = staffing.Sla(0.8, 36)
    delays = _delays([1, 2, 4, 8, 30, 60])  # 5 of 6 within 36 h without any wait
    fc = pd.DataFrame(
        {"week": pd.date_range("2027-01-04", periods=3, freq="W-MON"), "mean": [500.0] * 3}
    ).assign(hi80=[700.0] * 3)
    base = staffing.plan(fc, sla=sla, work_h=1, delays=delays, headcount=10)
    more = staffing.plan(fc, sla=sla, work_h=1, delays=delays, headcount=10, extra_per_week=300)
    assert (more["analysts_needed"] >= base["analysts_needed"]).all()
    assert (more["attainment"] <= base["attainment"]).all()
    assert (base["analysts_needed_hi80"] >= base["analysts_needed"]).all()
    assert staffing.analyst_weeks(base) == base["analysts_needed"].sum()
    # The planned headcount needed reaches the target; one fewer does not.
    n = base["analysts_needed"].iloc[0]
    ok = staffing.attainment(sla, detections_per_week=500, analysts=n, work_h=1, delays=delays)
    short = staffing.attainment(
        sla, detections_per_week=500, analysts=n - 1, work_h=1, delays=delays
    )
    assert ok >= 0.8 > short
    assert staffing.plan(fc.iloc[:0], sla=sla, work_h=1, delays=delays, headcount=1).empty


def test_observed_attainment_counts_overdue_undecided_reviews_as_misses():
    d = staffing.Delays(
        np.array([2.0, 40.0]), np.array([8.0, 1.0]), np.array([10.0, 50.0]), np.array([3.0, 1.0])
    )
    # Due: 9 decided + 1 undecided older than 36 h; within: 8.
    assert d.observed(36) == pytest.approx(8 / 10)


def test_extra_choice_covers_the_policy_labs_number():
    assert views.extra_choice(0) == "0"
    assert views.extra_choice(30) == "50"
    assert views.extra_choice(10**6) == views.EXTRA.choices[-1]


def test_replay_of_past_quarters_within_tolerance(duck_url):
    """The model replayed on the test warehouse's last four quarters: each quarter within
    the tolerance or three binomial standard errors of its observed share (a quarter holds
    ~20-40 reviews at this scale), and the pooled error within REPLAY_TOLERANCE."""
    f = Filters(start=date(2026, 8, 31), end=date(2026, 11, 29))
    df = views.replay_frame(
        FULL, f, duck_url, {"ops_sla_pct": "90", "ops_sla_h": "36", "ops_work_h": "0.5"}
    )
    assert len(df) == views.REPLAYS
    assert df[["predicted", "observed"]].notna().all().all()
    n = df["arrivals"].clip(lower=1)
    se = np.sqrt(df["observed"] * (1 - df["observed"]) / n)
    err = (df["predicted"] - df["observed"]).abs()
    assert (err <= np.maximum(staffing.REPLAY_TOLERANCE, 3 * se)).all(), df
    pooled = np.average(df["predicted"], weights=n) - np.average(df["observed"], weights=n)
    assert abs(pooled) <= staffing.REPLAY_TOLERANCE, df
