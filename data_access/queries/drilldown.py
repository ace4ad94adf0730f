"""Builders of the drill-downs to tracks: the top tracks of a slice, read from the facts
(aggregated by track and bounded by a LIMIT), with each track's main typology and its
enforcement status in the period."""

from __future__ import annotations

from sqlalchemy import Select, case, func, select

from data_access import schema as s
from data_access.dialect import as_date
from data_access.filters import Filters
from data_access.queries.common import attribution_predicate, where
from data_access.queries.measures import sum_if, total
from data_access.scope import Scope

MAX_TRACKS = 500


def _streams_with_keys():
    """fact_streams_daily with the mart key columns (label and distributor come from the
    track's label), so the shared filter and scope predicates apply to it unchanged."""
    f, t, lab = s.fact_streams_daily, s.dim_track, s.dim_label
    return (
        select(
            f.c.date_key,
            f.c.track_id,
            f.c.market_id,
            t.c.label_id,
            lab.c.distributor_id,
            f.c.typology_id,
            f.c.detector_id,
            f.c.streams,
            f.c.flagged_streams,
            f.c.confirmed_streams,
        )
        .select_from(
            f.join(t, t.c.track_id == f.c.track_id).join(lab, lab.c.label_id == t.c.label_id)
        )
        .subquery("fs")
    )


def top_tracks_query(f: Filters, scope: Scope, *, limit: int = 50) -> Select:
    """The ``limit`` tracks with most detected artificial streams in the slice and period.

    Columns: track_id, isrc, title, artist, label, streams, detected_streams,
    confirmed_streams, main_typology (the typology with most flagged streams),
    enforcement_actions, reversed_actions and latest_action (enforcement in the period).
    Typology / detector filters narrow the flagged numerators only.
    """
    if not 1 <= int(limit) <= MAX_TRACKS:
        raise ValueError(f"limit must be within 1..{MAX_TRACKS}")
    fs = _streams_with_keys()
    cond = where(fs, f, scope, attribution=False)
    attributed = attribution_predicate(fs, f)

    streams = total(fs.c.streams)
    detected = sum_if(attributed, fs.c.flagged_streams)
    confirmed = sum_if(attributed, fs.c.confirmed_streams)
    top = (
        select(
            fs.c.track_id,
            streams.label("streams"),
            detected.label("detected_streams"),
            confirmed.label("confirmed_streams"),
        )
        .where(cond)
        .group_by(fs.c.track_id)
        .order_by(detected.desc(), streams.desc(), fs.c.track_id)
        .limit(int(limit))
        .cte("top_tracks")
    )

    # Main typology: the one with most (attributed, filtered) flagged streams per track.
    by_typ = (
        select(
            fs.c.track_id,
            fs.c.typology_id,
            func.sum(fs.c.flagged_streams).label("flagged"),
        )
        .where(cond, attributed, fs.c.typology_id.is_not(None))
        .where(fs.c.track_id.in_(select(top.c.track_id)))
        .group_by(fs.c.track_id, fs.c.typology_id)
        .subquery("by_typ")
    )
    typ_rank = select(
        by_typ.c.track_id,
        by_typ.c.typology_id,
        func.row_number()
        .over(
            partition_by=by_typ.c.track_id,
            order_by=(by_typ.c.flagged.desc(), by_typ.c.typology_id),
        )
        .label("rn"),
    ).subquery("typ_rank")
    dt = s.dim_typology
    main_typ = (
        select(typ_rank.c.track_id, dt.c.name.label("main_typology"))
        .select_from(typ_rank.join(dt, dt.c.typology_id == typ_rank.c.typology_id))
        .where(typ_rank.c.rn == 1)
        .subquery("main_typ")
    )

    # Enforcement on the track applied within the period (and slice / scope).
    e = s.fact_enforcement
    by_track = {"partition_by": e.c.track_id}
    enf = (
        select(
            e.c.track_id,
            e.c.enforcement_type_id,
            func.row_number()
            .over(**by_track, order_by=(e.c.applied_at.desc(), e.c.enforcement_id.desc()))
            .label("rn"),
            func.count().over(**by_track).label("n_actions"),
            func.sum(case((e.c.status == "reversed", 1), else_=0))
            .over(**by_track)
            .label("n_reversed"),
        )
        .where(where(e, f, scope, date_col=as_date(e.c.applied_at)))
        .where(e.c.track_id.in_(select(top.c.track_id)))
        .subquery("enf")
    )
    et = s.dim_enforcement_type
    latest = (
        select(
            enf.c.track_id,
            enf.c.n_actions,
            enf.c.n_reversed,
            et.c.name.label("latest_action"),
        )
        .select_from(enf.join(et, et.c.enforcement_type_id == enf.c.enforcement_type_id))
        .where(enf.c.rn == 1)
        .subquery("latest")
    )

    t, a, lab = s.dim_track, s.dim_artist, s.dim_label
    return (
        select(
            top.c.track_id,
            t.c.isrc,
            t.c.title,
            a.c.name.label("artist"),
            lab.c.name.label("label"),
            top.c.streams,
            top.c.detected_streams,
            top.c.confirmed_streams,
            main_typ.c.main_typology,
            func.coalesce(latest.c.n_actions, 0).label("enforcement_actions"),
            func.coalesce(latest.c.n_reversed, 0).label("reversed_actions"),
            latest.c.latest_action,
        )
        .select_from(
            top.join(t, t.c.track_id == top.c.track_id)
            .join(a, a.c.artist_id == t.c.artist_id)
            .join(lab, lab.c.label_id == t.c.label_id)
            .outerjoin(main_typ, main_typ.c.track_id == top.c.track_id)
            .outerjoin(latest, latest.c.track_id == top.c.track_id)
        )
        .order_by(top.c.detected_streams.desc(), top.c.streams.desc(), top.c.track_id)
    )
