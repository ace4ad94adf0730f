"""Builders behind the Operations plan page: the review queue week by week (arrivals,
decisions, queue size and age at each week's end), time in queue and in review by detector
or typology, the team (per reviewer), the time-to-decision histogram the staffing model
reads, weekly detections for its forecast, and the case backlog by owner team.

Reviews are sliced through their detection (market, label, distributor, typology,
detector) and scoped like it; team-scoped viewers see no review. Weeks are ISO weeks cut to
the period: a week's window is [max(Monday, start), min(next Monday, end + 1 day)), passed
as bound parameters (one row per week, at most the period's weeks).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from data_access import schema as s
from data_access.dialect import hours_between, percentile, trunc_date
from data_access.filters import Filters
from data_access.queries.common import scope_predicate, slice_predicate, where
from data_access.queries.measures import sum_if, total
from data_access.scope import Scope

BY = ("detector", "typology")  # how review times are split (allow-list)
HIST_STEP_H = 0.25  # the time-to-decision histogram's bucket width (hours)
MAX_WEEKS = 160  # a period longer than this is cut to its last weeks


def _ts(d: date) -> datetime:
    return datetime.combine(d, time())


def week_windows(start: date, end: date) -> list[tuple[date, datetime, datetime]]:
    """(Monday, window start, window end) of every ISO week touching [start, end]."""
    monday = start - timedelta(days=start.weekday())
    stop = _ts(end + timedelta(days=1))
    out = []
    while _ts(monday) < stop:
        out.append((monday, max(_ts(monday), _ts(start)), min(_ts(monday + timedelta(7)), stop)))
        monday += timedelta(days=7)
    return out[-MAX_WEEKS:]


def weeks_table(f: Filters):
    """The period's weeks as a small derived table (week, w_start, w_end), bound values."""
    rows = [
        select(
            cast(literal(m, Date()), Date()).label("week"),
            cast(literal(a, DateTime()), DateTime()).label("w_start"),
            cast(literal(b, DateTime()), DateTime()).label("w_end"),
        )
        for m, a, b in week_windows(f.start, f.end)
    ]
    return union_all(*rows).subquery("weeks")


def review_predicate(f: Filters, scope: Scope) -> ColumnElement:
    d = s.fact_detection
    return and_(slice_predicate(d, f), scope_predicate(d, scope))


def _reviews():
    r, d = s.fact_review, s.fact_detection
    return r.join(d, d.c.detection_id == r.c.detection_id)


def review_flow_query(f: Filters, scope: Scope) -> Select:
    """Per week: reviews queued (detections arriving) and decided in the week; at the week's
    end, reviews open (queued, not decided), of them waiting (not started), and the open
    ones' median / p90 / oldest age in hours; analysts who decided a review in the week."""
    r = s.fact_review.c
    w = weeks_table(f)
    per = (
        select(
            r.review_id,
            r.queued_at,
            r.started_at,
            r.decided_at,
            r.reviewer_id,
        )
        .select_from(_reviews())
        .where(review_predicate(f, scope))
        .subquery("r")
    )
    p = per.c
    is_open = and_(p.queued_at < w.c.w_end, or_(p.decided_at.is_(None), p.decided_at >= w.c.w_end))
    waiting = and_(is_open, or_(p.started_at.is_(None), p.started_at >= w.c.w_end))
    decided_in = and_(p.decided_at >= w.c.w_start, p.decided_at < w.c.w_end)
    age = case((is_open, hours_between(p.queued_at, w.c.w_end)))
    return (
        select(
            w.c.week,
            sum_if(and_(p.queued_at >= w.c.w_start, p.queued_at < w.c.w_end)).label("arrivals"),
            sum_if(decided_in).label("decided"),
            sum_if(is_open).label("open_end"),
            sum_if(waiting).label("waiting_end"),
            percentile(age, 0.5).label("age_median_h"),
            percentile(age, 0.9).label("age_p90_h"),
            func.max(age).label("age_max_h"),
            func.count(func.distinct(case((decided_in, p.reviewer_id)))).label("analysts"),
        )
        .select_from(
            w.outerjoin(
                per,
                and_(
                    p.queued_at < w.c.w_end,
                    or_(p.decided_at.is_(None), p.decided_at >= w.c.w_start),
                ),
            )
        )
        .group_by(w.c.week)
        .order_by(w.c.week)
    )


def _queued_in(f: Filters) -> ColumnElement:
    r = s.fact_review.c
    return and_(r.queued_at >= _ts(f.start), r.queued_at < _ts(f.end + timedelta(days=1)))


def review_times_query(f: Filters, scope: Scope, *, by: str = "detector") -> Select:
    """Per detector (or typology), over reviews queued in the period: reviews, decided,
    confirmed, and median / p90 hours in queue (queued -> started), in review (started ->
    decided) and to decision (queued -> decided)."""
    if by not in BY:
        raise ValueError(f"cannot split review times by {by!r}")
    r = s.fact_review.c
    dim = s.dim_detector if by == "detector" else s.dim_typology
    key = f"{by}_id"
    name = dim.c.name.label(by)
    in_queue = hours_between(r.queued_at, r.started_at)
    in_review = hours_between(r.started_at, r.decided_at)
    to_decision = hours_between(r.queued_at, r.decided_at)
    return (
        select(
            name,
            func.count().label("reviews"),
            func.count(r.decided_at).label("decided"),
            sum_if(r.outcome == "confirmed").label("confirmed"),
            percentile(in_queue, 0.5).label("queue_median_h"),
            percentile(in_queue, 0.9).label("queue_p90_h"),
            percentile(in_review, 0.5).label("review_median_h"),
            percentile(in_review, 0.9).label("review_p90_h"),
            percentile(to_decision, 0.5).label("decision_median_h"),
            percentile(to_decision, 0.9).label("decision_p90_h"),
        )
        .select_from(_reviews().join(dim, dim.c[key] == s.fact_detection.c[key]))
        .where(_queued_in(f), review_predicate(f, scope))
        .group_by(dim.c.name)
        .order_by(func.count().desc(), dim.c.name)
    )


def team_query(f: Filters, scope: Scope) -> Select:
    """Per reviewer, over reviews decided in the period: decided, analyst-weeks (weeks with
    a decision), confirmed, median / p90 hours in review. Carries ``reviewer_id``: the
    loader replaces it with a pseudonym for viewers without the personal-data right."""
    r = s.fact_review.c
    decided_in = and_(r.decided_at >= _ts(f.start), r.decided_at < _ts(f.end + timedelta(days=1)))
    in_review = hours_between(r.started_at, r.decided_at)
    return (
        select(
            r.reviewer_id,
            func.count().label("decided"),
            func.count(func.distinct(trunc_date("week", r.decided_at))).label("analyst_weeks"),
            sum_if(r.outcome == "confirmed").label("confirmed"),
            percentile(in_review, 0.5).label("review_median_h"),
            percentile(in_review, 0.9).label("review_p90_h"),
        )
        .select_from(_reviews())
        .where(decided_in, r.reviewer_id.is_not(None), review_predicate(f, scope))
        .group_by(r.reviewer_id)
        .order_by(r.reviewer_id)
    )


def data_as_of() -> ColumnElement:
    """The warehouse's last review timestamp: what is known about undecided reviews ends."""
    r = s.fact_review.c
    return select(func.max(func.coalesce(r.decided_at, r.queued_at))).scalar_subquery()


def decision_histogram_query(f: Filters, scope: Scope) -> Select:
    """Reviews queued in the period by hours to decision (rounded up to HIST_STEP_H); the
    undecided ones by their age at the warehouse's last review (``decided`` false)."""
    r = s.fact_review.c
    hours = hours_between(r.queued_at, func.coalesce(r.decided_at, data_as_of()))
    bucket = func.ceil(hours / HIST_STEP_H) * HIST_STEP_H
    per = (
        select(bucket.label("hours"), r.decided_at.is_not(None).label("decided"))
        .select_from(_reviews())
        .where(_queued_in(f), review_predicate(f, scope))
        .subquery("per_review")
    )
    return (
        select(per.c.hours, per.c.decided, func.count().label("reviews"))
        .group_by(per.c.hours, per.c.decided)
        .order_by(per.c.decided, per.c.hours)
    )


def weekly_detections_query(f: Filters, scope: Scope) -> Select:
    """Detections per ISO week over the period (mart_daily_detection): the series the
    staffing forecast extends."""
    t = s.mart_daily_detection
    week = trunc_date("week", t.c.date_key)
    return (
        select(week.label("week"), total(t.c.n_detected).label("detections"))
        .where(where(t, f, scope))
        .group_by(week)
        .order_by(week)
    )


def case_team_weekly_query(f: Filters, scope: Scope) -> Select:
    """Per week and owner team at the week's end (the team of the case's last opening or
    hand-off before then, from fact_case_event): cases open at the end, of them awaiting a
    first response, past an SLA (first response or resolution, dim_priority), at risk (not
    past but older than half its resolution SLA, or awaiting a response for more than half
    its first-response SLA); cases opened, first responses and resolutions in the week;
    the open cases' median and oldest age (hours)."""
    c, e, p, team = s.fact_case, s.fact_case_event, s.dim_priority, s.dim_team
    w = weeks_table(f)
    cases = (
        select(
            c.c.case_id,
            c.c.opened_at,
            c.c.first_response_at,
            c.c.resolved_at,
            p.c.first_response_sla_hours.label("fr_sla"),
            p.c.resolution_sla_hours.label("res_sla"),
        )
        .select_from(c.outerjoin(p, p.c.priority == c.c.priority))
        .where(
            slice_predicate(c, f.narrowed(detectors=())),
            scope_predicate(c, scope),
        )
        .subquery("c")
    )
    k = cases.c
    # (week, case, owner event) with the newest opening / hand-off before the week's end.
    ranked = (
        select(
            w.c.week,
            w.c.w_start,
            w.c.w_end,
            k.case_id,
            k.opened_at,
            k.first_response_at,
            k.resolved_at,
            k.fr_sla,
            k.res_sla,
            e.c.to_team_id.label("team_id"),
            func.row_number()
            .over(
                partition_by=(w.c.week, k.case_id),
                order_by=(e.c.event_at.desc(), e.c.case_event_id.desc()),
            )
            .label("rn"),
        )
        .select_from(
            w.join(
                cases,
                and_(
                    k.opened_at < w.c.w_end,
                    or_(k.resolved_at.is_(None), k.resolved_at >= w.c.w_start),
                ),
            ).join(
                e,
                and_(
                    e.c.case_id == k.case_id,
                    e.c.event_at < w.c.w_end,
                    e.c.to_team_id.is_not(None),
                ),
            )
        )
        .subquery("ranked")
    )
    o = ranked.c
    end = o.w_end
    is_open = or_(o.resolved_at.is_(None), o.resolved_at >= end)
    awaiting = and_(is_open, or_(o.first_response_at.is_(None), o.first_response_at >= end))
    age = hours_between(o.opened_at, end)
    past = and_(is_open, or_(age > o.res_sla, and_(awaiting, age > o.fr_sla)))
    risk = and_(
        is_open,
        ~past,
        or_(age > o.res_sla * 0.5, and_(awaiting, age > o.fr_sla * 0.5)),
    )
    open_age = case((is_open, age))
    return (
        select(
            o.week,
            team.c.name.label("owner_team"),
            sum_if(is_open).label("open_end"),
            sum_if(awaiting).label("awaiting_response_end"),
            sum_if(past).label("past_sla_end"),
            sum_if(risk).label("at_risk_end"),
            sum_if(o.opened_at >= o.w_start).label("opened"),
            sum_if(and_(o.first_response_at >= o.w_start, o.first_response_at < end)).label(
                "responded"
            ),
            sum_if(and_(o.resolved_at >= o.w_start, o.resolved_at < end)).label("resolved"),
            percentile(open_age, 0.5).label("age_median_h"),
            func.max(open_age).label("age_max_h"),
        )
        .select_from(ranked.join(team, team.c.team_id == o.team_id))
        .where(o.rn == 1)
        .group_by(o.week, team.c.name)
        .order_by(o.week, team.c.name)
    )
