"""The audit log: who viewed or exported what, when, with which filters.

A separate database from the read-only warehouse (SQLite file by default,
``FRAUD_AUDIT_URL`` to override), append-only from the app's point of view.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from data_access.settings import ROOT, ensure_sqlite_dir

log = logging.getLogger("fraud.audit")
audit_metadata = MetaData()

audit_log = Table(
    "audit_log",
    audit_metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("user", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column(
        "action",
        String(16),
        nullable=False,
        comment="view / export / create / change / delete / deliver",
    ),
    Column("page", String(60), nullable=False),
    Column("item", String(120), nullable=False, comment="chart key or deck"),
    Column("format", String(8)),
    Column("filters", String(4000), nullable=False, comment="JSON of the URL params"),
    Column("row_count", Integer),
)

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
# view / export by the app; create / change / delete of saved alerts and subscriptions and
# each deliver(y) by the alert runner.
AUDIT_ACTIONS = ("view", "export", "create", "change", "delete", "deliver")


def audit_url() -> str:
    return os.environ.get("FRAUD_AUDIT_URL") or f"sqlite:///{ROOT / 'data' / 'audit.sqlite'}"


def _engine(url: str | None = None) -> Engine:
    url = url or audit_url()
    with _lock:
        if url not in _engines:
            ensure_sqlite_dir(url)
            engine = create_engine(url, pool_pre_ping=True)
            audit_metadata.create_all(engine)
            _engines[url] = engine
        return _engines[url]


def record(
    *,
    user: str,
    role: str,
    action: str,
    page: str,
    item: str = "",
    fmt: str | None = None,
    filters: dict | None = None,
    rows: int | None = None,
    url: str | None = None,
) -> None:
    """Append one event. Never raises into the page: a failed write is logged loudly."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = {
        "at": datetime.now(UTC).replace(tzinfo=None),
        "user": user[:200],
        "role": role[:40],
        "action": action,
        "page": page[:60],
        "item": item[:120],
        "format": fmt,
        "filters": json.dumps(filters or {}, sort_keys=True, default=str)[:4000],
        "row_count": rows,
    }
    try:
        with _engine(url).begin() as conn:
            conn.execute(insert(audit_log), row)
    except Exception:  # the audit store being down must not take the dashboard down
        log.exception("audit write failed for %s %s", action, item)


def events_query(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    action: str | None = None,
    page: str | None = None,
    limit: int = 5000,
):
    """The newest events first, filtered (bound parameters; ``until`` is exclusive)."""
    t = audit_log.c
    q = select(audit_log).order_by(t.at.desc(), t.event_id.desc()).limit(limit)
    if since is not None:
        q = q.where(t.at >= since)
    if until is not None:
        q = q.where(t.at < until)
    if user:
        q = q.where(t.user == user)
    if action:
        q = q.where(t.action == action)
    if page:
        q = q.where(t.page == page)
    return q


def facets_query(column: str):
    """Distinct values of an allow-listed column (users, pages) for the audit filters."""
    col = {"user": audit_log.c.user, "page": audit_log.c.page}[column]
    return select(col.label("value")).distinct().order_by(col).limit(1000)


def load_facets(column: str, *, url: str | None = None) -> list[str]:
    try:
        with _engine(url).connect() as conn:
            return [str(v) for v in conn.execute(facets_query(column)).scalars()]
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from None


class AuditUnavailable(RuntimeError):
    """The audit store could not be read; ``ref`` points at the server log entry."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"The audit log cannot be read right now. Reference: {ref}")
        self.ref = ref


def _unavailable(exc: BaseException) -> AuditUnavailable:
    ref = uuid.uuid4().hex[:8]
    log.error("audit read failed ref=%s", ref, exc_info=exc)
    return AuditUnavailable(ref)


def load_events(*, url: str | None = None, **kw) -> pd.DataFrame:
    """Events as a DataFrame (``at`` as datetimes, ``row_count`` as a nullable integer)."""
    try:
        with _engine(url).connect() as conn:
            result = conn.execute(events_query(**kw))
            df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    except SQLAlchemyError as exc:
        raise _unavailable(exc) from None
    df["at"] = pd.to_datetime(df["at"])
    df["row_count"] = pd.to_numeric(df["row_count"]).astype("Int64")
    return df


def count(url: str | None = None) -> int:
    with _engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
