"""The worked example of the input layer (examples/foreign_warehouse): a platform-shaped
warehouse on DuckDB and PostgreSQL, its mapping (one SELECT per input), its business
configuration, and the independent computation of the figures the pages should show."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.inputs import business, contract
from examples.foreign_warehouse import expected, make_foreign

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "foreign_warehouse"
MAPPING = EXAMPLE / "mapping"
MAPPED = ("plays", "catalogue", "detections", "reviews", "actions", "cases", "case_events")
CAST = {
    contract.TEXT: "TEXT",
    contract.INTEGER: "INTEGER",
    contract.NUMBER: "DOUBLE PRECISION",
    contract.DATE: "DATE",
    contract.TIMESTAMP: "TIMESTAMP",
    contract.BOOLEAN: "BOOLEAN",
}
MARKETS = {m[0] for m in make_foreign.MARKETS}
LAST_4_WEEKS = (date(2026, 11, 2), date(2026, 11, 29))
WHOLE = (make_foreign.FIRST_DAY, make_foreign.LAST_DAY)


def _normalised(df: pd.DataFrame) -> pd.DataFrame:
    """Rows comparable across backends: numbers as floats, dates as timestamps, sorted."""
    out = df.copy()
    for col in out.columns:
        values = out[col].dropna()
        if len(values) and isinstance(values.iloc[0], Decimal):
            out[col] = out[col].astype(float)
        elif len(values) and isinstance(values.iloc[0], date):
            out[col] = pd.to_datetime(out[col])
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].astype("datetime64[us]")
        elif pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("int64")
    return out.sort_values(list(out.columns[:2]), ignore_index=True)


@pytest.fixture(scope="module")
def duck(tmp_path_factory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('foreign') / 'foreign.duckdb'}"
    make_foreign.create(url)
    return url


@pytest.fixture(scope="module")
def duck_tables(duck) -> dict[str, pd.DataFrame]:
    return expected.read_tables(duck)


@pytest.fixture(scope="module")
def pg(postgres_server) -> str:
    url = postgres_server.create_database(f"foreign_{uuid.uuid4().hex[:8]}")
    make_foreign.create(url)
    return url


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.pg)])
def foreign_url(request) -> str:
    return request.getfixturevalue("duck" if request.param == "duckdb" else "pg")


# -- the foreign warehouse -------------------------------------------------------------------


def test_deterministic_and_small():
    a, b = make_foreign.frames(3), make_foreign.frames(3)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    other = make_foreign.frames(4)
    assert not a["plays"]["play_id"].equals(other["plays"]["play_id"])
    plays = a["plays"]
    assert 20_000 < len(plays) < 100_000
    assert plays["played_at"].min().date() >= make_foreign.FIRST_DAY
    assert plays["played_at"].max().date() == make_foreign.LAST_DAY
    assert len(a["catalogue_tracks"]) == 300
    assert a["catalogue_tracks"]["label_uri"].nunique() <= 40
    assert a["catalogue_tracks"]["distributor_uri"].nunique() <= 8
    assert plays["track_uri"].str.fullmatch(r"plat:track:[0-9A-Za-z]{22}").all()


def test_platform_shaped(duck_tables):
    t = duck_tables
    plays = t["plays"]
    short = (plays["ms_played"] < 30_000).mean()
    assert 0.1 < short < 0.3
    country = plays["country"]
    assert country.isna().any() and country.isin(["Sweden", "Germany"]).any()
    assert country.dropna().str.len().eq(2).mean() > 0.85
    assert set(plays["platform"]) == {"ios", "android", "desktop", "web"}
    assert set(plays["product_tier"]) == {"premium", "family", "free", "student", "trial"}
    reviews = t["review_decisions"]
    assert set(reviews["verdict"].dropna()) == {"fraud", "legit", "unsure"}
    assert reviews["decided_at"].isna().any()  # open reviews
    # Every unsure review is followed by a later review of the same detection that decides.
    for r in reviews[reviews["verdict"] == "unsure"].itertuples():
        later = reviews[
            (reviews["detection_id"] == r.detection_id) & (reviews["created_at"] > r.decided_at)
        ]
        assert later["verdict"].isin(["fraud", "legit"]).any()
    ledger = t["payments_ledger"]
    assert set(ledger["currency"]) == {"USD", "EUR", "SEK"}
    assert ledger["reversed_at"].notna().any()
    assert set(ledger["action_code"]) <= {"STRM_RM", "WHLD", "FEE", "TKDN", "SUSP", "WARN"}
    cases = t["marble_cases"]
    assert cases["detection_id"].isna().any() and cases["detection_id"].notna().any()
    assert set(cases["status"]) <= {"open", "investigating", "discarded", "resolved"}
    events = t["marble_case_events"]
    assert "inbox_changed" in set(events["event_type"])
    assert set(events["case_id"]) <= set(cases["id"])
    # Detections cluster on a few labels.
    det = t["detection_events"].merge(t["catalogue_tracks"], on="track_uri")
    assert det["label_uri"].value_counts().head(5).sum() > len(det) / 2
    assert not t["detection_events"]["id"].duplicated().any()


@pytest.mark.pg
def test_postgresql_holds_the_same_rows(duck_tables, pg):
    got = expected.read_tables(pg)
    for name, want in duck_tables.items():
        pd.testing.assert_frame_equal(
            _normalised(got[name]), _normalised(want), check_dtype=False, obj=name
        )


def test_defects_are_planted(tmp_path):
    url = f"duckdb:///{tmp_path / 'defects.duckdb'}"
    make_foreign.create(url, defects=True)
    t = expected.read_tables(url)
    det, rev, plays = t["detection_events"], t["review_decisions"], t["plays"]
    assert det["id"].duplicated().sum() == 1
    assert (~rev["detection_id"].isin(det["id"])).sum() == 2
    assert (plays["played_at"] > pd.Timestamp(make_foreign.END_TS)).sum() == 1
    assert (rev["verdict"] == "maybe").sum() == 1
    clean = make_foreign.frames()
    assert (
        rev["verdict"].isin(["maybe"]).sum()
        > clean["review_decisions"]["verdict"].eq("maybe").sum()
    )
    assert len(plays) == len(clean["plays"]) + 1


# -- the mapping -------------------------------------------------------------------------------


def test_one_select_per_mapped_input():
    assert {p.stem for p in MAPPING.glob("*.sql")} == set(MAPPED)
    assert all(contract.get(name) for name in MAPPED)


def _select(url: str, sql: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text(sql), conn)
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", MAPPED)
def test_mapping_runs_and_answers_the_contract(foreign_url, name):
    spec = contract.get(name)
    sql = (MAPPING / f"{name}.sql").read_text(encoding="utf-8")
    df = _select(foreign_url, sql)
    allowed = [c.name for c in spec.columns]
    assert len(set(df.columns)) == len(df.columns)
    assert set(df.columns) <= set(allowed), set(df.columns) - set(allowed)
    assert {c.name for c in spec.required_columns} <= set(df.columns)
    assert len(df) > 0
    casts = ", ".join(f"CAST({c} AS {CAST[spec.column(c).type]}) AS {c}" for c in df.columns)
    cast = _select(foreign_url, f"SELECT {casts} FROM ({sql}) AS q")
    assert len(cast) == len(df)
    for key in spec.key:
        if key in df.columns and name != "plays":
            assert not df[key].duplicated().any(), key
    config = business.read(EXAMPLE / "business.toml")
    for col in df.columns:
        c = spec.column(col)
        values = set(df[col].dropna().astype(str))
        if c.vocabulary:
            unmapped = {v for v in values if config.ours(c.vocabulary, v) is None}
            assert not unmapped, (col, unmapped)
        if c.allowed == "iso2":
            assert values <= MARKETS, values - MARKETS
        if c.required and col not in ("market",):
            assert df[col].notna().all(), col


def test_mapping_keeps_every_row_and_maps_names(duck_tables, duck):
    plays = _select(duck, (MAPPING / "plays.sql").read_text(encoding="utf-8"))
    assert len(plays) == len(duck_tables["plays"])
    src = duck_tables["plays"].set_index("play_id")["country"]
    got = plays.set_index("play_key")["market"].reindex(src.index)
    assert got[src == "Sweden"].eq("SE").all()
    assert got[src.isna()].isna().all()
    assert got.isna().sum() == src.isna().sum()
    reviews = _select(duck, (MAPPING / "reviews.sql").read_text(encoding="utf-8"))
    assert reviews.loc[reviews["decided_at"].isna(), "verdict"].eq("pending").all()
    events = _select(duck, (MAPPING / "case_events.sql").read_text(encoding="utf-8"))
    handoffs = events[events["event_type"] == "inbox_changed"]
    assert handoffs["from_team"].notna().all() and handoffs["to_team"].notna().all()
    assert events.loc[events["event_type"] != "inbox_changed", "to_team"].isna().all()
    cases = _select(duck, (MAPPING / "cases.sql").read_text(encoding="utf-8"))
    closed = cases["status"].isin(["resolved", "discarded"])
    assert cases.loc[closed, "resolved_at"].notna().all()
    assert cases.loc[~closed, "resolved_at"].isna().all()
    assert (cases["resolved_at"].dropna() >= cases.loc[closed, "opened_at"]).all()


def test_expected_knows_our_verdicts():
    assert contract.VOCABULARIES["verdict"] == expected.OUR_VERDICTS


def test_business_configuration_is_valid_and_maps_the_team_words():
    cfg = business.read(EXAMPLE / "business.toml")
    assert cfg.ours("verdict", "fraud") == "confirmed"
    assert cfg.ours("verdict", "legit") == "false_positive"
    assert cfg.ours("verdict", "unsure") == "insufficient_evidence"
    assert cfg.ours("verdict", "maybe") is None
    assert cfg.ours("action", "STRM_RM") == "stream_removal"
    assert cfg.ours("case_status", "investigating") == "open"
    assert cfg.ours("case_status", "discarded") == "resolved"
    assert cfg.ours("case_event", "inbox_changed") == "handoff"
    assert cfg.ours("case_event", "created") == "opened"
    assert cfg.ours("team", "Fraud Ops") == "fraud_ops"
    assert cfg.ours("plan", "student") == "other"
    assert set(cfg.fx) == {"EUR", "USD", "SEK"}
    base = business.read()
    assert (cfg.lookback_days, cfg.after_days, cfg.min_ms) == (
        base.lookback_days,
        base.after_days,
        base.min_ms,
    )


# -- the expected figures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "period, markets",
    [
        (LAST_4_WEEKS, None),
        (WHOLE, None),
        (LAST_4_WEEKS, ("SE",)),
        (WHOLE, ("DE", "US", "GB")),
        ((date(2026, 10, 5), date(2026, 10, 11)), ("FR",)),
    ],
)
def test_expected_figures_are_consistent(duck_tables, period, markets):
    got = expected.figures(duck_tables, start=period[0], end=period[1], markets=markets)
    assert 0 <= got["confirmed_streams"] <= got["detected_streams"] <= got["streams"]
    assert got["streams"] > 0
    for key in ("precision", "detected_share", "confirmed_share"):
        assert pd.isna(got[key]) or 0 <= got[key] <= 1, key
    assert got["confirmed"] + got["false_positives"] <= got["reviewed"] <= got["detections"]
    assert got["enforced"] <= got["detections"]
    assert got["fees_recovered_eur"] <= got["fees_levied_eur"] + 1e-9
    assert got["fees_outstanding_eur"] >= -1e-9
    assert got["exposure_eur"] >= got["fees_outstanding_eur"] - 1e-9


def test_expected_figures_are_plausible_fraud(duck_tables):
    got = expected.figures(duck_tables, start=WHOLE[0], end=WHOLE[1])
    assert 0.01 <= got["detected_share"] <= 0.10
    assert 30 <= got["detections"] <= 150
    assert 0.5 < got["precision"] < 1
    assert got["confirmed"] > 0 and got["false_positives"] > 0 and got["actions"] > 0
    assert got["fees_levied_eur"] > 0 and got["withheld_eur"] > 0 and got["reversed_eur"] > 0
    assert got["open_cases"] > 0
    assert 0 < got["sla_breaches"] < got["cases_due"]


def test_expected_markets_add_up(duck_tables):
    """Disjoint market slices add up to the whole, less what has no market."""
    start, end = WHOLE
    whole = expected.figures(duck_tables, start=start, end=end)
    parts = [
        expected.figures(duck_tables, start=start, end=end, markets=[m]) for m in sorted(MARKETS)
    ]
    streams = duck_tables["plays"]
    unknown = streams[
        (streams["ms_played"] >= 30_000) & expected.market_code(streams["country"]).isna()
    ]
    assert sum(p["streams"] for p in parts) + len(unknown) == whole["streams"]
    for key in ("detected_streams", "confirmed_streams", "detections", "reviewed", "actions"):
        assert sum(p[key] for p in parts) == whole[key], key
    for key in ("withheld_eur", "fees_levied_eur", "reversed_eur"):
        assert sum(p[key] for p in parts) == pytest.approx(whole[key]), key


def test_expected_attribution_by_hand():
    """One track, one market, two detections: the earlier one takes the rows it covers;
    rows outside every window are not flagged; the last decided review wins."""
    t0 = pd.Timestamp("2026-11-01 10:00")
    tables = {
        "plays": pd.DataFrame(
            {
                "play_id": ["p1", "p2", "p3", "p4", "p5"],
                "played_at": pd.to_datetime(
                    [
                        "2026-09-01 08:00",
                        "2026-10-10 08:00",
                        "2026-10-10 09:00",
                        "2026-11-01 23:00",
                        "2026-11-02 00:10",
                    ]
                ),
                "track_uri": ["t"] * 5,
                "country": ["SE", "Sweden", "SE", "se", "SE"],
                "ms_played": [40_000, 40_000, 10_000, 31_000, 50_000],
            }
        ),
        "detection_events": pd.DataFrame(
            {
                "id": ["d1", "d2"],
                "created_at": [t0, t0 + pd.Timedelta(days=1)],
                "track_uri": ["t", "t"],
                "country": ["SE", "Sweden"],
            }
        ),
        "review_decisions": pd.DataFrame(
            {
                "id": ["r1", "r2", "r3"],
                "detection_id": ["d1", "d1", "d2"],
                "decided_at": [t0, t0 + pd.Timedelta(hours=5), pd.NaT],
                "verdict": ["unsure", "fraud", None],
            }
        ),
    }
    rows = expected.stream_rows(tables, expected.read_config())
    by_day = rows.set_index(rows["day"].dt.strftime("%m-%d"))
    assert by_day["streams"].to_dict() == {"09-01": 1, "10-10": 1, "11-01": 1, "11-02": 1}
    assert by_day["detection"].fillna("-").to_dict() == {
        "09-01": "-",
        "10-10": "d1",
        "11-01": "d1",
        "11-02": "d2",
    }
    assert by_day["confirmed"].to_dict() == {"09-01": 0, "10-10": 1, "11-01": 1, "11-02": 0}
    # A word nobody mapped decides nothing: the earlier 'fraud' stays the last decided one.
    maybe = pd.DataFrame(
        {"id": ["r4"], "detection_id": ["d1"], "decided_at": [t0 + pd.Timedelta(hours=9)]}
    ).assign(verdict="maybe")
    tables["review_decisions"] = pd.concat([tables["review_decisions"], maybe])
    assert expected.outcomes(tables, expected.read_config()).to_dict() == {
        "d1": "confirmed",
        "d2": "pending",
    }


@pytest.mark.pg
def test_expected_figures_the_same_on_postgresql(duck_tables, pg):
    pg_tables = expected.read_tables(pg)
    for period, markets in ((LAST_4_WEEKS, None), (WHOLE, ("SE", "US"))):
        want = expected.figures(duck_tables, start=period[0], end=period[1], markets=markets)
        got = expected.figures(pg_tables, start=period[0], end=period[1], markets=markets)
        assert got == pytest.approx(want, nan_ok=True)


# -- end to end: apply -> build -> the pages show the expected figures -----------------------

CONFIG = EXAMPLE / "business.toml"
PAYOUT_TILES = ("protected_eur", "exposure_eur")  # priced with config [payout.market]
OVERVIEW_TILES = ("streams", "detected_share", "streams_removed", "open_cases", "sla_breach_rate")
ENFORCEMENT_TILES = (
    "actions",
    "streams_removed",
    "withheld_eur",
    "fees_levied_eur",
    "fees_recovered_eur",
    "reversed_eur",
)
FUNNEL_TILES = ("detections", "reviewed", "confirmed", "enforced", "false_positives", "precision")
SLICES = [
    (LAST_4_WEEKS, ()),
    (WHOLE, ()),
    (LAST_4_WEEKS, ("SE",)),
    (WHOLE, ("DE", "SE", "US")),
]


CHECKED_AT = datetime(2026, 12, 1)  # "now" for the checks: the day after the data's last week


def _findings(url: str) -> list:
    from data_access.inputs import checks

    engine = sa.create_engine(url)
    try:
        return checks.run_checks(engine, business.read(CONFIG), now=CHECKED_AT, inputs_dir=MAPPING)
    finally:
        engine.dispose()


def _apply_and_build(url: str) -> None:
    """apply -> check (nothing but the platform's plays without a country) -> build."""
    from data_access.inputs import __main__ as cli

    make_foreign.create(url)
    assert cli.main(["apply", "--url", url, "--inputs", str(MAPPING)]) == 0
    found = [f for f in _findings(url) if f.severity != "info"]
    assert {(f.input, f.column, f.severity) for f in found} == {("plays", "market", "warning")}
    assert all(f.count == found[0].count for f in found)  # the plays without a country
    assert cli.main(["build", "--url", url, "--config", str(CONFIG)]) == 0


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.pg)])
def defects_url(request, tmp_path_factory) -> str:
    """The warehouse with the planted defects, its mapping applied."""
    from data_access.inputs import __main__ as cli

    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path_factory.mktemp('defects') / 'foreign.duckdb'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"foreign_defects_{uuid.uuid4().hex[:8]}")
    make_foreign.create(url, defects=True)
    assert cli.main(["apply", "--url", url, "--inputs", str(MAPPING)]) == 0
    return url


@pytest.mark.slow
def test_checks_report_each_planted_defect(defects_url):
    data = make_foreign.frames(defects=True)
    det, rev, plays = data["detection_events"], data["review_decisions"], data["plays"]
    duplicated = det.loc[det["id"].duplicated(), "id"].iloc[0]
    orphans = set(rev.loc[~rev["detection_id"].isin(det["id"]), "detection_id"])
    future = plays.loc[plays["played_at"] > pd.Timestamp(make_foreign.END_TS), "play_id"].iloc[0]

    errors = {(f.input, f.column): f for f in _findings(defects_url) if f.severity == "error"}
    assert set(errors) == {
        ("detections", "detection_key"),
        ("reviews", "detection_key"),
        ("plays", "played_at"),
        ("reviews", "verdict"),
    }
    assert any(duplicated in e for e in errors["detections", "detection_key"].examples)
    assert errors["reviews", "detection_key"].count == 2
    assert {e.split()[0] for e in errors["reviews", "detection_key"].examples} == orphans
    assert errors["plays", "played_at"].count == 1
    assert future in errors["plays", "played_at"].examples[0]
    assert errors["reviews", "verdict"].count == 1
    assert errors["reviews", "verdict"].examples[0].startswith("maybe")


@pytest.mark.slow
def test_check_cli_fails_on_the_defects(defects_url, capsys):
    from data_access.inputs import __main__ as cli

    args = ["check", "--url", defects_url, "--inputs", str(MAPPING), "--config", str(CONFIG)]
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert "4 errors" in out and "maybe" in out


# A built warehouse and its foreign tables, read while the writer is the only connection
# (DuckDB refuses a read-write engine beside the app's read-only one in one process).
Built = tuple[str, dict[str, pd.DataFrame]]


@pytest.fixture(scope="module")
def built_duck(tmp_path_factory) -> Built:
    url = f"duckdb:///{tmp_path_factory.mktemp('built') / 'foreign.duckdb'}"
    _apply_and_build(url)
    return url, expected.read_tables(url)


@pytest.fixture(scope="module")
def built_pg(postgres_server) -> Built:
    url = postgres_server.create_database(f"foreign_built_{uuid.uuid4().hex[:8]}")
    _apply_and_build(url)
    return url, expected.read_tables(url)


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.pg)])
def built_url(request) -> Built:
    return request.getfixturevalue("built_duck" if request.param == "duckdb" else "built_pg")


def _app_figures(url: str, start: date, end: date, markets: tuple[str, ...]) -> dict:
    """What the pages' loaders return for the tiles (the numbers behind the text)."""
    from analytics.metrics import derive
    from data_access.filters import Filters
    from data_access.loaders.enforcement import load_enforcement_kpis
    from data_access.loaders.funnel import load_funnel_stages
    from data_access.loaders.overview import load_overview_kpis
    from data_access.scope import FULL

    f = Filters(start=start, end=end, markets=markets)
    overview = derive(load_overview_kpis(FULL, f, url=url)).loc["current"]
    stages = load_funnel_stages(FULL, f, url=url).set_index("stage")
    enforcement = load_enforcement_kpis(FULL, f, url=url).loc["current"]
    out = {k: float(overview[k]) for k in (*OVERVIEW_TILES, *PAYOUT_TILES)}
    out |= {k: float(enforcement[k]) for k in ENFORCEMENT_TILES if k != "streams_removed"}
    out["enforcement_streams_removed"] = float(enforcement["streams_removed"])
    count = stages["count"]
    out |= {
        "detections": float(count["detected"]),
        "reviewed": float(count["reviewed"]),
        "confirmed": float(count["confirmed"]),
        "enforced": float(count["enforced"]),
        "false_positives": float(stages["false_positive"].iloc[0]),
    }
    out["precision"] = out["confirmed"] / out["reviewed"] if out["reviewed"] else float("nan")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("period, markets", SLICES)
def test_built_warehouse_shows_the_expected_figures(built_url, period, markets):
    url, tables = built_url
    want = expected.figures(tables, start=period[0], end=period[1], markets=markets or None)
    want["enforcement_streams_removed"] = want["streams_removed"]
    got = _app_figures(url, period[0], period[1], markets)
    keys = list(got)
    assert {k: got[k] for k in keys} == pytest.approx(
        {k: want[k] for k in keys}, abs=1e-3, nan_ok=True
    )


def _page_keys(url: str) -> dict[str, dict[str, str]]:
    """URL keys of the entity pages: the most detected track, its label and distributor, a
    case with a hand-off."""
    from data_access.engine import get_engine

    with get_engine(url).connect() as conn:
        star = {
            name: pd.read_sql(sa.select(sa.text("*")).select_from(sa.table(name)), conn)
            for name in ("dim_track", "dim_label", "fact_detection", "fact_case_event")
        }
    track_id = int(star["fact_detection"]["track_id"].value_counts().idxmax())
    track = star["dim_track"].set_index("track_id").loc[track_id]
    label = star["dim_label"].set_index("label_id").loc[int(track["label_id"])]
    ev = star["fact_case_event"]
    case_id = int(ev.loc[ev["event_type"] == "handoff", "case_id"].iloc[0])
    return {
        "track": {"isrc": str(track["isrc"])},
        "label": {"id": str(int(track["label_id"]))},
        "distributor": {"id": str(int(label["distributor_id"]))},
        "case": {"id": str(case_id)},
    }


@pytest.mark.slow
def test_every_page_renders_on_the_built_warehouse(monkeypatch, built_duck):
    from reports.pages import PAGES
    from tests.support.apptest import assert_clean, run_app

    url, _ = built_duck
    # The app runs with the team's configuration, as they would deploy it (its words mapped).
    monkeypatch.setenv(business.ENV_VAR, str(CONFIG))
    period = [d.isoformat() for d in WHOLE]
    keys = _page_keys(url)
    for page in PAGES:
        params = {"period": period, **keys.get(page.slug, {})}
        at = run_app(monkeypatch, url, page=f"app_pages/{page.slug}.py", params=params)
        assert_clean(at)
        assert at.title, page.slug
        assert not at.error, (page.slug, [e.value for e in at.error])


@pytest.mark.slow
@pytest.mark.parametrize("period, markets", [SLICES[0], SLICES[3]])
def test_tiles_on_screen_are_the_expected_figures(monkeypatch, built_duck, period, markets):
    from analytics import format as fmt
    from analytics.metrics import METRICS
    from tests.support.apptest import assert_clean, run_app

    url, tables = built_duck
    monkeypatch.setenv(business.ENV_VAR, str(CONFIG))
    want = expected.figures(tables, start=period[0], end=period[1], markets=markets or None)
    params = {"period": [d.isoformat() for d in period]}
    if markets:
        params["market"] = list(markets)

    def shown(page: str) -> dict[str, str]:
        at = run_app(monkeypatch, url, page=f"app_pages/{page}.py", params=params)
        assert_clean(at)
        return {m.label: m.value for m in at.metric}

    overview = shown("overview")
    for key in (*OVERVIEW_TILES, *PAYOUT_TILES):
        m = METRICS[key]
        assert overview[m.label] == fmt.value(want[key], m.unit), key
    funnel = shown("funnel")
    assert funnel["Detections"] == fmt.compact(want["detections"])
    assert funnel["Confirmed"] == fmt.compact(want["confirmed"])
    assert funnel["Enforced"] == fmt.compact(want["enforced"])
    assert funnel["Precision"] == fmt.pct(want["precision"])
    assert funnel["Recall (estimated)"] == fmt.pct(want["recall"])
    enforcement = shown("enforcement")
    for key in ENFORCEMENT_TILES:
        m = METRICS["actions_applied" if key == "actions" else key]
        assert enforcement[m.label] == fmt.value(want[key], m.unit), key
