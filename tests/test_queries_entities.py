"""Entity pages' queries and the search on DuckDB and PostgreSQL: each frame equals an
independent pandas computation over the facts for one entity, lookups honour the scope (a
forbidden key reads like an unknown one), lists are bounded, user text is bound."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy.dialects import postgresql

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import entities as q
from data_access.queries.entities import Entity
from data_access.scope import FULL, Scope

WHOLE = Filters(start=date(2024, 12, 2), end=date(2026, 11, 29))


@pytest.fixture(scope="module")
def busiest(demo_frames) -> dict:
    """The track, label and distributor with most detections, and a case with a hand-off."""
    det = demo_frames["fact_detection"]
    labels = demo_frames["dim_label"]
    track = int(det["track_id"].value_counts().idxmax())
    label = int(det["label_id"].value_counts().idxmax())
    dist = int(det.merge(labels, on="label_id")["distributor_id"].value_counts().idxmax())
    ev = demo_frames["fact_case_event"]
    case = int(ev.loc[ev["event_type"] == "handoff", "case_id"].iloc[0])
    return {"track": track, "label": label, "distributor": dist, "case": case}


def _of(frames, table: str, e: Entity) -> pd.DataFrame:
    t = frames[table]
    if e.kind == "distributor" and "distributor_id" not in t:
        lab = frames["dim_label"]
        return t[t["label_id"].isin(lab.loc[lab["distributor_id"] == e.id, "label_id"])]
    return t[t[f"{e.kind}_id"] == e.id]


@pytest.mark.parametrize("kind", ["track", "label", "distributor"])
def test_detections_enforcement_and_appeals_match_the_facts(
    warehouse_url, demo_frames, busiest, kind
):
    e = Entity(kind, busiest[kind])
    det = _of(demo_frames, "fact_detection", e)
    got = run(q.detections_query(e, WHOLE, FULL), warehouse_url)
    assert got["detections"].sum() == len(det) > 0
    assert float(got["streams_flagged"].sum()) == float(det["streams_flagged"].sum())
    reviews = demo_frames["fact_review"].merge(det[["detection_id"]], on="detection_id")
    assert got["confirmed"].sum() == (reviews["outcome"] == "confirmed").sum()
    by_outcome = run(q.reviews_query(e, WHOLE, FULL), warehouse_url).set_index("outcome")
    assert by_outcome["reviews"].to_dict() == reviews["outcome"].value_counts().to_dict()

    enf = _of(demo_frames, "fact_enforcement", e)
    got = run(q.enforcement_query(e, WHOLE, FULL), warehouse_url)
    assert got["actions"].sum() == len(enf)
    assert got["reversed"].sum() == (enf["status"] == "reversed").sum()
    assert float(got["amount_eur"].sum()) == pytest.approx(float(enf["amount_eur"].sum()))
    ap = demo_frames["fact_appeal"].merge(enf[["enforcement_id"]], on="enforcement_id")
    got = run(q.appeals_query(e, WHOLE, FULL), warehouse_url)
    assert got["appeals"].sum() == len(ap)


@pytest.mark.parametrize("kind", ["track", "label"])
def test_weekly_streams_match_the_facts(warehouse_url, demo_frames, busiest, kind):
    e = Entity(kind, busiest[kind])
    fs = demo_frames["fact_streams_daily"].merge(
        demo_frames["dim_track"][["track_id", "label_id"]], on="track_id"
    )
    fs = fs[fs[f"{kind}_id"] == e.id]
    got = run(q.streams_weekly_query(e, WHOLE, FULL), warehouse_url)
    assert float(got["streams"].sum()) == float(fs["streams"].sum()) > 0
    assert float(got["detected_streams"].sum()) == float(fs["flagged_streams"].sum())
    assert len(got) == pd.to_datetime(fs["date_key"]).dt.to_period("W").nunique()


def test_case_lookup_events_and_team_scope(warehouse_url, demo_frames, busiest):
    case_id = busiest["case"]
    case = demo_frames["fact_case"].set_index("case_id").loc[case_id]
    team = demo_frames["dim_team"].set_index("team_id").loc[case["owner_team_id"], "code"]
    other = next(c for c in demo_frames["dim_team"]["code"] if c != team)
    row = run(q.case_query(case_id, FULL), warehouse_url)
    assert len(row) == 1 and row["priority"].iloc[0] == case["priority"]
    events = run(q.case_events_query(case_id, FULL), warehouse_url)
    ev = demo_frames["fact_case_event"]
    assert len(events) == (ev["case_id"] == case_id).sum()
    assert "handoff" in set(events["event_type"])
    mine, theirs = Scope(role="partner", team=team), Scope(role="partner", team=other)
    assert len(run(q.case_query(case_id, mine), warehouse_url)) == 1
    # Another team's case: no row, no events, exactly like a case id that does not exist.
    assert run(q.case_query(case_id, theirs), warehouse_url).empty
    assert run(q.case_events_query(case_id, theirs), warehouse_url).empty
    assert run(q.case_query(10**8, FULL), warehouse_url).empty


def test_lookups_honour_label_scope(warehouse_url, demo_frames, busiest):
    tracks = demo_frames["dim_track"]
    track = tracks.set_index("track_id").loc[busiest["track"]]
    own = Scope(role="partner", labels=(int(track["label_id"]),))
    other = Scope(role="partner", labels=(int(track["label_id"]) + 1,))
    assert len(run(q.track_query(track["isrc"], own), warehouse_url)) == 1
    assert run(q.track_query(track["isrc"], other), warehouse_url).empty
    assert len(run(q.label_query(own, label_id=int(track["label_id"])), warehouse_url)) == 1
    assert run(q.label_query(other, label_id=int(track["label_id"])), warehouse_url).empty
    # Label-scoped: a label outside the scope has no rows in any entity frame either.
    e = Entity("label", int(track["label_id"]))
    assert run(q.detections_query(e, WHOLE, other), warehouse_url).empty
    assert run(q.entity_cases_query(e, WHOLE, other), warehouse_url).empty


def test_search_finds_each_kind_bounded_and_scoped(warehouse_url, demo_frames):
    t = demo_frames["dim_track"].iloc[5]
    lab = demo_frames["dim_label"].iloc[3]
    hits = run(q.search_query(t["isrc"][:9].lower(), FULL, limit=5), warehouse_url)
    assert t["isrc"][:9] and (hits["kind"] == "track").sum() <= 5
    assert all(k.startswith(t["isrc"][:9]) for k in hits.loc[hits["kind"] == "track", "key"])
    exact = run(q.search_query(t["isrc"], FULL, limit=3), warehouse_url)
    assert exact["key"].iloc[0] == t["isrc"]
    by_name = run(q.search_query(lab["name"].upper(), FULL), warehouse_url)
    assert str(lab["label_id"]) in set(by_name.loc[by_name["kind"] == "label", "key"])
    case = run(q.search_query("#3", FULL), warehouse_url)
    assert list(case.loc[case["kind"] == "case", "key"]) == ["3"]
    # A partner team finds its cases only, never the catalogue.
    partner = run(q.search_query(lab["name"], Scope(role="partner", team="legal")), warehouse_url)
    assert partner.empty
    # LIKE wildcards typed by the user match themselves only.
    assert run(q.search_query("%_%", FULL), warehouse_url).empty


BIG_ID = 123_456_789_012_345_678  # 18 digits: a warehouse's own BIGINT ids (P12)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("42", 42),
        (" #42 ", 42),
        (str(BIG_ID), BIG_ID),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),  # longer than 18 digits: refused, never sent
        (str(2**63), None),
        ("0", None),
        ("-1", None),
        ("1e5", None),
        ("42.0", None),
        ("\u00b2", None),  # "²": str.isdigit() says yes, int() says no
        ("\u0664\u0662", None),  # Arabic-Indic "42": ASCII digits only
        ("42; DROP TABLE fact_case", None),
        ("", None),
        (None, None),
    ],
)
def test_entity_ids_fit_a_bigint_and_nothing_else(raw, expected):
    assert q.parse_id(raw) == expected


def test_big_ids_are_looked_up_not_refused(warehouse_url):
    """An 18-digit case, label or distributor id reaches the warehouse as a bound BIGINT
    (PostgreSQL refused one bound as the schema's INTEGER: "integer out of range")."""
    assert run(q.case_query(BIG_ID, FULL), warehouse_url).empty
    assert run(q.label_query(FULL, label_id=BIG_ID), warehouse_url).empty
    assert run(q.detections_query(Entity("distributor", BIG_ID), WHOLE, FULL), warehouse_url).empty
    # Through the filters' slice predicate (the label page's weekly streams) as well.
    assert run(q.streams_weekly_query(Entity("label", BIG_ID), WHOLE, FULL), warehouse_url).empty
    hits = run(q.search_query(f"#{BIG_ID}", FULL), warehouse_url)
    assert hits.empty  # no such case in the demo; the statement ran
    sql = str(q.search_query(str(BIG_ID), FULL).compile(dialect=postgresql.dialect()))
    assert str(BIG_ID) not in sql  # bound, not written into the SQL
    for text in ("\u00b2", "9" * 19):  # not ids: no case branch, and no error
        assert run(q.search_query(text, FULL), warehouse_url).empty


def test_user_text_is_bound_and_lists_are_bounded():
    stmt = q.search_query("x'; DROP TABLE dim_track; --", FULL)
    sql = str(stmt.compile(dialect=postgresql.dialect()))
    assert "DROP TABLE" not in sql
    assert "LIMIT" in str(q.entity_cases_query(Entity("label", 1), WHOLE, FULL))
    assert "LIMIT" in str(q.case_events_query(1, FULL))
    with pytest.raises(ValueError):
        q.search_query("ab", FULL, limit=q.MAX_RESULTS + 1)
    with pytest.raises(ValueError):
        q.entity_cases_query(Entity("label", 1), WHOLE, FULL, limit=10_000)
