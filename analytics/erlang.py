"""Erlang C: the closed-form M/M/c queue behind the review-staffing plan.

``c`` servers (analysts at work), arrivals at ``lam`` per hour (Poisson), work per item
exponential with mean ``work_h`` hours; offered load ``a = lam * work_h`` (Erlangs).

    Erlang B  B(c, a) = (a^c / c!) / sum_{k<=c} a^k / k!
              = a^c e^-a / Gamma(c + 1, a)          (upper incomplete gamma; Jagerman 1974)
    Erlang C  C(c, a) = c B / (c - a (1 - B))       probability that an item waits (a < c)
    P(Wq > x) = C e^{-(c mu - lam) x},  mu = 1 / work_h

The incomplete-gamma form is exact at whole numbers of servers and continuous between them,
so "analysts at work" may be a fraction (a 40-hour week is 40/168 of a server around the
clock). Staffing-independent delays (evidence gathering, hand-offs: the time a review takes
once an analyst has picked it up, and waits the queue does not explain) enter as an
empirical distribution ``delays`` that is added to the queue wait:

    P(T <= t) = sum_j w_j [d_j <= t] (1 - C e^{-(c mu - lam)(t - d_j)})
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaincc, gammaln


def erlang_b(servers: float, load: float) -> float:
    """Blocking probability of an M/M/c/c system; continuous in ``servers``."""
    c, a = float(servers), float(load)
    if a < 0 or c < 0 or not (math.isfinite(a) and math.isfinite(c)):
        raise ValueError("servers and load must be finite and >= 0")
    if a == 0:
        return 0.0
    if c == 0:
        return 1.0
    tail = float(gammaincc(c + 1.0, a))  # regularised Q(c + 1, a)
    if tail <= 0.0:
        return 1.0
    log_b = c * math.log(a) - a - float(gammaln(c + 1.0)) - math.log(tail)
    return float(min(1.0, math.exp(log_b)))


def erlang_b_recursive(servers: int, load: float) -> float:
    """The textbook recursion B(k) = a B(k-1) / (k + a B(k-1)), B(0) = 1 (whole servers)."""
    b = 1.0
    for k in range(1, int(servers) + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: float, load: float) -> float:
    """Probability that an arrival waits; 1 when the queue is unstable (load >= servers)."""
    c, a = float(servers), float(load)
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return float(c * b / (c - a * (1.0 - b)))


def mean_wait_h(*, servers: float, lam: float, work_h: float) -> float:
    """Mean wait in queue (hours): C / (c mu - lam); infinite when unstable."""
    a = lam * work_h
    if a >= servers:
        return math.inf
    if lam <= 0:
        return 0.0
    return erlang_c(servers, a) / (servers / work_h - lam)


def wait_within(t_h: float, *, servers: float, lam: float, work_h: float) -> float:
    """P(Wq <= t): the share of items an analyst picks up within ``t_h`` hours."""
    if t_h < 0:
        return 0.0
    a = lam * work_h
    if lam <= 0:
        return 1.0
    if a >= servers:
        return 0.0
    return 1.0 - erlang_c(servers, a) * math.exp(-(servers / work_h - lam) * t_h)


def attainment(
    t_h: float,
    *,
    servers: float,
    lam: float,
    work_h: float,
    delays: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> float:
    """P(wait + delay <= t_h): the share decided within ``t_h`` hours, with the queue wait of
    Erlang C plus a staffing-independent delay drawn from ``delays`` (weighted; none: 0)."""
    if delays is None or len(delays) == 0:
        return wait_within(t_h, servers=servers, lam=lam, work_h=work_h)
    d = np.asarray(delays, dtype=float)
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        return float("nan")
    a = lam * work_h
    inside = d <= t_h
    if lam <= 0:
        return float(w[inside].sum() / w.sum())
    if a >= servers:
        return 0.0
    c_wait = erlang_c(servers, a)
    theta = servers / work_h - lam
    p = np.where(inside, 1.0 - c_wait * np.exp(-theta * np.clip(t_h - d, 0, None)), 0.0)
    return float((w * p).sum() / w.sum())


def servers_needed(
    target: float,
    t_h: float,
    *,
    lam: float,
    work_h: float,
    per_head: float = 1.0,
    delays: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    limit: int = 100_000,
) -> int | None:
    """The fewest whole heads (each ``per_head`` servers) whose attainment reaches
    ``target``; None when no headcount can (the delays alone miss it) or above ``limit``."""
    if not 0 < target < 1:
        raise ValueError("target must be a share between 0 and 1")

    def ok(n: int) -> bool:
        return (
            attainment(
                t_h, servers=n * per_head, lam=lam, work_h=work_h, delays=delays, weights=weights
            )
            >= target
        )

    if lam <= 0:
        return 0 if ok(0) else None
    lo = max(0, math.floor(lam * work_h / per_head))  # at or below: unstable, never enough
    hi = max(lo + 1, 1)
    while not ok(hi):
        if hi >= limit:
            return None
        # Past saturation more heads only shorten the wait; once the wait is ~0 and the
        # target is still missed, the delays alone miss it.
        if wait_within(0.0, servers=hi * per_head, lam=lam, work_h=work_h) > 1 - 1e-9:
            return None
        hi = min(limit, hi * 2)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi
