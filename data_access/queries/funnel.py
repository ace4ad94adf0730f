"""Builders behind the Funnel page: detection -> review -> confirmation -> enforcement ->
appeal -> upheld, per detector (precision, time to detect / validate) and recall.

Detections are dated by their detection day. Stage counts, streams and money come from
mart_daily_detection; percentiles need the facts (fact_detection + fact_review), read
aggregated per detector only.
"""

from __future__ import annotations

from sqlalchemy import Select, case, select

from data_access import schema as s
from data_access.dialect import hours_between, percentile, trunc_date
from data_access.filters import Filters
from data_access.queries.common import (
    attribution_predicate,
    fraud_mart,
    scope_predicate,
    slice_predicate,
    ts_period,
    where,
)
from data_access.queries.measures import sum_if, total
from data_access.scope import Scope

STAGES = s.FUNNEL_STAGES
KINDS = ("n", "streams", "eur")


def funnel_totals_query(f: Filters, scope: Scope) -> Select:
    """One row: n_/streams_/eur_ of every stage, plus false positives, over the period."""
    t = s.mart_daily_detection
    cols = [total(t.c[f"{k}_{stage}"]).label(f"{k}_{stage}") for stage in STAGES for k in KINDS]
    return select(*cols, total(t.c.false_positive).label("false_positive")).where(
        where(t, f, scope)
    )


def detector_counts_query(f: Filters, scope: Scope) -> Select:
    """Per detector: detections, reviewed, confirmed, false positives (from the mart)."""
    t, d = s.mart_daily_detection, s.dim_detector
    return (
        select(
            d.c.detector_id,
            d.c.name.label("detector"),
            d.c.launched_on,
            total(t.c.n_detected).label("detections"),
            total(t.c.n_reviewed).label("reviewed"),
            total(t.c.n_confirmed).label("confirmed"),
            total(t.c.false_positive).label("false_positive"),
            total(t.c.streams_detected).label("flagged_streams"),
        )
        .select_from(t.join(d, d.c.detector_id == t.c.detector_id))
        .where(where(t, f, scope))
        .group_by(d.c.detector_id, d.c.name, d.c.launched_on)
        .order_by(d.c.detector_id)
    )


def _detections():
    """fact_detection with its review and the label's distributor (so every filter applies)."""
    d, r, lab = s.fact_detection, s.fact_review, s.dim_label
    return (
        select(
            d.c.detection_id,
            d.c.detected_at,
            d.c.activity_started_at,
            d.c.detector_id,
            d.c.typology_id,
            d.c.market_id,
            d.c.label_id,
            lab.c.distributor_id,
            r.c.queued_at,
            r.c.decided_at,
            r.c.outcome,
        )
        .select_from(
            d.join(r, r.c.detection_id == d.c.detection_id).join(
                lab, lab.c.label_id == d.c.label_id
            )
        )
        .subquery("det")
    )


def detector_latency_query(f: Filters, scope: Scope) -> Select:
    """Per detector: median and p90 hours to detect (activity start -> detection) and to
    validate (queued -> decided; decided reviews only)."""
    x = _detections()
    dim = s.dim_detector
    detect_h = hours_between(x.c.activity_started_at, x.c.detected_at)
    decided = x.c.outcome != "pending"
    validate_h = case((decided, hours_between(x.c.queued_at, x.c.decided_at)))
    return (
        select(
            dim.c.detector_id,
            dim.c.name.label("detector"),
            percentile(detect_h, 0.5).label("ttd_median_h"),
            percentile(detect_h, 0.9).label("ttd_p90_h"),
            percentile(validate_h, 0.5).label("ttv_median_h"),
            percentile(validate_h, 0.9).label("ttv_p90_h"),
        )
        .select_from(x.join(dim, dim.c.detector_id == x.c.detector_id))
        .where(
            ts_period(x.c.detected_at, f.start, f.end),
            slice_predicate(x, f),
            scope_predicate(x, scope),
        )
        .group_by(dim.c.detector_id, dim.c.name)
        .order_by(dim.c.detector_id)
    )


def weekly_precision_query(f: Filters, scope: Scope) -> Select:
    """Per ISO week (of detection) and detector: reviewed and confirmed detections."""
    t, d = s.mart_daily_detection, s.dim_detector
    week = trunc_date("week", t.c.date_key)
    return (
        select(
            week.label("week"),
            d.c.name.label("detector"),
            total(t.c.n_reviewed).label("reviewed"),
            total(t.c.n_confirmed).label("confirmed"),
        )
        .select_from(t.join(d, d.c.detector_id == t.c.detector_id))
        .where(where(t, f, scope))
        .group_by(week, d.c.name)
        .order_by(week, d.c.name)
    )


_RECALL_BY = {
    "detector": (s.dim_detector, "detector_id"),
    "typology": (s.dim_typology, "typology_id"),
}


def recall_total_query(f: Filters, scope: Scope) -> Select:
    """Flagged streams (typology/detector filters narrow them) and estimated artificial
    streams (all of the slice) over the period, by stream date."""
    t = fraud_mart(f, scope)
    return select(
        sum_if(attribution_predicate(t, f), t.c.flagged_streams).label("flagged_streams"),
        total(t.c.true_artificial_streams).label("true_artificial_streams"),
    ).where(where(t, f, scope, attribution=False))


def recall_contribution_query(f: Filters, scope: Scope, *, by: str) -> Select:
    """Flagged streams per detector or typology (each flagged stream has exactly one)."""
    if by not in _RECALL_BY:
        raise ValueError(f"cannot split recall by {by!r}")
    dim, key = _RECALL_BY[by]
    t = fraud_mart(f, scope)
    return (
        select(dim.c.name.label(by), total(t.c.flagged_streams).label("flagged_streams"))
        .select_from(t.join(dim, dim.c[key] == t.c[key]))
        .where(where(t, f, scope))
        .group_by(dim.c.name)
        .order_by(total(t.c.flagged_streams).desc(), dim.c.name)
    )
