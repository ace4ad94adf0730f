"""Spark SQL through PyHive's ``hive://`` dialect, with what Spark's Thrift server needs.

``data_access.dialect`` registers :class:`SparkDialect` for ``hive://`` URLs (a Spark Thrift
server, or a Databricks SQL warehouse through the same protocol). Imported only when such a
URL is used, so PyHive stays optional for everyone else.

PyHive returns DATE, TIMESTAMP and DECIMAL values as strings and reads Spark's
``SHOW TABLES`` (namespace, tableName, isTemporary) as if it were Hive's (tab_name); the
subclass fixes both, and lets SQLAlchemy cache compiled statements.
"""

from __future__ import annotations

import datetime
import decimal

from pyhive.sqlalchemy_hive import HiveCompiler, HiveDialect, HiveTypeCompiler
from sqlalchemy import Date, DateTime, Float, Numeric, text, types


class _SparkDate(types.TypeDecorator):
    impl = types.DATE
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, datetime.date):
            return value.date() if isinstance(value, datetime.datetime) else value
        return datetime.date.fromisoformat(value[:10])


class _SparkTimestamp(types.TypeDecorator):
    impl = types.TIMESTAMP
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, datetime.datetime):
            return value
        return datetime.datetime.fromisoformat(value)


class _SparkDecimal(types.TypeDecorator):
    impl = types.DECIMAL
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, decimal.Decimal):
            return value
        return decimal.Decimal(value)


class _SparkFloat(types.TypeDecorator):
    """Doubles come back as floats; only guards Float from the Numeric mapping above."""

    impl = types.FLOAT
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value if value is None or isinstance(value, float) else float(value)


class SparkTypeCompiler(HiveTypeCompiler):
    """Spark's own types: a real DATE (Hive's dialect says TIMESTAMP) and sized DECIMALs."""

    def visit_DATE(self, type_, **kw):
        return "DATE"

    def visit_NUMERIC(self, type_, **kw):
        if type_.precision is None:
            return "DECIMAL(38, 10)"
        return f"DECIMAL({type_.precision}, {type_.scale or 0})"

    visit_DECIMAL = visit_NUMERIC

    def visit_SMALLINT(self, type_, **kw):
        return "SMALLINT"

    def visit_BIGINT(self, type_, **kw):
        return "BIGINT"

    def visit_FLOAT(self, type_, **kw):
        return "DOUBLE"

    visit_DOUBLE = visit_FLOAT
    visit_REAL = visit_FLOAT
    visit_DOUBLE_PRECISION = visit_FLOAT

    def visit_BOOLEAN(self, type_, **kw):
        return "BOOLEAN"


class SparkCompiler(HiveCompiler):
    """Bound dates and timestamps reach Spark as quoted strings (PyHive formats them on the
    client): cast them back, so ``unix_micros(:start)`` or ``date_col + :n`` type-check."""

    def visit_bindparam(self, bindparam, **kw):
        sql = super().visit_bindparam(bindparam, **kw)
        if kw.get("literal_binds") or bindparam.expanding:
            return sql
        affinity = bindparam.type._type_affinity
        if affinity is not None and issubclass(affinity, DateTime):
            return f"CAST({sql} AS TIMESTAMP)"
        if affinity is not None and issubclass(affinity, Date):
            return f"CAST({sql} AS DATE)"
        return sql


class SparkDialect(HiveDialect):
    """PyHive's Hive dialect as Spark SQL answers it."""

    name = "hive"
    supports_statement_cache = True
    statement_compiler = SparkCompiler
    type_compiler = SparkTypeCompiler
    type_compiler_cls = SparkTypeCompiler

    @classmethod
    def import_dbapi(cls):
        from pyhive import hive

        return hive

    colspecs = {
        **HiveDialect.colspecs,
        Date: _SparkDate,
        DateTime: _SparkTimestamp,
        Float: _SparkFloat,
        Numeric: _SparkDecimal,
    }

    def get_table_names(self, connection, schema=None, **kw):
        query = "SHOW TABLES"
        if schema:
            query += " IN " + self.identifier_preparer.quote_identifier(schema)
        rows = connection.execute(text(query)).fetchall()
        # Spark: (namespace, tableName, isTemporary); Hive: (tab_name,).
        return [row[1] if len(row) >= 3 else row[0] for row in rows if not _temporary(row)]

    def has_table(self, connection, table_name, schema=None, **kw):
        return table_name in self.get_table_names(connection, schema)


def _temporary(row) -> bool:
    return len(row) >= 3 and str(row[2]).lower() == "true"
