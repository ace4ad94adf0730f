"""Running statements: the engine, the cache decorator, and warehouse errors people can read.

Errors are classified (unreachable, credentials, timeout, missing table, other) into a
``WarehouseError`` with a human message and a short reference id; the full exception goes
to the server log only, never to the screen.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Connection, Executable
from sqlalchemy.exc import DBAPIError, NoSuchTableError, SQLAlchemyError

from data_access.access import hidden_columns
from data_access.engine import get_engine
from data_access.scope import Scope
from data_access.settings import STATEMENT_TIMEOUT_S, resolve_url

log = logging.getLogger("fraud.warehouse")
if not st.runtime.exists():
    # Outside a Streamlit server (the deck CLI, tests, benchmarks) the cache keeps results in
    # memory; Streamlit says so once per cached function, which is only noise there.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)

CACHE_TTL_S = 600
T = TypeVar("T")


class WarehouseError(RuntimeError):
    """A warehouse problem, said for people: ``message`` plus a reference id for the logs."""

    def __init__(self, kind: str, message: str, ref: str) -> None:
        super().__init__(message)
        self.kind, self.message, self.ref = kind, message, ref


_MESSAGES = {
    "unreachable": "The warehouse cannot be reached. Check that it is running and that the "
    "configured host and port are right (FRAUD_WAREHOUSE_URL or [connections.warehouse]).",
    "credentials": "The warehouse refused the app's credentials. Check the user and password "
    "configured for the warehouse connection.",
    "timeout": "The warehouse took too long to answer and the query was stopped. Narrow the "
    "period or the filters, or try again when the warehouse is less busy.",
    "missing": "A table the dashboard needs is missing from the warehouse. Rebuild the marts "
    "(python -m data_access.marts) or the demo warehouse (make warehouse).",
    "empty": "The warehouse file does not exist yet. Build the demo warehouse with "
    "`make warehouse` (or `make run`), or point FRAUD_WAREHOUSE_URL at your warehouse.",
    "other": "The warehouse returned an error for this view.",
}


def classify(exc: BaseException) -> str:
    text = str(exc).lower()
    if "database does not exist" in text and "read-only" in text:
        return "empty"  # the embedded DuckDB file was never built
    if (
        "does not exist" in text
        and ("relation" in text or "table" in text)
        or isinstance(exc, NoSuchTableError)
    ):
        return "missing"
    if "catalog error" in text and "table" in text:
        return "missing"
    if "password authentication failed" in text or "authentication" in text:
        return "credentials"
    if "statement timeout" in text or "canceling statement" in text or "interrupt" in text:
        return "timeout"
    if (
        "connection refused" in text
        or "could not connect" in text
        or "connection to server" in text
        or "timeout expired" in text
        or "could not translate host" in text
        or "cannot open file" in text
        or "no such file" in text
        or "io error" in text
    ):
        return "unreachable"
    return "other"


def raise_readable(exc: BaseException) -> None:
    ref = uuid.uuid4().hex[:8]
    kind = exc.kind if isinstance(exc, WarehouseError) else classify(exc)
    log.error("warehouse error ref=%s kind=%s", ref, kind, exc_info=exc)
    raise WarehouseError(kind, _MESSAGES[kind], ref) from None


def _interrupt_after(conn, seconds: float) -> threading.Timer | None:
    """DuckDB has no statement timeout: interrupt the connection from a timer instead."""
    raw = getattr(conn.connection, "driver_connection", None)
    target = getattr(raw, "interrupt", None)
    if target is None or conn.dialect.name != "duckdb":
        return None
    timer = threading.Timer(seconds, target)
    timer.daemon = True
    timer.start()
    return timer


@contextmanager
def _readable():
    """Warehouse failures inside become a ``WarehouseError``; anything else passes."""
    try:
        yield
    except (SQLAlchemyError, DBAPIError, OSError) as exc:
        raise_readable(exc)
    except Exception as exc:  # duckdb raises its own exception types too
        if type(exc).__module__.startswith(("duckdb", "_duckdb", "psycopg")):
            raise_readable(exc)
        raise


def run(stmt: Executable, url: str | None = None) -> pd.DataFrame:
    """Execute a statement on the read-only engine; fully fetch; readable errors."""
    url = url or resolve_url()
    t0 = time.perf_counter()
    with _readable(), get_engine(url).connect() as conn:
        timer = _interrupt_after(conn, STATEMENT_TIMEOUT_S)
        try:
            result = conn.execute(stmt)
            df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        finally:
            if timer:
                timer.cancel()
    log.info("query %.0f ms, %d rows", (time.perf_counter() - t0) * 1000, len(df))
    return df


def read(fn: Callable[[Connection], T], url: str | None = None) -> T:
    """``fn(connection)`` on the read-only engine (catalog look-ups), with readable errors."""
    with _readable(), get_engine(url or resolve_url()).connect() as conn:
        return fn(conn)


def strip_hidden(result, scope):
    """Drop the columns ``scope`` may not see from a loader's DataFrame result.

    Without the money right: every money column (``eur``, ``*_eur``, ``eur_*``); without the
    personal right: personal data columns (reviewer ids). Other results pass through.
    """
    if isinstance(scope, Scope) and isinstance(result, pd.DataFrame):
        hidden = hidden_columns(result.columns, scope)
        if hidden:
            result = result.drop(columns=hidden)
    return result


def cached(fn: Callable) -> Callable:
    """``st.cache_data`` keyed by the warehouse URL as well as the loader's arguments.

    The viewer's scope (a loader's first argument) is part of the key, and columns the scope
    may not see are dropped before the result is cached (see ``strip_hidden``).
    """

    def inner(url, *args, **kwargs):
        result = fn(*args, url=url, **kwargs)
        return strip_hidden(result, args[0]) if args else result

    # Streamlit keys a cache by module + qualname (+ source): make each loader's unique.
    inner.__module__ = fn.__module__
    inner.__qualname__ = f"{fn.__qualname__}.cached"
    inner = st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=512)(inner)

    @wraps(fn)
    def wrapper(*args, url: str | None = None, **kwargs):
        # ``url`` names another warehouse (the deck CLI's --url); the default is the app's.
        return inner(url or resolve_url(), *args, **kwargs)

    wrapper.clear = inner.clear  # type: ignore[attr-defined]
    return wrapper
