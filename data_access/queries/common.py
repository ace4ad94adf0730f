"""Predicates shared by every builder: the global filters and the viewer's row scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Table,
    and_,
    false,
    select,
    true,
    type_coerce,
)

from data_access import schema as s
from data_access.dimensions import BY_KEY, DIMENSIONS, Dimension
from data_access.filters import Filters
from data_access.scope import Scope


def as_bigint(col) -> ColumnElement:
    """``col`` typed BIGINT for comparisons with bound ids (the SQL holds no CAST).

    PostgreSQL's driver casts each bound value to the type its column is declared with, and
    the schema declares label / distributor ids INTEGER: an id beyond 2**31 (a warehouse's own
    BIGINT keys, an 18-digit id in a link) failed with "integer out of range". Bound as
    BIGINT, it is compared (and an INTEGER column's index still serves the comparison)."""
    return type_coerce(col, BigInteger) if isinstance(col.type, Integer) else col


def period(col, start: date, end: date) -> ColumnElement:
    return col.between(start, end)


def slice_predicate(t: Table, f: Filters, *, attribution: bool = True) -> ColumnElement:
    """The filters' WHERE clause for a table with the mart key columns.

    ``attribution=False`` leaves out typology/detector, for denominators such as "all
    streams" that no detection is attributed to.
    """
    parts: list[ColumnElement] = []
    for d in DIMENSIONS:
        values = getattr(f, d.attr)
        if not values or (d.attributed and not attribution):
            continue
        member = dimension_member(t, d, values)
        if member is not None:
            parts.append(member)
    return and_(true(), *parts)


def dimension_member(t: Table, d: Dimension, values: tuple) -> ColumnElement | None:
    """Rows of ``t`` in the chosen members of ``d`` (None: ``t`` is not sliced by ``d``).

    By the id column where the table has it; otherwise through the dimension's lookup table
    (markets by code or region -> market_id; distributors -> their labels)."""
    if d.id_column in t.c:
        return as_bigint(t.c[d.id_column]).in_(values)
    if d.attributed or d.lookup is None:
        return None  # a table without the column is not sliced by it (cases: no detector)
    lookup = s.metadata.tables[d.lookup]
    return t.c[d.key_column].in_(
        select(lookup.c[d.key_column]).where(as_bigint(lookup.c[d.id_column]).in_(values))
    )


def attribution_predicate(t: Table, f: Filters) -> ColumnElement:
    """Typology / detector filter alone (for numerators over the streams mart)."""
    parts = []
    if f.typologies:
        parts.append(t.c.typology_id.in_(f.typologies))
    if f.detectors:
        parts.append(t.c.detector_id.in_(f.detectors))
    return and_(true(), *parts)


def scope_predicate(t: Table, scope: Scope) -> ColumnElement:
    """Row-level security: labels / distributors / team the viewer may see."""
    c = t.c
    parts: list[ColumnElement] = []
    if scope.labels is not None:
        parts.append(c.label_id.in_(scope.labels) if scope.labels else false())
    if scope.distributors is not None:
        parts.append(
            dimension_member(t, BY_KEY["distributor"], scope.distributors)
            if scope.distributors
            else false()
        )
    if scope.team is not None:
        if "owner_team_id" in c:
            team_id = select(s.dim_team.c.team_id).where(s.dim_team.c.code == scope.team)
            parts.append(c.owner_team_id.in_(team_id))
        else:
            # Team-scoped viewers see case data only.
            parts.append(false())
    return and_(true(), *parts)


def where(t: Table, f: Filters, scope: Scope, *, date_col=None, attribution=True):
    """Filters + scope + the period on ``date_col`` (default ``t.c.date_key``)."""
    col = t.c.date_key if date_col is None else date_col
    return and_(
        period(col, f.start, f.end),
        slice_predicate(t, f, attribution=attribution),
        scope_predicate(t, scope),
    )


def whole_weeks(start: date, end: date) -> bool:
    """True when [start, end] is a run of whole ISO weeks (Monday to Sunday)."""
    return start.weekday() == 0 and end.weekday() == 6 and start <= end


def fraud_mart(
    f: Filters,
    scope: Scope,
    *,
    by: tuple[str, ...] = (),
    weeks: tuple[date, date] | None = None,
) -> Table:
    """The smallest of mart_daily_fraud and its rollups that holds every column the query
    filters (filters and scope) or groups (``by``: market / region / label / distributor /
    typology / detector) by. The rollups carry the same measure columns, so a builder only
    swaps the table: at scale 10 the market rollup is 100x smaller than the mart.

    ``weeks=(start, end)``: the caller reads whole ISO weeks over that span and groups by
    week (or not by date at all), so a weekly rollup (``date_key`` = the week's Monday)
    gives the same answer."""
    market = bool(f.markets or f.regions) or any(b in ("market", "region") for b in by)
    label = (
        bool(f.labels or f.distributors)
        or scope.labels is not None
        or scope.distributors is not None
        or any(b in ("label", "distributor") for b in by)
    )
    if market and label:
        return s.mart_daily_fraud
    if not label:
        return s.mart_daily_market_fraud
    if weeks is not None and whole_weeks(*weeks):
        return s.mart_weekly_label_fraud
    return s.mart_daily_label_fraud
