"""Builders for the allow-lists (dimension members) and the data's date range."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from data_access import schema as s
from data_access.scope import Scope


def date_range_query() -> Select:
    m = s.mart_daily_market_fraud.c  # the smallest table with every day of stream data
    return select(func.min(m.date_key).label("min_date"), func.max(m.date_key).label("max_date"))


def markets_query() -> Select:
    m = s.dim_market.c
    return select(m.iso2, m.name, m.region).order_by(m.iso2)


def labels_query(scope: Scope) -> Select:
    lab = s.dim_label.c
    q = select(lab.label_id, lab.name, lab.distributor_id).order_by(lab.name)
    if scope.labels is not None:
        q = q.where(lab.label_id.in_(scope.labels))
    if scope.distributors is not None:
        q = q.where(lab.distributor_id.in_(scope.distributors))
    return q


def distributors_query(scope: Scope) -> Select:
    d = s.dim_distributor.c
    q = select(d.distributor_id, d.name).order_by(d.name)
    if scope.distributors is not None:
        q = q.where(d.distributor_id.in_(scope.distributors))
    return q


def detectors_query() -> Select:
    d = s.dim_detector.c
    return select(d.detector_id, d.name).order_by(d.detector_id)


def typologies_query() -> Select:
    t = s.dim_typology.c
    return select(t.typology_id, t.name).order_by(t.typology_id)


def events_query() -> Select:
    e = s.dim_event.c
    return select(e.event_date, e.kind, e.title, e.description).order_by(e.event_date)
