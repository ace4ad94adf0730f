"""The star's dimensions from the inputs: markets, the catalogue (distributors, labels,
artists, tracks; the labels input first), detectors, typologies, enforcement types, teams,
priorities, events and the calendar. Only what the inputs name (a market with no streams,
a detector that detected nothing is not listed); known markets keep the reference order."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from data_access import schema as s
from data_access.demo import dimensions as demo_dims
from data_access.demo import reference as ref
from data_access.inputs import normalise as n
from data_access.inputs.business import Business
from data_access.inputs.contract import VOCABULARIES
from data_access.inputs.normalise import UNKNOWN

TYPOLOGY_NAMES = {code: name for code, name, _ in ref.TYPOLOGIES} | {"other": "Other / unknown"}
ACTION_NAMES = dict(ref.ENFORCEMENT_TYPES)
_MARKETS = {m[0]: m for m in ref.MARKETS}


def markets(codes: pd.Series, business: Business) -> pd.DataFrame:
    """dim_market for the markets the inputs name (unknown codes -> one 'ZZ' market)."""
    # Known markets keep the reference list's order (stable ids whatever a build holds).
    present = set(codes.dropna().unique())
    seen = [c for c in _MARKETS if c in present]
    rows = [_MARKETS[c] for c in seen]
    if codes.isna().any() or (~codes.dropna().isin(seen)).any():
        rows.append(("ZZ", "Unknown market", "Unknown", "EUR", 1.0, business.default_per_1k_eur, 0))
    return pd.DataFrame(
        {
            "market_id": np.arange(1, len(rows) + 1, dtype="int16"),
            "iso2": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "region": [r[2] for r in rows],
            "currency": [r[3] for r in rows],
            "fx_to_eur": [business.fx.get(r[3], r[4]) for r in rows],
            "payout_per_1k_streams_eur": [business.payout_per_1k(r[0]) for r in rows],
        }
    )


def catalogue(cat: pd.DataFrame, extra_tracks: pd.Series, business: Business, labels=None) -> dict:
    """dim_distributor, dim_label, dim_artist, dim_track, and their id maps."""
    cat = cat.copy()
    cat["track_key"] = n.text(cat["track_key"])
    cat = cat.drop_duplicates("track_key", keep="first")
    # Tracks named by facts but missing from the catalogue get a placeholder row (the
    # checks report them as orphans) so their streams are not lost from every total.
    missing = pd.Index(extra_tracks.dropna().unique()).difference(pd.Index(cat["track_key"]))
    if len(missing):
        cat = pd.concat(
            [cat, pd.DataFrame({"track_key": missing, "title": "Unknown track"})],
            ignore_index=True,
        )
    for col in ("label_key", "distributor_key"):
        cat[col] = n.text(n.col(cat, col, UNKNOWN))
    cat["label_name"] = n.col(cat, "label_name", "Unknown label")
    cat["distributor_name"] = n.col(cat, "distributor_name", "Unknown distributor")
    cat["artist_name"] = n.col(cat, "artist_name", "Unknown artist")
    cat["artist_key"] = n.text(n.col(cat, "artist_key").fillna(cat["artist_name"]))

    # Label rows: the labels input first (its names and attributes win), then the
    # catalogue's; a label belongs to the distributor of its first row.
    label_cols = ["label_key", "label_name", "distributor_key", "distributor_name"]
    label_cols += ["label_type", "label_risk_tier", "distributor_tier"]
    parts = [cat.reindex(columns=label_cols)]
    if labels is not None and not labels.empty:
        extra = labels.reindex(columns=label_cols)
        extra["label_key"] = n.text(extra["label_key"])
        extra["distributor_key"] = n.text(extra["distributor_key"]).fillna(UNKNOWN)
        parts.insert(0, extra.dropna(subset=["label_key"]))
    lab_rows = pd.concat(parts, ignore_index=True).drop_duplicates("label_key", keep="first")
    dist_ids = n.keys(lab_rows["distributor_key"])
    dist = lab_rows.drop_duplicates("distributor_key").set_index("distributor_key")
    distributors = pd.DataFrame(
        {
            "distributor_id": dist_ids.to_numpy(dtype=np.int32),
            "name": dist.loc[dist_ids.index, "distributor_name"]
            .fillna("Unknown distributor")
            .astype(str)
            .to_numpy(),
            "tier": n.col(dist, "distributor_tier", "DIY")
            .loc[dist_ids.index]
            .astype(str)
            .to_numpy(),
        }
    )
    label_ids = n.keys(lab_rows["label_key"])
    lab = lab_rows.set_index("label_key").loc[label_ids.index]
    labels_df = pd.DataFrame(
        {
            "label_id": label_ids.to_numpy(dtype=np.int32),
            "name": lab["label_name"].fillna("Unknown label").astype(str).to_numpy(),
            "distributor_id": lab["distributor_key"].map(dist_ids).to_numpy(dtype=np.int32),
            "label_type": n.col(lab, "label_type", "other").astype(str).to_numpy(),
            "risk_tier": n.col(lab, "label_risk_tier", "low").astype(str).to_numpy(),
        }
    )
    artist_ids = n.keys(cat["artist_key"])
    art = cat.drop_duplicates("artist_key").set_index("artist_key").loc[artist_ids.index]
    artists = pd.DataFrame(
        {
            "artist_id": artist_ids.to_numpy(dtype=np.int32),
            "name": art["artist_name"].astype(str).to_numpy(),
            "label_id": art["label_key"].map(label_ids).to_numpy(dtype=np.int32),
        }
    )
    track_ids = n.keys(cat["track_key"])
    trk = cat.set_index("track_key").loc[track_ids.index]
    isrc = n.text(n.col(trk, "isrc")).str.upper()
    valid = isrc.str.fullmatch(r"[A-Z0-9]{12}").fillna(False) & ~isrc.duplicated()
    synthetic = pd.Series([f"XX{i:010d}" for i in track_ids.to_numpy()], index=trk.index)
    tracks = pd.DataFrame(
        {
            "track_id": track_ids.to_numpy(dtype=np.int32),
            "isrc": isrc.where(valid, synthetic).astype(str).to_numpy(),
            "title": n.col(trk, "title", "Untitled").astype(str).to_numpy(),
            "artist_id": trk["artist_key"].map(artist_ids).to_numpy(dtype=np.int32),
            "label_id": trk["label_key"].map(label_ids).to_numpy(dtype=np.int32),
            "genre": n.col(trk, "genre", "unknown").astype(str).to_numpy(),
            "duration_s": pd.to_numeric(n.col(trk, "duration_s", 0), errors="coerce")
            .fillna(0)
            .clip(0, 32767)
            .to_numpy(dtype=np.int16),
            "is_ai": n.col(trk, "is_ai", False).astype(bool).to_numpy(),
            "is_noise": n.col(trk, "is_noise", False).astype(bool).to_numpy(),
            "release_date": pd.to_datetime(
                n.col(trk, "release_date", date(1900, 1, 1))
            ).dt.date.to_numpy(),
        }
    )
    return {
        "dim_distributor": distributors,
        "dim_label": labels_df,
        "dim_artist": artists,
        "dim_track": tracks,
        "ids": {"track": track_ids, "label": label_ids, "distributor": dist_ids},
    }


def small_dims(
    detections: pd.DataFrame, business: Business, extra_typology: str = ""
) -> dict[str, pd.DataFrame]:
    names = n.text(detections["detector"]).fillna("unknown")
    first = detections.assign(_name=names).sort_values("_detected_at")
    by_name = first.groupby("_name", sort=True)
    detector_names = list(by_name.groups)
    kinds = []
    for name, rows in by_name:
        given = n.vocab(n.col(rows, "detector_kind"), business, "detector_kind").dropna()
        kinds.append(
            given.iloc[-1]
            if len(given)
            else business.detector_kinds.get(name.lower(), business.default_detector_kind)
        )
    versions = by_name.apply(lambda g: str(n.col(g, "detector_version", "-").iloc[-1]))
    launched = by_name["_detected_at"].min().dt.date
    # "other" (a typology word that maps to nothing more precise) only when something is.
    used = set(detections["_typology"]) if "_typology" in detections else set()
    typologies = [t for t in TYPOLOGY_NAMES if t != "other" or "other" in used | {extra_typology}]
    teams = business.teams or {t[0]: (t[1], t[2]) for t in ref.TEAMS}
    team_codes = [c for c in list(VOCABULARIES["team"]) if c in teams]
    return {
        "dim_detector": pd.DataFrame(
            {
                "detector_id": np.arange(1, len(detector_names) + 1, dtype="int16"),
                "code": [n[:32] for n in detector_names],
                "name": [n[:64] for n in detector_names],
                "kind": kinds,
                "version": [v[:16] for v in versions.to_numpy()],
                "launched_on": launched.to_numpy(),
            }
        ),
        "dim_typology": pd.DataFrame(
            {
                "typology_id": np.arange(1, len(typologies) + 1, dtype="int16"),
                "code": typologies,
                "name": [TYPOLOGY_NAMES[t] for t in typologies],
            }
        ),
        "dim_enforcement_type": pd.DataFrame(
            {
                "enforcement_type_id": np.arange(1, len(ACTION_NAMES) + 1, dtype="int16"),
                "code": list(ACTION_NAMES),
                "name": list(ACTION_NAMES.values()),
            }
        ),
        "dim_team": pd.DataFrame(
            {
                "team_id": np.arange(1, len(team_codes) + 1, dtype="int16"),
                "code": team_codes,
                "name": [teams[c][0] for c in team_codes],
                "is_partner": [teams[c][1] for c in team_codes],
                "first_response_sla_hours": np.array(
                    [business.team_first_response_hours.get(c, 24) for c in team_codes],
                    dtype="int16",
                ),
            }
        ),
        "dim_priority": pd.DataFrame(
            {
                "priority": ["P1", "P2", "P3", "P4"],
                "first_response_sla_hours": np.array(
                    [business.first_response_hours[p] for p in ("P1", "P2", "P3", "P4")], "int16"
                ),
                "resolution_sla_hours": np.array(
                    [business.resolution_hours[p] for p in ("P1", "P2", "P3", "P4")], "int16"
                ),
            }
        ),
    }


def events(ev: pd.DataFrame | None) -> pd.DataFrame:
    cols = [c.name for c in s.dim_event.columns]
    if ev is None or ev.empty:
        return pd.DataFrame(columns=cols)
    ev = ev.dropna(subset=["event_date", "title"]).reset_index(drop=True)
    return pd.DataFrame(
        {
            "event_id": np.arange(1, len(ev) + 1, dtype="int16"),
            "event_date": pd.to_datetime(ev["event_date"]).dt.date,
            "kind": ev["kind"].astype(str).str.slice(0, 16),
            "title": ev["title"].astype(str).str.slice(0, 96),
            "description": n.col(ev, "description")
            .fillna(ev["title"])
            .astype(str)
            .str.slice(0, 400),
        }
    )


def calendar(frames: dict) -> pd.DataFrame:
    """dim_date from the first day of activity to the newest streams day (the calendar
    never runs past the newest data: the pages' "latest" is its last day)."""
    days = pd.to_datetime(frames["fact_streams_daily"]["date_key"])
    first = [days.min(), pd.to_datetime(frames["fact_detection"]["detected_at"]).min()]
    start = min(d for d in first if pd.notna(d)).date()
    return demo_dims.dates(start, days.max().date())
