"""The input layer's apply and build: a mapping folder -> in_* views -> star -> marts.

The demo, written out as a team's own source tables with text keys, goes through the whole
path (apply, build) on DuckDB and PostgreSQL; what comes out must carry the same figures as
the generated star (by market code, typology code, outcome, action code, priority …). Unit
tests pin the opinionated steps: last review wins, the attribution window, the priority
rule, the calendar's end, currencies, keys of any shape.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlalchemy import create_engine, select, table, text

from data_access.demo.as_inputs import input_frames
from data_access.inputs import __main__ as cli
from data_access.inputs import business, mapping
from data_access.inputs.star import build_star
from tests.support.apptest import LEAK_MARKERS, run_app, screen_text


def _write_sources(url: str, inputs: dict[str, pd.DataFrame]) -> None:
    """The inputs as a team's own tables ``src_<input>`` (no project schema at all)."""
    if url.startswith("duckdb"):
        con = duckdb.connect(url.removeprefix("duckdb:///"))
        for name, df in inputs.items():
            con.register("frame", df)
            con.execute(f'CREATE OR REPLACE TABLE "src_{name}" AS SELECT * FROM frame')
            con.unregister("frame")
        con.close()
        return
    engine = create_engine(url)
    try:
        for name, df in inputs.items():
            df.to_sql(f"src_{name}", engine, if_exists="replace", index=False, chunksize=20_000)
    finally:
        engine.dispose()


def _mapping_folder(tmp: Path, names) -> Path:
    folder = tmp / "mapping"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.sql").write_text(f"SELECT * FROM src_{name}\n", encoding="utf-8")
    return folder


def _figures(frames: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """The figures the pages show, keyed by codes (never by surrogate ids)."""
    m = frames["dim_market"].set_index("market_id")["iso2"]
    typ = frames["dim_typology"].set_index("typology_id")["code"]
    act = frames["dim_enforcement_type"].set_index("enforcement_type_id")["code"]
    f = frames["fact_streams_daily"].assign(
        iso2=lambda d: d["market_id"].map(m),
        typ=lambda d: d["typology_id"].map(typ).fillna("-"),
    )
    e = frames["fact_enforcement"].assign(code=lambda d: d["enforcement_type_id"].map(act))
    return {
        "streams by market": f.groupby("iso2")["streams"].sum(),
        "flagged by typology": f.groupby("typ")["flagged_streams"].sum(),
        "confirmed by typology": f.groupby("typ")["confirmed_streams"].sum(),
        "royalty": pd.Series({"eur": round(float(f["royalty_eur"].sum()), 2)}),
        "review outcomes": frames["fact_review"]["outcome"].value_counts().sort_index(),
        "enforcement eur": e.groupby("code")["amount_eur"].sum().round(2),
        "appeal outcomes": frames["fact_appeal"]["outcome"].value_counts().sort_index(),
        "case status": frames["fact_case"]["status"].value_counts().sort_index(),
        "case priority": frames["fact_case"]["priority"].value_counts().sort_index(),
        "events": pd.Series(sorted(frames["dim_event"]["title"])),
        "cases by label": frames["fact_case"]
        .assign(name=lambda d: d["label_id"].map(frames["dim_label"].set_index("label_id")["name"]))
        .groupby("name")
        .size(),
        "labels": frames["dim_label"].groupby("risk_tier").size(),
    }


def _read_star(url: str) -> dict[str, pd.DataFrame]:
    engine = create_engine(url)
    names = (
        "dim_market", "dim_typology", "dim_enforcement_type", "fact_streams_daily",
        "fact_review", "fact_enforcement", "fact_appeal", "fact_case", "dim_event", "dim_label",
    )  # fmt: skip
    try:
        with engine.connect() as conn:
            return {n: pd.read_sql(select(text("*")).select_from(table(n)), conn) for n in names}
    finally:
        engine.dispose()


def _assert_same_figures(got: dict, want: dict) -> None:
    a, b = _figures(got), _figures(want)
    for key in b:
        left, right = a[key].sort_index(), b[key].sort_index()
        assert left.index.astype(str).tolist() == right.index.astype(str).tolist(), key
        if key == "events":
            assert left.tolist() == right.tolist()
            continue
        assert left.astype(float).round(2).tolist() == right.astype(float).round(2).tolist(), key


@pytest.fixture(scope="module")
def demo_inputs(demo_frames):
    return input_frames(demo_frames)


def test_the_star_carries_the_generated_figures(demo_frames, demo_inputs):
    built = build_star(demo_inputs, business.current())
    _assert_same_figures(built.frames, demo_frames)
    # Zero-padded text keys in source order give the generator's own ids back.
    assert built.frames["fact_detection"]["detection_id"].tolist() == (
        demo_frames["fact_detection"]["detection_id"].tolist()
    )


@pytest.mark.parametrize("backend", ["duckdb", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_apply_then_build_on_a_real_warehouse(backend, request, tmp_path, demo_frames, demo_inputs):
    if backend == "duckdb":
        url = f"duckdb:///{tmp_path / 'team.duckdb'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database("inputs_build")
    _write_sources(url, demo_inputs)
    folder = _mapping_folder(tmp_path, demo_inputs)
    assert cli.main(["apply", "--url", url, "--inputs", str(folder)]) == 0
    assert cli.main(["build", "--url", url]) == 0
    _assert_same_figures(_read_star(url), demo_frames)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            mapped = dict(conn.execute(text("SELECT input, mapped FROM meta_inputs")).fetchall())
            keys = conn.execute(
                text("SELECT id FROM key_map WHERE kind = 'track' AND source_key = 'T000000007'")
            ).scalar_one()
            marts = conn.execute(text("SELECT count(*) FROM mart_daily_fraud")).scalar_one()
    finally:
        engine.dispose()
    assert mapped["appeals"] and not mapped["plays"]
    assert keys == 7 and marts > 0
    # The team's own keys find their entities in the search, in the viewer's scope.
    from data_access.loaders.entities import load_search
    from data_access.scope import FULL, Scope

    hits = load_search(FULL, "C000000003", url=url)
    assert ("case", "3") in set(zip(hits["kind"], hits["key"], strict=True))
    hits = load_search(FULL, "T000000007", url=url)
    assert hits.iloc[0]["kind"] == "track" and "your key T000000007" in hits.iloc[0]["detail"]
    other_label = Scope(role="partner", labels=(10**6,))  # a label that holds nothing
    assert load_search(other_label, "T000000007", url=url).empty


def test_apply_refuses_a_mapping_without_a_required_column(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'team.duckdb'}"
    con = duckdb.connect(str(tmp_path / "team.duckdb"))
    con.execute("CREATE TABLE tracks AS SELECT 'a' AS track_key, 'Song' AS title")
    con.close()
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "catalogue.sql").write_text("SELECT track_key, title FROM tracks")
    assert cli.main(["apply", "--url", url, "--inputs", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "catalogue.sql lacks required column(s) label_key, label_name" in err
    assert "Traceback" not in err
    engine = create_engine(url)
    try:
        assert mapping.statements(engine, {}) == []  # nothing was created
    finally:
        engine.dispose()


def test_show_prints_the_views_it_would_create(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "columns.toml").write_text(
        '[catalogue]\nfrom = "music.tracks"\n'
        'columns = { track_key = "uri", title = "name", label_key = "label" }\n'
    )
    assert cli.main(["show", "--url", url, "--inputs", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "CREATE VIEW in_catalogue AS" in out
    assert "music.tracks.uri AS track_key" in out


# -- the opinionated steps, one by one ----------------------------------------------------


def _tiny(**overrides) -> dict[str, pd.DataFrame]:
    """Two tracks, one market, ten days; one detection covering days 5-8 of track a."""
    days = pd.date_range("2026-03-01", periods=10, freq="D")
    inputs = {
        "catalogue": pd.DataFrame(
            {
                "track_key": ["spotify:track:a", "spotify:track:b"],
                "title": ["A", "B"],
                "label_key": ["uuid-label-1", "uuid-label-1"],
                "label_name": ["Label", "Label"],
                "distributor_key": ["d", "d"],
                "distributor_name": ["Dist", "Dist"],
            }
        ),
        "streams": pd.DataFrame(
            {
                "day": list(days) * 2,
                "track_key": ["spotify:track:a"] * 10 + ["spotify:track:b"] * 10,
                "market": "SE",
                "streams": 100,
            }
        ),
        "detections": pd.DataFrame(
            {
                "detection_key": ["6f1c-uuid"],
                "detected_at": [datetime(2026, 3, 8, 14)],
                "activity_started_at": [datetime(2026, 3, 5, 2)],
                "detector": ["botnet-gnn"],
                "typology": ["Bot Farm"],
                "track_key": ["spotify:track:a"],
                "market": ["SE"],
            }
        ),
        "reviews": pd.DataFrame(
            {
                "review_key": ["r1", "r2"],
                "detection_key": ["6f1c-uuid", "6f1c-uuid"],
                "queued_at": [datetime(2026, 3, 8, 15), datetime(2026, 3, 9, 9)],
                "decided_at": [datetime(2026, 3, 9, 8), datetime(2026, 3, 10, 8)],
                "verdict": ["unsure", "fraud"],
            }
        ),
    }
    inputs.update(overrides)
    return inputs


def _config(tmp_path: Path, extra: str = "") -> business.Business:
    base = business.DEFAULT_PATH.read_text()
    path = tmp_path / "business.toml"
    path.write_text(
        base.replace(
            "[vocabularies.verdict]",
            '[vocabularies.verdict]\nfraud = "confirmed"\n'
            'unsure = "insufficient_evidence"\nlegit = "false_positive"',
        )
        + extra
    )
    return business.read(path)


def test_last_decided_review_wins_and_rounds_are_kept(tmp_path):
    built = build_star(_tiny(), _config(tmp_path))
    review = built.frames["fact_review"].iloc[0]
    assert review["outcome"] == "confirmed"  # the second review (fraud) wins over unsure
    assert review["queued_at"] == pd.Timestamp("2026-03-08 15:00")  # the first's queue time
    assert built.review_rounds["reviews"].tolist() == [2]


def test_streams_are_attributed_over_the_detection_window(tmp_path):
    built = build_star(_tiny(), _config(tmp_path))
    f = built.frames["fact_streams_daily"]
    track_a = f[f["track_id"] == 1].set_index("date_key")
    flagged_days = [d.day for d, v in track_a["flagged_streams"].items() if v]
    assert flagged_days == [5, 6, 7, 8]  # activity start .. detection day
    assert track_a["confirmed_streams"].sum() == 400  # its last verdict is a confirm
    assert f[f["track_id"] == 2]["flagged_streams"].sum() == 0
    assert built.frames["fact_detection"]["streams_flagged"].tolist() == [400]
    # after_days widens the window past the detection day.
    wider = build_star(_tiny(), _config(tmp_path, "")).frames  # same config: same answer
    assert wider["fact_streams_daily"]["flagged_streams"].sum() == 400


def test_an_unmapped_verdict_stays_pending_instead_of_counting_as_anything(tmp_path):
    reviews = _tiny()["reviews"].assign(verdict=["maybe", "maybe"])
    built = build_star(_tiny(reviews=reviews), _config(tmp_path))
    assert built.frames["fact_review"]["outcome"].tolist() == ["pending"]
    assert built.frames["fact_streams_daily"]["confirmed_streams"].sum() == 0


def test_the_calendar_ends_at_the_newest_streams_day(tmp_path):
    built = build_star(_tiny(), _config(tmp_path))
    cal = built.frames["dim_date"]["date_key"]
    assert min(cal) == date(2026, 3, 1) and max(cal) == date(2026, 3, 10)


def test_cases_get_a_priority_from_the_rule_and_money_in_eur(tmp_path):
    cases = pd.DataFrame(
        {
            "case_key": ["9f8e7d6c-5b4a-3210-fedc-ba9876543210", "1234567890123"],
            "opened_at": [datetime(2026, 3, 9), datetime(2026, 3, 9)],
            "detection_key": ["6f1c-uuid", None],
            "owner_team": ["Finance", "fraud_ops"],
            "status": ["open", "resolved"],
            "exposure_amount": [100_000.0, 50.0],
            "currency": ["SEK", "USD"],
        }
    )
    cfg = _config(tmp_path)
    built = build_star(_tiny(cases=cases), cfg)
    c = built.frames["fact_case"].sort_values("case_id")
    by_key = dict(
        zip(
            built.key_map.query("kind == 'case'")["source_key"],
            built.key_map.query("kind == 'case'")["id"],
            strict=True,
        )
    )
    assert set(by_key) == {"9f8e7d6c-5b4a-3210-fedc-ba9876543210", "1234567890123"}
    row = c.set_index("case_id").loc[by_key["9f8e7d6c-5b4a-3210-fedc-ba9876543210"]]
    assert row["exposure_eur"] == pytest.approx(100_000 * cfg.fx["SEK"])
    assert row["priority"] == cfg.priority_for(100_000 * cfg.fx["SEK"])
    assert row["origin"] == "detection"
    other = c.set_index("case_id").loc[by_key["1234567890123"]]
    assert other["priority"] == cfg.default_priority and other["origin"] == "manual"


def test_the_demo_config_is_valid_and_a_wrong_one_lists_every_problem(tmp_path):
    assert business.read().policy["fee_eur"] == 10.0
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[vocabularies.verdict]\nfraud = "guilty"\n[fx]\nusd = 0.9\n[ops]\nsla_hours = 5\n'
    )
    with pytest.raises(business.BusinessConfigError) as err:
        business.read(bad)
    problems = " | ".join(err.value.problems)
    assert "'fraud' = 'guilty'" in problems and "'usd' is not an ISO 4217" in problems
    assert "sla_hours must be one of" in problems


@pytest.mark.slow
def test_pages_render_on_a_warehouse_built_from_inputs(monkeypatch, tmp_path, demo_inputs, capsys):
    url = f"duckdb:///{tmp_path / 'team.duckdb'}"
    _write_sources(url, demo_inputs)
    folder = _mapping_folder(tmp_path, [n for n in demo_inputs if n != "appeals"])
    assert cli.main(["apply", "--url", url, "--inputs", str(folder)]) == 0
    assert cli.main(["build", "--url", url]) == 0
    assert "mart_appeal: skipped: it is built from appeals alone" in capsys.readouterr().out
    at = run_app(monkeypatch, url, page="app_pages/overview.py")
    shown = screen_text(at)
    assert not at.exception
    assert not any(marker in shown for marker in LEAK_MARKERS)


def test_action_codes_map_through_the_vocabulary_and_unmapped_ones_are_counted(tmp_path):
    actions = pd.DataFrame(
        {
            "action_key": ["L-1", "L-2", "L-3"],
            "detection_key": ["6f1c-uuid"] * 3,
            "action": ["FEE", "WHLD", "BONUS"],
            "applied_at": [datetime(2026, 3, 11)] * 3,
            "amount": [10.0, 1000.0, 5.0],
            "currency": ["USD", "SEK", "EUR"],
        }
    )
    extra = '\n[vocabularies.action]\nFEE = "per_track_fee"\nWHLD = "royalty_withholding"\n'
    cfg = _config(tmp_path, "")
    path = tmp_path / "business2.toml"
    path.write_text(cfg.path.read_text().replace("[vocabularies.action]\n", extra.lstrip("\n"), 1))
    built = build_star(_tiny(actions=actions), business.read(path))
    e = built.frames["fact_enforcement"]
    types = built.frames["dim_enforcement_type"].set_index("enforcement_type_id")["code"]
    got = dict(zip(e["enforcement_type_id"].map(types), e["amount_eur"], strict=True))
    assert got == {
        "per_track_fee": pytest.approx(10 * cfg.fx["USD"]),
        "royalty_withholding": pytest.approx(1000 * cfg.fx["SEK"]),
    }
    assert built.dropped["actions of an unmapped kind"] == 1  # BONUS: never a silent zero


def test_the_demo_cli_writes_its_inputs_and_builds_through_them(tmp_path):
    from data_access.demo.__main__ import build as demo_build

    url = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    demo_build(url, scale=0.03, seed=11, quiet=True)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            n_in = conn.execute(text("SELECT count(*) FROM in_streams")).scalar_one()
            n_star = conn.execute(text("SELECT count(*) FROM fact_streams_daily")).scalar_one()
            mapped = dict(conn.execute(text("SELECT input, mapped FROM meta_inputs")).fetchall())
    finally:
        engine.dispose()
    assert n_in == n_star > 0
    assert mapped["streams"] and mapped["appeals"] and not mapped["plays"]


@pytest.mark.pg
def test_marts_build_twice_in_one_process_on_postgresql(postgres_server, demo_frames):
    from data_access.demo.load import load_frames
    from data_access.marts import build_marts

    url = postgres_server.create_database("marts_twice")
    engine = create_engine(url)
    try:
        load_frames(engine, demo_frames)
        first = build_marts(engine)
        assert build_marts(engine) == first  # the date indexes do not stick to the MetaData
    finally:
        engine.dispose()


def test_a_semicolon_in_a_comment_or_string_is_not_a_second_statement(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "events.sql").write_text(
        "-- marks; one per line\nSELECT DATE '2026-01-01' AS event_date, 'policy' AS kind,\n"
        "  'Fee; raised' AS title /* a; b */\n"
    )
    engine = create_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        assert "Fee; raised" in mapping.read_folder(folder, engine)["events"]
        (folder / "events.sql").write_text("SELECT 1 AS a; DROP TABLE x")
        with pytest.raises(mapping.MappingError, match="one SELECT only"):
            mapping.read_folder(folder, engine)
    finally:
        engine.dispose()
