"""Every query builder compiles for DuckDB, PostgreSQL, Snowflake, BigQuery and Trino, and the
compiled SQL holds no construct that would fail on a dialect (compile only, no connection).

Builders are discovered by introspection: every public ``*_query`` function of
data_access/queries/*.py, the mart builders of data_access.marts and the data-health checks.
A builder whose required arguments this file does not know fails the test, so a new builder
cannot slip by uncovered.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

import data_access.queries as queries_pkg
from data_access import marts
from data_access import schema as s
from data_access.demo import reference as ref
from data_access.filters import Filters
from data_access.queries import health, policy
from data_access.queries.entities import Entity
from data_access.scope import FULL, Scope

HOSTILE = "x'); DROP TABLE dim_label; --"


def _dialects() -> dict[str, Dialect]:
    from duckdb_sqlalchemy import Dialect as DuckDBDialect
    from snowflake.sqlalchemy.snowdialect import SnowflakeDialect
    from sqlalchemy_bigquery import BigQueryDialect
    from trino.sqlalchemy.dialect import TrinoDialect

    return {
        "duckdb": DuckDBDialect(),
        "postgresql": postgresql.dialect(),
        "snowflake": SnowflakeDialect(),
        "bigquery": BigQueryDialect(),
        "trino": TrinoDialect(),
    }


DIALECTS = _dialects()

# -- the builders and how to call them ------------------------------------------------------

DEFAULT = Filters(start=date(2026, 9, 1), end=ref.END)
NARROW = Filters(
    start=date(2025, 3, 3),
    end=date(2025, 6, 1),
    markets=("FR", "DE"),
    regions=("Europe",),
    labels=(1, 2, 3),
    distributors=(1,),
    typologies=(1, 2),
    detectors=(3,),
)
SCOPED = Scope(role="partner", labels=(1, 2), team="legal")
SCOPES = {"full": FULL, "scoped": SCOPED}
FILTERS = {"default": DEFAULT, "narrow": NARROW}

# Extra keyword arguments per builder: each dict is one call (every allow-listed choice
# that changes the SQL's shape). Builders taking only (filters, scope) need no entry.
_POLICIES = (
    policy.CURRENT,
    policy.Policy(fee_threshold=0.8, fee_eur=15, auto=(("model", 0.95),), ignore=(("rule", 0.5),)),
)
EXTRA: dict[str, list[dict]] = {
    "overview.top_exposure_query": [{"by": b} for b in ("market", "label", "distributor")],
    "trends.trend_query": [
        {"grain": g, "split": sp, "metric": m}
        for g in ("day", "week", "month")
        for sp in ("none", "market", "region", "typology")
        for m in ("detected_streams", "confirmed_share")
    ]
    + [{"split": sp} for sp in ("label", "distributor", "detector")],
    "trends.market_week_query": [{}, {"top_markets": 5}],
    "funnel.recall_contribution_query": [{"by": "detector"}, {"by": "typology"}],
    "ops.review_times_query": [{"by": "detector"}, {"by": "typology"}],
    "enforcement.repeat_offenders_query": [{"by": "label"}, {"by": "distributor"}],
    "enforcement.appeals_query": [{}, {"by": "label"}, {"by": "distributor"}],
    "exposure.weekly_by_group_query": [
        {"by": b, "measure": m}
        for b in ("market", "region", "label", "distributor")
        for m in ("exposure_eur", "detected_streams")
    ],
    "cases.case_page_query": [
        {"sort": so, "descending": d, "page": 3, "page_size": 25}
        for so in ("opened", "priority", "exposure", "age", "status")
        for d in (True, False)
    ],
    "drilldown.top_tracks_query": [{}, {"limit": 500}],
    "access.scope_ids_query": [
        {"labels": ("Label One", HOSTILE), "distributors": ()},
        {"labels": (), "distributors": ("Distributor One",)},
    ],
    "health.table_stats_query": [{"name": n} for n in health.TABLES],
    # Entity pages: one call per kind of key (a track's facts, a label's, a distributor's).
    "entities.track_query": [{"isrc": "QZA002500001"}],
    "entities.label_query": [{"label_id": 1}, {"name": HOSTILE}],
    "entities.distributor_query": [{"distributor_id": 1}, {"name": "Distributor One"}],
    "entities.case_query": [{"case_id": 7}],
    "entities.case_events_query": [{"case_id": 7}],
    **{
        f"entities.{name}": [{"e": Entity(k, 3)} for k in ("track", "label", "distributor")]
        for name in (
            "streams_weekly_query",
            "detections_query",
            "reviews_query",
            "enforcement_query",
            "appeals_query",
            "entity_cases_query",
        )
    },
    "entities.label_tracks_query": [{"e": Entity("distributor", 1)}],
    "entities.search_query": [{"text": "marbra"}, {"text": "#12"}, {"text": HOSTILE}],
    "changes.fraud_change_query": [{"comparison": c} for c in ("week", "period", "year")],
    "changes.enforcement_change_query": [{"comparison": "period"}],
    "changes.case_change_query": [{"comparison": "year"}],
    # The quiet rollup, and the untouched rows (a policy off the rollup's band edges).
    "policy.policy_replay_query": [
        {"policies": _POLICIES},
        {"policies": (*_POLICIES, policy.Policy(min_streams=1234))},
    ],
    "policy.policy_affected_query": [
        {"policies": _POLICIES, "by": b} for b in ("label", "distributor")
    ],
}
_FILTER_PARAMS = {"f", "filters"}


def discover() -> dict[str, Callable]:
    """Every public ``*_query`` function defined in a data_access.queries module."""
    found = {}
    for info in pkgutil.iter_modules(queries_pkg.__path__):
        mod = importlib.import_module(f"{queries_pkg.__name__}.{info.name}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            public = not name.startswith("_") and fn.__module__ == mod.__name__
            if public and name.endswith("_query"):
                found[f"{info.name}.{name}"] = fn
    return found


BUILDERS = discover()


def calls(key: str, fn: Callable) -> list[tuple[str, Callable[[Filters, Scope], object]]]:
    """(id, call(filters, scope)) for each argument set of one builder."""
    sig = inspect.signature(fn)
    out = []
    for i, extra in enumerate(EXTRA.get(key, [{}])):
        missing = [
            p.name
            for p in sig.parameters.values()
            if p.default is inspect.Parameter.empty
            and p.name not in _FILTER_PARAMS | {"scope"} | set(extra)
        ]
        if missing:
            raise AssertionError(
                f"{key} needs {missing}: add realistic values to EXTRA in {__file__}"
            )

        def call(f, scope, fn=fn, extra=extra):
            kwargs = dict(extra)
            args = []
            for p in sig.parameters.values():
                if p.name in _FILTER_PARAMS:
                    args.append(f)
                elif p.name == "scope":
                    args.append(scope)
                elif p.name in kwargs and p.kind is not inspect.Parameter.KEYWORD_ONLY:
                    args.append(kwargs.pop(p.name))
            return fn(*args, **kwargs)

        out.append((f"{key}[{i}]", call))
    return out


def all_statements() -> list[tuple[str, ClauseElement]]:
    """Every statement of every builder, for each filter set and scope."""
    stmts = []
    for key, fn in sorted(BUILDERS.items()):
        for cid, call in calls(key, fn):
            for fname, f in FILTERS.items():
                for sname, scope in SCOPES.items():
                    stmts.append((f"{cid}:{fname}:{sname}", call(f, scope)))
    for table, builder in marts.BUILDERS.items():
        stmts.append((f"marts.{builder.__name__}:{table.name}", builder()))
    for check in health.health_checks(date(2026, 12, 1)):
        stmts.append((f"health.{check.key}:count", check.count))
        stmts.append((f"health.{check.key}:sample", check.sample))
    return stmts


STATEMENTS = all_statements()

# -- what would fail where -------------------------------------------------------------------

_COMMON = {
    "postgres epoch extract": r"EXTRACT\s*\(\s*EPOCH",
    "duckdb epoch()": r"\bepoch\s*\(",
    "ILIKE": r"\bILIKE\b",
    "boolean as 1 = 1": r"\b[01] = 1\b",
}
FORBIDDEN: dict[str, dict[str, str]] = {
    "duckdb": {"backtick quoting": r"`", "TIMESTAMP_DIFF": r"TIMESTAMP_DIFF"},
    "postgresql": {
        "backtick quoting": r"`",
        "date_diff (not in PostgreSQL)": r"\bdate_?diff\s*\(",
        "APPROX_QUANTILES": r"APPROX_QUANTILES",
    },
    "snowflake": {
        **_COMMON,
        "backtick quoting": r"`",
        "postgres :: cast": r"::",
        "TIMESTAMP_DIFF": r"TIMESTAMP_DIFF",
        "APPROX_QUANTILES": r"APPROX_QUANTILES",
    },
    "bigquery": {
        **_COMMON,
        "date_trunc('part', x) (BigQuery: DATE_TRUNC(x, PART))": r"date_trunc\s*\(\s*'",
        "WITHIN GROUP": r"WITHIN\s+GROUP",
        "percentile_cont": r"percentile_cont",
        "postgres :: cast": r"::",
        # (with literal binds, BigQuery spells a string holding ' as "...": checked bindless)
        "double-quoted identifier (a string in BigQuery)": r'"',
        "TIMESTAMP_DIFF on DATETIME columns": r"TIMESTAMP_DIFF",
        "unsafe array OFFSET (errors on empty groups)": r"\[OFFSET\(",
        "date_diff('unit', ...)": r"date_?diff\s*\(\s*'",
    },
    "trino": {
        **_COMMON,
        "WITHIN GROUP": r"WITHIN\s+GROUP",
        "percentile_cont": r"percentile_cont",
        "postgres :: cast": r"::",
        "backtick quoting": r"`",
        "DATEDIFF (Trino: date_diff)": r"\bDATEDIFF\s*\(",
        "TIMESTAMP_DIFF": r"TIMESTAMP_DIFF",
        "string compared with a date (no implicit coercion)": r"BETWEEN '\d{4}-\d\d-\d\d'",
    },
}
# Dialects whose compiler renders every bound value inline (literal_binds).
LITERAL_BINDS = tuple(DIALECTS)
_TABLES = {t.name for t in s.metadata.sorted_tables}


def compile_sql(stmt: ClauseElement, dialect: str, *, literal: bool) -> str:
    return str(stmt.compile(dialect=DIALECTS[dialect], compile_kwargs={"literal_binds": literal}))


def undefined_bigquery_names(sql: str) -> set[str]:
    """Unqualified backticked names that no table, CTE, subquery or SELECT alias defines
    (e.g. ``GROUP BY `trunc_date_1```, an anonymous label no SELECT declares)."""
    defined = set(re.findall(r"\bAS `(\w+)`", sql)) | set(re.findall(r"`(\w+)` AS\s*\(", sql))
    defined |= _TABLES
    used = set(re.findall(r"(?<![.\w`])`(\w+)`(?![.\w])", sql))
    return used - defined


def test_every_builder_is_discovered_and_known():
    assert len(BUILDERS) >= 30, sorted(BUILDERS)  # discovery works at all
    stale = set(EXTRA) - set(BUILDERS)
    assert not stale, f"EXTRA names builders that no longer exist: {sorted(stale)}"
    for key, fn in BUILDERS.items():
        assert calls(key, fn)  # raises for a builder with unknown required arguments


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_every_statement_compiles_without_failing_constructs(dialect: str):
    problems: list[str] = []
    for sid, stmt in STATEMENTS:
        for literal in (False, True) if dialect in LITERAL_BINDS else (False,):
            try:
                sql = compile_sql(stmt, dialect, literal=literal)
            except Exception as exc:  # noqa: BLE001 - report every failure at once
                problems.append(f"{sid} literal={literal}: {type(exc).__name__}: {exc}")
                continue
            for what, pattern in FORBIDDEN[dialect].items():
                if literal and what.startswith("double-quoted"):
                    continue
                if re.search(pattern, sql, flags=re.IGNORECASE if what != "ILIKE" else 0):
                    problems.append(f"{sid} literal={literal}: {what}")
            if dialect == "bigquery" and (bad := undefined_bigquery_names(sql)):
                problems.append(f"{sid} literal={literal}: undefined names {sorted(bad)}")
    assert not problems, f"{len(problems)} problems on {dialect}:\n" + "\n".join(problems[:40])


def test_dialect_constructs_spelled_per_dialect():
    """The constructs of data_access.dialect compile to each warehouse's own spelling."""
    from data_access.queries import funnel, trends

    latency = funnel.detector_latency_query(NARROW, FULL)  # percentiles
    latency_mart = marts.fill_statement(s.mart_detection_latency)  # hours between timestamps
    weekly = trends.trend_query(NARROW, FULL, grain="week")
    expect = {
        "duckdb": ("epoch(", "percentile_cont(0.5) WITHIN GROUP", "date_trunc('week'"),
        "postgresql": ("EXTRACT(EPOCH", "percentile_cont(0.5) WITHIN GROUP", "date_trunc('week'"),
        "snowflake": ("DATEDIFF('second'", "percentile_cont(0.5) WITHIN GROUP", "date_trunc("),
        "bigquery": ("DATETIME_DIFF(", "APPROX_QUANTILES(", "ISOWEEK)"),
        "trino": ("date_diff('second'", "approx_percentile(", "date_trunc('week'"),
    }
    for dialect, (hours, pct, week) in expect.items():
        lat = compile_sql(latency, dialect, literal=False)
        mart = compile_sql(latency_mart, dialect, literal=False)
        wk = compile_sql(weekly, dialect, literal=False)
        assert pct in lat, (dialect, lat[:400])
        assert hours in mart, (dialect, mart[:400])
        assert week in wk, (dialect, wk[:400])
    bq = compile_sql(weekly, "bigquery", literal=False)
    assert "GROUP BY `period`" in bq or "GROUP BY DATE_TRUNC" in bq, bq


def test_booleans_render_as_true_false():
    """Scope and filter predicates start from TRUE; an empty scope is FALSE, never 1/0."""
    from data_access.queries import overview

    nothing = Scope(role="partner", labels=())
    for dialect in DIALECTS:
        sql = compile_sql(overview.weekly_trend_query(DEFAULT, nothing), dialect, literal=True)
        assert re.search(r"\bfalse\b", sql, re.IGNORECASE), (dialect, sql)
        assert not re.search(r"\b[01] = 1\b", sql), (dialect, sql)


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_user_text_stays_in_bound_parameters(dialect: str):
    """A hostile value reaches a statement only as a parameter, never as SQL text."""
    from data_access.queries import cases, options, overview

    hostile = Filters(start=DEFAULT.start, end=DEFAULT.end, markets=(HOSTILE,), regions=(HOSTILE,))
    stmts = [
        overview.fraud_kpi_query(hostile, FULL),
        overview.top_exposure_query(hostile, FULL, by="market"),
        cases.backlog_query(hostile, Scope(role="partner", team=HOSTILE)),
        options.labels_query(FULL),
    ]
    for stmt in stmts:
        sql = compile_sql(stmt, dialect, literal=False)
        assert "DROP TABLE" not in sql and HOSTILE not in sql, sql
    for stmt in stmts[:3]:  # ... and it is there, as a parameter
        values = []
        for v in stmt.compile().params.values():
            values.extend(v if isinstance(v, (list, tuple)) else [v])
        assert HOSTILE in values


def test_marts_export_sql_for_each_dialect():
    """`python -m data_access.marts --print-sql` renders INSERT ... SELECT per dialect."""
    for dialect in DIALECTS:
        sql = marts.compiled_sql(DIALECTS[dialect])
        assert sql.count("INSERT INTO") == len(marts.BUILDERS), dialect
        for table in marts.BUILDERS:
            assert table.name in sql


def test_warehouse_doc_lists_the_schema():
    """docs/WAREHOUSE.md's table list is generated from the schema and not stale."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, str(root / "scripts" / "warehouse_doc.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    doc = (root / "docs" / "WAREHOUSE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:dim|fact|mart)_\w+|key_map|meta_inputs|review_rounds)`", doc))
    assert named == _TABLES, named ^ _TABLES


def test_engines_for_big_warehouses_bound_pool_and_time(monkeypatch):
    """Snowflake / Trino engines get the pool bounds and a server-side statement timeout
    (engines are lazy: nothing connects)."""
    from data_access import engine as engine_mod

    seen = {}

    def fake_create_engine(url, **kwargs):
        seen[url.get_backend_name()] = kwargs

    monkeypatch.setattr(engine_mod, "create_engine", fake_create_engine)
    engine_mod.make_engine("snowflake://u:p@acct/db/sch", timeout_s=12)
    engine_mod.make_engine("trino://u@localhost:8080/cat/sch", timeout_s=12)
    engine_mod.make_engine("postgresql+psycopg://u:p@localhost/db", timeout_s=12)
    sf, tr, pg = seen["snowflake"], seen["trino"], seen["postgresql"]
    assert sf["connect_args"]["session_parameters"]["STATEMENT_TIMEOUT_IN_SECONDS"] == 12
    assert tr["connect_args"]["session_properties"]["query_max_execution_time"] == "12s"
    assert "statement_timeout=12000" in pg["connect_args"]["options"]
    for kwargs in (sf, tr, pg):
        assert kwargs["pool_size"] == engine_mod.POOL_SIZE
        assert kwargs["max_overflow"] == engine_mod.MAX_OVERFLOW


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_marts_with_an_unmapped_input_compile(dialect: str):
    """The empty stand-in of an unmapped optional input (no FROM, WHERE false) compiles
    for every dialect, as do the Spark CREATE TABLE AS forms."""
    absent = frozenset({"fact_appeal", "fact_case_event"})
    for table in marts.JOINS_OPTIONAL:
        sql = str(marts.fill_statement(table, absent).compile(dialect=DIALECTS[dialect]))
        assert "false" in sql.lower(), (dialect, table.name)
    from data_access.spark import SparkDialect

    ctas = marts.create_as_statement(s.mart_daily_detection, absent)
    assert "fact_appeal" in str(ctas.compile(dialect=SparkDialect()))
