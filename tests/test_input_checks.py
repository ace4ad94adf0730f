"""The input checks (data_access.inputs.checks): a clean set of in_<input> relations gives no
error or warning; each planted defect is reported with its input, column, count and an
example, on DuckDB and on PostgreSQL; the CLI's exit codes; the Data health loader."""

from __future__ import annotations

import socket
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from data_access.demo import reference as ref
from data_access.engine import make_engine
from data_access.inputs import business as biz
from data_access.inputs import checks, probes
from data_access.inputs.__main__ import main as cli
from data_access.inputs.contract import BY_NAME, INPUTS

# The data is dated in the weeks before today: the CLI and the loader check against the
# clock, so a fixed calendar would turn into future timestamps on a machine set earlier.
NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
BASE = NOW.date() - timedelta(days=40)
HOSTILE = "x'); DROP TABLE in_reviews; --"
CONFIG = str(biz.DEFAULT_PATH)
_TYPES = {
    "text": sa.Text,
    "integer": sa.BigInteger,
    "number": sa.Float,
    "date": sa.Date,
    "timestamp": sa.DateTime,
    "boolean": sa.Boolean,
}


def _ts(day: int, hour: int = 9) -> datetime:
    return datetime.combine(BASE + timedelta(days=day), time(hour))


def clean_rows() -> dict[str, list[dict]]:
    """A small, consistent set of inputs (every required one and the optional ones but plays)."""
    tracks = [
        {
            "track_key": f"t{i}",
            "isrc": f"SEABC260000{i}",
            "title": f"Song {i}",
            "artist_name": "Artist",
            "label_key": "l1",
            "label_name": "Label One",
            "distributor_key": "dist1",
            "distributor_name": "Distributor",
            "duration_s": 180,
            "is_noise": False,
            "release_date": date(1971, 5, 1) if i == 1 else date(2025, 1, 1),
            "label_type": "independent",
        }
        for i in (1, 2, 3)
    ]
    streams = [
        {
            "day": BASE + timedelta(days=d),
            "track_key": t,
            "market": m if d == 1 else f" {m.lower()}",  # as the build reads it: fine
            "plan": p,
            "streams": 100,
            "royalty_amount": 0.4,
            "royalty_currency": "SEK" if m == "SE" else "EUR",
            "flagged_streams": 40 if t == "t1" else 0,
            "confirmed_streams": 30 if t == "t1" else 0,
            "estimated_artificial_streams": 50 if t == "t1" else 1,
        }
        for d in (1, 2)
        for t in ("t1", "t2", "t3")
        for m in ("SE", "DE")
        for p in ("premium", "free")
    ]
    detections = [
        {
            "detection_key": f"d{i}",
            "detected_at": _ts(i + 1),
            "detector": "loop-model",
            "typology": "bot_farm",
            "track_key": f"t{i}",
            "market": "SE",
            "score": 0.9,
            "estimated_amount": 12.5,
            "currency": "EUR",
        }
        for i in (1, 2, 3)
    ]
    reviews = [
        {
            "review_key": "r1",
            "detection_key": "d1",
            "queued_at": _ts(2, 10),
            "decided_at": _ts(3),
            "verdict": "confirmed",
        },
        {
            "review_key": "r2",
            "detection_key": "d2",
            "queued_at": _ts(3, 10),
            "decided_at": _ts(4),
            "verdict": "False_Positive ",
        },
        {"review_key": "r3", "detection_key": "d3", "queued_at": _ts(4, 10), "verdict": "pending"},
    ]
    actions = [
        {
            "action_key": "a1",
            "detection_key": "d1",
            "action": "stream_removal",
            "applied_at": _ts(5),
            "market": "SE",
            "amount": 10.0,
            "currency": "EUR",
        },
        {
            "action_key": "a2",
            "detection_key": "d1",
            "action": "royalty_withholding",
            "applied_at": _ts(5),
            "amount": 3.0,
            "currency": "usd",
        },
    ]
    appeals = [
        {
            "appeal_key": "ap1",
            "action_key": "a1",
            "filed_at": _ts(6),
            "decided_at": _ts(8),
            "outcome": "upheld",
        }
    ]
    cases = [
        {
            "case_key": "c1",
            "opened_at": _ts(3),
            "detection_key": "d1",
            "track_key": "t1",
            "owner_team": "fraud_ops",
            "resolved_at": _ts(9),
            "status": "resolved",
            "exposure_amount": 12.5,
            "currency": "EUR",
        }
    ]
    case_events = [
        {"case_event_key": "e1", "case_key": "c1", "event_at": _ts(3), "event_type": "opened"},
        {
            "case_event_key": "e2",
            "case_key": "c1",
            "event_at": _ts(4),
            "event_type": "handoff",
            "from_team": "fraud_ops",
            "to_team": "legal",
        },
    ]
    events = [{"event_date": BASE - timedelta(days=30), "kind": "policy", "title": "New fee"}]
    return {
        "catalogue": tracks,
        "streams": streams,
        "detections": detections,
        "reviews": reviews,
        "actions": actions,
        "appeals": appeals,
        "cases": cases,
        "case_events": case_events,
        "events": events,
    }


def write_inputs(url: str, data: dict[str, list[dict]], types: dict | None = None) -> None:
    """Create in_<input> from rows: one column per key any row has, typed as the contract
    says (``types``: (input, column) -> another SQLAlchemy type); in_events is a view."""
    types = types or {}
    engine = sa.create_engine(url)
    md = sa.MetaData()
    tables = {}
    for name, rows in data.items():
        inp = BY_NAME[name]
        keys = {k for r in rows for k in r} or {c.name for c in inp.required_columns}
        cols = [
            sa.Column(c.name, types.get((name, c.name), _TYPES[c.type])())
            for c in inp.columns
            if c.name in keys
        ]
        table_name = "raw_events" if name == "events" else inp.relation
        tables[name] = sa.Table(table_name, md, *cols)
    with engine.begin() as conn:
        md.create_all(conn)
        for name, rows in data.items():
            t = tables[name]
            if rows:
                conn.execute(t.insert(), [{c.name: r.get(c.name) for c in t.columns} for r in rows])
        if "events" in data:
            conn.exec_driver_sql("CREATE VIEW in_events AS SELECT * FROM raw_events")
    engine.dispose()


def findings_of(url: str, business: biz.Business | None = None) -> list[checks.Finding]:
    engine = make_engine(url)
    try:
        return checks.run_checks(engine, business or biz.read(), now=NOW)
    finally:
        engine.dispose()


def problems(found: list[checks.Finding]) -> dict[tuple[str, str, str], checks.Finding]:
    """Errors and warnings by (input, column, check)."""
    out = {}
    for f in found:
        if f.severity != "info":
            assert (f.input, f.column, f.check) not in out, f
            out[(f.input, f.column, f.check)] = f
    return out


# -- the planted defects ---------------------------------------------------------------------


def logical_defects() -> dict[str, list[dict]]:
    data = clean_rows()
    dets = data["detections"]
    dets.append(dict(dets[1]))  # d2 twice
    dets[2]["detected_at"] = NOW + timedelta(days=200)  # d3 in the future
    dets[0]["currency"] = "BTC"
    data["reviews"][0]["verdict"] = "fraud"
    data["reviews"] += [
        {"review_key": k, "detection_key": "d404", "queued_at": _ts(5), "verdict": "pending"}
        for k in ("r4", "r5")
    ]
    data["actions"][1]["amount"] = -5.0
    data["streams"][0]["confirmed_streams"] = 50  # flagged 40
    data["cases"][0]["resolved_at"] = data["cases"][0]["opened_at"] - timedelta(hours=1)
    data["catalogue"][2]["release_date"] = date(1850, 1, 1)
    data["detections"][1]["market"] = "Sweden"  # one of the two d2 rows
    return data


LOGICAL = {
    ("detections", "detection_key", "key"): (1, "d2"),
    ("detections", "detected_at", "future"): (1, "d3"),
    ("detections", "currency", "currency"): (1, "BTC"),
    ("reviews", "detection_key", "reference"): (2, "d404"),
    ("reviews", "verdict", "vocabulary"): (1, "fraud"),
    ("actions", "amount", "negative"): (1, "a2"),
    ("streams", "confirmed_streams", "order"): (1, "t1"),
    ("cases", "resolved_at", "order"): (1, "c1"),
    ("catalogue", "release_date", "old"): (1, "t3"),  # a warning
    ("detections", "market", "market"): (1, "Sweden (1 row)"),  # a warning
}


def structural_defects() -> tuple[dict[str, list[dict]], dict]:
    data = clean_rows()
    del data["actions"], data["appeals"]  # a required input and an optional one
    for row in data["catalogue"]:
        del row["label_name"]
    data["streams"][3]["streams"] = "n/a"
    # Values kept as text: each column has readable spellings and one that is not.
    dets = data["detections"]
    for row, when, score in zip(
        dets,
        ("2026-11-02 09:00:00", "2028-02-29T09:00:00Z", "2026-02-30"),
        ("0.9", "1e-1", "0,9"),
        strict=True,
    ):
        row["detected_at"], row["score"] = when, score
    for row, noise in zip(data["catalogue"], ("true", "F", "maybe"), strict=True):
        row["is_noise"] = noise
    text = ("streams", "streams"), ("detections", "detected_at"), ("detections", "score")
    return data, {k: sa.Text for k in (*text, ("catalogue", "is_noise"))}


STRUCTURAL = {
    ("actions", "", "input"): (0, None),
    ("catalogue", "label_name", "column"): (0, None),
    ("streams", "streams", "type"): (1, "n/a"),
    ("detections", "detected_at", "type"): (1, "2026-02-30"),
    ("detections", "score", "type"): (1, "0,9"),
    ("catalogue", "is_noise", "type"): (1, "maybe"),
}


def assert_reported(found: list[checks.Finding], expected: dict) -> None:
    got = problems(found)
    assert set(got) == set(expected), checks.format_findings(found)
    for key, (count, example) in expected.items():
        f = got[key]
        assert f.count == count, f
        assert f.severity in ("error", "warning") and f.problem and f.fix, f
        if example is not None:
            assert f.examples and example in f.examples[0], f
            assert len(f.examples) <= 3


def check_scenarios(url_for) -> None:
    clean = url_for("clean")
    write_inputs(clean, clean_rows())
    found = findings_of(clean)
    assert problems(found) == {}, checks.format_findings(found)
    fill = {(f.input, f.column): f for f in found if f.check == "fill"}
    assert fill[("streams", "plan")].filled == 1.0
    assert fill[("reviews", "decided_at")].filled == pytest.approx(2 / 3)
    assert fill[("streams", "source")].filled is None  # not mapped

    logical = url_for("logical")
    write_inputs(logical, logical_defects())
    found = findings_of(logical)
    assert_reported(found, LOGICAL)
    vocab = problems(found)[("reviews", "verdict", "vocabulary")]
    assert 'fraud = "confirmed"' in vocab.fix and "[vocabularies.verdict]" in vocab.fix
    assert "BTC = " in problems(found)[("detections", "currency", "currency")].fix

    structural = url_for("structural")
    data, types = structural_defects()
    write_inputs(structural, data, types)
    found = findings_of(structural)
    assert_reported(found, STRUCTURAL)
    assert "Write `actions.sql`" in problems(found)[("actions", "", "input")].fix
    notes = [f.problem for f in found if f.severity == "info"]
    assert "Appeals are not mapped: see docs/INPUTS.md#appeals" in notes
    skipped = {f.input for f in found if f.check == "skipped"}
    assert skipped == {"catalogue", "streams", "detections"}


@pytest.fixture
def duck(tmp_path):
    return lambda name: f"duckdb:///{tmp_path / name}.duckdb"


def test_clean_and_planted_defects_on_duckdb(duck):
    check_scenarios(duck)


@pytest.mark.pg
def test_clean_and_planted_defects_on_postgresql(postgres_server):
    suffix = uuid.uuid4().hex[:8]
    check_scenarios(lambda name: postgres_server.create_database(f"inputs_{name}_{suffix}"))


@pytest.fixture(
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.pg),
    ]
)
def empty_url(request, tmp_path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'demo.duckdb'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"inputs_demo_{uuid.uuid4().hex[:8]}")


def test_the_demo_inputs_pass(empty_url, demo_frames):
    # The project's own producer of inputs (the demo, through as_inputs): a realistic clean
    # set, with labels that have no tracks yet (a case's label_key resolves through labels).
    from data_access.demo.as_inputs import input_frames
    from data_access.inputs.build import write_inputs as write_frames

    url = empty_url
    engine = sa.create_engine(url)
    write_frames(engine, input_frames(demo_frames))
    engine.dispose()
    engine = make_engine(url)
    after = datetime.combine(ref.END + timedelta(days=1), time(12))  # the demo's calendar
    found = checks.run_checks(engine, biz.read(), now=after)
    engine.dispose()
    assert problems(found) == {}, checks.format_findings(found)
    (note,) = [f for f in found if f.check == "order"]  # flagged above the estimate: a note
    assert (note.input, note.column, note.severity) == ("streams", "flagged_streams", "info")


def test_a_view_that_cannot_be_read_is_an_error_not_a_crash(duck):
    url = duck("broken")
    write_inputs(url, clean_rows())
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # DuckDB keeps a view whose table is gone
        conn.exec_driver_sql("DROP TABLE raw_events")
    engine.dispose()
    found = findings_of(url)
    assert set(problems(found)) == {("events", "", "failed")}
    failed = problems(found)[("events", "", "failed")]
    assert "raw_events" in failed.problem and failed.severity == "error", failed
    assert any(f.input == "reviews" and f.check == "fill" for f in found)  # the rest ran


def test_a_mapped_word_is_no_finding(duck):
    url = duck("mapped")
    data = clean_rows()
    data["reviews"][0]["verdict"] = " FRAUD"
    write_inputs(url, data)
    assert ("reviews", "verdict", "vocabulary") in problems(findings_of(url))
    mapped = replace(biz.read(), vocabularies={"verdict": {"fraud": "confirmed"}})
    assert problems(findings_of(url, mapped)) == {}


def test_plays_stand_in_for_streams_and_neither_is_an_error(duck):
    url = duck("plays")
    data = clean_rows()
    del data["streams"]
    data["plays"] = [
        {
            "play_key": "p1",
            "played_at": _ts(2),
            "track_key": "t1",
            "market": "SE",
            "ms_played": 45000,
        }
    ]
    write_inputs(url, data)
    found = findings_of(url)
    assert problems(found) == {}, checks.format_findings(found)
    (note,) = [f for f in found if f.input == "streams"]
    assert note.severity == "info" and "plays stand in" in note.problem

    url = duck("neither")
    data = clean_rows()
    del data["streams"]
    data["events"] = []  # an optional input without rows: a note
    write_inputs(url, data)
    found = findings_of(url)
    assert set(problems(found)) == {("streams", "", "input")}
    (empty,) = [f for f in found if f.check == "empty"]
    assert (empty.input, empty.severity) == ("events", "info")


def test_an_absent_input_whose_sql_file_exists_asks_for_apply(duck, tmp_path):
    url = duck("written")
    data, types = structural_defects()
    write_inputs(url, data, types)
    folder = tmp_path / "mapping"
    folder.mkdir()
    (folder / "actions.sql").write_text("SELECT 1", encoding="utf-8")
    engine = make_engine(url)
    found = checks.run_checks(engine, biz.read(), now=NOW, inputs_dir=folder)
    engine.dispose()
    fix = problems(found)[("actions", "", "input")].fix
    assert "actions.sql exists: run `python -m data_access.inputs apply`" in fix


def test_statements_compile_for_every_dialect():
    from duckdb_sqlalchemy import Dialect as DuckDBDialect
    from snowflake.sqlalchemy.snowdialect import SnowflakeDialect
    from sqlalchemy.dialects import postgresql
    from sqlalchemy_bigquery import BigQueryDialect
    from trino.sqlalchemy.dialect import TrinoDialect

    from data_access.spark import SparkDialect

    dialects = [DuckDBDialect(), postgresql.dialect(), SnowflakeDialect()]
    dialects += [BigQueryDialect(), TrinoDialect(), SparkDialect()]
    rel = probes.Relation(
        BY_NAME["reviews"],
        {c.name: c.name for c in BY_NAME["reviews"].columns},
        {"review_key": "text", "queued_at": "text", "streams_confirmed": "text"},
    )
    parent = probes.Relation(BY_NAME["detections"], {"detection_key": "detection_key"}, {})
    found = probes.type_probes(rel) + probes.logical_probes(rel, biz.read(), NOW)
    statements = [
        probes.aggregate_query(rel, found),
        probes.duplicates_query(rel),
        probes.orphans_query(rel, "detection_key", [(parent, "detection_key")]),
        *(probes.examples_query(rel, p) for p in found),
    ]
    for dialect in dialects:
        for stmt in statements:
            sql = str(stmt.compile(dialect=dialect))
            assert "in_reviews" in sql, dialect.name
            assert "false_positive" not in sql  # vocabularies are bound parameters


# -- the report and the CLI -----------------------------------------------------------------


def test_report_groups_by_input_errors_first(duck):
    url = duck("report")
    write_inputs(url, logical_defects())
    text = checks.format_findings(findings_of(url))
    lines = text.splitlines()
    assert lines[-1].startswith("8 errors, 2 warnings")
    heads = [ln.split(" ")[0] for ln in lines if ln and not ln.startswith(" ")][:-1]
    assert heads == [i.name for i in INPUTS]  # plays: "not mapped"
    block = text.split("reviews (in_reviews)")[1].split("\n\n")[0].splitlines()
    severities = [ln.split()[0] for ln in block if ln.startswith("  ") and ln.split()[0].isupper()]
    assert severities == sorted(severities, key=["ERROR", "WARNING", "INFO"].index)


def test_cli_exit_codes(duck, tmp_path, capsys):
    clean, dirty = duck("cli_clean"), duck("cli_dirty")
    write_inputs(clean, clean_rows())
    write_inputs(dirty, logical_defects())
    assert cli(["check", "--url", clean, "--config", CONFIG]) == 0
    assert "No errors or warnings" in capsys.readouterr().out
    assert cli(["check", "--url", dirty, "--config", CONFIG]) == 1
    assert "fraud" in capsys.readouterr().out

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    nowhere = f"postgresql://fraud:s3cret-pw@127.0.0.1:{port}/fraud"
    bad_config = tmp_path / "business.toml"
    bad_config.write_text("[fx\nEUR = 1\n", encoding="utf-8")
    for argv in (
        ["check", "--url", nowhere, "--config", CONFIG],
        ["check", "--url", str(duck("missing")), "--config", CONFIG],
        ["check", "--url", clean, "--config", str(bad_config)],
        ["check", "--url", clean, "--config", str(tmp_path / "absent.toml")],
    ):
        assert cli(argv) == 2, argv
        out = capsys.readouterr()
        assert out.out == ""
        assert len(out.err.strip().splitlines()) == 1, out.err
        assert "s3cret" not in out.err and "Traceback" not in out.err
        assert "fraud:" not in out.err


# -- the Data health loader -----------------------------------------------------------------


def test_loader_returns_the_findings_to_unrestricted_viewers_only(duck, monkeypatch):
    from data_access.loaders.inputs import load_input_findings
    from data_access.scope import FULL, Scope

    url = duck("loader")
    write_inputs(url, logical_defects())
    monkeypatch.setenv(biz.ENV_VAR, CONFIG)
    df = load_input_findings(FULL, url=url)
    assert list(df.columns[:7]) == [
        "input",
        "column",
        "severity",
        "problem",
        "count",
        "examples",
        "fix",
    ]
    errors = df[df["severity"] == "error"]
    assert len(errors) == len(LOGICAL) - 2
    assert errors.iloc[0]["input"] == "streams"  # contract order, errors first
    with pytest.raises(PermissionError):
        load_input_findings(Scope(role="partner", labels=(1,)), url=url)


def test_hostile_values_are_data_and_unknown_columns_are_ignored(duck):
    url = duck("hostile")
    data = clean_rows()
    data["reviews"][1]["verdict"] = HOSTILE
    write_inputs(url, data)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a column the contract does not know: fine
        conn.exec_driver_sql('ALTER TABLE in_reviews ADD COLUMN "x; DROP TABLE t" TEXT')
    engine.dispose()
    found = problems(findings_of(url))
    assert set(found) == {("reviews", "verdict", "vocabulary")}
    assert HOSTILE in found[("reviews", "verdict", "vocabulary")].examples[0]
    engine = sa.create_engine(url)
    with engine.connect() as conn:  # the value was data, not SQL
        assert conn.exec_driver_sql("SELECT count(*) FROM in_reviews").scalar() == 3
    engine.dispose()


@pytest.mark.pg
def test_the_checks_memory_setting_ends_with_their_transaction(postgres_server):
    engine = make_engine(postgres_server.create_database(f"inputs_mem_{uuid.uuid4().hex[:8]}"))
    with engine.connect() as conn:
        default = conn.exec_driver_sql("SHOW work_mem").scalar()
    with engine.connect() as conn:
        checks._working_memory(conn)
        assert conn.exec_driver_sql("SHOW work_mem").scalar() == checks.PG_WORK_MEM
    with engine.connect() as conn:  # the same pooled connection, back as it was
        assert conn.exec_driver_sql("SHOW work_mem").scalar() == default != checks.PG_WORK_MEM
    engine.dispose()
