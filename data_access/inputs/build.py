"""``python -m data_access.inputs build``: the inputs -> the star schema -> the marts.

Reads each ``in_<input>`` relation the mapping created (plays are counted and aggregated in
the warehouse, so only daily rows travel), turns them into the star schema in pandas
(data_access.inputs.star), loads it with the demo's bulk loaders (COPY on PostgreSQL, Arrow
on DuckDB) and builds the marts. Beside the star it writes three small tables: ``meta_inputs``
(which inputs were mapped: pages say what is missing), ``key_map`` (the project's id of every
source key: the search accepts your keys) and ``review_rounds`` (how many reviews each
detection had).

Memory: the streams input is read whole (a daily grain: ~4.5M rows at the demo's scale 1
take ~1 GB); a warehouse far larger maps daily streams for the window it needs.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Engine,
    MetaData,
    String,
    Table,
    cast,
    column,
    create_engine,
    distinct,
    func,
    inspect,
    select,
    table,
)
from sqlalchemy import Date as SADate
from sqlalchemy.exc import SQLAlchemyError

from data_access import schema as s
from data_access.demo.load import load_frames, loader_for
from data_access.inputs import business as biz
from data_access.inputs import contract
from data_access.inputs.star import Built, build_star
from data_access.marts import MartError, build_marts, plan_build


def present_inputs(engine: Engine) -> dict[str, list[str]]:
    """The in_<input> relations in the warehouse (views or tables) and their columns."""
    insp = inspect(engine)
    names = set(insp.get_table_names()) | set(insp.get_view_names())
    out = {}
    for spec in contract.INPUTS:
        if spec.relation in names:
            out[spec.name] = [c["name"] for c in insp.get_columns(spec.relation)]
    return out


_SA_TYPES = {
    contract.TEXT: String,
    contract.INTEGER: BigInteger,
    contract.NUMBER: Double,
    contract.DATE: SADate,
    contract.TIMESTAMP: DateTime,
    contract.BOOLEAN: Boolean,
}


def input_table(spec: contract.Input, columns) -> Table:
    """An in_<input> table holding ``columns`` of the input, typed as the contract says."""
    return Table(
        spec.relation,
        MetaData(),
        *(Column(c.name, _SA_TYPES[c.type]()) for c in spec.columns if c.name in columns),
    )


def write_inputs(engine: Engine, frames: dict[str, pd.DataFrame]) -> None:
    """Write input frames as in_<input> tables: how a producer that holds its data in memory
    (the demo generator) hands it to the input layer like any mapped warehouse."""
    load = loader_for(engine.dialect.name)
    q = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        for spec in contract.INPUTS:  # a view of an earlier mapping would shadow the table
            if spec.relation in inspect(conn).get_view_names():
                conn.exec_driver_sql("DROP VIEW " + q(spec.relation))  # name from the contract
    for name, df in frames.items():
        spec = contract.get(name)
        t = input_table(spec, df.columns)
        t.drop(engine, checkfirst=True)
        t.create(engine)
        with engine.begin() as conn:
            load(conn, t, df[[c.name for c in t.columns]])


def _read(conn, stmt) -> pd.DataFrame:
    if conn.dialect.name == "duckdb":
        # Columnar all the way (millions of stream rows): DuckDB -> Arrow -> pandas.
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        return conn.connection.driver_connection.sql(sql).arrow().read_all().to_pandas()
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def plays_select(columns: list[str], min_ms: int):
    """Plays counted as streams (at least ``min_ms``) per day x track x market x plan x
    device, in the warehouse."""
    p = table(contract.PLAYS.relation, *(column(c) for c in columns))
    keys = [cast(p.c.played_at, SADate).label("day"), p.c.track_key, p.c.market]
    keys += [p.c[c] for c in ("plan", "device") if c in columns]
    measures = [func.count().label("streams")]
    if "listener_key" in columns:
        measures.append(func.count(distinct(p.c.listener_key)).label("listeners"))
    return select(*keys, *measures).where(p.c.ms_played >= min_ms).group_by(*keys)


def read_inputs(engine: Engine, business: biz.Business) -> dict[str, pd.DataFrame]:
    present = present_inputs(engine)
    frames = {}
    with engine.connect() as conn:
        for name, cols in present.items():
            if name == "plays":
                continue
            rel = table(contract.get(name).relation, *(column(c) for c in cols))
            frames[name] = _read(conn, select(*rel.c))
        if "streams" not in frames and "plays" in present:
            frames["streams"] = _read(conn, plays_select(present["plays"], business.min_ms))
    return frames


class BuildError(RuntimeError):
    """A build that cannot go on; the message is one line for the operator."""


def build(
    engine: Engine, business: biz.Business, progress=None, *, written=None
) -> tuple[Built, dict]:
    """Inputs -> star -> marts. ``written``: the frames a producer has just written as the
    in_<input> tables (write_inputs), used as they are instead of read back (the demo)."""
    frames = written if written is not None else read_inputs(engine, business)
    missing = [
        i.name
        for i in contract.INPUTS
        if i.required and i.name not in frames and not (i.name == "streams" and "plays" in frames)
    ]
    if missing:
        raise BuildError(
            "not mapped: "
            + ", ".join(missing)
            + " (required inputs; run `python -m data_access.inputs apply` with their .sql files)"
        )
    built = build_star(frames, business)
    load_frames(engine, built.frames, progress=progress)
    now = datetime.now(UTC).replace(tzinfo=None)
    mapped = pd.DataFrame(
        {
            "input": [i.name for i in contract.INPUTS],
            "mapped": [i.name in frames for i in contract.INPUTS],
            "row_count": [len(frames.get(i.name, ())) for i in contract.INPUTS],
            "built_at": now,
        }
    )
    s.metadata.drop_all(engine, tables=s.INPUT_LAYER)
    s.metadata.create_all(engine, tables=s.INPUT_LAYER)
    load = loader_for(engine.dialect.name)
    with engine.begin() as conn:
        for table, df in (
            (s.meta_inputs, mapped),
            (s.key_map, built.key_map),
            (s.review_rounds, built.review_rounds),
        ):  # in the table's column order: PostgreSQL's COPY takes columns by position
            load(conn, table, df[[c.name for c in table.columns]])
    plan = plan_build(engine)  # marts of unmapped optional inputs are skipped, and why
    for name, why in plan.skipped.items():
        built.notes.append(f"{name}: skipped: {why}")
    built.notes.extend(f"warning: {line}" for line in plan.warnings)
    marts = build_marts(engine, progress=progress, plan=plan)
    return built, marts


def main(url: str, config: str | None) -> int:
    try:
        business = biz.read(Path(config)) if config else biz.current()
    except biz.BusinessConfigError as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    engine = create_engine(url)
    try:
        built, marts = build(engine, business)
    except BuildError as exc:
        print(f"build: {exc}", file=sys.stderr)
        return 1
    except MartError as err:
        print(f"build: {err.mart} was not built: {err.reason}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0][:300]
        print(f"build: the warehouse refused a statement: {reason}", file=sys.stderr)
        return 2 if "connect" in reason.lower() else 1
    finally:
        engine.dispose()
    for name, df in sorted(built.frames.items()):
        print(f"{name:24} {len(df):>12,} rows")
    for name, rows in sorted(marts.items()):
        print(f"{name:24} {rows:>12,} rows")
    for what, n in built.dropped.items():
        if n:
            print(f"left out: {n:,} {what}")
    for line in built.notes:
        print(line)
    return 0
