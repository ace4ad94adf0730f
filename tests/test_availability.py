"""Which optional inputs a warehouse does not map: a table absent, or meta_inputs saying
mapped = false (real DuckDB copies of the demo warehouse)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data_access import availability as av
from data_access.loaders.availability import load_not_mapped
from tests.support.warehouse import copy_without


def _not_mapped(url: str) -> frozenset[str]:
    # Read-only, as the app opens it: a read-write engine on a file another test of this
    # process holds read-only cannot connect (DuckDB wants one configuration per file).
    from data_access.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return av.not_mapped(conn)
    finally:
        engine.dispose()


def test_the_demo_warehouse_maps_every_input(duck_url):
    assert _not_mapped(duck_url) == frozenset()


def test_an_absent_table_is_an_unmapped_input(duck_url, tmp_path):
    url = copy_without(duck_url, tmp_path / "w.duckdb", drop=("fact_appeal", "dim_event"))
    assert _not_mapped(url) == {"appeals", "events"}


def test_meta_inputs_can_say_an_input_is_not_mapped(duck_url, tmp_path):
    url = copy_without(
        duck_url,
        tmp_path / "w.duckdb",
        meta={"cases": False, "appeals": True, "streams": True, "case_events": False},
    )
    assert _not_mapped(url) == {"cases", "case_events"}


def test_meta_inputs_cannot_map_an_absent_table(duck_url, tmp_path):
    url = copy_without(
        duck_url, tmp_path / "w.duckdb", drop=("fact_appeal",), meta={"appeals": True}
    )
    assert _not_mapped(url) == {"appeals"}


def test_the_cached_loader_reads_the_same(duck_url, tmp_path):
    url = copy_without(duck_url, tmp_path / "w.duckdb", drop=("fact_case_event", "fact_case"))
    assert load_not_mapped(url=url) == {"cases", "case_events"}


@pytest.mark.parametrize(
    ("tables", "inputs"),
    [
        (("mart_appeal", "mart_daily_enforcement"), ("appeals",)),
        (("fact_case_event", "fact_case", "dim_team"), ("cases", "case_events")),
        (("mart_daily_fraud",), ()),
    ],
)
def test_inputs_of_tables(tables, inputs):
    assert av.inputs_of(tables) == inputs


def test_the_line_names_the_input_and_its_docs():
    assert av.message("appeals") == (
        "Appeals are not mapped in this warehouse: see docs/INPUTS.md#appeals"
    )


@pytest.mark.pg
def test_postgres_meta_inputs_and_absent_tables(postgres_server):
    url = postgres_server.create_database("availability")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for name in ("fact_appeal", "fact_case", "fact_case_event"):
                conn.exec_driver_sql(f"CREATE TABLE {name} (id BIGINT)")  # names of the test
            conn.exec_driver_sql(
                "CREATE TABLE meta_inputs (input VARCHAR, mapped BOOLEAN, row_count BIGINT, "
                "built_at TIMESTAMP)"
            )
            conn.exec_driver_sql(
                "INSERT INTO meta_inputs VALUES ('case_events', false, 0, now()), "
                "('cases', true, 10, now())"
            )
        with engine.connect() as conn:
            assert av.not_mapped(conn) == {"events", "case_events"}
    finally:
        engine.dispose()
