"""Builders behind the entity pages (a track, a label, a distributor, a case) and the
sidebar search.

Every statement is narrowed by the entity's key (a bound parameter, never text in the SQL)
before anything is grouped, carries the viewer's scope predicate, and returns aggregated
rows or a bounded list. An entity the scope may not see looks exactly like one that does
not exist: the lookup returns no row either way.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from data_access import schema as s
from data_access.dialect import hours_between, percentile, trunc_date
from data_access.filters import Filters
from data_access.queries.cases import midnight
from data_access.queries.common import as_bigint, fraud_mart, scope_predicate, where
from data_access.queries.drilldown import _streams_with_keys
from data_access.queries.measures import sum_if, total
from data_access.scope import Scope

KINDS = ("track", "label", "distributor", "case")
# A label, distributor or case id in a link or the search: a positive whole number in ASCII
# digits that fits a signed 64-bit BIGINT (a warehouse's own ids may use all of it). 18
# digits always fit (2**63 - 1 has 19); a longer number is refused, never sent.
ID_DIGITS = 18
ID_PATTERN = rf"[1-9][0-9]{{0,{ID_DIGITS - 1}}}"
MAX_CASES = 50
MAX_EVENTS = 500
MAX_RESULTS = 20


class Entity(NamedTuple):
    """A track, label or distributor by its warehouse id (a case is looked up on its own)."""

    kind: str
    id: int


def parse_id(raw: object) -> int | None:
    """``raw`` as an entity id (surrounding blanks and a leading "#" allowed), or None."""
    text = str(raw if raw is not None else "").strip().lstrip("#")
    return int(text) if re.fullmatch(ID_PATTERN, text) else None


def _labels() -> Select:
    """dim_label with the columns the scope predicate reads (label_id, distributor_id)."""
    return select(s.dim_label).subquery("lab")


def _period(col, f: Filters) -> ColumnElement:
    return and_(col >= midnight(f.start), col < midnight(f.end + timedelta(days=1)))


def _entity_predicate(t, e: Entity) -> ColumnElement:
    """Rows of ``t`` that belong to ``e`` (tables with track_id / label_id / distributor_id,
    or a case through its detection's track)."""
    c = t.c
    if e.kind == "track":
        if "track_id" in c:
            return as_bigint(c.track_id) == e.id
        det = s.fact_detection
        return c.detection_id.in_(
            select(det.c.detection_id).where(as_bigint(det.c.track_id) == e.id)
        )
    if e.kind == "label":
        return as_bigint(c.label_id) == e.id
    if e.kind == "distributor":
        if "distributor_id" in c:
            return as_bigint(c.distributor_id) == e.id
        lab = s.dim_label
        return c.label_id.in_(select(lab.c.label_id).where(as_bigint(lab.c.distributor_id) == e.id))
    raise ValueError(f"unknown entity kind {e.kind!r}")


# -- lookups: one row or none ---------------------------------------------------------------


def track_query(isrc: str, scope: Scope) -> Select:
    """The track with this ISRC, its artist, label and distributor, if the scope sees it."""
    t, a, d, lab = s.dim_track, s.dim_artist, s.dim_distributor, _labels()
    return (
        select(
            t.c.track_id,
            t.c.isrc,
            t.c.title,
            a.c.name.label("artist"),
            lab.c.label_id,
            lab.c.name.label("label"),
            d.c.distributor_id,
            d.c.name.label("distributor"),
            t.c.genre,
            t.c.duration_s,
            t.c.is_ai,
            t.c.is_noise,
            t.c.release_date,
        )
        .select_from(
            t.join(lab, lab.c.label_id == t.c.label_id)
            .join(a, a.c.artist_id == t.c.artist_id)
            .join(d, d.c.distributor_id == lab.c.distributor_id)
        )
        .where(t.c.isrc == isrc, scope_predicate(lab, scope))
        .limit(1)
    )


def label_query(scope: Scope, *, label_id: int | None = None, name: str | None = None) -> Select:
    """The label by id (or by name, case-insensitive), with its distributor."""
    lab, d = _labels(), s.dim_distributor
    key = (
        as_bigint(lab.c.label_id) == label_id
        if name is None
        else func.lower(lab.c.name) == name.lower()
    )
    return (
        select(
            lab.c.label_id,
            lab.c.name.label("label"),
            lab.c.label_type,
            lab.c.risk_tier,
            d.c.distributor_id,
            d.c.name.label("distributor"),
            d.c.tier,
        )
        .select_from(lab.join(d, d.c.distributor_id == lab.c.distributor_id))
        .where(key, scope_predicate(lab, scope))
        .order_by(lab.c.label_id)
        .limit(1)
    )


def distributor_query(
    scope: Scope, *, distributor_id: int | None = None, name: str | None = None
) -> Select:
    """The distributor by id (or name) with its number of labels the scope sees; no row when
    the scope sees none of its labels."""
    d, lab = s.dim_distributor, _labels()
    key = (
        as_bigint(d.c.distributor_id) == distributor_id
        if name is None
        else func.lower(d.c.name) == name.lower()
    )
    return (
        select(
            d.c.distributor_id,
            d.c.name.label("distributor"),
            d.c.tier,
            func.count(lab.c.label_id).label("labels"),
        )
        .select_from(d.join(lab, lab.c.distributor_id == d.c.distributor_id))
        .where(key, scope_predicate(lab, scope))
        .group_by(d.c.distributor_id, d.c.name, d.c.tier)
        .order_by(d.c.distributor_id)
        .limit(1)
    )


def case_query(case_id: int, scope: Scope) -> Select:
    """One case with its names, its priority's SLAs and (through its detection) its track."""
    c, p, tm, ty, m = s.fact_case, s.dim_priority, s.dim_team, s.dim_typology, s.dim_market
    lab, d, det, t = s.dim_label, s.dim_distributor, s.fact_detection, s.dim_track
    return (
        select(
            c.c.case_id,
            c.c.opened_at,
            c.c.priority,
            c.c.origin,
            c.c.status,
            c.c.first_response_at,
            c.c.escalated_at,
            c.c.resolved_at,
            c.c.reopened,
            c.c.exposure_eur,
            tm.c.name.label("owner_team"),
            ty.c.name.label("typology"),
            m.c.iso2.label("market"),
            m.c.name.label("market_name"),
            c.c.label_id,
            lab.c.name.label("label"),
            c.c.distributor_id,
            d.c.name.label("distributor"),
            c.c.detection_id,
            t.c.isrc,
            t.c.title,
            p.c.first_response_sla_hours,
            p.c.resolution_sla_hours,
        )
        .select_from(
            c.join(p, p.c.priority == c.c.priority)
            .outerjoin(tm, tm.c.team_id == c.c.owner_team_id)
            .outerjoin(ty, ty.c.typology_id == c.c.typology_id)
            .outerjoin(m, m.c.market_id == c.c.market_id)
            .outerjoin(lab, lab.c.label_id == c.c.label_id)
            .outerjoin(d, d.c.distributor_id == c.c.distributor_id)
            .outerjoin(det, det.c.detection_id == c.c.detection_id)
            .outerjoin(t, t.c.track_id == det.c.track_id)
        )
        .where(c.c.case_id == case_id, scope_predicate(c, scope))
        .limit(1)
    )


def case_events_query(case_id: int, scope: Scope) -> Select:
    """The case's events (opened, hand-offs, reopened, resolved) in time order, bounded."""
    ev, c = s.fact_case_event, s.fact_case
    src, dst = s.dim_team.alias("src"), s.dim_team.alias("dst")
    return (
        select(
            ev.c.event_at,
            ev.c.event_type,
            src.c.name.label("from_team"),
            dst.c.name.label("to_team"),
        )
        .select_from(
            ev.join(c, c.c.case_id == ev.c.case_id)
            .outerjoin(src, src.c.team_id == ev.c.from_team_id)
            .outerjoin(dst, dst.c.team_id == ev.c.to_team_id)
        )
        .where(ev.c.case_id == case_id, scope_predicate(c, scope))
        .order_by(ev.c.event_at, ev.c.case_event_id)
        .limit(MAX_EVENTS)
    )


# -- what happened to an entity over the period ---------------------------------------------


def streams_weekly_query(e: Entity, f: Filters, scope: Scope) -> Select:
    """Streams, detected and confirmed artificial streams per ISO week of the period."""
    if e.kind == "track":
        t = _streams_with_keys()
        cond = and_(
            as_bigint(t.c.track_id) == e.id, where(t, Filters(start=f.start, end=f.end), scope)
        )
    else:
        narrowed = Filters(
            start=f.start,
            end=f.end,
            labels=(e.id,) if e.kind == "label" else (),
            distributors=(e.id,) if e.kind == "distributor" else (),
        )
        t = fraud_mart(narrowed, scope, by=(e.kind,))
        cond = where(t, narrowed, scope)
    week = trunc_date("week", t.c.date_key)
    return (
        select(
            week.label("week"),
            total(t.c.streams).label("streams"),
            total(t.c.flagged_streams).label("detected_streams"),
            total(t.c.confirmed_streams).label("confirmed_streams"),
        )
        .where(cond)
        .group_by(week)
        .order_by(week)
    )


def detections_query(e: Entity, f: Filters, scope: Scope) -> Select:
    """Detections made in the period by detector and typology, with their review outcome."""
    det, r, dd, ty = s.fact_detection, s.fact_review, s.dim_detector, s.dim_typology
    return (
        select(
            dd.c.name.label("detector"),
            ty.c.name.label("typology"),
            func.count().label("detections"),
            total(det.c.streams_flagged).label("streams_flagged"),
            sum_if(r.c.outcome == "confirmed").label("confirmed"),
            total(det.c.estimated_amount_eur).label("estimated_eur"),
        )
        .select_from(
            det.join(dd, dd.c.detector_id == det.c.detector_id)
            .join(ty, ty.c.typology_id == det.c.typology_id)
            .outerjoin(r, r.c.detection_id == det.c.detection_id)
        )
        .where(
            _entity_predicate(det, e), _period(det.c.detected_at, f), scope_predicate(det, scope)
        )
        .group_by(dd.c.name, ty.c.name)
        .order_by(func.count().desc(), dd.c.name, ty.c.name)
    )


def reviews_query(e: Entity, f: Filters, scope: Scope) -> Select:
    """Reviews of the period's detections by outcome: count, streams confirmed, median
    hours from queued to decided."""
    det, r = s.fact_detection, s.fact_review
    return (
        select(
            r.c.outcome,
            func.count().label("reviews"),
            total(r.c.streams_confirmed).label("streams_confirmed"),
            percentile(hours_between(r.c.queued_at, r.c.decided_at), 0.5).label("median_decide_h"),
        )
        .select_from(r.join(det, det.c.detection_id == r.c.detection_id))
        .where(
            _entity_predicate(det, e), _period(det.c.detected_at, f), scope_predicate(det, scope)
        )
        .group_by(r.c.outcome)
        .order_by(func.count().desc(), r.c.outcome)
    )


def enforcement_query(e: Entity, f: Filters, scope: Scope) -> Select:
    """Enforcement applied in the period by type: actions, streams removed, money levied
    and recovered, and what was reversed after appeal."""
    en, et = s.fact_enforcement, s.dim_enforcement_type
    reversed_ = en.c.status == "reversed"
    return (
        select(
            et.c.name.label("enforcement_type"),
            et.c.code.label("type_code"),
            func.count().label("actions"),
            total(en.c.streams_removed).label("streams_removed"),
            total(en.c.amount_eur).label("amount_eur"),
            total(en.c.recovered_eur).label("recovered_eur"),
            sum_if(reversed_).label("reversed"),
            sum_if(reversed_, en.c.amount_eur).label("reversed_eur"),
        )
        .select_from(en.join(et, et.c.enforcement_type_id == en.c.enforcement_type_id))
        .where(_entity_predicate(en, e), _period(en.c.applied_at, f), scope_predicate(en, scope))
        .group_by(et.c.name, et.c.code)
        .order_by(func.count().desc(), et.c.name)
    )


def appeals_query(e: Entity, f: Filters, scope: Scope) -> Select:
    """Appeals filed in the period against the entity's enforcement, by outcome."""
    ap, en = s.fact_appeal, s.fact_enforcement
    return (
        select(
            ap.c.outcome,
            func.count().label("appeals"),
            total(ap.c.amount_restored_eur).label("amount_restored_eur"),
            percentile(hours_between(ap.c.filed_at, ap.c.decided_at), 0.5).label("median_decide_h"),
        )
        .select_from(ap.join(en, en.c.enforcement_id == ap.c.enforcement_id))
        .where(_entity_predicate(en, e), _period(ap.c.filed_at, f), scope_predicate(en, scope))
        .group_by(ap.c.outcome)
        .order_by(func.count().desc(), ap.c.outcome)
    )


def entity_cases_query(e: Entity, f: Filters, scope: Scope, *, limit: int = MAX_CASES) -> Select:
    """The entity's cases active in the period (opened before its end, not resolved before
    its start), newest first, at most ``limit``."""
    if not 1 <= int(limit) <= MAX_CASES:
        raise ValueError(f"limit must be within 1..{MAX_CASES}")
    c, tm, ty = s.fact_case, s.dim_team, s.dim_typology
    active = and_(
        c.c.opened_at < midnight(f.end + timedelta(days=1)),
        or_(c.c.resolved_at.is_(None), c.c.resolved_at >= midnight(f.start)),
    )
    return (
        select(
            c.c.case_id,
            c.c.opened_at,
            c.c.priority,
            c.c.status,
            tm.c.name.label("owner_team"),
            ty.c.name.label("typology"),
            c.c.resolved_at,
            c.c.exposure_eur,
        )
        .select_from(
            c.outerjoin(tm, tm.c.team_id == c.c.owner_team_id).outerjoin(
                ty, ty.c.typology_id == c.c.typology_id
            )
        )
        .where(_entity_predicate(c, e), active, scope_predicate(c, scope))
        .order_by(c.c.opened_at.desc(), c.c.case_id.desc())
        .limit(int(limit))
    )


def label_tracks_query(e: Entity, f: Filters, scope: Scope, *, limit: int = 20) -> Select:
    """A distributor's labels with most detected streams in the period (bounded)."""
    if e.kind != "distributor":
        raise ValueError("labels are listed for a distributor")
    narrowed = Filters(start=f.start, end=f.end, distributors=(e.id,))
    t = fraud_mart(narrowed, scope, by=("label",))
    lab = s.dim_label
    detected = total(t.c.flagged_streams)
    return (
        select(
            t.c.label_id,
            lab.c.name.label("label"),
            total(t.c.streams).label("streams"),
            detected.label("detected_streams"),
            total(t.c.confirmed_streams).label("confirmed_streams"),
        )
        .select_from(t.join(lab, lab.c.label_id == t.c.label_id))
        .where(where(t, narrowed, scope))
        .group_by(t.c.label_id, lab.c.name)
        .order_by(detected.desc(), t.c.label_id)
        .limit(int(limit))
    )


# -- search ---------------------------------------------------------------------------------


# The LIKE escape character: "!", not a backslash, which Spark reads as an escape inside
# the string literal (its ESCAPE '\' swallows the closing quote).
ESCAPE = "!"


def _contains(col, text: str) -> ColumnElement:
    """Case-insensitive substring match; LIKE wildcards in ``text`` match themselves."""
    return func.lower(col).like(f"%{_like_prefix(text.lower())}%", escape=ESCAPE)


def search_query(text: str, scope: Scope, *, limit: int = 8, source_keys: bool = False) -> Select:
    """Tracks (by ISRC prefix or title), artists, labels, distributors and cases (by id)
    matching ``text``: kind, key, name, detail; at most ``limit`` per kind, exact and
    prefix matches first. Team-scoped viewers find their cases only. ``source_keys``: the
    warehouse has the input layer's ``key_map``, so a team's own key (a uuid, a URI) finds
    its track, label, distributor or case too."""
    if not 1 <= int(limit) <= MAX_RESULTS:
        raise ValueError(f"limit must be within 1..{MAX_RESULTS}")
    text = text.strip()
    n = int(limit)
    t, a, d, lab, c = s.dim_track, s.dim_artist, s.dim_distributor, _labels(), s.fact_case
    in_scope = scope_predicate(lab, scope)
    isrc = text.upper().replace("-", "")
    parts = []

    def ranked(q: Select, rank) -> Select:
        return q.add_columns(rank.label("rank"))

    # Tracks: ISRC prefix, or title contains; the exact ISRC first.
    tracks = (
        select(
            literal("track").label("kind"),
            t.c.isrc.label("key"),
            t.c.title.label("name"),
            (a.c.name + literal(" · ") + lab.c.name).label("detail"),
        )
        .select_from(
            t.join(lab, lab.c.label_id == t.c.label_id).join(a, a.c.artist_id == t.c.artist_id)
        )
        .where(
            or_(t.c.isrc.like(f"{_like_prefix(isrc)}%", escape=ESCAPE), _contains(t.c.title, text))
        )
        .where(in_scope)
    )
    parts.append(
        ranked(tracks, func.row_number().over(order_by=(t.c.isrc != isrc, t.c.title, t.c.isrc)))
    )
    # Artists open their label's page (an artist has no page of its own).
    artists = (
        select(
            literal("artist").label("kind"),
            _text(lab.c.label_id).label("key"),
            a.c.name.label("name"),
            lab.c.name.label("detail"),
        )
        .select_from(a.join(lab, lab.c.label_id == a.c.label_id))
        .where(_contains(a.c.name, text), in_scope)
    )
    parts.append(ranked(artists, func.row_number().over(order_by=(a.c.name, a.c.artist_id))))
    labels = (
        select(
            literal("label").label("kind"),
            _text(lab.c.label_id).label("key"),
            lab.c.name.label("name"),
            d.c.name.label("detail"),
        )
        .select_from(lab.join(d, d.c.distributor_id == lab.c.distributor_id))
        .where(_contains(lab.c.name, text), in_scope)
    )
    parts.append(ranked(labels, func.row_number().over(order_by=(lab.c.name, lab.c.label_id))))
    dists = (
        select(
            literal("distributor").label("kind"),
            _text(d.c.distributor_id).label("key"),
            d.c.name.label("name"),
            d.c.tier.label("detail"),
        )
        .where(_contains(d.c.name, text))
        .where(d.c.distributor_id.in_(select(lab.c.distributor_id).where(in_scope)))
    )
    parts.append(ranked(dists, func.row_number().over(order_by=(d.c.name, d.c.distributor_id))))
    case_id = parse_id(text)
    if case_id is not None:
        tm = s.dim_team
        cases = (
            select(
                literal("case").label("kind"),
                _text(c.c.case_id).label("key"),
                (literal("Case ") + _text(c.c.case_id)).label("name"),
                (
                    c.c.priority
                    + literal(" · ")
                    + c.c.status
                    + literal(" · ")
                    + func.coalesce(tm.c.name, "")
                ).label("detail"),
            )
            .select_from(c.outerjoin(tm, tm.c.team_id == c.c.owner_team_id))
            .where(c.c.case_id == case_id, scope_predicate(c, scope))
        )
        parts.append(ranked(cases, literal(1)))
    if source_keys and text:
        parts.extend(_source_key_hits(text, scope, in_scope))
    every = union_all(*parts).subquery("hits")
    return (
        select(every.c.kind, every.c.key, every.c.name, every.c.detail)
        .where(every.c.rank <= n)
        .order_by(every.c.kind, every.c.rank)
    )


def _source_key_hits(text: str, scope: Scope, in_scope) -> list[Select]:
    """Exact matches of a team's own key in key_map, one hit per kind, in the viewer's
    scope (the same predicates as the searches above)."""
    t, lab, d, c, km = s.dim_track, _labels(), s.dim_distributor, s.fact_case, s.key_map

    def key_is(kind: str, id_col) -> ColumnElement:
        return exists().where(km.c.kind == kind, km.c.source_key == text, km.c.id == id_col)

    note = literal("your key ") + literal(text)
    return [
        select(
            literal("track").label("kind"),
            t.c.isrc.label("key"),
            t.c.title.label("name"),
            note.label("detail"),
            literal(0).label("rank"),
        )
        .select_from(t.join(lab, lab.c.label_id == t.c.label_id))
        .where(key_is("track", t.c.track_id), in_scope),
        select(
            literal("label").label("kind"),
            _text(lab.c.label_id).label("key"),
            lab.c.name.label("name"),
            note.label("detail"),
            literal(0).label("rank"),
        ).where(key_is("label", lab.c.label_id), in_scope),
        select(
            literal("distributor").label("kind"),
            _text(d.c.distributor_id).label("key"),
            d.c.name.label("name"),
            note.label("detail"),
            literal(0).label("rank"),
        ).where(
            key_is("distributor", d.c.distributor_id),
            d.c.distributor_id.in_(select(lab.c.distributor_id).where(in_scope)),
        ),
        select(
            literal("case").label("kind"),
            _text(c.c.case_id).label("key"),
            (literal("Case ") + _text(c.c.case_id)).label("name"),
            note.label("detail"),
            literal(0).label("rank"),
        ).where(key_is("case", c.c.case_id), scope_predicate(c, scope)),
    ]


def _text(col) -> ColumnElement:
    return cast(col, String())


def _like_prefix(text: str) -> str:
    """``text`` with LIKE's wildcards (and the escape character) escaped."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
