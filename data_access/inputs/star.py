"""Inputs -> the star schema the marts read: pure pandas, no warehouse.

The project, not the team, owns the opinionated steps, each documented in docs/INPUTS.md:
surrogate keys (dense, stable per build, in source-key order; the source keys kept in
``key_map``), vocabularies through the business configuration, currencies to EUR, "last
decided review wins" (with the number of reviews kept), the attribution of streams to the
detection that covers them, the calendar ending at the newest data day, priorities from the
configured rule, first response and escalation from the case events. Rows that cannot be
placed (a review of an unknown detection, an action of an unknown kind) are left out and
counted in ``Built.dropped``; the checks name them before the build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from data_access import schema as s
from data_access.demo import dimensions as demo_dims
from data_access.demo import reference as ref
from data_access.inputs.business import Business

UNKNOWN = "__unknown__"  # the source key of the placeholder label / distributor / market
_TYPOLOGY_NAMES = {code: name for code, name, _ in ref.TYPOLOGIES} | {"other": "Other / unknown"}
_ACTION_NAMES = dict(ref.ENFORCEMENT_TYPES)
_MARKETS = {m[0]: m for m in ref.MARKETS}


@dataclass
class Built:
    frames: dict[str, pd.DataFrame]
    key_map: pd.DataFrame  # kind, id, source_key
    review_rounds: pd.DataFrame  # detection_id, reviews
    dropped: dict[str, int] = field(default_factory=dict)  # "what" -> rows left out
    notes: list[str] = field(default_factory=list)


def _col(df: pd.DataFrame, name: str, default=None) -> pd.Series:
    """A column of an input, or ``default`` where the column is absent or NULL."""
    if name in df.columns:
        out = df[name]
        return out if default is None else out.where(out.notna(), default)
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def _ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce", utc=True).dt.tz_localize(None)


def _keys(values: pd.Series) -> pd.Series:
    """Surrogate ids 1..n in source-key order: the same input gives the same ids."""
    uniq = np.sort(pd.unique(values.dropna().astype(str)))
    return pd.Series(np.arange(1, len(uniq) + 1, dtype=np.int64), index=uniq)


def _lookup(series: pd.Series, how, dtype=None) -> pd.Series:
    """``how`` applied to each distinct value once: a column of millions of rows holds a few
    markets, plans or currencies, and pandas maps strings row by row (seconds per column)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    done = how(pd.Series(uniques, dtype=object))
    # A typed series of the distinct answers plus one NULL, taken by code (-1 -> the NULL).
    table = pd.concat([done, pd.Series([None])], ignore_index=True)
    table = table.astype(dtype) if dtype else table.infer_objects()
    codes = np.where(codes < 0, len(done), codes)
    out = table.take(codes)
    out.index = series.index
    return out


def _vocab(series: pd.Series, business: Business, vocabulary: str) -> pd.Series:
    mapping = business.mapping(vocabulary)
    return _lookup(
        series, lambda u: u.astype("string").str.strip().str.lower().map(mapping), "string"
    )


def _fx(amount: pd.Series, currency: pd.Series, business: Business) -> pd.Series:
    rate = _lookup(
        currency.fillna("EUR"),
        lambda u: u.astype(str).str.strip().str.upper().map(business.fx),
        "float64",
    )
    return (pd.to_numeric(amount, errors="coerce").fillna(0.0) * rate).round(4)


def _markets(codes: pd.Series, business: Business) -> pd.DataFrame:
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


def _catalogue(cat: pd.DataFrame, extra_tracks: pd.Series, business: Business, labels=None) -> dict:
    """dim_distributor, dim_label, dim_artist, dim_track, and their id maps."""
    cat = cat.copy()
    cat["track_key"] = _text(cat["track_key"])
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
        cat[col] = _text(_col(cat, col, UNKNOWN))
    cat["label_name"] = _col(cat, "label_name", "Unknown label")
    cat["distributor_name"] = _col(cat, "distributor_name", "Unknown distributor")
    cat["artist_name"] = _col(cat, "artist_name", "Unknown artist")
    cat["artist_key"] = _text(_col(cat, "artist_key").fillna(cat["artist_name"]))

    # Label rows: the labels input first (its names and attributes win), then the
    # catalogue's; a label belongs to the distributor of its first row.
    label_cols = ["label_key", "label_name", "distributor_key", "distributor_name"]
    label_cols += ["label_type", "label_risk_tier", "distributor_tier"]
    parts = [cat.reindex(columns=label_cols)]
    if labels is not None and not labels.empty:
        extra = labels.reindex(columns=label_cols)
        extra["label_key"] = _text(extra["label_key"])
        extra["distributor_key"] = _text(extra["distributor_key"]).fillna(UNKNOWN)
        parts.insert(0, extra.dropna(subset=["label_key"]))
    lab_rows = pd.concat(parts, ignore_index=True).drop_duplicates("label_key", keep="first")
    dist_ids = _keys(lab_rows["distributor_key"])
    dist = lab_rows.drop_duplicates("distributor_key").set_index("distributor_key")
    distributors = pd.DataFrame(
        {
            "distributor_id": dist_ids.to_numpy(dtype=np.int32),
            "name": dist.loc[dist_ids.index, "distributor_name"]
            .fillna("Unknown distributor")
            .astype(str)
            .to_numpy(),
            "tier": _col(dist, "distributor_tier", "DIY")
            .loc[dist_ids.index]
            .astype(str)
            .to_numpy(),
        }
    )
    label_ids = _keys(lab_rows["label_key"])
    lab = lab_rows.set_index("label_key").loc[label_ids.index]
    labels_df = pd.DataFrame(
        {
            "label_id": label_ids.to_numpy(dtype=np.int32),
            "name": lab["label_name"].fillna("Unknown label").astype(str).to_numpy(),
            "distributor_id": lab["distributor_key"].map(dist_ids).to_numpy(dtype=np.int32),
            "label_type": _col(lab, "label_type", "other").astype(str).to_numpy(),
            "risk_tier": _col(lab, "label_risk_tier", "low").astype(str).to_numpy(),
        }
    )
    artist_ids = _keys(cat["artist_key"])
    art = cat.drop_duplicates("artist_key").set_index("artist_key").loc[artist_ids.index]
    artists = pd.DataFrame(
        {
            "artist_id": artist_ids.to_numpy(dtype=np.int32),
            "name": art["artist_name"].astype(str).to_numpy(),
            "label_id": art["label_key"].map(label_ids).to_numpy(dtype=np.int32),
        }
    )
    track_ids = _keys(cat["track_key"])
    trk = cat.set_index("track_key").loc[track_ids.index]
    isrc = _text(_col(trk, "isrc")).str.upper()
    valid = isrc.str.fullmatch(r"[A-Z0-9]{12}").fillna(False) & ~isrc.duplicated()
    synthetic = pd.Series([f"XX{i:010d}" for i in track_ids.to_numpy()], index=trk.index)
    tracks = pd.DataFrame(
        {
            "track_id": track_ids.to_numpy(dtype=np.int32),
            "isrc": isrc.where(valid, synthetic).astype(str).to_numpy(),
            "title": _col(trk, "title", "Untitled").astype(str).to_numpy(),
            "artist_id": trk["artist_key"].map(artist_ids).to_numpy(dtype=np.int32),
            "label_id": trk["label_key"].map(label_ids).to_numpy(dtype=np.int32),
            "genre": _col(trk, "genre", "unknown").astype(str).to_numpy(),
            "duration_s": pd.to_numeric(_col(trk, "duration_s", 0), errors="coerce")
            .fillna(0)
            .clip(0, 32767)
            .to_numpy(dtype=np.int16),
            "is_ai": _col(trk, "is_ai", False).astype(bool).to_numpy(),
            "is_noise": _col(trk, "is_noise", False).astype(bool).to_numpy(),
            "release_date": pd.to_datetime(
                _col(trk, "release_date", date(1900, 1, 1))
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


def _small_dims(
    detections: pd.DataFrame, business: Business, extra_typology: str = ""
) -> dict[str, pd.DataFrame]:
    names = _text(detections["detector"]).fillna("unknown")
    first = detections.assign(_name=names).sort_values("_detected_at")
    by_name = first.groupby("_name", sort=True)
    detector_names = list(by_name.groups)
    kinds = []
    for name, rows in by_name:
        given = _vocab(_col(rows, "detector_kind"), business, "detector_kind").dropna()
        kinds.append(
            given.iloc[-1]
            if len(given)
            else business.detector_kinds.get(name.lower(), business.default_detector_kind)
        )
    versions = by_name.apply(lambda g: str(_col(g, "detector_version", "-").iloc[-1]))
    launched = by_name["_detected_at"].min().dt.date
    # "other" (a typology word that maps to nothing more precise) only when something is.
    used = set(detections["_typology"]) if "_typology" in detections else set()
    typologies = [t for t in _TYPOLOGY_NAMES if t != "other" or "other" in used | {extra_typology}]
    teams = business.teams or {t[0]: (t[1], t[2]) for t in ref.TEAMS}
    team_codes = [c for c in s_team_order() if c in teams]
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
                "name": [_TYPOLOGY_NAMES[t] for t in typologies],
            }
        ),
        "dim_enforcement_type": pd.DataFrame(
            {
                "enforcement_type_id": np.arange(1, len(_ACTION_NAMES) + 1, dtype="int16"),
                "code": list(_ACTION_NAMES),
                "name": list(_ACTION_NAMES.values()),
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


def s_team_order() -> list[str]:
    from data_access.inputs.contract import VOCABULARIES

    return list(VOCABULARIES["team"])


def _detections(det: pd.DataFrame, business: Business, ids: dict, markets: pd.Series) -> tuple:
    """fact_detection's frame (without the attributed measures) and its id map."""
    det = det.copy()
    det["detection_key"] = _text(det["detection_key"])
    det = det.dropna(subset=["detection_key"]).drop_duplicates("detection_key", keep="first")
    det["_detected_at"] = _ts(det["detected_at"])
    det = det.dropna(subset=["_detected_at"])
    det["_track"] = _text(det["track_key"]).map(ids["track"])
    det = det.dropna(subset=["_track"])
    det["_market"] = _text(_col(det, "market")).str.upper().map(markets)
    det_ids = _keys(det["detection_key"])
    det["_id"] = det["detection_key"].map(det_ids)
    start = _ts(_col(det, "activity_started_at"))
    det["_activity"] = start.fillna(det["_detected_at"] - pd.Timedelta(days=business.lookback_days))
    return det.sort_values("_id"), det_ids


def _reviews(rev: pd.DataFrame | None, det: pd.DataFrame, business: Business) -> tuple:
    """One review row per detection: the last decided review wins; the first review's
    queued and started times; a detection nobody reviewed is pending since detection."""
    base = det[["detection_key", "_id", "_detected_at"]]
    if rev is None or rev.empty:
        rev = pd.DataFrame(columns=["review_key", "detection_key", "verdict"])
    rev = rev.copy()
    rev["detection_key"] = _text(rev["detection_key"])
    rev = rev[rev["detection_key"].isin(base["detection_key"])]
    rev["_queued"] = _ts(_col(rev, "queued_at"))
    rev["_started"] = _ts(_col(rev, "started_at"))
    rev["_decided"] = _ts(_col(rev, "decided_at"))
    rev["_verdict"] = _vocab(rev["verdict"], business, "verdict")
    rev["_key"] = _text(rev["review_key"])
    decided = rev[
        rev["_decided"].notna() & rev["_verdict"].notna() & (rev["_verdict"] != "pending")
    ]
    last = decided.sort_values(["_decided", "_key"]).groupby("detection_key").tail(1)
    first = rev.groupby("detection_key").agg(
        queued=("_queued", "min"), started=("_started", "min"), n=("_key", "size")
    )
    out = base.merge(first, left_on="detection_key", right_index=True, how="left")
    keep = ["detection_key", "_decided", "_verdict", "reviewer", "streams_confirmed"]
    last = last.reindex(columns=keep)
    out = out.merge(last, on="detection_key", how="left")
    out["queued"] = out["queued"].fillna(out["_detected_at"])
    out["n"] = out["n"].fillna(0).astype(np.int64)
    out["outcome"] = out["_verdict"].fillna("pending")
    reviewer_ids = _keys(_text(out["reviewer"]))
    rounds = pd.DataFrame({"detection_id": out["_id"].astype(np.int64), "reviews": out["n"]})
    return out, reviewer_ids, rounds


def _one_row_per_grain(fsd: pd.DataFrame) -> pd.DataFrame:
    """Rows in date order, one per day x track x market x source x device x plan: rows of a
    repeated grain are summed (their attribution the first's). Sorting integer codes and
    comparing neighbours finds repeats in a second at millions of rows; the (slow) group-by
    runs only when there are some."""
    grain = ["date_key", "track_id", "market_id", "source", "device", "plan"]
    day0 = fsd["date_key"].min()
    keys = [
        (fsd["date_key"] - day0).dt.days.to_numpy(np.int64),
        fsd["track_id"].to_numpy(np.int64),
        fsd["market_id"].to_numpy(np.int64),
        *(pd.factorize(fsd[c], sort=True)[0].astype(np.int64) for c in grain[3:]),
    ]
    # One int64 per row (bits: 16 day, 30 track, 9 market, 3 x 3 the codes) when they fit.
    widths = (16, 30, 9, 3, 3, 3)
    fits = all(
        k.min(initial=0) >= 0 and k.max(initial=0) < 2**w for k, w in zip(keys, widths, strict=True)
    )
    if fits:
        composite = np.zeros(len(fsd), dtype=np.int64)
        for k, w in zip(keys, widths, strict=True):
            composite = (composite << w) | k
        order = np.argsort(composite, kind="stable")
        if not (np.diff(composite[order]) == 0).any():
            return fsd.iloc[order].reset_index(drop=True)
    measures = {c: ("first" if c.endswith("_id") else "sum") for c in fsd if c not in grain}
    return fsd.groupby(grain, sort=True, dropna=False).agg(measures).reset_index()


def _attribute(streams: pd.DataFrame, det: pd.DataFrame, outcome: pd.Series, business) -> tuple:
    """Each stream row's detection: the earliest-detected one of its track and market whose
    window (activity start .. detection day + after_days) covers the row's day."""
    win = pd.DataFrame(
        {
            "track_id": det["_track"].astype(np.int64).to_numpy(),
            "market_id": det["_market_id"].astype(np.int64).to_numpy(),
            "det_id": det["_id"].to_numpy(),
            "from_day": det["_activity"].dt.normalize().to_numpy(),
            "to_day": (
                det["_detected_at"].dt.normalize() + pd.Timedelta(days=business.after_days)
            ).to_numpy(),
            "detected": det["_detected_at"].to_numpy(),
        }
    )
    rows = streams[["track_id", "market_id", "day"]].reset_index(names="_row")
    hit = rows.merge(win, on=["track_id", "market_id"])
    hit = hit[(hit["day"] >= hit["from_day"]) & (hit["day"] <= hit["to_day"])]
    hit = hit.sort_values(["_row", "detected", "det_id"]).drop_duplicates("_row")
    attributed = pd.Series(pd.NA, index=streams.index, dtype="Int64")
    attributed.loc[hit["_row"].to_numpy()] = hit["det_id"].to_numpy()
    confirmed = attributed.map(outcome).eq("confirmed").fillna(False)
    return attributed, confirmed


def build_star(inputs: dict[str, pd.DataFrame], business: Business) -> Built:
    """The star schema's frames from the inputs (``in_<name>`` read as frames; absent
    optional inputs absent from the dict; plays already aggregated into ``streams``)."""
    dropped: dict[str, int] = {}
    streams = inputs["streams"].copy()
    det_in = inputs["detections"]
    streams["track_key"] = _text(streams["track_key"])
    streams["day"] = pd.to_datetime(streams["day"], errors="coerce").dt.normalize()
    bad_day = streams["day"].isna()
    dropped["stream rows without a day"] = int(bad_day.sum())
    streams = streams[~bad_day]
    codes = pd.concat(
        [_text(_col(streams, "market")).str.upper(), _text(_col(det_in, "market")).str.upper()]
    )
    for name in ("actions", "cases"):
        if name in inputs and "market" in inputs[name]:
            codes = pd.concat([codes, _text(inputs[name]["market"]).str.upper()])
    dim_market = _markets(codes, business)
    market_ids = pd.Series(dim_market["market_id"].to_numpy(), index=dim_market["iso2"])

    def market_of(series: pd.Series) -> pd.Series:
        ids = _lookup(series, lambda u: _text(u).str.upper().map(market_ids), "float64")
        return ids.fillna(market_ids.get("ZZ", 0)).astype("int16")

    fact_tracks = pd.concat([streams["track_key"], _text(det_in["track_key"])])
    cat = _catalogue(inputs["catalogue"], fact_tracks, business, inputs.get("labels"))
    ids = cat.pop("ids")
    det, det_ids = _detections(det_in, business, ids, market_ids)
    det["_market_id"] = market_of(_col(det, "market"))
    det["_typology"] = _vocab(det["typology"], business, "typology").fillna("other")
    cases_in = inputs.get("cases")
    case_other = cases_in is not None and (
        "typology" not in cases_in
        or bool(_vocab(cases_in["typology"], business, "typology").isna().any())
    )
    small = _small_dims(det, business, "other" if case_other else "")
    detector_ids = pd.Series(
        small["dim_detector"]["detector_id"].to_numpy(), index=small["dim_detector"]["name"]
    )
    typology_ids = pd.Series(
        small["dim_typology"]["typology_id"].to_numpy(), index=small["dim_typology"]["code"]
    )
    det["_detector_id"] = (
        _text(det["detector"]).fillna("unknown").str.slice(0, 64).map(detector_ids)
    )
    det["_typology_id"] = det["_typology"].map(typology_ids)
    track_label = pd.Series(
        cat["dim_track"]["label_id"].to_numpy(), index=cat["dim_track"]["track_id"]
    )
    label_dist = pd.Series(
        cat["dim_label"]["distributor_id"].to_numpy(), index=cat["dim_label"]["label_id"]
    )
    # EUR per stream by market id (position = id; market ids run 1..n).
    rate_of = np.zeros(len(dim_market) + 1)
    rate_of[dim_market["market_id"].to_numpy()] = (
        dim_market["payout_per_1k_streams_eur"].to_numpy() / 1000.0
    )
    rev, reviewer_ids, rounds = _reviews(inputs.get("reviews"), det, business)
    outcome = pd.Series(rev["outcome"].to_numpy(), index=rev["_id"].to_numpy())

    # --- fact_streams_daily ---------------------------------------------------------------
    streams["track_id"] = _lookup(
        streams["track_key"], lambda u: u.map(ids["track"]), "Int64"
    ).astype(np.int64)
    streams["market_id"] = market_of(_col(streams, "market"))
    for col, vocab, default in (
        ("plan", "plan", "other"),
        ("source", "source", "other"),
        ("device", "device", "other"),
    ):
        streams[col] = _vocab(_col(streams, col), business, vocab).fillna(default)
    streams["streams"] = (
        pd.to_numeric(streams["streams"], errors="coerce").fillna(0).astype(np.int64)
    )
    given = "flagged_streams" in streams.columns
    own = {"flagged_streams", "confirmed_streams", "typology", "detector"} <= set(streams)
    if own and {"streams_flagged", "estimated_amount"} <= set(det):
        # The platform attributes its streams itself: nothing for the project to infer.
        attributed = pd.Series(pd.NA, index=streams.index, dtype="Int64")
        confirmed_row = pd.Series(False, index=streams.index)
    else:
        attributed, confirmed_row = _attribute(streams, det, outcome, business)
    flagged = (
        pd.to_numeric(streams["flagged_streams"], errors="coerce").fillna(0)
        if given
        else streams["streams"].where(attributed.notna(), 0)
    )
    if "confirmed_streams" in streams.columns:
        confirmed = pd.to_numeric(streams["confirmed_streams"], errors="coerce").fillna(0)
    else:
        confirmed = flagged.where(confirmed_row, 0)
    artificial = pd.to_numeric(_col(streams, "estimated_artificial_streams"), errors="coerce")
    artificial = artificial.fillna(flagged)
    rate = pd.Series(rate_of[streams["market_id"].to_numpy()], index=streams.index)
    if "royalty_amount" in streams.columns:
        royalty = _fx(streams["royalty_amount"], _col(streams, "royalty_currency"), business)
    else:
        mult = _lookup(streams["plan"], lambda u: u.map(business.plan_multiplier), "float64")
        royalty = (streams["streams"] * rate * mult.fillna(1.0)).round(4)
    det_typ = pd.Series(det["_typology_id"].to_numpy(), index=det["_id"].to_numpy())
    det_dtr = pd.Series(det["_detector_id"].to_numpy(), index=det["_id"].to_numpy())
    if attributed.notna().any():
        typology_attr, detector_attr = attributed.map(det_typ), attributed.map(det_dtr)
    else:
        typology_attr = detector_attr = pd.Series(pd.NA, index=streams.index, dtype="Int16")
    if given and "typology" in streams.columns:  # the platform's own attribution
        own = _vocab(streams["typology"], business, "typology").map(typology_ids)
        typology_attr = own.where(flagged > 0)
    if given and "detector" in streams.columns:
        own = _text(streams["detector"]).str.slice(0, 64).map(detector_ids)
        detector_attr = own.where(flagged > 0)
    fsd = pd.DataFrame(
        {
            "date_key": streams["day"],
            "track_id": streams["track_id"].astype(np.int32),
            "market_id": streams["market_id"],
            "source": streams["source"].astype(str),
            "device": streams["device"].astype(str),
            "plan": streams["plan"].astype(str),
            "streams": streams["streams"],
            "listeners": pd.to_numeric(_col(streams, "listeners", 0), errors="coerce")
            .fillna(0)
            .astype(np.int64),
            "flagged_streams": flagged.astype(np.int64),
            "confirmed_streams": confirmed.astype(np.int64),
            "true_artificial_streams": artificial.astype(np.int64),
            "royalty_eur": royalty,
            "typology_id": typology_attr.astype("Int16"),
            "detector_id": detector_attr.astype("Int16"),
        }
    )
    fsd = _one_row_per_grain(fsd)
    fsd["listeners"] = fsd["listeners"].clip(upper=np.iinfo(np.int32).max).astype(np.int32)

    # --- fact_detection, fact_review --------------------------------------------------------
    hit = attributed.notna().to_numpy()
    per_det = (
        pd.DataFrame(
            {
                "det": attributed[hit],
                "flagged": flagged[hit],
                "eur": (flagged * rate)[hit],
            }
        )
        .groupby("det")[["flagged", "eur"]]
        .sum()
    )
    det_flagged = det["_id"].map(per_det["flagged"]).fillna(0)
    det_eur = det["_id"].map(per_det["eur"]).fillna(0)
    given_flagged = pd.to_numeric(_col(det, "streams_flagged"), errors="coerce")
    given_eur = _fx(_col(det, "estimated_amount"), _col(det, "currency"), business)
    has_eur = pd.to_numeric(_col(det, "estimated_amount"), errors="coerce").notna()
    fact_detection = pd.DataFrame(
        {
            "detection_id": det["_id"].astype(np.int64).to_numpy(),
            "detected_at": det["_detected_at"].to_numpy(),
            "activity_started_at": det["_activity"].to_numpy(),
            "detector_id": det["_detector_id"].astype("int16").to_numpy(),
            "typology_id": det["_typology_id"].astype("int16").to_numpy(),
            "track_id": det["_track"].astype(np.int32).to_numpy(),
            "label_id": det["_track"].map(track_label).astype(np.int32).to_numpy(),
            "market_id": det["_market_id"].to_numpy(),
            "campaign_id": pd.array([pd.NA] * len(det), dtype="Int32"),
            "score": pd.to_numeric(_col(det, "score", 1.0), errors="coerce").fillna(1.0).to_numpy(),
            "streams_flagged": given_flagged.fillna(det_flagged).astype(np.int64).to_numpy(),
            "estimated_amount_eur": given_eur.where(has_eur, det_eur.round(4)).to_numpy(),
        }
    )
    conf_default = np.where(rev["outcome"] == "confirmed", fact_detection["streams_flagged"], 0)
    fact_review = pd.DataFrame(
        {
            "review_id": rev["_id"].astype(np.int64).to_numpy(),
            "detection_id": rev["_id"].astype(np.int64).to_numpy(),
            "queued_at": rev["queued"].to_numpy(),
            "started_at": rev["started"].to_numpy(),
            "decided_at": rev["_decided"].to_numpy(),
            "reviewer_id": _text(rev["reviewer"]).map(reviewer_ids).astype("Int32").to_numpy(),
            "outcome": rev["outcome"].astype(str).to_numpy(),
            "streams_confirmed": pd.to_numeric(rev["streams_confirmed"], errors="coerce")
            .fillna(pd.Series(conf_default))
            .astype(np.int64)
            .to_numpy(),
        }
    )
    dropped["reviews of unknown detections"] = int(
        0
        if inputs.get("reviews") is None
        else (~_text(inputs["reviews"]["detection_key"]).isin(det["detection_key"])).sum()
    )
    frames = {
        "dim_market": dim_market,
        **cat,
        **small,
        "fact_streams_daily": fsd,
        "fact_detection": fact_detection,
        "fact_review": fact_review,
    }
    ctx = {
        "business": business,
        "det": det,
        "det_ids": det_ids,
        "ids": ids,
        "market_of": market_of,
        "track_label": track_label,
        "label_dist": label_dist,
        "typology_ids": typology_ids,
        "dropped": dropped,
    }
    frames.update(_enforcement(inputs, frames, ctx))
    frames.update(_cases(inputs, frames, ctx))
    frames["dim_event"] = _events(inputs.get("events"))
    frames["dim_date"] = _calendar(frames)
    key_map = pd.concat(
        [
            pd.DataFrame({"kind": kind, "id": m.to_numpy(), "source_key": m.index.astype(str)})
            for kind, m in (
                ("track", ids["track"]),
                ("label", ids["label"]),
                ("distributor", ids["distributor"]),
                ("detection", det_ids),
                *ctx.get("more_keys", ()),
            )
        ],
        ignore_index=True,
    )
    return Built(frames=frames, key_map=key_map, review_rounds=rounds, dropped=dropped)


def _enforcement(inputs: dict, frames: dict, ctx: dict) -> dict[str, pd.DataFrame]:
    """fact_enforcement and fact_appeal (empty when those inputs are not mapped)."""
    b, det, dropped = ctx["business"], ctx["det"], ctx["dropped"]
    empty = {
        t: pd.DataFrame(columns=[c.name for c in t.columns])
        for t in (s.fact_enforcement, s.fact_appeal)
    }
    act = inputs.get("actions")
    if act is None or act.empty:
        return {t.name: df for t, df in empty.items()}
    act = act.copy()
    act["action_key"] = _text(act["action_key"])
    act = act.drop_duplicates("action_key", keep="first")
    act["_det"] = _text(act["detection_key"]).map(ctx["det_ids"])
    act["_type"] = _vocab(act["action"], b, "action")
    act["_applied"] = _ts(act["applied_at"])
    ok = act["_det"].notna() & act["_type"].notna() & act["_applied"].notna()
    dropped["actions of unknown detections"] = int(act["_det"].isna().sum())
    dropped["actions of an unmapped kind"] = int((act["_det"].notna() & act["_type"].isna()).sum())
    act = act[ok]
    by_det = det.set_index("_id")
    track = _text(_col(act, "track_key")).map(ctx["ids"]["track"])
    track = track.fillna(act["_det"].map(by_det["_track"])).astype(np.int64)
    market = ctx["market_of"](_col(act, "market"))
    no_market = _col(act, "market").isna().to_numpy()
    market = market.where(~no_market, act["_det"].map(by_det["_market_id"])).astype("int16")
    label = track.map(ctx["track_label"]).astype(np.int32)
    period = pd.to_datetime(_col(act, "royalty_period"), errors="coerce")
    period = period.fillna(act["_applied"]).dt.to_period("M").dt.start_time.dt.date
    currency = _col(act, "currency", "EUR").astype(str).str.strip().str.upper()
    reversed_at = _ts(_col(act, "reversed_at"))
    type_ids = {code: i + 1 for i, code in enumerate(_ACTION_NAMES)}
    act_ids = _keys(act["action_key"])
    enforcement = pd.DataFrame(
        {
            "enforcement_id": act["action_key"].map(act_ids).astype(np.int64).to_numpy(),
            "detection_id": act["_det"].astype(np.int64).to_numpy(),
            "enforcement_type_id": act["_type"].map(type_ids).astype("int16").to_numpy(),
            "applied_at": act["_applied"].to_numpy(),
            "track_id": track.astype(np.int32).to_numpy(),
            "label_id": label.to_numpy(),
            "distributor_id": label.map(ctx["label_dist"]).astype(np.int32).to_numpy(),
            "market_id": market.to_numpy(),
            "royalty_period": period.to_numpy(),
            "streams_removed": pd.to_numeric(_col(act, "streams_removed", 0), errors="coerce")
            .fillna(0)
            .astype(np.int64)
            .to_numpy(),
            "amount": pd.to_numeric(_col(act, "amount", 0), errors="coerce")
            .fillna(0)
            .round(4)
            .to_numpy(),
            "currency": currency.str.slice(0, 3).to_numpy(),
            "amount_eur": _fx(_col(act, "amount", 0), currency, b).fillna(0).to_numpy(),
            "recovered_eur": _fx(_col(act, "recovered_amount", 0), currency, b)
            .fillna(0)
            .to_numpy(),
            "status": np.where(reversed_at.notna(), "reversed", "applied"),
            "reversed_at": reversed_at.to_numpy(),
        }
    ).sort_values("enforcement_id")
    ctx.setdefault("more_keys", []).append(("action", act_ids))
    out = {"fact_enforcement": enforcement, "fact_appeal": empty[s.fact_appeal]}
    app = inputs.get("appeals")
    if app is not None and not app.empty:
        app = app.copy()
        app["appeal_key"] = _text(app["appeal_key"])
        app = app.drop_duplicates("appeal_key", keep="first")
        app["_act"] = _text(app["action_key"]).map(act_ids)
        app["_filed"] = _ts(app["filed_at"])
        app["_outcome"] = _vocab(app["outcome"], b, "appeal_outcome")
        dropped["appeals of unknown actions"] = int(app["_act"].isna().sum())
        app = app.dropna(subset=["_act", "_filed", "_outcome"])
        appeal_ids = _keys(app["appeal_key"])
        out["fact_appeal"] = pd.DataFrame(
            {
                "appeal_id": app["appeal_key"].map(appeal_ids).astype(np.int64).to_numpy(),
                "enforcement_id": app["_act"].astype(np.int64).to_numpy(),
                "filed_at": app["_filed"].to_numpy(),
                "decided_at": _ts(_col(app, "decided_at")).to_numpy(),
                "outcome": app["_outcome"].astype(str).to_numpy(),
                "amount_restored_eur": _fx(
                    _col(app, "amount_restored", 0), _col(app, "currency", "EUR"), b
                )
                .fillna(0)
                .to_numpy(),
            }
        ).sort_values("appeal_id")
        ctx["more_keys"].append(("appeal", appeal_ids))
    return out


def _cases(inputs: dict, frames: dict, ctx: dict) -> dict[str, pd.DataFrame]:
    """fact_case and fact_case_event (empty when cases are not mapped)."""
    b, det, dropped = ctx["business"], ctx["det"], ctx["dropped"]
    out = {
        t.name: pd.DataFrame(columns=[c.name for c in t.columns])
        for t in (s.fact_case, s.fact_case_event)
    }
    cases = inputs.get("cases")
    if cases is None or cases.empty:
        return out
    teams = frames["dim_team"]
    team_ids = pd.Series(teams["team_id"].to_numpy(), index=teams["code"])
    partner = pd.Series(teams["is_partner"].to_numpy(), index=teams["team_id"])
    cases = cases.copy()
    cases["case_key"] = _text(cases["case_key"])
    cases = cases.drop_duplicates("case_key", keep="first")
    cases["_opened"] = _ts(cases["opened_at"])
    cases = cases.dropna(subset=["case_key", "_opened"])
    case_ids = _keys(cases["case_key"])
    cases["_id"] = cases["case_key"].map(case_ids)
    ev = inputs.get("case_events")
    events = pd.DataFrame(columns=["_case", "_at", "_type", "_from", "_to", "case_event_key"])
    if ev is not None and not ev.empty:
        ev = ev.copy()
        ev["_case"] = _text(ev["case_key"]).map(case_ids)
        ev["_at"] = _ts(ev["event_at"])
        ev["_type"] = _vocab(ev["event_type"], b, "case_event").fillna("other")
        ev["_from"] = _vocab(_col(ev, "from_team"), b, "team").map(team_ids)
        ev["_to"] = _vocab(_col(ev, "to_team"), b, "team").map(team_ids)
        ev["case_event_key"] = _text(ev["case_event_key"])
        dropped["case events of unknown cases"] = int(ev["_case"].isna().sum())
        events = ev.dropna(subset=["_case", "_at", "case_event_key"]).drop_duplicates(
            "case_event_key"
        )
    by_det = det.set_index("detection_key")
    det_key = _text(_col(cases, "detection_key"))
    det_row = det_key.map(lambda k: k if k in by_det.index else None)
    has_det = det_row.notna()
    track = _text(_col(cases, "track_key")).map(ctx["ids"]["track"])
    track = track.fillna(det_row.map(by_det["_track"]))
    # An explicit label wins over the label of the case's (or its detection's) track.
    label = _text(_col(cases, "label_key")).map(ctx["ids"]["label"])
    label = label.fillna(track.map(ctx["track_label"]))
    unknown_label = label.isna()
    if unknown_label.any():
        # A case about no known track keeps its row, under the first label (counted).
        dropped["cases without a known track or label (kept under the first label)"] = int(
            unknown_label.sum()
        )
        label = label.fillna(frames["dim_label"]["label_id"].min())
    market = ctx["market_of"](_col(cases, "market"))
    market = market.where(
        _col(cases, "market").notna().to_numpy(), det_row.map(by_det["_market_id"])
    )
    market = market.fillna(ctx["market_of"](pd.Series([None])).iloc[0]).astype("int16")
    typology = _vocab(_col(cases, "typology"), b, "typology")
    typology = typology.fillna(det_row.map(by_det["_typology"])).fillna("other")
    exposure = _fx(_col(cases, "exposure_amount", 0), _col(cases, "currency", "EUR"), b).fillna(0)
    priority = _col(cases, "priority").astype("string").str.strip().str.upper()
    priority = priority.where(priority.isin(["P1", "P2", "P3", "P4"]))
    priority = priority.fillna(exposure.map(b.priority_for))
    team = _vocab(cases["owner_team"], b, "team")
    dropped["cases with an unmapped owner team (given to fraud_ops)"] = int(team.isna().sum())
    team_id = team.fillna("fraud_ops").map(team_ids).fillna(team_ids.iloc[0]).astype("int16")
    status = _vocab(cases["status"], b, "case_status").fillna("open")
    first_resp = _ts(_col(cases, "first_response_at"))
    escalated = _ts(_col(cases, "escalated_at"))
    if len(events):
        after = events.merge(cases[["_id", "_opened"]], left_on="_case", right_on="_id")
        after = after[after["_at"] > after["_opened"]]
        first_resp = first_resp.fillna(cases["_id"].map(after.groupby("_case")["_at"].min()))
        hand = after[(after["_type"] == "handoff") & after["_to"].map(partner).fillna(False)]
        escalated = escalated.fillna(cases["_id"].map(hand.groupby("_case")["_at"].min()))
    origin = _vocab(_col(cases, "origin"), b, "case_origin")
    origin = origin.fillna(pd.Series(np.where(has_det, "detection", "manual"), index=cases.index))
    status = status.where(~((status == "open") & escalated.notna()), "escalated")
    out["fact_case"] = pd.DataFrame(
        {
            "case_id": cases["_id"].astype(np.int64).to_numpy(),
            "opened_at": cases["_opened"].to_numpy(),
            "priority": priority.astype(str).to_numpy(),
            "origin": origin.astype(str).to_numpy(),
            "detection_id": det_row.map(by_det["_id"]).astype("Int64").to_numpy(),
            "typology_id": typology.map(ctx["typology_ids"]).astype("int16").to_numpy(),
            "market_id": market.to_numpy(),
            "label_id": label.astype(np.int32).to_numpy(),
            "distributor_id": label.map(ctx["label_dist"]).astype(np.int32).to_numpy(),
            "owner_team_id": team_id.to_numpy(),
            "first_response_at": first_resp.to_numpy(),
            "escalated_at": escalated.to_numpy(),
            "resolved_at": _ts(_col(cases, "resolved_at")).to_numpy(),
            "status": status.astype(str).to_numpy(),
            "exposure_eur": exposure.to_numpy(),
            "reopened": _col(cases, "reopened", False).astype(bool).to_numpy(),
        }
    ).sort_values("case_id")
    if len(events):
        ev_ids = _keys(events["case_event_key"])
        out["fact_case_event"] = pd.DataFrame(
            {
                "case_event_id": events["case_event_key"].map(ev_ids).astype(np.int64).to_numpy(),
                "case_id": events["_case"].astype(np.int64).to_numpy(),
                "event_at": events["_at"].to_numpy(),
                "event_type": events["_type"].astype(str).to_numpy(),
                "from_team_id": events["_from"].astype("Int16").to_numpy(),
                "to_team_id": events["_to"].astype("Int16").to_numpy(),
            }
        ).sort_values("case_event_id")
    ctx.setdefault("more_keys", []).append(("case", case_ids))
    return out


def _events(ev: pd.DataFrame | None) -> pd.DataFrame:
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
            "description": _col(ev, "description")
            .fillna(ev["title"])
            .astype(str)
            .str.slice(0, 400),
        }
    )


def _calendar(frames: dict) -> pd.DataFrame:
    """dim_date from the first day of activity to the newest streams day (the calendar
    never runs past the newest data: the pages' "latest" is its last day)."""
    days = pd.to_datetime(frames["fact_streams_daily"]["date_key"])
    first = [days.min(), pd.to_datetime(frames["fact_detection"]["detected_at"]).min()]
    start = min(d for d in first if pd.notna(d)).date()
    return demo_dims.dates(start, days.max().date())
