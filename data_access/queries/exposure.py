"""Builders behind the Exposure page: the weekly exposure series (overall and by group),
the recent totals the scenarios read, and the distribution of tracks' artificial share.

Exposure (``exposure_eur``) = at-risk royalties (mart_daily_fraud.at_risk_royalty_eur:
estimated artificial streams not removed × the market's payout rate; typology / detector
filters narrow it) + per-track fees levied and not yet recovered or reversed
(mart_daily_enforcement, by applied date), per ISO week (Monday start).

The forecast reads history up to the period's end, regardless of the period's start: the
period picks the forecast origin (the last complete week on or before its end); the slice
(markets, labels, ...) picks the series.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Double, Select, cast, func, literal, select, union_all

from data_access import schema as s
from data_access.dialect import true, trunc_date
from data_access.filters import Filters
from data_access.queries.common import (
    attribution_predicate,
    fraud_mart,
    scope_predicate,
    slice_predicate,
    whole_weeks,
)
from data_access.queries.measures import fee_outstanding, fraud_measures
from data_access.scope import Scope

HISTORY_WEEKS = 156  # at most three years of weekly history before the origin
# "Recent": ranking of groups, scenario inputs, track shares (mart_track_13w holds it).
RECENT_WEEKS = s.TRACK_WINDOW_WEEKS
SHARE_BINS = 20  # 5-point bins of a track's artificial share

# Allow-listed split dimensions: name -> (dimension table, key column, filter value, label).
GROUPS = {
    "market": (s.dim_market, "market_id", s.dim_market.c.iso2, s.dim_market.c.name),
    "region": (s.dim_market, "market_id", s.dim_market.c.region, s.dim_market.c.region),
    "label": (s.dim_label, "label_id", s.dim_label.c.name, s.dim_label.c.name),
    "distributor": (
        s.dim_distributor,
        "distributor_id",
        s.dim_distributor.c.name,
        s.dim_distributor.c.name,
    ),
}
# Allow-listed measures of the grouped series (exposure, or a fraud-mart measure).
GROUP_MEASURES = ("exposure_eur", "at_risk_eur", "detected_streams", "confirmed_streams")


def history_window(f: Filters) -> tuple[date, date]:
    """Complete ISO weeks up to the period's end: (a Monday, the last Sunday <= f.end)."""
    end = f.end - timedelta(days=(f.end.weekday() + 1) % 7)
    return end - timedelta(weeks=HISTORY_WEEKS) + timedelta(days=1), end


def recent_window(f: Filters) -> tuple[date, date]:
    """The last ``RECENT_WEEKS`` complete weeks up to the period's end."""
    _, end = history_window(f)
    return end - timedelta(weeks=RECENT_WEEKS) + timedelta(days=1), end


def _fraud_part(f: Filters, scope: Scope, start: date, end: date, *, by=(), measure="at_risk_eur"):
    fr = fraud_mart(f, scope, by=by, weeks=(start, end))  # whole weeks, grouped by week
    week = trunc_date("week", fr.c.date_key)
    value = fraud_measures(attribution_predicate(fr, f), fr)[measure]
    return (
        week,
        fr,
        value,
        (
            fr.c.date_key.between(start, end),
            slice_predicate(fr, f, attribution=False),
            scope_predicate(fr, scope),
        ),
    )


def _enforcement_part(f: Filters, scope: Scope, start: date, end: date):
    en = s.mart_daily_enforcement
    week = trunc_date("week", en.c.date_key)
    return (
        week,
        en,
        fee_outstanding(en.c),
        (
            en.c.date_key.between(start, end),
            slice_predicate(en, f),
            scope_predicate(en, scope),
        ),
    )


def weekly_exposure_query(f: Filters, scope: Scope) -> Select:
    """Week, at_risk_eur, fees_outstanding_eur, exposure_eur over the history window."""
    start, end = history_window(f)
    wk, fr, at_risk, cond = _fraud_part(f, scope, start, end)
    ewk, en, fees, econd = _enforcement_part(f, scope, start, end)
    parts = union_all(
        select(wk.label("week"), at_risk.label("at_risk_eur"), literal(0.0).label("fees_eur"))
        .where(*cond)
        .group_by(wk),
        select(ewk.label("week"), literal(0.0).label("at_risk_eur"), fees.label("fees_eur"))
        .where(*econd)
        .group_by(ewk),
    ).subquery("u")
    a, b = func.sum(parts.c.at_risk_eur), func.sum(parts.c.fees_eur)
    return (
        select(
            parts.c.week,
            a.label("at_risk_eur"),
            b.label("fees_outstanding_eur"),
            (a + b).label("exposure_eur"),
        )
        .group_by(parts.c.week)
        .order_by(parts.c.week)
    )


def weekly_by_group_query(
    f: Filters, scope: Scope, *, by: str, measure: str = "exposure_eur", limit: int = 8
) -> Select:
    """Week, key (filter value), group (display name), value for the top ``limit`` groups
    of ``by`` (ranked by the measure over the last 13 weeks) over the history window."""
    if by not in GROUPS:
        raise ValueError(f"cannot split by {by!r}")
    if measure not in GROUP_MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    limit = max(1, min(int(limit), 50))
    dim, key_col, key_expr, name_expr = GROUPS[by]
    start, end = history_window(f)
    recent_start, _ = recent_window(f)
    fraud_measure = "at_risk_eur" if measure == "exposure_eur" else measure

    def weekly(lo: date, top=None):
        """(week, key, grp, v) per source table over [lo, end]; only the ``top`` keys."""
        wk, fr, value, cond = _fraud_part(f, scope, lo, end, by=(by,), measure=fraud_measure)
        parts = [(wk, fr, value, cond)]
        if measure == "exposure_eur":
            parts.append(_enforcement_part(f, scope, lo, end))
        selects = []
        for week, t, value, cond in parts:
            source = t.join(dim, dim.c[key_col] == t.c[key_col])
            if top is not None:
                source = source.join(top, top.c.key == key_expr)
            selects.append(
                select(week.label("week"), key_expr.label("key"), name_expr.label("grp"))
                .add_columns(value.label("v"))
                .select_from(source)
                .where(*cond)
                .group_by(week, key_expr, name_expr)
            )
        return union_all(*selects).subquery("u")

    # Rank the groups over the recent weeks only, then read the history of those groups
    # only (the join to ``top`` filters the mart's rows before they are grouped).
    recent = weekly(recent_start)
    top = (
        select(recent.c.key)
        .group_by(recent.c.key)
        .order_by(func.sum(recent.c.v).desc(), recent.c.key)
        .limit(limit)
        .subquery("top")
    )
    u = weekly(start, top)
    return (
        select(u.c.week, u.c.key, u.c.grp.label("group"), func.sum(u.c.v).label("value"))
        .group_by(u.c.week, u.c.key, u.c.grp)
        .order_by(u.c.week, u.c.key)
    )


def scenario_inputs_query(f: Filters, scope: Scope) -> Select:
    """One row over the last 13 complete weeks: artificial, flagged and confirmed streams,
    at-risk royalties and fees outstanding (what the scenario formula reads)."""
    start, end = recent_window(f)
    _, fr, _, cond = _fraud_part(f, scope, start, end)
    m = fraud_measures(attribution_predicate(fr, f), fr)
    fraud = select(
        m["true_artificial_streams"].label("artificial_streams"),
        m["detected_streams"].label("flagged_streams"),
        m["confirmed_streams"].label("confirmed_streams"),
        m["at_risk_eur"].label("at_risk_eur"),
    ).where(*cond)
    _, _, fees, econd = _enforcement_part(f, scope, start, end)
    enf = select(fees.label("fees_outstanding_eur")).where(*econd)
    fs, es = fraud.subquery("fr"), enf.subquery("en")
    return select(*fs.c, *es.c).select_from(fs.join(es, true()))


def track_share_query(f: Filters, scope: Scope) -> Select:
    """How many tracks of the slice fall in each 5-point bin of artificial share over the
    last 13 weeks (tracks with artificial streams only): bin_start, tracks.

    A track's share needs the track grain: mart_track_13w (each track's 13-week totals,
    all markets) answers it in one week's rows unless markets or regions are filtered; then
    the streams fact does, always aggregated in the warehouse.
    """
    start, end = recent_window(f)
    if not (f.markets or f.regions) and whole_weeks(start, end):
        m = s.mart_track_13w
        share = cast(m.c.true_artificial_streams, Double) / cast(m.c.streams, Double)
        per_track = (
            select(m.c.track_id, share.label("share"))
            .where(
                m.c.date_key == end - timedelta(days=6),  # the window's last Monday
                m.c.streams > 0,
                m.c.true_artificial_streams > 0,
                slice_predicate(m, f, attribution=False),
                scope_predicate(m, scope),
            )
            .subquery("per_track")
        )
        return _share_bins(per_track)
    fs, t, lab = s.fact_streams_daily, s.dim_track, s.dim_label
    cols = [fs.c.track_id, fs.c.market_id, fs.c.streams, fs.c.true_artificial_streams]
    source = fs
    # Join the catalogue only when a label / distributor filter or scope needs it: on the
    # full fact that join costs more than the aggregation itself.
    needs_catalogue = bool(f.labels or f.distributors) or (
        scope.labels is not None or scope.distributors is not None
    )
    if needs_catalogue:
        cols += [t.c.label_id, lab.c.distributor_id]
        source = fs.join(t, t.c.track_id == fs.c.track_id).join(lab, lab.c.label_id == t.c.label_id)
    src = select(*cols).select_from(source).where(fs.c.date_key.between(start, end)).subquery("src")
    streams = func.sum(src.c.streams)
    artificial = func.sum(src.c.true_artificial_streams)
    per_track = (
        select(
            src.c.track_id,
            (cast(artificial, Double) / cast(streams, Double)).label("share"),
        )
        .where(slice_predicate(src, f, attribution=False), scope_predicate(src, scope))
        .group_by(src.c.track_id)
        .having(streams > 0, artificial > 0)
        .subquery("per_track")
    )
    return _share_bins(per_track)


def _share_bins(per_track) -> Select:
    bins = select(
        func.least(func.floor(per_track.c.share * SHARE_BINS), SHARE_BINS - 1).label("bin_no")
    ).subquery("bins")
    return (
        select(
            (bins.c.bin_no / float(SHARE_BINS)).label("bin_start"),
            func.count().label("tracks"),
        )
        .group_by(bins.c.bin_no)
        .order_by(bins.c.bin_no)
    )
