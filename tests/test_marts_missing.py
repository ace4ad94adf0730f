"""`python -m data_access.marts` on warehouses that lack something: an optional input not
mapped (empty stand-in where a mart only joins it, one line per mart skipped), a real error
(one line on stderr, exit 1, the other marts left as they were), and cases whose priority
has no dim_priority row (kept, with a warning). Real DuckDB copies of the demo warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.engine import make_engine
from tests.support import warehouse
from tests.support.corrupt_warehouse import build_unenforced_duckdb, without_priorities

ROOT = Path(__file__).resolve().parent.parent


def _marts(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FRAUD_WAREHOUSE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "data_access.marts", "--url", url, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _sql(url: str, sql: str) -> pd.DataFrame:
    # Read-only, configured as the app's engine (the session's demo warehouse may be open in
    # this process already: DuckDB refuses a second configuration on one file), and closed
    # after, so the build in a subprocess can write.
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql_query(sa.text(sql), conn)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


STAGES = "SELECT sum(n_detected) d, sum(n_enforced) e, sum(n_appealed) a, sum(n_upheld) u "


def test_without_appeals_the_marts_build_and_say_what_was_skipped(duck_url, tmp_path):
    url = warehouse.copy_without(duck_url, tmp_path / "w.duckdb", drop=("fact_appeal",))
    proc = _marts(url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    skipped = [line for line in proc.stdout.splitlines() if "skipped" in line]
    assert skipped == [
        "mart_appeal: skipped: it is built from appeals alone, and appeals are not mapped "
        "(fact_appeal is absent; docs/INPUTS.md#appeals)"
    ]
    assert "mart_appeal" not in _tables(url)  # no stale rows of appeals left behind
    before = _sql(duck_url, STAGES + "FROM mart_daily_detection").iloc[0]
    after = _sql(url, STAGES + "FROM mart_daily_detection").iloc[0]
    assert before["a"] > 0  # the demo has appeals: the stand-in made them 0
    assert (after["a"], after["u"]) == (0, 0)
    assert (after["d"], after["e"]) == (before["d"], before["e"])
    assert (
        _sql(url, "SELECT count(*) n FROM mart_case_daily").iloc[0, 0]
        == _sql(duck_url, "SELECT count(*) n FROM mart_case_daily").iloc[0, 0]
    )


def test_meta_inputs_can_unmap_cases(duck_url, tmp_path):
    url = warehouse.copy_without(duck_url, tmp_path / "w.duckdb", meta={"cases": False})
    proc = _marts(url)
    assert proc.returncode == 0 and proc.stderr == ""
    assert "mart_case_daily: skipped: it is built from cases alone, and cases are not mapped " in (
        proc.stdout
    )
    assert "meta_inputs has cases with mapped = false" in proc.stdout
    assert "mart_case_daily" not in _tables(url)


def test_without_case_events_waiting_cases_count_no_breach(duck_url, tmp_path):
    url = warehouse.copy_without(duck_url, tmp_path / "w.duckdb", drop=("fact_case_event",))
    proc = _marts(url)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    sql = "SELECT sum(cases_opened) n FROM mart_case_daily"
    assert _sql(url, sql).iloc[0, 0] == _sql(duck_url, sql).iloc[0, 0]


def test_a_real_error_is_one_line_and_exit_1(duck_url, tmp_path):
    # fact_review is required: the detection marts cannot be built without it.
    url = warehouse.copy_without(duck_url, tmp_path / "w.duckdb", drop=("fact_review",))
    before = _sql(url, "SELECT count(*) n FROM mart_daily_enforcement").iloc[0, 0]
    proc = _marts(url)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: mart_daily_detection was not built: ")
    assert "fact_review" in lines[0]
    assert "Traceback" not in proc.stderr
    # The marts after the failing one were not emptied.
    assert _sql(url, "SELECT count(*) n FROM mart_daily_enforcement").iloc[0, 0] == before > 0
    assert _sql(url, "SELECT count(*) n FROM mart_daily_detection").iloc[0, 0] > 0


def test_an_unreachable_warehouse_is_one_line(tmp_path):
    proc = _marts(f"duckdb:///{tmp_path / 'no' / 'such' / 'dir.duckdb'}")
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: cannot read the warehouse: ")


@pytest.fixture(scope="module")
def no_priority_url(demo_frames, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("no_priority") / "w.duckdb"
    return build_unenforced_duckdb(path, without_priorities(demo_frames))


def test_cases_without_a_priority_row_are_kept_with_a_warning(no_priority_url, demo_frames):
    proc = _marts(no_priority_url)
    assert proc.returncode == 0, proc.stderr
    n = len(demo_frames["fact_case"])
    assert proc.stderr == (
        f"warning: {n:,} cases have a priority with no dim_priority row: mart_case_daily "
        "keeps them, their SLA breach unknown (not counted as a breach)\n"
    )
    got = _sql(
        no_priority_url, "SELECT sum(cases_opened) n, sum(sla_breaches) b FROM mart_case_daily"
    ).iloc[0]
    assert (got["n"], got["b"]) == (n, 0)
