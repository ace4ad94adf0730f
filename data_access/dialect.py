"""Dialect-aware SQL constructs: the one place that knows how warehouses differ.

Each construct compiles to portable SQL by default and to the dialect's own spelling where
it differs (DuckDB, PostgreSQL, Snowflake, BigQuery, Trino, Spark SQL as ``hive``), so every
query builder stays dialect-free.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    String,
    bindparam,
    cast,
    literal,
    literal_column,
)
from sqlalchemy.dialects import registry
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.elements import BindParameter, Label, _anonymous_label
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

GRAINS = ("day", "week", "month", "quarter")

# ``hive://`` URLs (Spark Thrift server, Databricks SQL) get PyHive's dialect as Spark answers
# it (data_access.spark); loaded lazily, only when such a URL is used.
registry.register("hive", "data_access.spark", "SparkDialect")


class trunc_date(FunctionElement):  # noqa: N801 - SQL function style
    """``date_trunc(grain, expr)`` as a DATE; ISO weeks start on Monday everywhere."""

    type = Date()
    inherit_cache = True
    name = "trunc_date"
    # The grain is part of the SQL: without it in the cache key, a cached day statement
    # would be reused for week or month.
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("grain", InternalTraversal.dp_string),
    ]

    def __init__(self, grain: str, expr: Any) -> None:
        if grain not in GRAINS:
            raise ValueError(f"unknown grain {grain!r}")
        self.grain = grain
        super().__init__(expr)


@compiles(trunc_date)
def _trunc_default(element: trunc_date, compiler, **kw) -> str:
    (expr,) = element.clauses
    arg = compiler.process(expr, **kw)
    if element.grain == "day":
        return f"CAST({arg} AS DATE)"
    return f"CAST(date_trunc('{element.grain}', {arg}) AS DATE)"


@compiles(trunc_date, "bigquery")
def _trunc_bigquery(element: trunc_date, compiler, **kw) -> str:
    (expr,) = element.clauses
    arg = compiler.process(expr, **kw)
    part = {"day": "DAY", "week": "ISOWEEK", "month": "MONTH", "quarter": "QUARTER"}
    return f"DATE_TRUNC(CAST({arg} AS DATE), {part[element.grain]})"


class hours_between(FunctionElement):  # noqa: N801
    """Hours from ``start`` to ``end`` (timestamps) as a double."""

    type = Double()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between)
def _hours_default(element, compiler, **kw) -> str:  # DuckDB, Snowflake, Trino
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(date_diff('second', {start}, {end}) / 3600.0)"


@compiles(hours_between, "duckdb")
def _hours_duckdb(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(epoch({end}) - epoch({start})) / 3600.0"


@compiles(hours_between, "postgresql")
def _hours_pg(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


@compiles(hours_between, "hive")
def _hours_spark(element, compiler, **kw) -> str:
    # Spark has no date_diff in seconds; microseconds since the epoch are exact.
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((unix_micros({end}) - unix_micros({start})) / 3600000000.0)"


@compiles(hours_between, "snowflake")
def _hours_snowflake(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(DATEDIFF('second', {start}, {end}) / 3600.0)"


@compiles(hours_between, "bigquery")
def _hours_bigquery(element, compiler, **kw) -> str:
    # The schema's timestamps are naive (SQLAlchemy DateTime -> BigQuery DATETIME), and
    # TIMESTAMP_DIFF has no DATETIME signature.
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(DATETIME_DIFF({end}, {start}, SECOND) / 3600.0)"


class percentile(FunctionElement):  # noqa: N801
    """Continuous percentile aggregate of ``expr`` at fraction ``q`` (a trusted constant)."""

    type = Double()
    inherit_cache = True
    name = "percentile"
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("q", InternalTraversal.dp_plain_obj),
    ]

    def __init__(self, expr: Any, q: float) -> None:
        q = float(q)
        if not 0.0 <= q <= 1.0:
            raise ValueError("percentile fraction must be within [0, 1]")
        self.q = q
        super().__init__(expr)


@compiles(percentile)
def _pct_default(element, compiler, **kw) -> str:  # PostgreSQL, DuckDB, Snowflake
    (expr,) = element.clauses
    return f"percentile_cont({element.q!r}) WITHIN GROUP (ORDER BY {compiler.process(expr, **kw)})"


@compiles(percentile, "trino")
def _pct_trino(element, compiler, **kw) -> str:
    (expr,) = element.clauses
    return f"approx_percentile({compiler.process(expr, **kw)}, {element.q!r})"


@compiles(percentile, "hive")
def _pct_spark(element, compiler, **kw) -> str:
    # Spark's exact ``percentile`` interpolates linearly, like percentile_cont (the parity
    # tests hold it to 1e-6). ``percentile_approx`` would bound memory per group on huge
    # groups but returns an observed value, not the interpolated one; the latency and
    # response-time groups are small (one row per detection, case or appeal).
    (expr,) = element.clauses
    return f"percentile({compiler.process(expr, **kw)}, {element.q!r})"


@compiles(percentile, "bigquery")
def _pct_bigquery(element, compiler, **kw) -> str:
    (expr,) = element.clauses
    idx = round(element.q * 1000)
    # SAFE_OFFSET: a group whose values are all NULL yields an empty array -> NULL, not an
    # "array index out of bounds" error.
    return f"APPROX_QUANTILES({compiler.process(expr, **kw)}, 1000)[SAFE_OFFSET({idx})]"


# Types a value may be read as (the input contract's column types) and their SQL names.
_CAST_SQL = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
_CAST_TYPES = {
    "text": String(),
    "integer": BigInteger(),
    "number": Double(),
    "date": Date(),
    "timestamp": DateTime(),
    "boolean": Boolean(),
}
# A calendar date (30-day months, February to the 28th, the 29th in years divisible by 4),
# then an optional time of day and zone: what PostgreSQL's cast reads without an error.
_DAY = (
    r"([0-9]{4}-((0?[13578]|1[02])-(0?[1-9]|[12][0-9]|3[01])|(0?[469]|11)-(0?[1-9]|[12][0-9]|30)"
    r"|0?2-(0?[1-9]|1[0-9]|2[0-8]))|[0-9]{2}([02468][048]|[13579][26])-0?2-29)"
)
_DATETIME_RE = (
    rf"^\s*{_DAY}"
    r"([ T]([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?)?"
    r"\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)?\s*$"
)
# PostgreSQL has no TRY_CAST (and pg_input_is_valid only from version 16): a value is cast
# only when its text has the type's shape, so a bad value gives NULL instead of an error.
_PG_SHAPES = {
    "integer": r"^\s*[+-]?[0-9]{1,18}\s*$",
    "number": r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?\s*$",
    "date": _DATETIME_RE,
    "timestamp": _DATETIME_RE,
    "boolean": r"^\s*(t|f|true|false|y|n|yes|no|on|off|1|0)\s*$",
}


class try_cast(FunctionElement):  # noqa: N801
    """``expr`` read as one of the contract's types (text, integer, number, date,
    timestamp, boolean), NULL where it cannot be read: ``TRY_CAST`` where the warehouse
    has it, ``SAFE_CAST`` on BigQuery, a shape test then a cast on PostgreSQL."""

    inherit_cache = True
    name = "try_cast"
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("to", InternalTraversal.dp_string),
    ]

    def __init__(self, expr: Any, to: str) -> None:
        if to not in _CAST_SQL:
            raise ValueError(f"unknown type {to!r}")
        self.to = to
        self.type = _CAST_TYPES[to]
        super().__init__(expr)


@compiles(try_cast)
def _try_cast_default(element: try_cast, compiler, **kw) -> str:  # DuckDB, Trino, Spark
    (expr,) = element.clauses
    arg = compiler.process(expr, **kw)
    return f"TRY_CAST({arg} AS {_CAST_SQL[element.to]})"


@compiles(try_cast, "snowflake")
def _try_cast_snowflake(element: try_cast, compiler, **kw) -> str:
    # Snowflake's TRY_CAST takes strings only.
    (expr,) = element.clauses
    arg = compiler.process(expr, **kw)
    return f"TRY_CAST(CAST({arg} AS VARCHAR) AS {_CAST_SQL[element.to]})"


@compiles(try_cast, "bigquery")
def _try_cast_bigquery(element: try_cast, compiler, **kw) -> str:
    (expr,) = element.clauses
    arg = compiler.process(expr, **kw)
    names = {"text": "STRING", "integer": "INT64", "number": "FLOAT64"}
    names |= {"date": "DATE", "timestamp": "DATETIME", "boolean": "BOOL"}
    return f"SAFE_CAST({arg} AS {names[element.to]})"


@compiles(try_cast, "postgresql")
def _try_cast_pg(element: try_cast, compiler, **kw) -> str:
    (expr,) = element.clauses
    text = f"CAST({compiler.process(expr, **kw)} AS TEXT)"
    if element.to == "text":
        return text
    names = {"integer": "BIGINT", "number": "DOUBLE PRECISION"}
    names |= {"date": "DATE", "timestamp": "TIMESTAMP", "boolean": "BOOLEAN"}
    shape = compiler.process(literal(_PG_SHAPES[element.to]), **kw)
    return f"(CASE WHEN {text} ~* {shape} THEN CAST({text} AS {names[element.to]}) END)"


class one_of(FunctionElement):  # noqa: N801
    """``expr`` is one of ``values`` (bound, never written into the SQL). DuckDB tests a
    bound list with ``list_contains``: an ``IN`` list of bound parameters is one comparison
    per value and row (a list of 51 markets took 40 times longer over 20M rows)."""

    type = Boolean()
    # The values are bound when the statement is compiled (one list on DuckDB, an expanding
    # IN elsewhere), so a compiled form must not be reused for other values.
    inherit_cache = False
    name = "one_of"

    def __init__(self, expr: Any, values: Any) -> None:
        self.values = tuple(values)
        super().__init__(expr)


@compiles(one_of)
def _one_of_default(element: one_of, compiler, **kw) -> str:
    (expr,) = element.clauses
    return compiler.process(expr.in_(list(element.values)), **kw)


@compiles(one_of, "duckdb")
def _one_of_duckdb(element: one_of, compiler, **kw) -> str:
    (expr,) = element.clauses
    values = compiler.process(bindparam(None, list(element.values)), **kw)
    return f"list_contains({values}, {compiler.process(expr, **kw)})"


class CreateTableAs(ExecutableDDLElement):
    """``CREATE TABLE table AS select`` (Spark SQL: a Parquet table). The SELECT is inlined
    with literal values: DDL takes no bound parameters, and its values are our constants."""

    def __init__(self, table: Any, select: Any) -> None:
        self.table, self.select = table, select


@compiles(CreateTableAs)
def _ctas_default(element: CreateTableAs, compiler, **kw) -> str:
    name = compiler.preparer.format_table(element.table)
    body = compiler.sql_compiler.process(element.select, literal_binds=True)
    return f"CREATE TABLE {name} AS {body}"


@compiles(CreateTableAs, "hive")
def _ctas_spark(element: CreateTableAs, compiler, **kw) -> str:
    name = compiler.preparer.format_table(element.table)
    body = compiler.sql_compiler.process(element.select, literal_binds=True)
    return f"CREATE TABLE {name} USING parquet AS {body}"


def as_date(expr: Any) -> ColumnElement:
    """A timestamp's calendar day."""
    return cast(expr, Date)


def true() -> ColumnElement:
    """A portable boolean TRUE literal (BigQuery and Trino have no 1 = TRUE)."""
    return literal_column("TRUE")


# --- dialect bugs worked around ----------------------------------------------------------


@compiles(Label, "bigquery")
def _label_bigquery(element: Label, compiler, within_group_by: bool = False, **kw) -> str:
    """sqlalchemy-bigquery renders every label in GROUP BY by its name, including the
    anonymous label SQLAlchemy wraps around a bare function (``GROUP BY trunc_date_1``, a
    name no SELECT defines). Group by the SELECT alias of the same expression if there is
    one (BigQuery wants that when the expression holds parameters), else the expression."""
    if within_group_by and isinstance(element.name, _anonymous_label):
        sel = compiler.stack[-1].get("selectable") if compiler.stack else None
        for col in getattr(sel, "selected_columns", ()):
            if (
                isinstance(col, Label)
                and col.element is element.element
                and not isinstance(col.name, _anonymous_label)
            ):
                return compiler.preparer.quote(col.name)
        return compiler.process(element.element, **kw)
    return compiler.visit_label(element, within_group_by=within_group_by, **kw)


@compiles(BindParameter, "trino")
@compiles(BindParameter, "hive")
def _bind_typed_literals(element: BindParameter, compiler, **kw) -> str:
    """Trino has no implicit VARCHAR -> DATE coercion: literal-bound dates (SQL exported
    for review, Spark marts built by CREATE TABLE AS) need typed literals. Bound parameters
    are typed by the driver already (PyHive renders them as typed strings Spark casts)."""
    if kw.get("literal_binds") and not element.expanding:
        value = element.effective_value
        if isinstance(value, datetime):
            return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
        if isinstance(value, date):
            return f"DATE '{value.isoformat()}'"
    return compiler.visit_bindparam(element, **kw)
