"""Builders behind the Overview page: KPI tiles (current vs previous period), the weekly
trend and the top markets / labels by exposure."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, and_, case, func, literal, or_, select, union_all

from data_access import schema as s
from data_access.dialect import trunc_date
from data_access.filters import Filters
from data_access.queries import cases as cq
from data_access.queries.common import (
    attribution_predicate,
    fraud_mart,
    scope_predicate,
    slice_predicate,
)
from data_access.queries.measures import fee_outstanding, fraud_measures, sum_if, total
from data_access.scope import Scope


def _two_periods(t, f: Filters, scope: Scope, *, attribution=True):
    """Rows of the current and the previous period, labelled by a 'period' column."""
    prev = f.previous()
    label = case((t.c.date_key >= f.start, literal("current")), else_=literal("previous"))
    cond = and_(
        t.c.date_key.between(prev.start, f.end),
        slice_predicate(t, f, attribution=attribution),
        scope_predicate(t, scope),
    )
    return label, cond


def fraud_kpi_query(f: Filters, scope: Scope) -> Select:
    t = fraud_mart(f, scope)
    label, cond = _two_periods(t, f, scope, attribution=False)
    m = fraud_measures(attribution_predicate(t, f), t)
    return (
        select(label.label("period"), *(v.label(k) for k, v in m.items()))
        .where(cond)
        .group_by(label)
    )


def enforcement_kpi_query(f: Filters, scope: Scope) -> Select:
    t = s.mart_daily_enforcement
    label, cond = _two_periods(t, f, scope)
    return (
        select(
            label.label("period"),
            total(t.c.actions).label("actions"),
            total(t.c.streams_removed).label("streams_removed"),
            fee_outstanding(t.c).label("fees_outstanding_eur"),
        )
        .where(cond)
        .group_by(label)
    )


def case_kpi_query(f: Filters, scope: Scope, *, case_events: bool = True) -> Select:
    """Cases opened per period, the cases due (SLA windows closed by that period's end) and
    their SLA breaches: each period is judged at its own end, so the two compare alike.

    From fact_case (see cases.sla_weekly_query for why not the daily mart); typology
    applies to cases, detector does not (cases span detections)."""
    c, p, prev = s.fact_case, s.dim_priority, f.previous()
    current = c.c.opened_at >= cq.as_of(prev)
    label = case((current, literal("current")), else_=literal("previous"))
    cutoff = case(
        (current, cq.sla_cutoff(f.end, case_events)),
        else_=cq.sla_cutoff(prev.end, case_events),
    )
    m = cq.sla_measures(cutoff, p.c)
    return (
        select(label.label("period"), *(m[k].label(k) for k in _CASE_KPIS))
        .select_from(c.outerjoin(p, p.c.priority == c.c.priority))
        .where(
            c.c.opened_at >= cq.midnight(prev.start),
            c.c.opened_at < cq.as_of(f),
            cq.case_predicate(f, scope),
        )
        .group_by(label)
    )


_CASE_KPIS = ("cases_opened", "cases_due", "sla_breaches")


def open_cases_query(f: Filters, scope: Scope) -> Select:
    """Cases open at the end of the current and of the previous period."""
    c = s.fact_case
    prev_end = f.start - timedelta(days=1)
    cut_cur = f.end + timedelta(days=1)
    cut_prev = prev_end + timedelta(days=1)

    def open_at(cut):
        return and_(c.c.opened_at < cut, or_(c.c.resolved_at.is_(None), c.c.resolved_at >= cut))

    return select(
        sum_if(open_at(cut_cur), 1).label("open_current"),
        sum_if(open_at(cut_prev), 1).label("open_previous"),
    ).where(
        slice_predicate(c, f.narrowed(detectors=()), attribution=True),
        scope_predicate(c, scope),
    )


def weekly_trend_query(f: Filters, scope: Scope) -> Select:
    t = fraud_mart(f, scope)
    week = trunc_date("week", t.c.date_key)
    m = fraud_measures(attribution_predicate(t, f), t)
    return (
        select(
            week.label("week"),
            m["streams"].label("streams"),
            m["detected_streams"].label("detected_streams"),
            m["confirmed_streams"].label("confirmed_streams"),
        )
        .where(
            t.c.date_key.between(f.start, f.end),
            slice_predicate(t, f, attribution=False),
            scope_predicate(t, scope),
        )
        .group_by(week)
        .order_by(week)
    )


_TOP = {
    "market": (s.dim_market, "market_id", s.dim_market.c.name),
    "label": (s.dim_label, "label_id", s.dim_label.c.name),
    "distributor": (s.dim_distributor, "distributor_id", s.dim_distributor.c.name),
}


def top_exposure_query(f: Filters, scope: Scope, *, by: str, limit: int = 10) -> Select:
    """Top ``by`` (market / label / distributor) by exposure over the period."""
    if by not in _TOP:
        raise ValueError(f"cannot rank by {by!r}")
    dim, key, name = _TOP[by]
    fr, en = fraud_mart(f, scope, by=(by,)), s.mart_daily_enforcement
    parts = union_all(
        select(
            fr.c[key].label("k"),
            fraud_measures(attribution_predicate(fr, f), fr)["at_risk_eur"].label("at_risk_eur"),
            literal(0.0).label("fees_outstanding_eur"),
        )
        .where(
            fr.c.date_key.between(f.start, f.end),
            slice_predicate(fr, f, attribution=False),
            scope_predicate(fr, scope),
        )
        .group_by(fr.c[key]),
        select(
            en.c[key].label("k"),
            literal(0.0).label("at_risk_eur"),
            fee_outstanding(en.c).label("fees_outstanding_eur"),
        )
        .where(
            en.c.date_key.between(f.start, f.end),
            slice_predicate(en, f),
            scope_predicate(en, scope),
        )
        .group_by(en.c[key]),
    ).subquery("u")
    at_risk = func.sum(parts.c.at_risk_eur)
    fees = func.sum(parts.c.fees_outstanding_eur)
    extra = [s.dim_market.c.iso2] if by == "market" else []
    return (
        select(
            name.label(by),
            *extra,
            at_risk.label("at_risk_eur"),
            fees.label("fees_outstanding_eur"),
            (at_risk + fees).label("exposure_eur"),
        )
        .select_from(parts.join(dim, dim.c[key] == parts.c.k))
        .group_by(name, *extra)
        .order_by((at_risk + fees).desc(), name)
        .limit(limit)
    )
