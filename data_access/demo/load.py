"""Bulk-load generated frames into any SQLAlchemy warehouse, then build the marts.

DuckDB: register the frame as an Arrow table and ``INSERT INTO t SELECT`` (columnar, no row
inserts; DuckDB scans pandas' Arrow-backed string columns through a slow ``to_numpy``, Arrow
tables directly).
PostgreSQL: ``COPY ... FROM STDIN`` in CSV written by Arrow. Anything else: executemany in chunks.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, Index, Table, column, insert, select
from sqlalchemy import table as sa_table

from data_access import schema as s

LOAD_ORDER = (*s.DIMENSIONS, *s.FACTS)


def _load_duckdb(conn: Connection, table: Table, df: pd.DataFrame) -> None:
    raw = conn.connection.driver_connection
    view = "_load_" + table.name
    raw.register(view, pa.Table.from_pandas(df, preserve_index=False))
    try:
        # INSERT INTO t (cols) SELECT cols FROM <registered frame>, built by SQLAlchemy so the
        # identifiers are quoted by the dialect.
        names = [c.name for c in table.columns]
        source = sa_table(view, *(column(n) for n in names))
        conn.execute(insert(table).from_select(names, select(*source.c)))
    finally:
        raw.unregister(view)


def _load_postgresql(conn: Connection, table: Table, df: pd.DataFrame) -> None:
    from psycopg import sql
    from pyarrow import csv

    cur = conn.connection.driver_connection.cursor()
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns),
    )
    # Arrow's CSV writer (C++, ~10x pandas' to_csv). Its dialect is PostgreSQL's: strings
    # always quoted (so "" stays an empty string), NULL an unquoted empty field.
    options = csv.WriteOptions(include_header=False)
    with cur.copy(stmt) as copy:
        for batch in pa.Table.from_pandas(df, preserve_index=False).to_batches(500_000):
            buf = pa.BufferOutputStream()
            csv.write_csv(batch, buf, write_options=options)
            copy.write(buf.getvalue())


def _load_generic(conn: Connection, table: Table, df: pd.DataFrame) -> None:
    records = df.astype(object).where(df.notna(), None).to_dict("records")
    for start in range(0, len(records), 10_000):
        conn.execute(table.insert(), records[start : start + 10_000])


def loader_for(backend: str):
    """``load(conn, table, df)`` appending a frame to a table, fastest for the backend."""
    return {"duckdb": _load_duckdb, "postgresql": _load_postgresql}.get(backend, _load_generic)


def load_frames(engine: Engine, frames: dict[str, pd.DataFrame], progress=None) -> None:
    """Drop and recreate every table, then load the frames in dependency order."""
    loader = loader_for(engine.dialect.name)
    s.metadata.drop_all(engine)
    s.metadata.create_all(engine, tables=list(LOAD_ORDER))
    for table in LOAD_ORDER:
        df = frames[table.name][[c.name for c in table.columns]]
        with engine.begin() as conn:
            loader(conn, table, df)
        if progress:
            progress(table.name, len(df))
    index_facts(engine)


def index_facts(engine: Engine) -> None:
    """PostgreSQL is a row store: without an index on the stream fact's date, period
    filters and the Data health gap check scan the whole table (per day)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        Index("ix_fact_streams_daily_date", s.fact_streams_daily.c.date_key).create(conn)
        conn.exec_driver_sql("ANALYZE fact_streams_daily")
