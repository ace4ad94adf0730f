"""Loaders of the drill-downs to tracks (shared by pages)."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.base import cached, run
from data_access.queries import drilldown as q
from data_access.scope import Scope

TEXT = ("isrc", "title", "artist", "label", "main_typology", "latest_action")
COUNTS = ("streams", "detected_streams", "confirmed_streams")


@cached
def load_top_tracks(scope: Scope, filters: Filters, limit: int = 50, *, url: str) -> pd.DataFrame:
    """At most ``limit`` tracks, most detected artificial streams first: track_id, isrc,
    title, artist, label, streams, detected_streams, confirmed_streams, main_typology,
    enforcement_actions, reversed_actions, latest_action (None: no action in the period)."""
    df = run(q.top_tracks_query(filters, scope, limit=limit), url)
    df["track_id"] = df["track_id"].astype("int64")
    for col in TEXT:
        df[col] = df[col].astype("str")
    for col in COUNTS:
        df[col] = df[col].astype(float)
    for col in ("enforcement_actions", "reversed_actions"):
        df[col] = df[col].astype("int64")
    return df
