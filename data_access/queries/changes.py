"""Builders behind "What changed": the headline measures of two windows (current and
baseline) per member of each slicer, for the change decomposition (analytics.changes).

One grouped query per dimension, pushed down; a statement per source holds the dimensions
asked for as a UNION ALL of those grouped queries, so Overview runs three statements for
all six dimensions. Each row: ``dimension`` (the slicer's URL name), ``member`` (the value
a link carries: iso2, region, or the name), ``name`` (what people read), ``side``
('current' / 'baseline') and the measures. Every member of a dimension is returned (the
typology / detector NULL member holds the streams no detection is attributed to), so each
dimension's rows add up to the slice's totals, and its contributions to the whole change.

Sources read the marts the other pages read: the fraud mart (or its smallest rollup, see
``fraud_mart``) for streams, shares, royalties protected and money at risk;
mart_daily_enforcement for streams removed and outstanding fees; fact_case (as Overview's
case tiles) for cases opened and the SLA breach rate, each window judged at its own end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, Table, and_, case, literal, or_, select, union_all

from data_access import schema as s
from data_access.dimensions import BY_KEY, KEYS
from data_access.filters import Filters
from data_access.queries import cases as cq
from data_access.queries.common import (
    attribution_predicate,
    fraud_mart,
    scope_predicate,
    slice_predicate,
    whole_weeks,
)
from data_access.queries.measures import fee_outstanding, fraud_measures, total
from data_access.scope import Scope

COMPARISONS = ("week", "period", "year")
SOURCES = ("fraud", "enforcement", "cases")
CASE_DIMENSIONS = tuple(k for k in KEYS if k != "detector")  # cases span detections
YEAR_DAYS = 364  # 52 weeks: the same weekdays a year earlier


class Window(NamedTuple):
    start: date
    end: date


class Windows(NamedTuple):
    current: Window
    baseline: Window


def windows(f: Filters, comparison: str) -> Windows:
    """The two windows a comparison reads: 'week' the 7 days ending with the period's end
    against the 7 before; 'period' the period against the previous one of equal length;
    'year' the period against the same weeks 52 weeks earlier."""
    if comparison == "week":
        cur = Window(f.end - timedelta(days=6), f.end)
        return Windows(cur, Window(cur.start - timedelta(days=7), cur.start - timedelta(days=1)))
    if comparison == "period":
        prev = f.previous()
        return Windows(Window(f.start, f.end), Window(prev.start, prev.end))
    if comparison == "year":
        shift = timedelta(days=YEAR_DAYS)
        return Windows(Window(f.start, f.end), Window(f.start - shift, f.end - shift))
    raise ValueError(f"unknown comparison {comparison!r}")


def _check(dims: tuple[str, ...], allowed: tuple[str, ...] = KEYS) -> None:
    if not dims:
        raise ValueError("at least one dimension is needed")
    for d in dims:
        if d not in allowed:
            raise ValueError(f"cannot decompose by {d!r}")


def _side(col, w: Windows) -> tuple[ColumnElement, ColumnElement]:
    """(the 'side' label, the WHERE clause covering both windows) on a date column."""
    label = case((col >= w.current.start, literal("current")), else_=literal("baseline"))
    cond = or_(col.between(*w.current), col.between(*w.baseline))
    return label, cond


def _member(t: Table, dim: str):
    """(FROM clause, grouping key, member value, member name) of ``dim`` over table ``t``:
    the id column grouped, the dimension table joined afterwards for the names."""
    d = BY_KEY[dim]
    if dim == "region":
        mk = s.dim_market
        src = t.join(mk, mk.c.market_id == t.c.market_id)
        return src, mk.c.region, None
    # Markets are grouped by market_id (their iso2 comes from dim_market).
    return t, t.c[_grouping_column(t, d)], s.metadata.tables[d.table]


def _grouped(
    t: Table,
    dim: str,
    side: ColumnElement,
    where: ColumnElement,
    measures: dict,
    *,
    join: Callable[[object], object] | None = None,
) -> Select:
    """One dimension's grouped query: per member and side, the measures, with the names
    (``join`` adds tables the measures need to the FROM clause)."""
    src, key, table = _member(t, dim)
    src = join(src) if join is not None else src
    inner = (
        select(key.label("k"), side.label("side"), *(v.label(k) for k, v in measures.items()))
        .select_from(src)
        .where(where)
        .group_by(key, side)
        .subquery(f"by_{dim}")
    )
    values = [inner.c[k] for k in measures]
    if table is None:  # region: the member is its own name
        return select(
            literal(dim).label("dimension"),
            inner.c.k.label("member"),
            inner.c.k.label("name"),
            inner.c.side,
            *values,
        )
    d = BY_KEY[dim]
    name = s.dim_market.c.name if dim == "market" else table.c[d.name_column]
    return select(
        literal(dim).label("dimension"),
        table.c[d.name_column].label("member"),
        name.label("name"),
        inner.c.side,
        *values,
    ).select_from(inner.outerjoin(table, table.c[_grouping_column(t, d)] == inner.c.k))


def _grouping_column(t: Table, d) -> str:
    return d.id_column if d.id_column in t.c else d.key_column


def _union(parts: list[Select]) -> Select:
    if len(parts) == 1:
        return parts[0]
    u = union_all(*parts).subquery("u")
    return select(*u.c)


def _weeks(w: Windows) -> tuple[date, date] | None:
    """Both windows are whole ISO weeks: the weekly label rollup answers alike."""
    if whole_weeks(*w.current) and whole_weeks(*w.baseline):
        return w.baseline.start, w.current.end
    return None


def fraud_change_query(
    f: Filters, scope: Scope, *, comparison: str = "week", dims: tuple[str, ...] = KEYS
) -> Select:
    """Streams (the shares' denominator: all streams of the slice), detected and confirmed
    streams, royalties protected and royalties at risk, per member and side."""
    _check(dims)
    w = windows(f, comparison)
    parts = []
    for dim in dims:
        t = fraud_mart(f, scope, by=(dim,), weeks=_weeks(w))
        side, in_windows = _side(t.c.date_key, w)
        m = fraud_measures(attribution_predicate(t, f), t)
        cond = and_(in_windows, slice_predicate(t, f, attribution=False), scope_predicate(t, scope))
        keep = ("streams", "detected_streams", "confirmed_streams", "protected_eur", "at_risk_eur")
        parts.append(_grouped(t, dim, side, cond, {k: m[k] for k in keep}))
    return _union(parts)


def enforcement_change_query(
    f: Filters, scope: Scope, *, comparison: str = "week", dims: tuple[str, ...] = KEYS
) -> Select:
    """Streams removed and per-track fees outstanding (the fee part of exposure), by the
    day actions were applied, per member and side."""
    _check(dims)
    w = windows(f, comparison)
    t = s.mart_daily_enforcement
    side, in_windows = _side(t.c.date_key, w)
    cond = and_(in_windows, slice_predicate(t, f), scope_predicate(t, scope))
    measures = {
        "streams_removed": total(t.c.streams_removed),
        "fees_outstanding_eur": fee_outstanding(t.c),
    }
    return _union([_grouped(t, dim, side, cond, measures) for dim in dims])


def case_change_query(
    f: Filters,
    scope: Scope,
    *,
    comparison: str = "week",
    dims: tuple[str, ...] = CASE_DIMENSIONS,
    case_events: bool = True,
) -> Select:
    """Cases opened, cases due and their SLA breaches per member and side; each window is
    judged at its own end (as Overview's tiles), so the two compare alike. No detector."""
    _check(dims, CASE_DIMENSIONS)
    w = windows(f, comparison)
    c, p = s.fact_case, s.dim_priority
    current = c.c.opened_at >= cq.midnight(w.current.start)
    side = case((current, literal("current")), else_=literal("baseline"))
    cutoff = case(
        (current, cq.sla_cutoff(w.current.end, case_events)),
        else_=cq.sla_cutoff(w.baseline.end, case_events),
    )
    m = cq.sla_measures(cutoff, p.c)
    measures = {k: m[k] for k in ("cases_opened", "cases_due", "sla_breaches")}

    def opened(win: Window) -> ColumnElement:
        return and_(
            c.c.opened_at >= cq.midnight(win.start),
            c.c.opened_at < cq.midnight(win.end + timedelta(days=1)),
        )

    cond = and_(or_(opened(w.current), opened(w.baseline)), cq.case_predicate(f, scope))

    def priority(src):
        return src.outerjoin(p, p.c.priority == c.c.priority)

    return _union([_grouped(c, dim, side, cond, measures, join=priority) for dim in dims])
