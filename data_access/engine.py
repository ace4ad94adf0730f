"""One read-only engine per process, with timeouts and pool pre-ping.

DuckDB files open read-only with external access disabled (no COPY/ATTACH of files);
PostgreSQL sessions are read-only with a statement timeout. Spark SQL (``hive://``) has
neither a read-only session nor a per-session timeout the client can set: the engine refuses
anything but reads before it is sent, and the deployment gives the app a SELECT-only catalog
user and a server-side query timeout (docs/WAREHOUSE.md). A read-write DuckDB engine (the
generator's) and this one cannot live in one process on the same file.
"""

from __future__ import annotations

import os
import re
import threading

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

import data_access.dialect  # noqa: F401 - registers the Spark dialect for hive:// URLs
from data_access.settings import STATEMENT_TIMEOUT_S, resolve_url

_lock = threading.Lock()
_engines: dict[str, Engine] = {}

POOL_SIZE = 5  # concurrent page loads per app process; max_overflow adds bursts
MAX_OVERFLOW = 5
POOL_TIMEOUT_S = 10  # a load waits this long for a free connection, then fails readably
# Memory the embedded (read-only) DuckDB may use inside the app process (its block cache and
# operators; more spills to a temporary file). 256 MB answers every page at scale 100 (433M
# stream rows) as fast as 512 MB did (bench/RESULTS.md) with half the resident memory.
DUCKDB_MEMORY_MB = int(os.environ.get("FRAUD_DUCKDB_MEMORY_MB", "256"))
# What a read-only Spark engine sends: queries and catalog look-ups, nothing that writes.
_SPARK_READS = re.compile(r"^\s*(\(\s*)*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN)\b", re.I)


def url_option(u: URL, key: str) -> str:
    """The URL's query parameter ``key`` as one string ("" when absent; repeated: joined)."""
    value = u.query.get(key)
    if value is None:
        return ""
    return " ".join(value) if isinstance(value, tuple) else str(value)


def make_engine(url: str, *, read_only: bool = True, timeout_s: float = STATEMENT_TIMEOUT_S):
    u = make_url(url)
    backend = u.get_backend_name()
    kwargs: dict = {"pool_pre_ping": True}
    search_path = ""
    if backend == "duckdb":
        config = {"enable_external_access": False} if read_only else {}
        if read_only:
            # The embedded warehouse lives in the app's process: cap its buffer pool so the
            # app's memory does not grow with the data (it spills / evicts instead).
            config["memory_limit"] = f"{DUCKDB_MEMORY_MB}MB"
        kwargs["connect_args"] = {"read_only": read_only, "config": config}
        # DuckDB takes no search_path when it opens a file (it is a session setting): the
        # URL's ``?search_path=fraud`` is set on each connection instead (see below).
        search_path = url_option(u, "search_path")
        u = u.difference_update_query(["search_path"])
    elif backend == "postgresql":
        # The URL's own options (``?options=-csearch_path%3Dfraud``: the schema, a role, ...)
        # come first and ours after them, so both apply, and ours win where both set one:
        # the app, `python -m data_access.marts` and every CLI read the same schema, and no
        # URL turns the timeout or the read-only session off.
        ours = f"-c statement_timeout={int(timeout_s * 1000)}"
        if read_only:
            ours += " -c default_transaction_read_only=on"
        theirs = url_option(u, "options").strip()
        u = u.difference_update_query(["options"])
        kwargs["connect_args"] = {"options": f"{theirs} {ours}" if theirs else ours}
        if "connect_timeout" not in u.query:
            kwargs["connect_args"]["connect_timeout"] = 5
    elif backend == "snowflake":
        # Server-side cut-off; also set it on the warehouse (docs/WAREHOUSE.md).
        kwargs["connect_args"] = {
            "session_parameters": {"STATEMENT_TIMEOUT_IN_SECONDS": max(1, int(timeout_s))}
        }
    elif backend == "trino":
        kwargs["connect_args"] = {
            "session_properties": {"query_max_execution_time": f"{max(1, int(timeout_s))}s"}
        }
    elif backend == "hive":
        # Session settings the Thrift server applies at open: naive timestamps are UTC wall
        # times (as in the Parquet files). A timeout cannot be set per session (Spark reads
        # spark.sql.thriftServer.queryTimeout from the server's configuration only).
        kwargs["connect_args"] = {"configuration": {"spark.sql.session.timeZone": "UTC"}}
    if backend not in ("duckdb", "sqlite"):  # in-process engines have no server to share
        # Each app process holds at most POOL_SIZE + MAX_OVERFLOW connections; more
        # simultaneous loads wait up to pool_timeout seconds for one (docs/WAREHOUSE.md).
        # Spark answers in seconds, not milliseconds: a load queues for a connection as long
        # as a statement may run instead of failing after POOL_TIMEOUT_S.
        wait = max(POOL_TIMEOUT_S, timeout_s) if backend == "hive" else POOL_TIMEOUT_S
        kwargs.update(pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_timeout=wait)
    engine = create_engine(u, **kwargs)
    if backend == "duckdb" and search_path:
        quoted = "'" + search_path.replace("'", "''") + "'"

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_conn, _record):  # before _lock_down: listeners run in order
            cur = dbapi_conn.cursor()
            cur.execute(f"SET search_path = {quoted}")  # the operator's URL, quoted
            cur.close()

    if backend == "duckdb" and read_only:

        @event.listens_for(engine, "connect")
        def _lock_down(dbapi_conn, _record):  # pragma: no cover - trivial
            # Connections to one file share one database instance: once the first has locked
            # its configuration, setting the lock again fails, so lock only once.
            cur = dbapi_conn.cursor()
            cur.execute("SELECT current_setting('lock_configuration')")
            if not cur.fetchone()[0]:
                cur.execute("SET lock_configuration = true")
            cur.close()

    if backend == "hive" and read_only:

        @event.listens_for(engine, "before_cursor_execute")
        def _reads_only(conn, cursor, statement, parameters, context, executemany):
            if not _SPARK_READS.match(statement):
                # The driver's own error class, so callers see a DBAPIError like a read-only
                # PostgreSQL session's refusal.
                raise engine.dialect.loaded_dbapi.OperationalError(
                    "read-only warehouse engine: only queries are sent to Spark"
                )

    return engine


def get_engine(url: str | None = None) -> Engine:
    """The process-wide read-only engine for ``url`` (default: the configured warehouse)."""
    url = url or resolve_url()
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
