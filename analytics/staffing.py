"""Review staffing: analysts needed to keep the review SLA, from an Erlang C queue
(analytics.erlang), the history's own delays and a forecast of detections; the replay of a
past quarter that validates the model; and the what-if on headcount and extra reviews.

The model, per week: detections arrive at ``lam`` an hour; each needs ``work_h`` hours of an
analyst's work (a parameter: the warehouse records when a review started and was decided,
not the hours worked on it); an analyst at work ``HOURS_PER_WEEK`` hours is
``HOURS_PER_WEEK / 168`` of a server around the clock. A review is decided ``wait + delay``
hours after it was queued: ``wait`` is Erlang C's queue for a free analyst, ``delay`` the
time-to-decision distribution of a reference window (the history's own mix of quick and
slow reviews), which does not depend on staffing. So extra analysts shorten waits, never
the delays, and a target that the delays alone miss cannot be met by staffing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import erlang

HOURS_PER_WEEK = 40.0  # an analyst's working week
WEEK_H = 168.0
PER_HEAD = HOURS_PER_WEEK / WEEK_H  # servers around the clock per analyst
REPLAY_TOLERANCE = 0.05  # |predicted - observed| SLA attainment the replay test accepts


@dataclass(frozen=True)
class Sla:
    share: float  # e.g. 0.9
    hours: float  # e.g. 36

    def text(self) -> str:
        return f"{self.share:.0%} decided within {self.hours:g} h"


@dataclass(frozen=True)
class Delays:
    """The time-to-decision distribution of a window: hours (bucket upper bounds) and
    reviews, decided ones only; ``pending_over`` counts undecided reviews by age (hours)."""

    hours: np.ndarray
    weights: np.ndarray
    pending_age: np.ndarray
    pending_weights: np.ndarray

    @classmethod
    def from_histogram(cls, hist: pd.DataFrame) -> Delays:
        """From rows (hours, decided, reviews) as data_access.queries.ops returns them."""
        if hist is None or hist.empty:
            e = np.array([], dtype=float)
            return cls(e, e, e, e)
        dec = hist[hist["decided"].astype(bool)]
        pen = hist[~hist["decided"].astype(bool)]
        return cls(
            dec["hours"].to_numpy(float),
            dec["reviews"].to_numpy(float),
            pen["hours"].to_numpy(float),
            pen["reviews"].to_numpy(float),
        )

    @property
    def decided(self) -> float:
        return float(self.weights.sum())

    def observed(self, t_h: float) -> float:
        """Share decided within ``t_h``, over reviews whose SLA window has closed (undecided
        ones older than ``t_h`` are misses; younger ones are not due yet)."""
        due_pending = float(self.pending_weights[self.pending_age > t_h].sum())
        within = float(self.weights[self.hours <= t_h].sum())
        due = self.decided + due_pending
        return within / due if due else float("nan")


def attainment(
    sla: Sla, *, detections_per_week: float, analysts: float, work_h: float, delays: Delays
) -> float:
    """Predicted share decided within ``sla.hours`` for one week's load and headcount."""
    if delays.decided == 0:
        return float("nan")
    return erlang.attainment(
        sla.hours,
        servers=max(analysts, 0.0) * PER_HEAD,
        lam=max(detections_per_week, 0.0) / WEEK_H,
        work_h=work_h,
        delays=delays.hours,
        weights=delays.weights,
    )


def analysts_needed(
    sla: Sla, *, detections_per_week: float, work_h: float, delays: Delays
) -> int | None:
    """The fewest analysts that keep ``sla`` for this weekly load (None: unreachable)."""
    if delays.decided == 0:
        return None
    return erlang.servers_needed(
        sla.share,
        sla.hours,
        lam=max(detections_per_week, 0.0) / WEEK_H,
        work_h=work_h,
        per_head=PER_HEAD,
        delays=delays.hours,
        weights=delays.weights,
    )


def replay(
    weekly: pd.DataFrame,
    *,
    sla: Sla,
    work_h: float,
    reference: Delays,
    observed: Delays,
) -> dict:
    """Predict a past quarter's SLA attainment from its weekly arrivals and analysts at work
    (``weekly``: week, arrivals, analysts) with the reference window's delays, and set it
    beside the attainment observed in the quarter."""
    rows = weekly.dropna(subset=["arrivals"])
    if rows.empty or reference.decided == 0:
        return {"predicted": float("nan"), "observed": float("nan"), "weeks": 0}
    pred = [
        attainment(
            sla,
            detections_per_week=float(r.arrivals),
            analysts=float(r.analysts),
            work_h=work_h,
            delays=reference,
        )
        for r in rows.itertuples()
    ]
    w = rows["arrivals"].to_numpy(float)
    predicted = float(np.average(pred, weights=w)) if w.sum() else float("nan")
    return {
        "predicted": predicted,
        "observed": observed.observed(sla.hours),
        "weeks": int(len(rows)),
        "arrivals": float(w.sum()),
        "analysts": float(rows["analysts"].mean()),
        "weekly_predicted": pred,
    }


def plan(
    forecast: pd.DataFrame,
    *,
    sla: Sla,
    work_h: float,
    delays: Delays,
    headcount: float,
    extra_per_week: float = 0.0,
) -> pd.DataFrame:
    """Per forecast week (week, mean, hi80): detections expected (plus ``extra_per_week``,
    e.g. the policy lab's "reviews needed"), analysts needed for the SLA at the forecast and
    at its 80% upper bound, and the attainment the planned ``headcount`` would give."""
    cols = [
        "week",
        "detections",
        "detections_hi80",
        "analysts_needed",
        "analysts_needed_hi80",
        "headcount",
        "attainment",
    ]
    if forecast is None or forecast.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for r in forecast.itertuples():
        load = float(r.mean) + extra_per_week
        high = float(r.hi80) + extra_per_week
        kw = {"work_h": work_h, "delays": delays}
        out.append(
            {
                "week": r.week,
                "detections": load,
                "detections_hi80": high,
                "analysts_needed": analysts_needed(sla, detections_per_week=load, **kw),
                "analysts_needed_hi80": analysts_needed(sla, detections_per_week=high, **kw),
                "headcount": float(headcount),
                "attainment": attainment(sla, detections_per_week=load, analysts=headcount, **kw),
            }
        )
    df = pd.DataFrame(out, columns=cols)
    for c in ("analysts_needed", "analysts_needed_hi80"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def analyst_weeks(plan_df: pd.DataFrame, column: str = "analysts_needed") -> float:
    """Analyst-weeks the plan needs (NaN when some week's SLA is unreachable)."""
    if plan_df.empty:
        return float("nan")
    s = plan_df[column]
    return float("nan") if s.isna().any() else float(s.sum())
