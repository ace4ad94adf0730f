"""Builds the marts (daily rollups the pages read) from the facts, in portable SQL.

Each mart is one ``INSERT INTO mart SELECT ... GROUP BY ...`` statement built with
SQLAlchemy Core, so the same code builds them in DuckDB, PostgreSQL or any warehouse (on
Spark SQL the same SELECT, as ``CREATE TABLE ... USING parquet AS SELECT``).

    python -m data_access.marts --url URL               # build them
    python -m data_access.marts --url URL --print-sql   # print the SQL for URL's dialect

An optional input the warehouse does not map (data_access.availability) reads as an empty
relation where a mart only joins it; a mart built from it alone is skipped (one line each).
Exit status 0 when built; 1 with one line on stderr (which mart, what failed) otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Engine,
    Index,
    Insert,
    Select,
    and_,
    case,
    cast,
    create_engine,
    false,
    func,
    insert,
    inspect,
    null,
    or_,
    select,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.schema import CreateTable

from data_access import availability
from data_access import schema as s
from data_access.dialect import CreateTableAs, as_date, hours_between, true, trunc_date
from data_access.queries.measures import added, sum_if


def source(table, absent: frozenset[str] = frozenset()):
    """``table``, or when it is ``absent`` (an optional input the warehouse does not map) a
    relation with its columns and no rows: a mart that only joins it then reads 0 from it."""
    if table.name not in absent:
        return table
    cols = [cast(null(), c.type).label(c.name) for c in table.columns]
    return select(*cols).where(false()).subquery(table.name)


def daily_fraud_select() -> Select:
    f, t, lab, m = s.fact_streams_daily, s.dim_track, s.dim_label, s.dim_market
    rate = m.c.payout_per_1k_streams_eur / 1000.0
    keys = (
        f.c.date_key,
        f.c.market_id,
        t.c.label_id,
        lab.c.distributor_id,
        f.c.typology_id,
        f.c.detector_id,
    )
    return (
        select(
            *keys,
            func.sum(f.c.streams),
            func.sum(f.c.flagged_streams),
            func.sum(f.c.confirmed_streams),
            func.sum(f.c.true_artificial_streams),
            func.sum(f.c.royalty_eur),
            func.sum(f.c.confirmed_streams * rate),
            # Money at risk: estimated artificial streams not (yet) removed.
            func.sum(func.greatest(f.c.true_artificial_streams - f.c.confirmed_streams, 0) * rate),
        )
        .select_from(
            f.join(t, t.c.track_id == f.c.track_id)
            .join(lab, lab.c.label_id == t.c.label_id)
            .join(m, m.c.market_id == f.c.market_id)
        )
        .group_by(*keys)
    )


def _detection_keys(d, lab) -> tuple:
    """A detection's day and slice keys (the distributor through its label)."""
    return (
        as_date(d.c.detected_at),
        d.c.market_id,
        d.c.label_id,
        lab.c.distributor_id,
        d.c.typology_id,
        d.c.detector_id,
    )


def daily_detection_select(absent: frozenset[str] = frozenset()) -> Select:
    """Without appeals (``absent``) the appealed and upheld stages are 0."""
    d, r, lab, m = s.fact_detection, s.fact_review, s.dim_label, s.dim_market
    e, a = s.fact_enforcement, source(s.fact_appeal, absent)
    enforced = select(e.c.detection_id).group_by(e.c.detection_id).subquery("enforced_det")
    appeals = (
        select(
            e.c.detection_id,
            func.count().label("n_appeals"),
            func.sum(case((a.c.outcome == "upheld", 1), else_=0)).label("n_upheld"),
        )
        .select_from(a.join(e, e.c.enforcement_id == a.c.enforcement_id))
        .group_by(e.c.detection_id)
        .subquery("appealed_det")
    )
    rate = m.c.payout_per_1k_streams_eur / 1000.0
    reviewed = r.c.outcome != "pending"
    confirmed = r.c.outcome == "confirmed"
    is_enf = enforced.c.detection_id.is_not(None)
    is_app = appeals.c.detection_id.is_not(None)
    is_upheld = and_(is_app, appeals.c.n_upheld > 0)
    conf_streams = r.c.streams_confirmed
    stages = {
        "detected": None,
        "reviewed": reviewed,
        "confirmed": confirmed,
        "enforced": is_enf,
        "appealed": is_app,
        "upheld": is_upheld,
    }
    cols = []
    for stage, cond in stages.items():
        # Streams and money: flagged until a detection is confirmed, confirmed after.
        streams = d.c.streams_flagged if stage in ("detected", "reviewed") else conf_streams
        money = (
            d.c.estimated_amount_eur if stage in ("detected", "reviewed") else (conf_streams * rate)
        )
        if cond is None:
            cols += [func.count(), func.sum(streams), func.sum(money)]
        else:
            cols += [sum_if(cond), sum_if(cond, streams), sum_if(cond, money)]
    keys = _detection_keys(d, lab)
    return (
        select(
            *keys,
            *cols,
            sum_if(r.c.outcome == "false_positive"),
            func.sum(hours_between(d.c.activity_started_at, d.c.detected_at)),
            sum_if(reviewed, hours_between(r.c.queued_at, r.c.decided_at)),
        )
        .select_from(
            d.join(r, r.c.detection_id == d.c.detection_id)
            .join(lab, lab.c.label_id == d.c.label_id)
            .join(m, m.c.market_id == d.c.market_id)
            .outerjoin(enforced, enforced.c.detection_id == d.c.detection_id)
            .outerjoin(appeals, appeals.c.detection_id == d.c.detection_id)
        )
        .group_by(*keys)
    )


def _action_keys(e, d) -> tuple:
    """An enforcement action's applied day, slice keys (its detection's typology and
    detector) and type."""
    return (
        as_date(e.c.applied_at),
        e.c.market_id,
        e.c.label_id,
        e.c.distributor_id,
        d.c.typology_id,
        d.c.detector_id,
        e.c.enforcement_type_id,
    )


def daily_enforcement_select() -> Select:
    e, d = s.fact_enforcement, s.fact_detection
    rev = e.c.status == "reversed"
    keys = _action_keys(e, d)
    return (
        select(
            *keys,
            func.count(),
            sum_if(rev),
            func.sum(e.c.streams_removed),
            func.sum(e.c.amount_eur),
            func.sum(e.c.recovered_eur),
            sum_if(rev, e.c.amount_eur),
        )
        .select_from(e.join(d, d.c.detection_id == e.c.detection_id))
        .group_by(*keys)
    )


def case_daily_select(absent: frozenset[str] = frozenset()) -> Select:
    """Cases per opening day and slice. A case whose priority has no dim_priority row is
    kept (its SLA breach unknown: not counted as a breach); without case events
    (``absent``) a case still waiting is judged by nothing (no breach counted)."""
    c, p = s.fact_case, s.dim_priority
    ev = source(s.fact_case_event, absent)
    keys = (
        as_date(c.c.opened_at),
        c.c.market_id,
        c.c.label_id,
        c.c.distributor_id,
        c.c.typology_id,
        c.c.priority,
        c.c.owner_team_id,
    )
    # Cases still waiting count against their SLA as of the warehouse's last event.
    as_of = select(func.max(ev.c.event_at)).scalar_subquery()
    fr_hours = hours_between(c.c.opened_at, func.coalesce(c.c.first_response_at, as_of))
    res_hours = hours_between(c.c.opened_at, func.coalesce(c.c.resolved_at, as_of))
    return (
        select(
            *keys,
            func.count(),
            sum_if(c.c.resolved_at.is_not(None)),
            sum_if(c.c.escalated_at.is_not(None)),
            sum_if(fr_hours > p.c.first_response_sla_hours),
            sum_if(res_hours > p.c.resolution_sla_hours),
            sum_if(
                or_(fr_hours > p.c.first_response_sla_hours, res_hours > p.c.resolution_sla_hours)
            ),
            func.sum(c.c.exposure_eur),
        )
        .select_from(c.outerjoin(p, p.c.priority == c.c.priority))
        .group_by(*keys)
    )


def _fraud_rollup_select(table, source=None) -> Select:
    """A rollup of ``source`` (default mart_daily_fraud) onto ``table``'s keys, the same
    measures summed; a ``mart_weekly_*`` table gets the ISO week's Monday as ``date_key``."""
    m = s.mart_daily_fraud if source is None else source
    keys = [
        trunc_date("week", m.c.date_key)
        if c.name == "date_key" and table.name.startswith("mart_weekly_")
        else m.c[c.name]
        for c in table.columns
        if c.name in s._FRAUD_KEYS
    ]
    measures = [func.sum(m.c[c.name]) for c in table.columns if c.name not in s._FRAUD_KEYS]
    return select(*keys, *measures).group_by(*keys)


def daily_market_fraud_select() -> Select:
    return _fraud_rollup_select(s.mart_daily_market_fraud)


def daily_label_fraud_select() -> Select:
    return _fraud_rollup_select(s.mart_daily_label_fraud)


def weekly_label_fraud_select() -> Select:
    """mart_daily_label_fraud summed per ISO week (``date_key`` = the week's Monday)."""
    return _fraud_rollup_select(s.mart_weekly_label_fraud, s.mart_daily_label_fraud)


def track_13w_select() -> Select:
    """Per week and track: streams and estimated artificial streams over the 13 ISO weeks
    ending with that week (all markets), for tracks with streams in them.

    Portable SQL: the weekly sums per track, densified over every week of the data and every
    track of the catalogue (so a window still counts a track that was silent in its last
    week), then a ROWS window of 13 weeks per track."""
    f, t, lab, d = s.fact_streams_daily, s.dim_track, s.dim_label, s.dim_date
    week = trunc_date("week", f.c.date_key)
    weekly = (
        select(
            week.label("week"),
            f.c.track_id,
            func.sum(f.c.streams).label("streams"),
            func.sum(f.c.true_artificial_streams).label("artificial"),
        )
        .group_by(week, f.c.track_id)
        .subquery("weekly")
    )
    first = select(func.min(f.c.date_key)).scalar_subquery()
    last = select(func.max(f.c.date_key)).scalar_subquery()
    dweek = trunc_date("week", d.c.date_key)
    weeks = (
        select(dweek.label("week"))
        .where(d.c.date_key.between(first, last))
        .group_by(dweek)
        .subquery("weeks")
    )
    dense = (
        select(weeks.c.week, t.c.track_id, t.c.label_id, lab.c.distributor_id)
        .select_from(weeks.join(t, true()).join(lab, lab.c.label_id == t.c.label_id))
        .subquery("dense")
    )
    frame = {"partition_by": dense.c.track_id, "order_by": dense.c.week}
    window = (-(s.TRACK_WINDOW_WEEKS - 1), 0)
    rolling = (
        select(
            dense.c.week,
            dense.c.track_id,
            dense.c.label_id,
            dense.c.distributor_id,
            func.sum(func.coalesce(weekly.c.streams, 0)).over(**frame, rows=window).label("n"),
            func.sum(func.coalesce(weekly.c.artificial, 0)).over(**frame, rows=window).label("a"),
        )
        .select_from(
            dense.outerjoin(
                weekly, and_(weekly.c.week == dense.c.week, weekly.c.track_id == dense.c.track_id)
            )
        )
        .subquery("rolling")
    )
    return select(*rolling.c).where(rolling.c.n > 0)


def appeal_select() -> Select:
    a, e, d = s.fact_appeal, s.fact_enforcement, s.fact_detection
    decided = a.c.decided_at.is_not(None)
    return select(
        a.c.appeal_id,
        *_action_keys(e, d),
        a.c.outcome,
        case((decided, hours_between(a.c.filed_at, a.c.decided_at))),
        func.coalesce(a.c.amount_restored_eur, 0),
    ).select_from(
        a.join(e, e.c.enforcement_id == a.c.enforcement_id).join(
            d, d.c.detection_id == e.c.detection_id
        )
    )


def detection_latency_select() -> Select:
    d, r, lab = s.fact_detection, s.fact_review, s.dim_label
    decided = r.c.outcome != "pending"
    return select(
        d.c.detection_id,
        *_detection_keys(d, lab),
        hours_between(d.c.activity_started_at, d.c.detected_at),
        case((decided, hours_between(r.c.queued_at, r.c.decided_at))),
    ).select_from(
        d.join(r, r.c.detection_id == d.c.detection_id).join(lab, lab.c.label_id == d.c.label_id)
    )


def _kind(detector) -> ColumnElement:
    """A detector's kind as the mart's column prefix (s.DETECTOR_KINDS); NULL: none."""
    return case(
        (detector.c.kind.in_(("rule", "model")), detector.c.kind),
        (detector.c.detector_id.is_not(None), "other"),
    )


def track_month_select() -> Select:
    """Per track and royalty month (all markets): streams and royalties, the flagged part by
    detector kind, the month's detections by kind (highest score, decided reviews, review
    hours; dated by the activity they flagged, like the royalty period of their actions) and
    the track's streams over the 12 months ending with that month.

    Portable SQL: monthly sums per track densified over every month of the data and every
    track of the catalogue, so a ROWS window of 12 months counts silent months."""
    f, t, lab, m = s.fact_streams_daily, s.dim_track, s.dim_label, s.dim_market
    dd = s.dim_detector
    rate = m.c.payout_per_1k_streams_eur / 1000.0
    month = trunc_date("month", f.c.date_key)
    kind = _kind(dd)
    per_kind = []
    for k in s.DETECTOR_KINDS:
        on = kind == k
        per_kind += [
            sum_if(on, f.c.streams).label(f"{k}_streams"),
            sum_if(on, f.c.flagged_streams).label(f"{k}_flagged"),
            sum_if(on, f.c.confirmed_streams).label(f"{k}_confirmed"),
            sum_if(on, f.c.royalty_eur).label(f"{k}_royalty_eur"),
            sum_if(on, f.c.flagged_streams * rate).label(f"{k}_flagged_royalty_eur"),
            sum_if(on, f.c.confirmed_streams * rate).label(f"{k}_confirmed_royalty_eur"),
        ]
    streams = (
        select(
            month.label("month"),
            f.c.track_id,
            func.sum(f.c.streams).label("streams"),
            func.sum(f.c.true_artificial_streams).label("artificial"),
            func.sum(f.c.royalty_eur).label("royalty_eur"),
            func.sum(f.c.true_artificial_streams * rate).label("artificial_royalty_eur"),
            *per_kind,
        )
        .select_from(
            f.join(m, m.c.market_id == f.c.market_id).outerjoin(
                dd, dd.c.detector_id == f.c.detector_id
            )
        )
        .group_by(month, f.c.track_id)
        .subquery("streams")
    )
    d, r = s.fact_detection, s.fact_review
    dmonth = trunc_date("month", d.c.activity_started_at)
    decided = r.c.outcome != "pending"
    dkind = _kind(dd)
    det_cols = []
    for k in s.DETECTOR_KINDS:
        on = dkind == k
        det_cols += [
            sum_if(on).label(f"{k}_detections"),
            sum_if(and_(on, decided)).label(f"{k}_reviews"),
            sum_if(
                and_(on, decided), func.coalesce(hours_between(r.c.started_at, r.c.decided_at), 0)
            ).label(f"{k}_review_hours"),
            func.max(case((on, d.c.score))).label(f"{k}_score_max"),
        ]
    dets = (
        select(dmonth.label("month"), d.c.track_id, *det_cols)
        .select_from(
            d.join(r, r.c.detection_id == d.c.detection_id).join(
                dd, dd.c.detector_id == d.c.detector_id
            )
        )
        .group_by(dmonth, d.c.track_id)
        .subquery("dets")
    )
    dt = s.dim_date
    first = select(func.min(f.c.date_key)).scalar_subquery()
    last = select(func.max(f.c.date_key)).scalar_subquery()
    months = (
        select(dt.c.month_start.label("month"))
        .where(dt.c.date_key.between(first, last))
        .group_by(dt.c.month_start)
        .subquery("months")
    )
    dense = (
        select(months.c.month, t.c.track_id, func.coalesce(streams.c.streams, 0).label("n"))
        .select_from(
            months.join(t, true()).outerjoin(
                streams,
                and_(streams.c.month == months.c.month, streams.c.track_id == t.c.track_id),
            )
        )
        .subquery("dense")
    )
    rolling = (
        select(
            dense.c.month,
            dense.c.track_id,
            func.sum(dense.c.n)
            .over(partition_by=dense.c.track_id, order_by=dense.c.month, rows=(-11, 0))
            .label("n12"),
        )
        .where(true())
        .subquery("rolling")
    )
    measure = {c.name: c for c in streams.c}
    cols = []
    for k in s.DETECTOR_KINDS:
        for name, _typ in s.TRACK_MONTH_KIND_MEASURES:
            col = f"{k}_{name}"
            if col in measure:
                cols.append(measure[col])
            elif name == "score_max":
                cols.append(dets.c[col])
            else:
                cols.append(func.coalesce(dets.c[col], 0))
    return select(
        streams.c.month,
        streams.c.track_id,
        t.c.label_id,
        lab.c.distributor_id,
        t.c.is_noise,
        t.c.duration_s,
        streams.c.streams,
        rolling.c.n12,
        streams.c.artificial,
        streams.c.royalty_eur,
        streams.c.artificial_royalty_eur,
        *cols,
    ).select_from(
        streams.join(t, t.c.track_id == streams.c.track_id)
        .join(lab, lab.c.label_id == t.c.label_id)
        .join(
            rolling,
            and_(rolling.c.month == streams.c.month, rolling.c.track_id == streams.c.track_id),
        )
        .outerjoin(
            dets, and_(dets.c.month == streams.c.month, dets.c.track_id == streams.c.track_id)
        )
    )


def touched(t=None) -> ColumnElement:
    """Track-months of mart_track_month (or ``t``, a table with its columns) a detection
    touched: flagged rows or a detection that month; on the others (most of them) only the
    Policy lab's demonetisation rules act."""
    m = (s.mart_track_month if t is None else t).c
    return or_(
        added([m[f"{k}_streams"] for k in s.DETECTOR_KINDS]) > 0,
        added([m[f"{k}_detections"] for k in s.DETECTOR_KINDS]) > 0,
    )


def band_floor(value, edges) -> ColumnElement:
    """The largest of ``edges`` at most ``value`` (-1 below them all): ``floor < e`` holds
    exactly when ``value < e``, for each ``e`` of ``edges``."""
    return case(*((value >= e, e) for e in sorted(edges, reverse=True)), else_=-1)


def track_month_touched_select() -> Select:
    """mart_track_month's rows a detection touched, every column."""
    m = s.mart_track_month
    return select(*m.c).where(touched())


def track_month_quiet_select() -> Select:
    """mart_track_month's rows no detection touched, summed per month, label, distributor
    and demonetisation band (schema.mart_track_month_quiet)."""
    m = s.mart_track_month.c
    # The bands in a subquery: grouped by name, not by an expression holding bound values
    # (PostgreSQL would not match its GROUP BY's parameters to the SELECT's).
    rows = (
        select(
            m.date_key,
            m.label_id,
            m.distributor_id,
            band_floor(m.streams_12m, s.POLICY_MIN_STREAMS).label("streams_12m_floor"),
            m.is_noise,
            case((m.is_noise, band_floor(m.duration_s, s.POLICY_NOISE_MIN_S))).label(
                "duration_s_floor"
            ),
            m.streams,
            m.royalty_eur,
            m.artificial_royalty_eur,
            func.least(m.artificial_royalty_eur, m.royalty_eur).label("protected_eur"),
        )
        .where(~touched())
        .subquery("quiet")
    )
    keys = [rows.c[c.name] for c in s.mart_track_month_quiet.columns[:6]]
    return select(
        *keys,
        func.count(),
        func.sum(rows.c.streams),
        func.sum(rows.c.royalty_eur),
        func.sum(rows.c.artificial_royalty_eur),
        func.sum(rows.c.protected_eur),
    ).group_by(*keys)


BUILDERS = {
    s.mart_daily_fraud: daily_fraud_select,
    s.mart_daily_detection: daily_detection_select,
    s.mart_daily_enforcement: daily_enforcement_select,
    s.mart_case_daily: case_daily_select,
    # After mart_daily_fraud, which they read.
    s.mart_daily_market_fraud: daily_market_fraud_select,
    s.mart_daily_label_fraud: daily_label_fraud_select,
    s.mart_weekly_label_fraud: weekly_label_fraud_select,  # after the daily label rollup
    s.mart_track_13w: track_13w_select,
    s.mart_appeal: appeal_select,
    s.mart_detection_latency: detection_latency_select,
    s.mart_track_month: track_month_select,
    # After mart_track_month, which they read.
    s.mart_track_month_touched: track_month_touched_select,
    s.mart_track_month_quiet: track_month_quiet_select,
}


# Marts that cannot exist without an optional input (one row per appeal, cases per day):
# skipped (and dropped) when it is not mapped.
REQUIRES = {s.mart_appeal: "appeals", s.mart_case_daily: "cases"}
# Marts that only join an optional input's table: built with an empty stand-in for it.
JOINS_OPTIONAL = (s.mart_daily_detection, s.mart_case_daily)


def mart_select(table, absent: frozenset[str] = frozenset()) -> Select:
    """The SELECT that fills ``table``; ``absent``: tables of unmapped optional inputs."""
    return BUILDERS[table](absent) if table in JOINS_OPTIONAL else BUILDERS[table]()


def fill_statement(table, absent: frozenset[str] = frozenset()) -> Insert:
    """``INSERT INTO mart SELECT ... ORDER BY date``: rows stored in date order let columnar
    engines skip whole row groups for a period filter (DuckDB zone maps, Snowflake
    micro-partition pruning), which is what every page's query has."""
    sel = mart_select(table, absent)
    return insert(table).from_select(
        [c.name for c in table.columns], sel.order_by(sel.selected_columns[0])
    )


def create_as_statement(table, absent: frozenset[str] = frozenset()) -> CreateTableAs:
    """Spark SQL: ``CREATE TABLE mart USING parquet AS SELECT ... ORDER BY date``, each
    column cast to and named as the mart declares it (an INSERT would be a second job)."""
    inner = mart_select(table, absent).subquery("src")
    cols = [
        cast(src, col.type).label(col.name) for src, col in zip(inner.c, table.columns, strict=True)
    ]
    return CreateTableAs(table, select(*cols).order_by(cols[0]))


def missing_marts(engine: Engine) -> list:
    """The marts (in build order) that the warehouse does not have yet."""
    have = set(inspect(engine).get_table_names())
    return [t for t in BUILDERS if t.name not in have]


class MartError(RuntimeError):
    """Building one mart failed: ``mart`` and ``reason`` (one line, for people)."""

    def __init__(self, mart: str, reason: str) -> None:
        super().__init__(f"{mart}: {reason}")
        self.mart, self.reason = mart, reason


def first_line(exc: BaseException) -> str:
    """The database's own message, first line only (no SQL, no background link)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class Plan:
    """What a build does on this warehouse: the marts to build, those skipped (and why),
    the tables of unmapped inputs (read as empty), and warnings about the facts."""

    build: list = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)


def cases_without_priority_query() -> Select:
    """Cases whose priority has no dim_priority row (their SLA cannot be judged)."""
    c, p = s.fact_case, s.dim_priority
    return (
        select(func.count())
        .select_from(c.outerjoin(p, p.c.priority == c.c.priority))
        .where(p.c.priority.is_(None))
    )


def plan_build(engine: Engine, tables=None) -> Plan:
    """Which marts to build (``tables``, default all, in build order) given the inputs the
    warehouse maps (data_access.availability)."""
    wanted = list(BUILDERS) if tables is None else [t for t in BUILDERS if t in set(tables)]
    with engine.connect() as conn:
        present = availability.tables(conn)
        unmapped = availability.not_mapped(conn, present)
        n_orphans = (
            conn.execute(cases_without_priority_query()).scalar_one()
            if "cases" not in unmapped
            else 0
        )
    plan = Plan(absent=frozenset(availability.OPTIONAL[i] for i in unmapped))
    for table in wanted:
        needs = REQUIRES.get(table)
        if needs in unmapped:
            plan.skipped[table.name] = (
                f"it is built from {needs} alone, and {needs} are not mapped "
                f"({availability.why(needs, present)}; {availability.DOCS}#{needs})"
            )
        else:
            plan.build.append(table)
    if n_orphans:
        plan.warnings.append(
            f"{n_orphans:,} cases have a priority with no dim_priority row: mart_case_daily "
            "keeps them, their SLA breach unknown (not counted as a breach)"
        )
    return plan


def build_marts(engine: Engine, progress=None, *, tables=None, plan: Plan | None = None):
    """(Re)create every mart (or only ``tables``, in build order) from the facts; returns
    row counts. Marts that need an unmapped input are skipped and dropped (``plan``).

    Each mart is dropped, created and filled in one transaction: a failure (``MartError``)
    leaves the marts not yet rebuilt as they were."""
    plan = plan if plan is not None else plan_build(engine, tables)
    gone = [t for t in BUILDERS if t.name in plan.skipped]
    if engine.dialect.name == "hive":
        return _build_marts_spark(engine, plan, gone, progress)
    counts = {}
    if gone:
        s.metadata.drop_all(engine, tables=gone)
    for table in plan.build:
        try:
            with engine.begin() as conn:
                s.metadata.drop_all(conn, tables=[table])
                s.metadata.create_all(conn, tables=[table])
                conn.execute(fill_statement(table, plan.absent))
                if engine.dialect.name == "postgresql":
                    # Row-store: a period filter needs an index to avoid a full scan.
                    Index(f"ix_{table.name}_date", table.c.date_key).create(conn)
                    quoted = conn.dialect.identifier_preparer.quote(table.name)
                    conn.exec_driver_sql("ANALYZE " + quoted)  # a name from our MetaData
                counts[table.name] = conn.execute(
                    select(func.count()).select_from(table)
                ).scalar_one()
        except (SQLAlchemyError, DBAPIError) as exc:
            raise MartError(table.name, first_line(exc)) from exc
        if progress:
            progress(table.name)
    return counts


def _drop_spark(conn, table) -> None:
    # A name from our MetaData, quoted by the dialect.
    conn.exec_driver_sql(
        "DROP TABLE IF EXISTS " + conn.dialect.identifier_preparer.quote(table.name)
    )


def _build_marts_spark(engine: Engine, plan: Plan, gone, progress) -> dict[str, int]:
    counts = {}
    with engine.connect() as conn:
        for table in gone:
            _drop_spark(conn, table)
    for table in plan.build:
        try:
            with engine.connect() as conn:
                _drop_spark(conn, table)
                conn.execute(create_as_statement(table, plan.absent))
                counts[table.name] = conn.execute(
                    select(func.count()).select_from(table)
                ).scalar_one()
        except (SQLAlchemyError, DBAPIError) as exc:
            raise MartError(table.name, first_line(exc)) from exc
        if progress:
            progress(table.name)
    return counts


def compiled_sql(dialect: Dialect) -> str:
    """Every mart's CREATE TABLE and INSERT ... SELECT compiled for ``dialect``, as one
    script (for a warehouse team that builds the marts with its own scheduler or dbt)."""
    parts = [f"-- marts for {dialect.name}: python -m data_access.marts --print-sql"]
    for table in BUILDERS:
        if dialect.name == "hive":  # Spark SQL: one CREATE TABLE AS per mart
            ctas = str(create_as_statement(table).compile(dialect=dialect)).strip()
            parts += [f"-- {table.name}", f"DROP TABLE IF EXISTS {table.name};", f"{ctas};"]
            continue
        ddl = str(CreateTable(table).compile(dialect=dialect)).strip()
        stmt = fill_statement(table)
        dml = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})).strip()
        parts += [f"-- {table.name}", f"{ddl};", f"{dml};"]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    from data_access.settings import resolve_url

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="SQLAlchemy URL (default: the configured warehouse)")
    ap.add_argument(
        "--print-sql",
        action="store_true",
        help="print the statements compiled for the URL's dialect; connect to nothing",
    )
    ap.add_argument(
        "--missing",
        action="store_true",
        help="build only the marts the warehouse lacks (after upgrading the app)",
    )
    args = ap.parse_args(argv)
    if args.print_sql:
        # Only the dialect is needed: no connection, no credentials used.
        print(compiled_sql(make_url(args.url or resolve_url()).get_dialect()()), end="")
        return 0
    engine = create_engine(args.url or resolve_url())
    try:
        return _build(engine, args.missing)
    finally:
        engine.dispose()


def _build(engine: Engine, missing: bool, out: Callable[[str], None] = print) -> int:
    """Build and say what happened, one line per mart; errors in one line on stderr."""
    try:
        plan = plan_build(engine, missing_marts(engine) if missing else None)
    except (SQLAlchemyError, DBAPIError, OSError) as exc:
        print(f"error: cannot read the warehouse: {first_line(exc)}", file=sys.stderr)
        return 1
    for name, why in plan.skipped.items():
        out(f"{name}: skipped: {why}")
    for line in plan.warnings:
        print(f"warning: {line}", file=sys.stderr)
    try:
        counts = build_marts(engine, plan=plan)
    except MartError as err:
        print(f"error: {err.mart} was not built: {err.reason}", file=sys.stderr)
        return 1
    for name, n in counts.items():
        out(f"{name}: {n:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
