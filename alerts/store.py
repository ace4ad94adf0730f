"""Alert rules and subscriptions in the application store: create, change, pause, delete,
list, history. Every creation, change and deletion goes to the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update

import reports
from alerts.model import RuleError, check_rule, check_subscription
from appstore.db import engine
from appstore.schema import alert_rules, deliveries, evaluations, subscriptions
from data_access import audit
from data_access.access import Viewer

TABLES = {"rule": alert_rules, "subscription": subscriptions}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _may_use_view(viewer: Viewer, view_id: str) -> None:
    view = reports.get(view_id)
    if not viewer.may_open(view.page):
        raise RuleError(f"your role may not open the page of view {view.id!r}")
    if view.needs_money and not viewer.scope.money:
        raise RuleError(f"view {view.id!r} shows money, which your role may not see")


def _audit(viewer: Viewer, action: str, source: str, row_id: int, name: str, filters) -> None:
    audit.record(
        user=viewer.user,
        role=viewer.role,
        action=action,
        page="alerts",
        item=f"{source} {row_id}: {name}",
        filters=dict(filters or {}),
    )


def _rule_values(raw: Mapping) -> dict:
    spec = check_rule(raw)
    values = asdict(spec)
    values["view_id"] = values.pop("view")
    return values


def create_rule(viewer: Viewer, raw: Mapping, *, url: str | None = None) -> int:
    values = _rule_values(raw)
    _may_use_view(viewer, values["view_id"])
    now = utcnow()
    with engine(url).begin() as conn:
        rule_id = conn.execute(
            insert(alert_rules).values(
                owner=viewer.user,
                paused=False,
                state="ok",
                created_at=now,
                updated_at=now,
                **values,
            )
        ).inserted_primary_key[0]
    _audit(viewer, "create", "rule", rule_id, values["name"], values["filters"])
    return int(rule_id)


def update_rule(viewer: Viewer, rule_id: int, raw: Mapping, *, url: str | None = None) -> None:
    values = _rule_values(raw)
    _may_use_view(viewer, values["view_id"])
    _owned_update(viewer, "rule", rule_id, {**values, "last_error": None}, url=url)
    _audit(viewer, "change", "rule", rule_id, values["name"], values["filters"])


def create_subscription(viewer: Viewer, raw: Mapping, *, url: str | None = None) -> int:
    if not viewer.scope.exports:
        raise RuleError("creating a subscription needs the export right, which your role lacks")
    values = _subscription_values(viewer, raw)
    now = utcnow()
    with engine(url).begin() as conn:
        sub_id = conn.execute(
            insert(subscriptions).values(
                owner=viewer.user, paused=False, created_at=now, updated_at=now, **values
            )
        ).inserted_primary_key[0]
    _audit(viewer, "create", "subscription", sub_id, values["name"], values["filters"])
    return int(sub_id)


def update_subscription(
    viewer: Viewer, sub_id: int, raw: Mapping, *, url: str | None = None
) -> None:
    if not viewer.scope.exports:
        raise RuleError("changing a subscription needs the export right, which your role lacks")
    values = _subscription_values(viewer, raw)
    _owned_update(viewer, "subscription", sub_id, {**values, "last_error": None}, url=url)
    _audit(viewer, "change", "subscription", sub_id, values["name"], values["filters"])


def _subscription_values(viewer: Viewer, raw: Mapping) -> dict:
    spec = check_subscription(raw)
    values = asdict(spec)
    values["view_id"] = values.pop("view")
    if values["view_id"]:
        _may_use_view(viewer, values["view_id"])
    elif not viewer.may_open("deck"):
        raise RuleError("your role may not build decks")
    return values


def _owned_update(viewer: Viewer, source: str, row_id: int, values: dict, *, url) -> None:
    t = TABLES[source]
    with engine(url).begin() as conn:
        done = conn.execute(
            update(t)
            .where(t.c.id == row_id, t.c.owner == viewer.user)
            .values(updated_at=utcnow(), **values)
        ).rowcount
    if not done:
        raise RuleError(f"no {source} {row_id} of yours")


def set_paused(
    viewer: Viewer, source: str, row_id: int, paused: bool, *, url: str | None = None
) -> None:
    _owned_update(viewer, source, row_id, {"paused": bool(paused)}, url=url)
    row = get(source, row_id, url=url)
    _audit(
        viewer, "change", source, row_id, f"{row['name']} ({'paused' if paused else 'resumed'})", {}
    )


def remove(viewer: Viewer, source: str, row_id: int, *, url: str | None = None) -> None:
    t = TABLES[source]
    row = get(source, row_id, url=url)
    with engine(url).begin() as conn:
        done = conn.execute(delete(t).where(t.c.id == row_id, t.c.owner == viewer.user)).rowcount
    if not done:
        raise RuleError(f"no {source} {row_id} of yours")
    _audit(viewer, "delete", source, row_id, row["name"] if row else "", {})


def get(source: str, row_id: int, *, url: str | None = None) -> dict | None:
    t = TABLES[source]
    with engine(url).connect() as conn:
        row = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
    return dict(row) if row else None


def listing(source: str, owner: str | None = None, *, url: str | None = None) -> list[dict]:
    """Every rule (or subscription), or one owner's, by id."""
    t = TABLES[source]
    q = select(t).order_by(t.c.id)
    if owner is not None:
        q = q.where(t.c.owner == owner)
    with engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def history(source: str, row_id: int, *, limit: int = 50, url: str | None = None) -> list[dict]:
    """The newest evaluations first (for a rule: its firing history)."""
    t = evaluations.c
    q = (
        select(evaluations)
        .where(t.source == source, t.source_id == row_id)
        .order_by(t.scheduled_for.desc(), t.id.desc())
        .limit(limit)
    )
    with engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def delivery_log(source: str, row_id: int, *, limit: int = 50, url: str | None = None):
    t = deliveries.c
    q = (
        select(
            t.id,
            t.created_at,
            t.event,
            t.channel_key,
            t.status,
            t.attempts,
            t.last_error,
            t.sent_at,
            t.next_attempt_at,
        )
        .where(t.source == source, t.source_id == row_id)
        .order_by(t.id.desc())
        .limit(limit)
    )
    with engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
