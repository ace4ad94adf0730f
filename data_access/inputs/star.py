"""Inputs -> the star schema the marts read: pure pandas, no warehouse.

The project, not the team, owns the opinionated steps, each documented in docs/INPUTS.md:
surrogate keys (dense, stable per build, in source-key order; the source keys kept in
``key_map``), vocabularies through the business configuration, currencies to EUR, "last
decided review wins" (with the number of reviews kept), the attribution of streams to the
detection that covers them, the calendar ending at the newest data day, priorities from the
configured rule, first response and escalation from the case events. Rows that cannot be
placed (a review of an unknown detection, an action of an unknown kind) are left out and
counted in ``Built.dropped``; the checks name them before the build.

This module holds the streams, detections and reviews (and the order of the whole build);
``dims`` the dimensions and the calendar, ``activity`` enforcement and cases, ``normalise``
the per-column steps they share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_access.inputs import activity, dims
from data_access.inputs import normalise as n
from data_access.inputs.business import Business


@dataclass
class Built:
    frames: dict[str, pd.DataFrame]
    key_map: pd.DataFrame  # kind, id, source_key
    review_rounds: pd.DataFrame  # detection_id, reviews
    dropped: dict[str, int] = field(default_factory=dict)  # "what" -> rows left out
    notes: list[str] = field(default_factory=list)


def _detections(det: pd.DataFrame, business: Business, ids: dict, markets: pd.Series) -> tuple:
    """fact_detection's frame (without the attributed measures) and its id map."""
    det = det.copy()
    det["detection_key"] = n.text(det["detection_key"])
    det = det.dropna(subset=["detection_key"]).drop_duplicates("detection_key", keep="first")
    det["_detected_at"] = n.ts(det["detected_at"])
    det = det.dropna(subset=["_detected_at"])
    det["_track"] = n.text(det["track_key"]).map(ids["track"])
    det = det.dropna(subset=["_track"])
    det["_market"] = n.text(n.col(det, "market")).str.upper().map(markets)
    det_ids = n.keys(det["detection_key"])
    det["_id"] = det["detection_key"].map(det_ids)
    start = n.ts(n.col(det, "activity_started_at"))
    det["_activity"] = start.fillna(det["_detected_at"] - pd.Timedelta(days=business.lookback_days))
    return det.sort_values("_id"), det_ids


def _reviews(rev: pd.DataFrame | None, det: pd.DataFrame, business: Business) -> tuple:
    """One review row per detection: the last decided review wins; the first review's
    queued and started times; a detection nobody reviewed is pending since detection."""
    base = det[["detection_key", "_id", "_detected_at"]]
    if rev is None or rev.empty:
        rev = pd.DataFrame(columns=["review_key", "detection_key", "verdict"])
    rev = rev.copy()
    rev["detection_key"] = n.text(rev["detection_key"])
    rev = rev[rev["detection_key"].isin(base["detection_key"])]
    rev["_queued"] = n.ts(n.col(rev, "queued_at"))
    rev["_started"] = n.ts(n.col(rev, "started_at"))
    rev["_decided"] = n.ts(n.col(rev, "decided_at"))
    rev["_verdict"] = n.vocab(rev["verdict"], business, "verdict")
    rev["_key"] = n.text(rev["review_key"])
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
    reviewer_ids = n.keys(n.text(out["reviewer"]))
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
    streams["track_key"] = n.text(streams["track_key"])
    streams["day"] = pd.to_datetime(streams["day"], errors="coerce").dt.normalize()
    bad_day = streams["day"].isna()
    dropped["stream rows without a day"] = int(bad_day.sum())
    streams = streams[~bad_day]
    codes = pd.concat(
        [n.text(n.col(streams, "market")).str.upper(), n.text(n.col(det_in, "market")).str.upper()]
    )
    for name in ("actions", "cases"):
        if name in inputs and "market" in inputs[name]:
            codes = pd.concat([codes, n.text(inputs[name]["market"]).str.upper()])
    dim_market = dims.markets(codes, business)
    market_ids = pd.Series(dim_market["market_id"].to_numpy(), index=dim_market["iso2"])

    def market_of(series: pd.Series) -> pd.Series:
        ids = n.lookup(series, lambda u: n.text(u).str.upper().map(market_ids), "float64")
        return ids.fillna(market_ids.get("ZZ", 0)).astype("int16")

    fact_tracks = pd.concat([streams["track_key"], n.text(det_in["track_key"])])
    cat = dims.catalogue(inputs["catalogue"], fact_tracks, business, inputs.get("labels"))
    ids = cat.pop("ids")
    det, det_ids = _detections(det_in, business, ids, market_ids)
    det["_market_id"] = market_of(n.col(det, "market"))
    det["_typology"] = n.vocab(det["typology"], business, "typology").fillna("other")
    cases_in = inputs.get("cases")
    case_other = cases_in is not None and (
        "typology" not in cases_in
        or bool(n.vocab(cases_in["typology"], business, "typology").isna().any())
    )
    small = dims.small_dims(det, business, "other" if case_other else "")
    detector_ids = pd.Series(
        small["dim_detector"]["detector_id"].to_numpy(), index=small["dim_detector"]["name"]
    )
    typology_ids = pd.Series(
        small["dim_typology"]["typology_id"].to_numpy(), index=small["dim_typology"]["code"]
    )
    det["_detector_id"] = (
        n.text(det["detector"]).fillna("unknown").str.slice(0, 64).map(detector_ids)
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
    streams["track_id"] = n.lookup(
        streams["track_key"], lambda u: u.map(ids["track"]), "Int64"
    ).astype(np.int64)
    streams["market_id"] = market_of(n.col(streams, "market"))
    for col, vocab, default in (
        ("plan", "plan", "other"),
        ("source", "source", "other"),
        ("device", "device", "other"),
    ):
        streams[col] = n.vocab(n.col(streams, col), business, vocab).fillna(default)
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
    artificial = pd.to_numeric(n.col(streams, "estimated_artificial_streams"), errors="coerce")
    artificial = artificial.fillna(flagged)
    rate = pd.Series(rate_of[streams["market_id"].to_numpy()], index=streams.index)
    if "royalty_amount" in streams.columns:
        royalty = n.fx(streams["royalty_amount"], n.col(streams, "royalty_currency"), business)
    else:
        mult = n.lookup(streams["plan"], lambda u: u.map(business.plan_multiplier), "float64")
        royalty = (streams["streams"] * rate * mult.fillna(1.0)).round(4)
    det_typ = pd.Series(det["_typology_id"].to_numpy(), index=det["_id"].to_numpy())
    det_dtr = pd.Series(det["_detector_id"].to_numpy(), index=det["_id"].to_numpy())
    if attributed.notna().any():
        typology_attr, detector_attr = attributed.map(det_typ), attributed.map(det_dtr)
    else:
        typology_attr = detector_attr = pd.Series(pd.NA, index=streams.index, dtype="Int16")
    if given and "typology" in streams.columns:  # the platform's own attribution
        own = n.vocab(streams["typology"], business, "typology").map(typology_ids)
        typology_attr = own.where(flagged > 0)
    if given and "detector" in streams.columns:
        own = n.text(streams["detector"]).str.slice(0, 64).map(detector_ids)
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
            "listeners": pd.to_numeric(n.col(streams, "listeners", 0), errors="coerce")
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
    given_flagged = pd.to_numeric(n.col(det, "streams_flagged"), errors="coerce")
    given_eur = n.fx(n.col(det, "estimated_amount"), n.col(det, "currency"), business)
    has_eur = pd.to_numeric(n.col(det, "estimated_amount"), errors="coerce").notna()
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
            "score": pd.to_numeric(n.col(det, "score", 1.0), errors="coerce")
            .fillna(1.0)
            .to_numpy(),
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
            "reviewer_id": n.text(rev["reviewer"]).map(reviewer_ids).astype("Int32").to_numpy(),
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
        else (~n.text(inputs["reviews"]["detection_key"]).isin(det["detection_key"])).sum()
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
    frames.update(activity.enforcement(inputs, frames, ctx))
    frames.update(activity.cases(inputs, frames, ctx))
    frames["dim_event"] = dims.events(inputs.get("events"))
    frames["dim_date"] = dims.calendar(frames)
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
