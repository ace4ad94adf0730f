"""Loaders for the filter allow-lists and the events drawn on time charts."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Options
from data_access.loaders.base import cached, run
from data_access.queries import options as q
from data_access.scope import Scope


@cached
def load_options(scope: Scope, *, url: str) -> Options:
    rng = run(q.date_range_query(), url)
    if rng.empty or pd.isna(rng.loc[0, "min_date"]):
        from data_access.loaders.base import WarehouseError

        raise WarehouseError("empty", "The warehouse holds no stream data yet.", "-")
    markets = run(q.markets_query(), url)
    labels = run(q.labels_query(scope), url)
    dists = run(q.distributors_query(scope), url)
    dets = run(q.detectors_query(), url)
    typs = run(q.typologies_query(), url)
    return Options(
        min_date=pd.Timestamp(rng.loc[0, "min_date"]).date(),
        max_date=pd.Timestamp(rng.loc[0, "max_date"]).date(),
        markets=tuple(zip(markets["iso2"], markets["name"], strict=True)),
        regions=tuple(sorted(markets["region"].unique())),
        labels=tuple(zip(labels["label_id"].astype(int), labels["name"], strict=True)),
        distributors=tuple(zip(dists["distributor_id"].astype(int), dists["name"], strict=True)),
        detectors=tuple(zip(dets["detector_id"].astype(int), dets["name"], strict=True)),
        typologies=tuple(zip(typs["typology_id"].astype(int), typs["name"], strict=True)),
        market_regions=tuple(zip(markets["iso2"], markets["region"], strict=True)),
    )


@cached
def load_events(*, url: str) -> pd.DataFrame:
    df = run(q.events_query(), url)
    df["event_date"] = pd.to_datetime(df["event_date"])
    return df
