"""Loaders of the entity pages and the sidebar search: (scope, key, filters) -> small
frames. A lookup returns an empty frame both for an unknown key and for one outside the
viewer's scope, so a page cannot tell (or show) the difference."""

from __future__ import annotations

import pandas as pd

from data_access import schema as s
from data_access.filters import Filters
from data_access.loaders.availability import load_tables
from data_access.loaders.base import cached, run
from data_access.queries import entities as q
from data_access.queries.entities import Entity
from data_access.scope import Scope

KIND_ORDER = {"track": 0, "artist": 1, "label": 2, "distributor": 3, "case": 4}


def _floats(df: pd.DataFrame, cols) -> pd.DataFrame:
    for col in cols:
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


def _times(df: pd.DataFrame, cols) -> pd.DataFrame:
    for col in cols:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col])
    return df


@cached
def load_track(scope: Scope, isrc: str, *, url: str) -> pd.DataFrame:
    """The track (one row) or nothing."""
    return run(q.track_query(isrc, scope), url)


@cached
def load_label(
    scope: Scope, label_id: int | None = None, name: str | None = None, *, url: str
) -> pd.DataFrame:
    return run(q.label_query(scope, label_id=label_id, name=name), url)


@cached
def load_distributor(
    scope: Scope, distributor_id: int | None = None, name: str | None = None, *, url: str
) -> pd.DataFrame:
    return run(q.distributor_query(scope, distributor_id=distributor_id, name=name), url)


@cached
def load_case(scope: Scope, case_id: int, *, url: str) -> pd.DataFrame:
    """The case (one row, money column dropped without the right) or nothing."""
    df = run(q.case_query(case_id, scope), url)
    df = _times(df, ("opened_at", "first_response_at", "escalated_at", "resolved_at"))
    return _floats(df, ("exposure_eur", "first_response_sla_hours", "resolution_sla_hours"))


@cached
def load_case_events(scope: Scope, case_id: int, *, url: str) -> pd.DataFrame:
    return _times(run(q.case_events_query(case_id, scope), url), ("event_at",))


@cached
def load_entity_streams(scope: Scope, entity: Entity, filters: Filters, *, url: str):
    """Per week: streams, detected_streams, confirmed_streams."""
    df = run(q.streams_weekly_query(entity, filters, scope), url)
    df["week"] = pd.to_datetime(df["week"])
    return _floats(df, ("streams", "detected_streams", "confirmed_streams"))


@cached
def load_entity_detections(scope: Scope, entity: Entity, filters: Filters, *, url: str):
    """Per detector x typology: detections, streams_flagged, confirmed, estimated_eur."""
    df = run(q.detections_query(entity, filters, scope), url)
    return _floats(df, ("detections", "streams_flagged", "confirmed", "estimated_eur"))


@cached
def load_entity_reviews(scope: Scope, entity: Entity, filters: Filters, *, url: str):
    """Per outcome: reviews, streams_confirmed, median_decide_h."""
    df = run(q.reviews_query(entity, filters, scope), url)
    return _floats(df, ("reviews", "streams_confirmed", "median_decide_h"))


@cached
def load_entity_enforcement(scope: Scope, entity: Entity, filters: Filters, *, url: str):
    """Per enforcement type: actions, streams_removed, amount_eur, recovered_eur, reversed,
    reversed_eur."""
    df = run(q.enforcement_query(entity, filters, scope), url)
    cols = ("actions", "streams_removed", "amount_eur", "recovered_eur", "reversed")
    return _floats(df, (*cols, "reversed_eur"))


@cached
def load_entity_appeals(scope: Scope, entity: Entity, filters: Filters, *, url: str):
    """Per outcome: appeals, amount_restored_eur, median_decide_h."""
    df = run(q.appeals_query(entity, filters, scope), url)
    return _floats(df, ("appeals", "amount_restored_eur", "median_decide_h"))


@cached
def load_entity_cases(scope: Scope, entity: Entity, filters: Filters, *, url: str):
    """At most 50 cases active in the period, newest first."""
    df = run(q.entity_cases_query(entity, filters, scope), url)
    df["case_id"] = df["case_id"].astype("int64")
    return _floats(_times(df, ("opened_at", "resolved_at")), ("exposure_eur",))


@cached
def load_distributor_labels(scope: Scope, entity: Entity, filters: Filters, *, url: str):
    """A distributor's 20 labels with most detected streams in the period."""
    df = run(q.label_tracks_query(entity, filters, scope), url)
    df["label_id"] = df["label_id"].astype("int64")
    return _floats(df, ("streams", "detected_streams", "confirmed_streams"))


@cached
def load_search(scope: Scope, text: str, limit: int = 8, *, url: str) -> pd.DataFrame:
    """Search hits: kind (track / artist / label / distributor / case), key (what the
    entity's page takes), name, detail; tracks first."""
    tables = load_tables(url=url)
    source_keys = s.key_map.name in tables  # built by the input layer
    cases = s.fact_case.name in tables  # an unmapped case input leaves no table to search
    stmt = q.search_query(text, scope, limit=limit, source_keys=source_keys, cases=cases)
    df = run(stmt, url)
    df = df.assign(_order=df["kind"].map(KIND_ORDER)).sort_values("_order", kind="stable")
    # A hit by the team's own key and by its name is one hit (the key's, listed first).
    df = df.drop_duplicates(["kind", "key"], keep="first")
    return df.drop(columns="_order").reset_index(drop=True)
