"""Assemble the demo warehouse's tables as DataFrames, deterministically from (scale, seed)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from data_access.demo import dimensions as dims
from data_access.demo import operations as ops
from data_access.demo import streams as st
from data_access.demo.dimensions import all_days

Progress = Callable[[str], None]
PROGRESS_STEPS = 5  # how many times generate() reports progress


def _reduce_duplicates(cols: dict[str, np.ndarray], key: np.ndarray, sums: list[str]):
    """Merge rows that share a grain key: sums add up, attributions keep the max."""
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    out = {}
    for name, values in cols.items():
        v = values[order]
        if name in sums:
            out[name] = np.add.reduceat(v, starts)
        else:
            out[name] = np.maximum.reduceat(v, starts) if name.endswith("_attr") else v[starts]
    return out


def _strings(codes: np.ndarray, names: np.ndarray) -> pd.Series:
    """``names[codes]`` as pandas' string dtype, built in Arrow (no per-row Python objects:
    ~20x faster than converting a NumPy string array at 100M rows)."""
    arr = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array([str(n) for n in names]))
    return pd.Series(pd.array(arr.cast(pa.large_string()), dtype="str"))


def _positive_or_na(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Int16 with NA where ``values`` <= 0 (no object array in between)."""
    return pd.arrays.IntegerArray(np.where(values > 0, values, 0).astype(np.int16), values <= 0)


def generate(
    scale: float = 1.0,
    seed: int = 7,
    progress: Progress | None = None,
    *,
    label_scale: float | None = None,
):
    """Every table of the warehouse (dimensions and facts; marts are built in SQL).

    ``label_scale`` sizes labels and distributors (default: ``scale``; see
    ``dims.catalogue``); data_access.demo.shards passes it for each shard of a big build.
    """
    say = progress or (lambda _msg: None)
    rng = np.random.default_rng(seed)
    tables: dict[str, pd.DataFrame] = {"dim_date": dims.dates(), "dim_market": dims.markets()}
    tables.update(dims.small_dimensions())
    cat = dims.catalogue(rng, scale, label_scale=label_scale)
    tracks, labels = cat["dim_track"], cat["dim_label"]
    say("catalogue")

    organic = st.organic(rng, tracks, scale)
    camp = st.campaigns(rng, labels, tracks, scale)
    attack = st.campaign_rows(rng, camp)
    rows = st.Rows.concat([organic, attack])
    say("streams")

    d = ops.detections(rng, camp, rows, len(organic))
    det, row_det = d["det"], d["row_det"]
    flagged = ops.flag_rows(rng, rows, row_det, det)
    rev = ops.reviews(rng, det)
    say("detections and reviews")

    # Confirmed streams: the artificial part of a confirmed true positive; all flagged
    # streams of a (wrongly) confirmed false positive.
    has = row_det >= 0
    row_conf_ok = np.zeros(len(rows), dtype=bool)
    row_conf_ok[has] = rev["outcome"].to_numpy()[row_det[has]] == "confirmed"
    row_tp = np.zeros(len(rows), dtype=bool)
    row_tp[has] = det["is_tp"].to_numpy()[row_det[has]]
    confirmed = np.where(
        row_conf_ok, np.where(row_tp, np.minimum(flagged, rows.true_art), flagged), 0
    )
    markets = tables["dim_market"]
    rate = markets["payout_per_1k_streams_eur"].to_numpy()[rows.market] / 1000.0
    n_det = len(det)
    w = row_det[has]

    def per_det(values: np.ndarray) -> np.ndarray:
        return np.bincount(w, weights=values[has], minlength=n_det)

    agg = pd.DataFrame(
        {
            "flagged": per_det(flagged).astype(np.int64),
            "confirmed": per_det(confirmed).astype(np.int64),
            "streams": per_det(rows.streams).astype(np.int64),
            "flagged_eur": per_det(flagged * rate),
            "confirmed_eur": per_det(confirmed * rate),
            "royalty_eur": per_det(rows.streams * rate),
        }
    )
    # --- fact_streams_daily ---------------------------------------------------------------
    typo_attr = np.full(len(rows), 0, dtype=np.int16)
    det_attr = np.full(len(rows), 0, dtype=np.int16)
    typo_attr[has] = det["typology"].to_numpy()[w] + 1
    det_attr[has] = det["detector"].to_numpy()[w] + 1
    key = (
        rows.day.astype(np.int64) << 40
        | rows.track.astype(np.int64) << 14
        | rows.market.astype(np.int64) << 6
        | rows.source.astype(np.int64) << 4
        | rows.device.astype(np.int64) << 2
        | rows.plan.astype(np.int64)
    )
    cols = _reduce_duplicates(
        {
            "day": rows.day,
            "track": rows.track,
            "market": rows.market,
            "source": rows.source,
            "device": rows.device,
            "plan": rows.plan,
            "streams": rows.streams,
            "listeners": rows.listeners,
            "flagged": flagged,
            "confirmed": confirmed,
            "true_art": rows.true_art,
            "typo_attr": typo_attr,
            "det_attr": det_attr,
        },
        key,
        sums=["streams", "listeners", "flagged", "confirmed", "true_art"],
    )
    # The fee rule reads the stored rows (after merging): per track and royalty month, the
    # confirmed share of the streams a detection flagged (data_access.queries.policy).
    month = (np.datetime64(dims.ref.START, "D") + cols["day"].astype("timedelta64[D]")).astype(
        "datetime64[M]"
    )
    fee_share = ops.track_month_share(cols["track"], month, cols["det_attr"] > 0, cols)
    track_label = tracks["label_id"].to_numpy() - 1
    enf = ops.enforcement(
        rng, det, rev, agg, labels, markets, track_label, fee=(rows, row_det, fee_share)
    )
    app = ops.appeals(rng, enf, det)
    case, events = ops.cases(rng, det, agg["flagged_eur"].to_numpy(), camp, labels)
    say("enforcement, appeals, cases")

    day0 = np.datetime64(dims.ref.START, "D")
    payout = markets["payout_per_1k_streams_eur"].to_numpy()[cols["market"]]
    tables["fact_streams_daily"] = pd.DataFrame(
        {
            "date_key": (day0 + cols["day"].astype("timedelta64[D]")),
            "track_id": cols["track"] + 1,
            "market_id": (cols["market"] + 1).astype(np.int16),
            "source": _strings(cols["source"], st.SOURCES),
            "device": _strings(cols["device"], st.DEVICES),
            "plan": _strings(cols["plan"], st.PLANS),
            "streams": cols["streams"],
            "listeners": cols["listeners"].astype(np.int32),
            "flagged_streams": cols["flagged"],
            "confirmed_streams": cols["confirmed"],
            "true_artificial_streams": cols["true_art"],
            "royalty_eur": np.round(cols["streams"] * payout / 1000.0, 4),
            "typology_id": _positive_or_na(cols["typo_attr"]),
            "detector_id": _positive_or_na(cols["det_attr"]),
        }
    )

    # --- event facts ------------------------------------------------------------------------
    det_ids = np.arange(1, n_det + 1, dtype=np.int64)
    tables["fact_detection"] = pd.DataFrame(
        {
            "detection_id": det_ids,
            "detected_at": ops.to_ts(det["detected"]),
            "activity_started_at": ops.to_ts(det["activity_start"]),
            "detector_id": (det["detector"].to_numpy() + 1).astype(np.int16),
            "typology_id": (det["typology"].to_numpy() + 1).astype(np.int16),
            "track_id": det["track"].to_numpy() + 1,
            "label_id": track_label[det["track"].to_numpy()] + 1,
            "market_id": (det["market"].to_numpy() + 1).astype(np.int16),
            "campaign_id": pd.array(
                np.where(det["campaign"] >= 0, det["campaign"] + 1, None), dtype="Int32"
            ),
            "score": np.round(
                np.where(
                    det["is_tp"],
                    rng.beta(9, 1.5, n_det),
                    rng.beta(5, 2.5, n_det),
                ),
                4,
            ),
            "streams_flagged": agg["flagged"].to_numpy(),
            "estimated_amount_eur": np.round(agg["flagged_eur"].to_numpy(), 4),
        }
    )
    tables["fact_review"] = pd.DataFrame(
        {
            "review_id": det_ids,
            "detection_id": det_ids,
            "queued_at": ops.to_ts(rev["queued"]),
            "started_at": ops.to_ts(rev["started"]),
            "decided_at": ops.to_ts(rev["decided"]),
            "reviewer_id": pd.array(
                np.where(rev["started"].notna(), rev["reviewer_id"], None), dtype="Int32"
            ),
            "outcome": rev["outcome"].to_numpy(),
            "streams_confirmed": np.where(
                rev["outcome"].to_numpy() == "confirmed", agg["confirmed"].to_numpy(), 0
            ),
        }
    )
    enf_det = enf["det"].to_numpy()
    label_dist = labels["distributor_id"].to_numpy()
    enf_track = det["track"].to_numpy()[enf_det]
    activity = det["activity_start"].to_numpy()[enf_det]
    period = (day0 + np.floor(activity).astype("timedelta64[D]")).astype("datetime64[M]")
    # A fee is for the royalty month it fines.
    fee_period = enf["period"].to_numpy().astype("datetime64[D]")
    period = np.where(np.isnat(fee_period), period.astype("datetime64[D]"), fee_period)
    reversed_ = np.zeros(len(enf), dtype=bool)
    reversed_at = np.full(len(enf), np.nan)
    over = app["outcome"].to_numpy() == "overturned"
    reversed_[app["enf"].to_numpy()[over]] = True
    reversed_at[app["enf"].to_numpy()[over]] = app["decided"].to_numpy()[over]
    tables["fact_enforcement"] = pd.DataFrame(
        {
            "enforcement_id": np.arange(1, len(enf) + 1, dtype=np.int64),
            "detection_id": enf_det + 1,
            "enforcement_type_id": (enf["type"].to_numpy() + 1).astype(np.int16),
            "applied_at": ops.to_ts(enf["applied"]),
            "track_id": enf_track + 1,
            "label_id": track_label[enf_track] + 1,
            "distributor_id": label_dist[track_label[enf_track]],
            "market_id": (enf["market"].to_numpy() + 1).astype(np.int16),
            "royalty_period": period.astype("datetime64[D]"),
            "streams_removed": enf["streams_removed"].to_numpy().astype(np.int64),
            "amount": enf["amount"].to_numpy(),
            "currency": enf["currency"].to_numpy(),
            "amount_eur": enf["amount_eur"].to_numpy(),
            "recovered_eur": np.round(enf["recovered_eur"].to_numpy(), 4),
            "status": np.where(reversed_, "reversed", "applied"),
            "reversed_at": ops.to_ts(reversed_at),
        }
    )
    tables["fact_appeal"] = pd.DataFrame(
        {
            "appeal_id": np.arange(1, len(app) + 1, dtype=np.int64),
            "enforcement_id": app["enf"].to_numpy() + 1,
            "filed_at": ops.to_ts(app["filed"]),
            "decided_at": ops.to_ts(app["decided"]),
            "outcome": app["outcome"].to_numpy(),
            "amount_restored_eur": np.round(app["amount_restored_eur"].to_numpy(), 4),
        }
    )
    case_label = case["label"].to_numpy().astype(int)
    tables["fact_case"] = pd.DataFrame(
        {
            "case_id": np.arange(1, len(case) + 1, dtype=np.int64),
            "opened_at": ops.to_ts(case["opened"]),
            "priority": case["priority"].to_numpy(),
            "origin": case["origin"].to_numpy(),
            "detection_id": pd.array(
                np.where(case["det_id"] >= 0, case["det_id"] + 1, None), dtype="Int64"
            ),
            "typology_id": (case["typology"].to_numpy() + 1).astype(np.int16),
            "market_id": (case["market"].to_numpy() + 1).astype(np.int16),
            "label_id": case_label + 1,
            "distributor_id": label_dist[case_label],
            "owner_team_id": (case["owner"].to_numpy() + 1).astype(np.int16),
            "first_response_at": ops.to_ts(case["first_response"]),
            "escalated_at": ops.to_ts(case["escalated_at"]),
            "resolved_at": ops.to_ts(case["resolved"]),
            "status": case["status"].to_numpy(),
            "exposure_eur": case["exposure"].to_numpy(),
            "reopened": case["reopened"].to_numpy(),
        }
    )
    team_id = events[["from", "to"]].to_numpy() + 1
    tables["fact_case_event"] = pd.DataFrame(
        {
            "case_event_id": np.arange(1, len(events) + 1, dtype=np.int64),
            "case_id": events["case"].to_numpy() + 1,
            "event_at": ops.to_ts(events["at"]),
            "event_type": events["type"].to_numpy(),
            "from_team_id": pd.array(np.where(team_id[:, 0] > 0, team_id[:, 0], None), "Int16"),
            "to_team_id": pd.array(np.where(team_id[:, 1] > 0, team_id[:, 1], None), "Int16"),
        }
    )
    tables.update(
        {
            name: frame.drop(columns=["offender", "popularity"], errors="ignore")
            for name, frame in cat.items()
        }
    )
    assert all_days() == len(tables["dim_date"])
    say("assembled")
    return tables
