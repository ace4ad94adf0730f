"""The demo tables for Spark SQL: Parquet files registered in the Spark catalog.

A Thrift server loads nothing fast through INSERT (each statement is a Spark job), so the
generator writes each table as Parquet itself, with the schema's exact types, and registers
it with ``CREATE TABLE ... USING parquet LOCATION ...``. The stream fact is partitioned by
month: an extra ``month_key`` column (the month's first day) that only the Spark table has;
one directory per month, its files' row groups in date order, so a period filter skips
the rest by Parquet statistics. Partitions by day cost more than they save here (730 small
files and metastore entries per year: a count took 17 s instead of 1 s on the test
server). The other facts are small (one row per detection, action, case or event) and
stay one file per load. The marts are then
built by Spark itself (data_access.marts: CREATE TABLE AS SELECT).

The files go where the Spark server can read them: ``FRAUD_SPARK_DATA_DIR`` when set (a path
shared with the cluster), else the server's own warehouse directory when it is a local path
(a Thrift server on this machine, as in the tests and benchmarks).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    create_engine,
)

DATA_DIR_ENV = "FRAUD_SPARK_DATA_DIR"
# table -> (partition column, the date column it is the month of)
PARTITIONED_BY = {"fact_streams_daily": ("month_key", "date_key")}
_DATABASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def arrow_type(col) -> pa.DataType:
    """The Parquet (Arrow) type Spark reads as the column's SQL type."""
    t = col.type
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, SmallInteger):
        return pa.int16()
    if isinstance(t, BigInteger):
        return pa.int64()
    if isinstance(t, Integer):
        return pa.int32()
    if isinstance(t, Float):
        return pa.float64()
    if isinstance(t, Numeric):
        return pa.decimal128(t.precision or 38, t.scale or 0)
    if isinstance(t, DateTime):
        # UTC-adjusted micros: Spark's TIMESTAMP; the sessions run in UTC (engine.py).
        return pa.timestamp("us", tz="UTC")
    if isinstance(t, Date):
        return pa.date32()
    if isinstance(t, String):
        return pa.string()
    raise TypeError(f"no Parquet type for {col.table.name}.{col.name} ({t!r})")


def arrow_table(table: Table, df: pd.DataFrame) -> pa.Table:
    """``df`` as an Arrow table with exactly the schema's column types."""
    data = pa.Table.from_pandas(df[[c.name for c in table.columns]], preserve_index=False)
    arrays = []
    for col in table.columns:
        arr = data.column(col.name)
        target = arrow_type(col)
        if pa.types.is_decimal(target) and pa.types.is_floating(arr.type):
            # Money is generated as floats: round to the column's scale, then convert.
            arr = pc.round(arr, target.scale)
            arr = pc.cast(arr, target, safe=False)
        elif not arr.type.equals(target):
            arr = pc.cast(arr, target)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, names=[c.name for c in table.columns])


def admin_engine(engine: Engine) -> Engine:
    """An engine on the server's ``default`` database (the URL's may not exist yet)."""
    return create_engine(engine.url.set(database="default"))


def database_name(engine: Engine) -> str:
    name = engine.url.database or "default"
    if not _DATABASE.match(name):
        raise ValueError(f"not a Spark database name: {name!r}")
    return name


def ensure_database(engine: Engine) -> None:
    name = database_name(engine)
    admin = admin_engine(engine)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{name}`")
    finally:
        admin.dispose()


def data_root(conn: Connection, database: str) -> Path:
    """Where this database's demo Parquet files live (see the module docstring)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override) / database
    (_, where), *_ = conn.exec_driver_sql("SET spark.sql.warehouse.dir").fetchall()
    if not where.startswith(("file:", "/")):
        raise RuntimeError(
            f"Spark's warehouse directory ({where}) is not a local path: set {DATA_DIR_ENV} to "
            "a directory both this machine and the Spark cluster read"
        )
    local = Path(re.sub(r"^file:(//)?", "", where))
    return local / "fraud_demo_parquet" / database


class ParquetTables:
    """Drop, write and register the demo tables of one Spark database.

    ``append`` may be called several times per table (the sharded build: one file per shard);
    ``register`` creates the catalog entries once every file is written."""

    def __init__(self, engine: Engine, tables) -> None:
        self.engine = engine
        self.tables = list(tables)
        self.database = database_name(engine)
        self.parts: dict[str, int] = {}
        ensure_database(engine)
        with engine.connect() as conn:
            self.root = data_root(conn, self.database)

    def prepare(self) -> None:
        with self.engine.connect() as conn:
            for table in self.tables:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS `{table.name}`")
        for table in self.tables:
            shutil.rmtree(self.root / table.name, ignore_errors=True)
            (self.root / table.name).mkdir(parents=True, exist_ok=True)

    def append(self, table: Table, df: pd.DataFrame) -> int:
        part = self.parts.get(table.name, 0)
        self.parts[table.name] = part + 1
        data = arrow_table(table, df)
        where = self.root / table.name
        if table.name in PARTITIONED_BY:
            key, day = PARTITIONED_BY[table.name]
            data = data.sort_by(day)
            data = data.append_column(key, pc.floor_temporal(data.column(day), unit="month"))
            ds.write_dataset(
                data,
                where,
                format="parquet",
                partitioning=ds.partitioning(pa.schema([data.schema.field(key)]), flavor="hive"),
                basename_template=f"part-{part:05d}-{{i}}.parquet",
                existing_data_behavior="overwrite_or_ignore",
                max_rows_per_group=1 << 17,
            )
        else:
            pq.write_table(data, where / f"part-{part:05d}.parquet")
        return data.num_rows

    def register(self) -> None:
        with self.engine.connect() as conn:
            for table in self.tables:
                conn.exec_driver_sql(create_table_sql(table, self.root / table.name, conn))
                if table.name in PARTITIONED_BY:
                    conn.exec_driver_sql(f"ALTER TABLE `{table.name}` RECOVER PARTITIONS")


def create_table_sql(table: Table, location: Path, conn: Connection) -> str:
    """``CREATE TABLE t (cols) USING parquet [PARTITIONED BY (key)] LOCATION 'path'``;
    names and types come from our MetaData, the path from ``data_root``."""
    types = conn.dialect.type_compiler_instance
    cols = ", ".join(f"`{c.name}` {types.process(c.type)}" for c in table.columns)
    path = str(location)
    if "'" in path or "\\" in path:
        raise ValueError(f"unsupported characters in the Parquet path {path!r}")
    partition = ""
    if table.name in PARTITIONED_BY:
        key, _ = PARTITIONED_BY[table.name]
        cols += f", `{key}` DATE"
        partition = f" PARTITIONED BY (`{key}`)"
    return f"CREATE TABLE `{table.name}` ({cols}) USING parquet{partition} LOCATION '{path}'"


def load_frames(engine: Engine, frames: dict[str, pd.DataFrame], tables, progress=None) -> None:
    """Every table of ``tables`` from ``frames``, written as Parquet and registered."""
    writer = ParquetTables(engine, tables)
    writer.prepare()
    for table in writer.tables:
        n = writer.append(table, frames[table.name])
        if progress:
            progress(table.name, n)
    writer.register()
