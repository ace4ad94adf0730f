"""Builders that resolve a viewer's configured label / distributor NAMES to ids at sign-in."""

from __future__ import annotations

from sqlalchemy import Select, false, literal, select, union_all

from data_access import schema as s


def scope_ids_query(labels: tuple[str, ...], distributors: tuple[str, ...]) -> Select:
    """(kind, id) rows of the labels and distributors with these exact names (bound params)."""
    lab, dist = s.dim_label.c, s.dim_distributor.c
    by_label = select(literal("label").label("kind"), lab.label_id.label("id")).where(
        lab.name.in_(labels) if labels else false()
    )
    by_distributor = select(
        literal("distributor").label("kind"), dist.distributor_id.label("id")
    ).where(dist.name.in_(distributors) if distributors else false())
    u = union_all(by_label, by_distributor).subquery()
    return select(u.c.kind, u.c.id).order_by(u.c.kind, u.c.id)
