"""Bulk-load generated frames into any SQLAlchemy warehouse, then build the marts.

DuckDB: register the frame as an Arrow table and ``INSERT INTO t SELECT`` (columnar, no row
inserts; DuckDB scans pandas' Arrow-backed string columns through a slow ``to_numpy``, Arrow
tables directly).
PostgreSQL: ``COPY ... FROM STDIN`` in CSV written by Arrow. Spark SQL: Parquet files registered in
the catalog (data_access.demo.spark). Anything else: executemany in chunks.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Index,
    MetaData,
    Table,
    column,
    insert,
    select,
)
from sqlalchemy import table as sa_table
from sqlalchemy.schema import AddConstraint, CreateTable, SetColumnComment, SetTableComment

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
    if engine.dialect.name == "hive":  # Spark SQL: Parquet files registered in the catalog
        from data_access.demo import spark

        spark.load_frames(engine, frames, LOAD_ORDER, progress)
        return
    loader = loader_for(engine.dialect.name)
    # PostgreSQL checks a FOREIGN KEY row by row (a trigger and an index probe per key), up to
    # ~7x the COPY itself at 4M rows; added after the load, each is checked by one join.
    keys_after = engine.dialect.name == "postgresql"
    s.metadata.drop_all(engine)
    if keys_after:
        with engine.begin() as conn:
            _create_tables_without_foreign_keys(conn, LOAD_ORDER)
    else:
        s.metadata.create_all(engine, tables=list(LOAD_ORDER))
    for table in LOAD_ORDER:
        df = frames[table.name][[c.name for c in table.columns]]
        with engine.begin() as conn:
            loader(conn, table, df)
        if progress:
            progress(table.name, len(df))
    if keys_after:
        with engine.begin() as conn:
            for table in LOAD_ORDER:
                for fk in sorted(table.foreign_key_constraints, key=lambda k: k.column_keys):
                    # isolate_from_table=False: leave the shared MetaData as it is.
                    conn.execute(AddConstraint(fk, isolate_from_table=False))
    index_facts(engine)


def _create_tables_without_foreign_keys(conn: Connection, tables) -> None:
    """What ``create_all`` does for ``tables`` (indexes, comments), minus the FOREIGN KEYs."""
    for table in tables:
        conn.execute(CreateTable(table, include_foreign_key_constraints=[]))
        for index in table.indexes:
            index.create(conn)
        if table.comment is not None:
            conn.execute(SetTableComment(table))
        for col in table.columns:
            if col.comment is not None:
                conn.execute(SetColumnComment(col))


def index_facts(engine: Engine) -> None:
    """PostgreSQL is a row store: without an index on the stream fact's date, period
    filters and the Data health gap check scan the whole table (per day)."""
    if engine.dialect.name != "postgresql":
        return
    # On a detached copy of the table: an Index on s.fact_streams_daily would join the shared
    # MetaData, and the next create_all (another load, or a DuckDB build) would create it too.
    streams = Table(s.fact_streams_daily.name, MetaData(), Column("date_key", Date))
    with engine.begin() as conn:
        Index("ix_fact_streams_daily_date", streams.c.date_key).create(conn)
        conn.exec_driver_sql("ANALYZE fact_streams_daily")
