"""Builders behind the Enforcement page: actions and money by type (current vs previous
period, per week), repeat offenders by label / distributor, and appeals.

Actions are dated by the day they were applied (mart_daily_enforcement). Appeals are
counted against the actions applied in the period (a cohort), from mart_appeal (one row per
appeal, dated by its action's applied day), read aggregated only.
"""

from __future__ import annotations

from sqlalchemy import (
    Date,
    Double,
    Select,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from data_access import schema as s
from data_access.dialect import percentile, trunc_date
from data_access.filters import Filters
from data_access.queries.common import scope_predicate, slice_predicate, where
from data_access.queries.measures import FEE_TYPE_CODE, sum_if, total
from data_access.scope import Scope

WITHHOLDING_TYPE_CODE = "royalty_withholding"
# Actions a rights holder can appeal: they cost money or content. Suspensions of bot
# accounts and warnings are not appealable.
APPEALABLE_TYPE_CODES = ("stream_removal", "royalty_withholding", FEE_TYPE_CODE, "takedown")

# Ranking dimensions a user may choose: name -> (dimension table, key column).
OFFENDER_BY = {
    "label": (s.dim_label, "label_id"),
    "distributor": (s.dim_distributor, "distributor_id"),
}


def _money(e, et) -> list:
    """Enforcement measures over mart_daily_enforcement joined to dim_enforcement_type."""
    return [
        total(e.c.actions).label("actions"),
        total(e.c.streams_removed).label("streams_removed"),
        sum_if(et.c.code == WITHHOLDING_TYPE_CODE, e.c.amount_eur).label("withheld_eur"),
        sum_if(et.c.code == FEE_TYPE_CODE, e.c.amount_eur).label("fees_levied_eur"),
        total(e.c.recovered_eur).label("fees_recovered_eur"),
        total(e.c.reversed_eur).label("reversed_eur"),
    ]


def enforcement_kpi_query(f: Filters, scope: Scope) -> Select:
    """Actions and money per period ('current', 'previous' of equal length)."""
    e, et = s.mart_daily_enforcement, s.dim_enforcement_type
    prev = f.previous()
    label = case((e.c.date_key >= f.start, literal("current")), else_=literal("previous"))
    return (
        select(label.label("period"), *_money(e, et))
        .select_from(e.join(et, et.c.enforcement_type_id == e.c.enforcement_type_id))
        .where(
            e.c.date_key.between(prev.start, f.end),
            slice_predicate(e, f),
            scope_predicate(e, scope),
        )
        .group_by(label)
    )


def enforcement_by_type_query(f: Filters, scope: Scope) -> Select:
    """Per enforcement type: actions, reversals, streams removed and money (EUR)."""
    e, et = s.mart_daily_enforcement, s.dim_enforcement_type
    return (
        select(
            et.c.enforcement_type_id,
            et.c.name.label("enforcement_type"),
            total(e.c.actions).label("actions"),
            total(e.c.reversed).label("reversed"),
            total(e.c.streams_removed).label("streams_removed"),
            total(e.c.amount_eur).label("amount_eur"),
            total(e.c.recovered_eur).label("recovered_eur"),
            total(e.c.reversed_eur).label("reversed_eur"),
        )
        .select_from(e.join(et, et.c.enforcement_type_id == e.c.enforcement_type_id))
        .where(where(e, f, scope))
        .group_by(et.c.enforcement_type_id, et.c.name)
        .order_by(et.c.enforcement_type_id)
    )


def weekly_enforcement_query(f: Filters, scope: Scope) -> Select:
    """Per ISO week (of application) and enforcement type (name and code): actions and money
    (EUR)."""
    e, et = s.mart_daily_enforcement, s.dim_enforcement_type
    week = trunc_date("week", e.c.date_key)
    return (
        select(
            week.label("week"),
            et.c.name.label("enforcement_type"),
            et.c.code.label("type_code"),  # what rules key on; the name is for display
            total(e.c.actions).label("actions"),
            total(e.c.amount_eur).label("amount_eur"),
            total(e.c.recovered_eur).label("recovered_eur"),
            total(e.c.reversed_eur).label("reversed_eur"),
        )
        .select_from(e.join(et, et.c.enforcement_type_id == e.c.enforcement_type_id))
        .where(where(e, f, scope))
        .group_by(week, et.c.code, et.c.name)
        .order_by(week, et.c.name, et.c.code)
    )


def repeat_offenders_query(f: Filters, scope: Scope, *, by: str, limit: int = 15) -> Select:
    """Labels or distributors ranked by confirmed detections then enforcement actions, with
    the distinct weeks they had actions in and their share of the slice's confirmed streams.
    """
    if by not in OFFENDER_BY:
        raise ValueError(f"cannot rank by {by!r}")
    dim, key = OFFENDER_BY[by]
    d, e = s.mart_daily_detection, s.mart_daily_enforcement
    week = trunc_date("week", e.c.date_key)
    zero = literal(0)
    parts = union_all(
        select(
            d.c[key].label("k"),
            total(d.c.n_confirmed).label("confirmed"),
            total(d.c.streams_confirmed).label("confirmed_streams"),
            zero.label("actions"),
            literal(0.0).label("amount_eur"),
            cast(null(), Date).label("week"),
        )
        .where(where(d, f, scope))
        .group_by(d.c[key]),
        select(
            e.c[key].label("k"),
            zero.label("confirmed"),
            zero.label("confirmed_streams"),
            total(e.c.actions).label("actions"),
            total(e.c.amount_eur).label("amount_eur"),
            week.label("week"),
        )
        .where(where(e, f, scope))
        .group_by(e.c[key], week),
    ).subquery("u")
    confirmed = func.sum(parts.c.confirmed)
    streams = func.sum(parts.c.confirmed_streams)
    actions = func.sum(parts.c.actions)
    # Ordered by the selected labels: Spark cannot resolve an ORDER BY aggregate next to a
    # HAVING unless it is a SELECT column.
    confirmed_col, actions_col = confirmed.label("confirmed_detections"), actions.label("actions")
    return (
        select(
            dim.c.name.label(by),
            confirmed_col,
            streams.label("confirmed_streams"),
            func.sum(streams).over().label("slice_confirmed_streams"),
            actions_col,
            func.sum(parts.c.amount_eur).label("amount_eur"),
            func.count(func.distinct(parts.c.week)).label("action_weeks"),
        )
        .select_from(parts.join(dim, dim.c[key] == parts.c.k))
        .group_by(dim.c.name)
        .having(or_(confirmed > 0, actions > 0))
        .order_by(confirmed_col.desc(), actions_col.desc(), dim.c.name)
        .limit(limit)
    )


def appeals_query(f: Filters, scope: Scope, *, by: str | None = None) -> Select:
    """Appeals against actions applied in the period: appealable actions, appeals, decided,
    overturned, restored money and median / p90 hours from filing to decision.

    ``by=None``: one row per period ('current', 'previous'); ``by='label'`` or
    ``'distributor'``: one row per member, current period only.

    Appealable actions come from mart_daily_enforcement, the appeals (one row each, dated by
    their action's applied day, with its slice keys) from mart_appeal: no fact is joined.
    """
    e, et, a = s.mart_daily_enforcement, s.dim_enforcement_type, s.mart_appeal
    if by is None:
        lo, out_key = f.previous().start, "period"

        def group(t):
            return case((t.c.date_key >= f.start, literal("current")), else_=literal("previous"))
    else:
        if by not in OFFENDER_BY:
            raise ValueError(f"cannot split appeals by {by!r}")
        dim, key = OFFENDER_BY[by]
        lo, out_key = f.start, by

        def group(t):
            return dim.c.name

    k_e, k_a = group(e), group(a)  # one expression each: SELECT and GROUP BY must match

    def source(t):
        src = t.join(et, et.c.enforcement_type_id == t.c.enforcement_type_id) if t is e else t
        return src if by is None else src.join(dim, dim.c[key] == t.c[key])

    def cond(t):
        return (t.c.date_key.between(lo, f.end), slice_predicate(t, f), scope_predicate(t, scope))

    zero, none = literal(0), cast(null(), Double)
    actions = (
        select(
            k_e.label("k"),
            sum_if(et.c.code.in_(APPEALABLE_TYPE_CODES), e.c.actions).label("appealable_actions"),
            zero.label("appeals"),
            zero.label("decided_appeals"),
            zero.label("overturned"),
            literal(0.0).label("restored_eur"),
            none.label("decide_median_h"),
            none.label("decide_p90_h"),
        )
        .select_from(source(e))
        .where(*cond(e))
        .group_by(k_e)
    )
    appeals = (
        select(
            k_a.label("k"),
            zero.label("appealable_actions"),
            func.count().label("appeals"),
            sum_if(a.c.decide_hours.is_not(None), 1).label("decided_appeals"),
            sum_if(a.c.outcome == "overturned", 1).label("overturned"),
            total(a.c.amount_restored_eur).label("restored_eur"),
            percentile(a.c.decide_hours, 0.5).label("decide_median_h"),
            percentile(a.c.decide_hours, 0.9).label("decide_p90_h"),
        )
        .select_from(source(a))
        .where(*cond(a))
        .group_by(k_a)
    )
    u = union_all(actions, appeals).subquery("u")
    sums = ("appealable_actions", "appeals", "decided_appeals", "overturned", "restored_eur")
    stmt = select(
        u.c.k.label(out_key),
        *(func.sum(u.c[c]).label(c) for c in sums),
        func.max(u.c.decide_median_h).label("decide_median_h"),
        func.max(u.c.decide_p90_h).label("decide_p90_h"),
    ).group_by(u.c.k)
    return stmt if by is None else stmt.order_by(u.c.k)
