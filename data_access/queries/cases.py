"""Builders behind the Cases & escalations page: open backlog by priority, age and owner team,
response and resolution times against each priority's SLA, the weekly SLA breach rate,
hand-offs between teams, and one bounded, sorted page of the case list.

Cases have no detector: the detector filter does not apply (``slice_predicate`` skips a
column the table lacks). The "as of" instant of the backlog is the end of the period's last
day, passed as a bound parameter.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
)

from data_access import schema as s
from data_access.dialect import hours_between, percentile, trunc_date
from data_access.filters import Filters
from data_access.queries.common import scope_predicate, slice_predicate
from data_access.queries.measures import sum_if, total
from data_access.scope import Scope

# Age buckets of the open backlog: (label, upper bound in hours, exclusive); None = no bound.
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("<1 d", 24),
    ("1–3 d", 72),
    ("3–7 d", 7 * 24),
    ("7–30 d", 30 * 24),
    (">30 d", None),
)
AGE_ORDER = tuple(name for name, _ in AGE_BUCKETS)

# The case list: sortable columns (allow-list) and page sizes.
PAGE_SIZES = (10, 25, 50, 100)
MAX_PAGE = 10_000
SORT_KEYS = ("opened", "priority", "exposure", "age", "status")


def midnight(d: date) -> ColumnElement:
    """Midnight at the start of ``d`` as a bound TIMESTAMP parameter."""
    return cast(literal(datetime.combine(d, time()), DateTime()), DateTime())


def as_of(f: Filters) -> ColumnElement:
    """The end of the period (midnight after its last day): the backlog's "as of" instant."""
    return midnight(f.end + timedelta(days=1))


def case_predicate(f: Filters, scope: Scope) -> ColumnElement:
    """Global filters (no detector: cases span detections) and the viewer's scope."""
    c = s.fact_case
    return and_(slice_predicate(c, f.narrowed(detectors=())), scope_predicate(c, scope))


def opened_in_period(f: Filters) -> ColumnElement:
    c = s.fact_case.c
    return and_(c.opened_at >= midnight(f.start), c.opened_at < as_of(f))


def data_as_of(case_events: bool = True) -> ColumnElement:
    """The warehouse's last case event: what is known about waiting cases ends there.
    Without case events (not mapped: ``case_events=False``) it is unknown (NULL)."""
    if not case_events:
        return cast(null(), DateTime())
    return select(func.max(s.fact_case_event.c.event_at)).scalar_subquery()


def sla_cutoff(end: date, case_events: bool = True) -> ColumnElement:
    """The instant a period's SLA outcomes are judged at: the end of its last day, or the
    warehouse's last case event when that comes first (nothing is known after it)."""
    end_ts, last = midnight(end + timedelta(days=1)), data_as_of(case_events)
    return case((last < end_ts, last), else_=end_ts)


def _breaches(cutoff: ColumnElement, p) -> tuple[ColumnElement, ColumnElement]:
    """(first response missed, resolution missed); a case still waiting at ``cutoff`` is
    judged by its wait so far."""
    c = s.fact_case.c
    fr = hours_between(c.opened_at, func.coalesce(c.first_response_at, cutoff))
    res = hours_between(c.opened_at, func.coalesce(c.resolved_at, cutoff))
    return fr > p.first_response_sla_hours, res > p.resolution_sla_hours


def sla_breached(
    p=None, cutoff: ColumnElement | None = None, *, case_events: bool = True
) -> ColumnElement:
    """Either SLA missed; cases still waiting count once their SLA has passed as of
    ``cutoff`` (default: the warehouse's last case event, as mart_case_daily does)."""
    p = p if p is not None else s.dim_priority.c
    return or_(*_breaches(data_as_of(case_events) if cutoff is None else cutoff, p))


def sla_due(cutoff: ColumnElement, p=None) -> ColumnElement:
    """The case's SLA windows (first response and resolution) had both closed by
    ``cutoff``: only then is "not breached" a fact rather than "not yet". The SLA breach
    rate counts these cases only, so the newest cases of a period (which cannot have
    breached yet) do not read as an improvement."""
    c, p = s.fact_case.c, (p if p is not None else s.dim_priority.c)
    age = hours_between(c.opened_at, cutoff)
    return and_(age > p.first_response_sla_hours, age > p.resolution_sla_hours)


def sla_measures(cutoff: ColumnElement, p=None) -> dict[str, ColumnElement]:
    """Cases opened, cases due (windows closed by ``cutoff``) and, among those due, the
    breaches of either SLA, of the first-response and of the resolution SLA."""
    p = p if p is not None else s.dim_priority.c
    due = sla_due(cutoff, p)
    fr, res = _breaches(cutoff, p)
    return {
        "cases_opened": func.count(),
        "cases_due": sum_if(due, 1),
        "sla_breaches": sum_if(and_(due, or_(fr, res)), 1),
        "first_response_breaches": sum_if(and_(due, fr), 1),
        "resolution_breaches": sum_if(and_(due, res), 1),
    }


def backlog_query(f: Filters, scope: Scope) -> Select:
    """Cases open at the end of the period, by priority, age bucket and owner team."""
    c, team = s.fact_case, s.dim_team
    cut = as_of(f)
    age = hours_between(c.c.opened_at, cut)
    bucket = case(
        *((age < hi, literal(name)) for name, hi in AGE_BUCKETS if hi is not None),
        else_=literal(AGE_BUCKETS[-1][0]),
    )
    is_open = and_(c.c.opened_at < cut, or_(c.c.resolved_at.is_(None), c.c.resolved_at >= cut))
    per_case = (
        select(
            c.c.priority.label("priority"),
            bucket.label("age_bucket"),
            team.c.name.label("owner_team"),
            c.c.exposure_eur.label("exposure_eur"),
            age.label("age_h"),
        )
        .select_from(c.join(team, team.c.team_id == c.c.owner_team_id))
        .where(is_open, case_predicate(f, scope))
        .subquery("open_case")
    )
    o = per_case.c
    return (
        select(
            o.priority,
            o.age_bucket,
            o.owner_team,
            func.count().label("cases"),
            func.sum(o.exposure_eur).label("exposure_eur"),
            func.max(o.age_h).label("oldest_h"),
        )
        .group_by(o.priority, o.age_bucket, o.owner_team)
        .order_by(o.priority, o.age_bucket, o.owner_team)
    )


def response_times_query(f: Filters, scope: Scope) -> Select:
    """Per priority, over cases opened in the period: median and p90 hours to first response
    and to resolution (cases with that timestamp), the SLA hours and how many met them.
    A priority without a dim_priority row has no SLA hours (NULL) and none met."""
    c, p = s.fact_case, s.dim_priority
    fr = hours_between(c.c.opened_at, c.c.first_response_at)
    res = hours_between(c.c.opened_at, c.c.resolved_at)
    keys = (c.c.priority, p.c.first_response_sla_hours, p.c.resolution_sla_hours)
    return (
        select(
            c.c.priority,
            p.c.first_response_sla_hours.label("first_response_sla_h"),
            p.c.resolution_sla_hours.label("resolution_sla_h"),
            func.count().label("cases"),
            func.count(c.c.first_response_at).label("responded"),
            func.count(c.c.resolved_at).label("resolved"),
            percentile(fr, 0.5).label("first_response_median_h"),
            percentile(fr, 0.9).label("first_response_p90_h"),
            percentile(res, 0.5).label("resolution_median_h"),
            percentile(res, 0.9).label("resolution_p90_h"),
            sum_if(fr <= p.c.first_response_sla_hours, 1).label("first_response_within_sla"),
            sum_if(res <= p.c.resolution_sla_hours, 1).label("resolution_within_sla"),
        )
        .select_from(c.outerjoin(p, p.c.priority == c.c.priority))
        .where(opened_in_period(f), case_predicate(f, scope))
        .group_by(*keys)
        .order_by(c.c.priority)
    )


def sla_weekly_query(f: Filters, scope: Scope, *, case_events: bool = True) -> Select:
    """Cases opened per week; how many were due (SLA windows closed by the period end) and,
    of those, how many missed an SLA (either, first response, resolution).

    Read from fact_case, not mart_case_daily: whether a case is due depends on the hour it
    opened and on the period's end, which a daily mart judged once cannot know. A week whose
    newest cases are not due yet is partial (``cases_due < cases_opened``)."""
    c, p = s.fact_case, s.dim_priority
    week = trunc_date("week", c.c.opened_at)
    m = sla_measures(sla_cutoff(f.end, case_events), p.c)
    return (
        select(
            week.label("week"),
            *(v.label(k) for k, v in m.items()),
            total(c.c.exposure_eur).label("exposure_eur"),
        )
        .select_from(c.outerjoin(p, p.c.priority == c.c.priority))
        .where(opened_in_period(f), case_predicate(f, scope))
        .group_by(week)
        .order_by(week)
    )


def escalation_flows_query(f: Filters, scope: Scope) -> Select:
    """Hand-offs in the period between teams (from -> to), over cases in the slice and scope."""
    e, c = s.fact_case_event, s.fact_case
    src, dst = s.dim_team.alias("from_team"), s.dim_team.alias("to_team")
    n = func.count()
    return (
        select(
            src.c.name.label("from_team"),
            dst.c.name.label("to_team"),
            n.label("handoffs"),
            func.count(func.distinct(e.c.case_id)).label("cases"),
            total(c.c.exposure_eur).label("exposure_eur"),
        )
        .select_from(
            e.join(c, c.c.case_id == e.c.case_id)
            .join(src, src.c.team_id == e.c.from_team_id)
            .join(dst, dst.c.team_id == e.c.to_team_id)
        )
        .where(
            e.c.event_type == "handoff",
            e.c.event_at >= midnight(f.start),
            e.c.event_at < as_of(f),
            case_predicate(f, scope),
        )
        .group_by(src.c.name, dst.c.name)
        .order_by(n.desc(), src.c.name, dst.c.name)
    )


def case_count_query(f: Filters, scope: Scope) -> Select:
    """How many cases the case list holds (cases opened in the period)."""
    return (
        select(func.count().label("cases"))
        .select_from(s.fact_case)
        .where(opened_in_period(f), case_predicate(f, scope))
    )


def case_page_query(
    f: Filters,
    scope: Scope,
    *,
    sort: str = "opened",
    descending: bool = True,
    page: int = 1,
    page_size: int = 25,
    case_events: bool = True,
) -> Select:
    """One page of the cases opened in the period, sorted by an allow-listed column.

    LIMIT and OFFSET are bound parameters; ``sort`` must be one of SORT_KEYS.
    ``case_events=False``: the warehouse maps none (a waiting case's breach is unknown).
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"cannot sort cases by {sort!r}")
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size must be one of {PAGE_SIZES}")
    if not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise ValueError(f"page must be between 1 and {MAX_PAGE}")
    c, p, team = s.fact_case, s.dim_priority, s.dim_team
    typ, mkt, lab = s.dim_typology, s.dim_market, s.dim_label
    cut = as_of(f)
    # Age as of the period end: until resolution if it came before, else until the end.
    age = hours_between(
        c.c.opened_at,
        case(
            (and_(c.c.resolved_at.is_not(None), c.c.resolved_at < cut), c.c.resolved_at),
            else_=cut,
        ),
    )
    sort_col = {
        "opened": c.c.opened_at,
        "priority": c.c.priority,
        "exposure": c.c.exposure_eur,
        "age": age,
        "status": c.c.status,
    }[sort]
    order = sort_col.desc() if descending else sort_col.asc()
    tiebreak = c.c.case_id.desc() if descending else c.c.case_id.asc()
    return (
        select(
            c.c.case_id,
            c.c.opened_at,
            c.c.priority,
            c.c.status,
            team.c.name.label("owner_team"),
            typ.c.name.label("typology"),
            mkt.c.iso2.label("market"),
            lab.c.name.label("label"),
            c.c.exposure_eur,
            hours_between(c.c.opened_at, c.c.first_response_at).label("first_response_h"),
            hours_between(c.c.opened_at, c.c.resolved_at).label("resolution_h"),
            age.label("age_h"),
            sla_breached(p.c, case_events=case_events).label("sla_breached"),
        )
        .select_from(
            c.outerjoin(p, p.c.priority == c.c.priority)
            .join(team, team.c.team_id == c.c.owner_team_id)
            .join(typ, typ.c.typology_id == c.c.typology_id)
            .join(mkt, mkt.c.market_id == c.c.market_id)
            .join(lab, lab.c.label_id == c.c.label_id)
        )
        .where(opened_in_period(f), case_predicate(f, scope))
        .order_by(order, tiebreak)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
