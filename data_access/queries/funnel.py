"""Builders behind the Funnel page: detection -> review -> confirmation -> enforcement ->
appeal -> upheld, per detector (precision, time to detect / validate) and recall.

Detections are dated by their detection day. Stage counts, streams and money come from
mart_daily_detection; percentiles need one row per detection: mart_detection_latency,
read aggregated per detector only.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from data_access import schema as s
from data_access.dialect import percentile, trunc_date
from data_access.filters import Filters
from data_access.queries.common import (
    attribution_predicate,
    fraud_mart,
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


def detector_latency_query(f: Filters, scope: Scope) -> Select:
    """Per detector: median and p90 hours to detect (activity start -> detection) and to
    validate (queued -> decided; decided reviews only), from mart_detection_latency (one row
    per detection, its latencies computed at build time)."""
    x, dim = s.mart_detection_latency, s.dim_detector
    return (
        select(
            dim.c.detector_id,
            dim.c.name.label("detector"),
            percentile(x.c.hours_to_detect, 0.5).label("ttd_median_h"),
            percentile(x.c.hours_to_detect, 0.9).label("ttd_p90_h"),
            percentile(x.c.hours_to_validate, 0.5).label("ttv_median_h"),
            percentile(x.c.hours_to_validate, 0.9).label("ttv_p90_h"),
        )
        .select_from(x.join(dim, dim.c.detector_id == x.c.detector_id))
        .where(where(x, f, scope))
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
