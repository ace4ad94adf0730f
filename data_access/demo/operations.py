"""Detection, review, enforcement, appeal and case facts of the demo warehouse.

Times are handled as float days since ``reference.START`` and turned into timestamps at
the end; anything that would happen after the demo's last day is left undone (a pending
review, an open case), which is what a warehouse snapshot looks like.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.demo import reference as ref
from data_access.demo.dimensions import all_days, day_index, market_weights
from data_access.demo.streams import Campaigns, Rows

_TYPO = [t[0] for t in ref.TYPOLOGIES]
_DET = [d[0] for d in ref.DETECTORS]
_ENF = [e[0] for e in ref.ENFORCEMENT_TYPES]
_HOURS = 1 / 24


def to_ts(days: np.ndarray) -> np.ndarray:
    """Float days since START -> datetime64[s]; NaN -> NaT."""
    days = np.asarray(days, dtype=float)
    secs = np.round(np.nan_to_num(days) * 86400).astype("int64").astype("timedelta64[s]")
    out = np.datetime64(ref.START, "s") + secs
    out[np.isnan(days)] = np.datetime64("NaT")
    return out


def _detector_weights(typo: int, day: int) -> np.ndarray:
    d = ref.START + pd.Timedelta(days=int(day)).to_pytimedelta()
    code = _TYPO[typo]
    w = {
        "velocity_rules": 0.25,
        "threshold_30s": 0.15,
        "sentinel_v1": 0.25,
        "sentinel_v2": 0.0,
        "ai_classifier": 0.0,
        "partner_reports": 0.5 if code == "distributor_fraud" else 0.12,
        "analyst_tips": 0.08,
    }
    if d >= ref.SENTINEL_V2_LAUNCH:
        w["sentinel_v2"], w["sentinel_v1"] = 0.40, 0.05
    if d >= ref.AI_CLASSIFIER_LAUNCH and code in ("ai_dilution", "noise_loops"):
        w["ai_classifier"] = 0.9
    arr = np.array([w[c] for c in _DET])
    return arr / arr.sum()


def _recall(typo: int, day: int) -> float:
    d = ref.START + pd.Timedelta(days=int(day)).to_pytimedelta()
    if _TYPO[typo] in ("ai_dilution", "noise_loops"):
        return 0.85 if d >= ref.AI_CLASSIFIER_LAUNCH else 0.42
    return 0.80 if d >= ref.SENTINEL_V2_LAUNCH else 0.62


def detections(rng: np.random.Generator, camp: Campaigns, rows: Rows, n_org: int) -> dict:
    """True-positive detections per attacked (track, market) pair, plus false positives."""
    end = float(all_days())
    f = camp.frame
    nc = len(f)
    c_start = f["start_day"].to_numpy() + rng.uniform(0, 0.5, nc)
    c_det = np.array(
        [
            rng.choice(len(_DET), p=_detector_weights(t, s))
            for t, s in zip(f["typology"], f["start_day"], strict=True)
        ]
    )
    c_hit = rng.random(nc) < np.array(
        [_recall(t, s) for t, s in zip(f["typology"], f["start_day"], strict=True)]
    )
    latency = np.array([ref.DETECTORS[d][6] for d in c_det])
    c_detected = c_start + rng.lognormal(np.log(latency), 0.5)

    pairs = camp.pairs
    pc = pairs["campaign_id"].to_numpy()
    p_at = c_detected[pc] + rng.uniform(0, 1.5, len(pairs))
    p_hit = c_hit[pc] & (rng.random(len(pairs)) < 0.92) & (p_at < end)
    tp_pairs = np.flatnonzero(p_hit)
    tp = pd.DataFrame(
        {
            "detected": p_at[tp_pairs],
            "activity_start": c_start[pc[tp_pairs]],
            "detector": c_det[pc[tp_pairs]],
            "typology": f["typology"].to_numpy()[pc[tp_pairs]],
            "track": pairs["track"].to_numpy()[tp_pairs],
            "market": pairs["market"].to_numpy()[tp_pairs],
            "campaign": pc[tp_pairs],
            "is_tp": True,
        }
    )
    pair_det = np.full(len(pairs), -1, dtype=np.int64)
    pair_det[tp_pairs] = np.arange(len(tp_pairs))

    # False positives: each detector flags some honest (organic) rows, as many as its
    # precision implies: precision ~ (0.93 TP + 0.03 FP) / (TP + FP).
    n_tp = np.bincount(tp["detector"], minlength=len(_DET))
    fp_parts = []
    taken = np.zeros(0, dtype=np.int64)
    for d, spec in enumerate(ref.DETECTORS):
        p = min(spec[5], 0.9)
        n_fp = int(round(max(n_tp[d], 3) * (0.93 - p) / (p - 0.03)))
        first = max(0, day_index(spec[4]))
        lo = np.searchsorted(rows.day[:n_org], first)
        if n_fp == 0 or lo >= n_org:
            continue
        idx = np.unique(rng.integers(lo, n_org, n_fp))
        idx = np.setdiff1d(idx, taken)
        taken = np.union1d(taken, idx)
        day = rows.day[idx].astype(float)
        at = day + 1 + rng.lognormal(np.log(min(spec[6], 5.0)), 0.5, len(idx))
        typ_p = np.array([t[2] for t in ref.TYPOLOGIES])
        if spec[0] == "ai_classifier":
            typ_p = np.where(np.isin(_TYPO, ["ai_dilution", "noise_loops"]), typ_p, 0)
        fp_parts.append(
            pd.DataFrame(
                {
                    "detected": at,
                    "activity_start": day + rng.uniform(0, 0.5, len(idx)),
                    "detector": d,
                    "typology": rng.choice(len(_TYPO), size=len(idx), p=typ_p / typ_p.sum()),
                    "track": rows.track[idx],
                    "market": rows.market[idx],
                    "campaign": -1,
                    "is_tp": False,
                    "row": idx,
                }
            )
        )
    fp = pd.concat(fp_parts, ignore_index=True) if fp_parts else pd.DataFrame()
    fp = fp[fp["detected"] < end] if len(fp) else fp
    det = pd.concat([tp, fp], ignore_index=True)

    # Which row each detection flags.
    row_det = np.full(len(rows), -1, dtype=np.int64)
    camp_rows = rows.pair >= 0
    row_det[camp_rows] = pair_det[rows.pair[camp_rows]]
    if len(fp):
        row_det[fp["row"].to_numpy()] = np.arange(len(tp), len(det))
    det = det.drop(columns=["row"], errors="ignore")
    return {"det": det, "row_det": row_det}


def flag_rows(rng: np.random.Generator, rows: Rows, row_det: np.ndarray, det: pd.DataFrame):
    """Flagged streams per row: most of a detected campaign's streams, part of a FP row's."""
    n = len(rows)
    flagged = np.zeros(n, dtype=np.int64)
    has = row_det >= 0
    is_tp = np.zeros(n, dtype=bool)
    is_tp[has] = det["is_tp"].to_numpy()[row_det[has]]
    tp_rows = has & is_tp
    fp_rows = has & ~is_tp
    legit = rows.streams - rows.true_art
    flagged[tp_rows] = np.floor(
        rows.true_art[tp_rows] * rng.uniform(0.85, 1.0, tp_rows.sum()) + legit[tp_rows] * 0.03
    )
    flagged[fp_rows] = np.floor(rows.streams[fp_rows] * rng.uniform(0.2, 0.8, fp_rows.sum()))
    return np.minimum(flagged, rows.streams)


def reviews(rng: np.random.Generator, det: pd.DataFrame) -> pd.DataFrame:
    """Analyst review of each detection: median ~4 h from queue to decision, p90 ~36 h."""
    end = float(all_days())
    n = len(det)
    queued = det["detected"].to_numpy()
    # A backlog after the fee policy launch: reviews slow down for two months.
    slow = (queued >= day_index(ref.FEE_START)) & (queued < day_index(ref.FEE_START) + 61)
    total_h = rng.lognormal(np.log(4.0), 1.71, n) * np.where(slow, 2.5, 1.0)
    started = queued + total_h * rng.uniform(0.2, 0.7, n) * _HOURS
    decided = queued + total_h * _HOURS
    tp = det["is_tp"].to_numpy()
    outcome = np.where(
        tp,
        rng.choice(["confirmed", "insufficient_evidence", "escalated"], n, p=[0.93, 0.04, 0.03]),
        rng.choice(
            ["false_positive", "insufficient_evidence", "confirmed", "escalated"],
            n,
            p=[0.86, 0.08, 0.03, 0.03],
        ),
    )
    pending = decided >= end
    outcome = np.where(pending, "pending", outcome)
    return pd.DataFrame(
        {
            "queued": queued,
            "started": np.where(started >= end, np.nan, started),
            "decided": np.where(pending, np.nan, decided),
            "reviewer_id": rng.integers(1, 41, n),
            "outcome": outcome,
        }
    )


def enforcement(
    rng: np.random.Generator,
    det: pd.DataFrame,
    rev: pd.DataFrame,
    agg: pd.DataFrame,
    labels: pd.DataFrame,
    markets: pd.DataFrame,
    track_label: np.ndarray,
    *,
    fee: tuple[Rows, np.ndarray, pd.DataFrame],
) -> pd.DataFrame:
    """Actions for each confirmed detection (DOMAIN.md: removal always, withholding ~70%,
    takedowns, suspensions, warnings for first-time offenders), and the EUR 10 per-track fee
    for each royalty month in which more than 90% of a track's detected streams were
    confirmed artificial (``fee``: the rows, their detections and ``track_month_share``)."""
    end = float(all_days())
    conf = np.flatnonzero(rev["outcome"].to_numpy() == "confirmed")
    applied = rev["decided"].to_numpy()[conf] + rng.uniform(1, 72, len(conf)) * _HOURS
    ok = applied < end
    conf, applied = conf[ok], applied[ok]
    typo = det["typology"].to_numpy()[conf]
    codes = np.array(_TYPO)[typo]
    label = track_label[det["track"].to_numpy()[conf]]
    parts = []

    def add(mask, kind, amount, streams_removed):
        parts.append(
            pd.DataFrame(
                {
                    "det": conf[mask],
                    "type": _ENF.index(kind),
                    "applied": applied[mask] + _ENF.index(kind) * 0.01,
                    "amount_eur": amount[mask] if np.ndim(amount) else amount,
                    "streams_removed": streams_removed[mask] if np.ndim(streams_removed) else 0,
                }
            )
        )

    all_ = np.ones(len(conf), dtype=bool)
    add(
        all_,
        "stream_removal",
        agg["confirmed_eur"].to_numpy()[conf],
        agg["confirmed"].to_numpy()[conf],
    )
    add(rng.random(len(conf)) < 0.7, "royalty_withholding", agg["royalty_eur"].to_numpy()[conf], 0)
    fees = _fees(conf, applied, *fee)
    take_p = np.where(np.isin(codes, ["ai_dilution", "noise_loops"]), 0.4, 0.12)
    add(rng.random(len(conf)) < take_p, "takedown", 0.0, 0)
    susp = np.isin(codes, ["bot_farm", "click_farm", "account_takeover", "playlist_stuffing"])
    add(susp & (rng.random(len(conf)) < 0.8), "account_suspension", 0.0, 0)
    order = np.argsort(applied, kind="stable")
    first_for_label = np.zeros(len(conf), dtype=bool)
    _, first_idx = np.unique(label[order], return_index=True)
    first_for_label[order[first_idx]] = True
    offender = labels["offender"].to_numpy()[label]
    add(first_for_label & ~offender, "warning", 0.0, 0)

    parts.append(fees)
    enf = pd.concat(parts, ignore_index=True).sort_values(["applied", "det", "type"])
    enf = enf.reset_index(drop=True)
    mk = det["market"].to_numpy()[enf["det"].to_numpy()]
    local = np.isin(enf["type"].to_numpy(), [0, 1])
    enf["market"] = mk
    enf["currency"] = np.where(local, markets["currency"].to_numpy()[mk], "EUR")
    fx = np.where(local, markets["fx_to_eur"].to_numpy()[mk], 1.0)
    enf["amount"] = np.round(enf["amount_eur"] / fx, 4)
    enf["amount_eur"] = np.round(enf["amount_eur"], 4)
    is_fee = enf["type"].to_numpy() == _ENF.index("per_track_fee")
    paid = (rng.random(len(enf)) < 0.78) & (enf["applied"].to_numpy() < end - 30)
    enf["recovered_eur"] = np.where(is_fee & paid, enf["amount_eur"], 0.0)
    return enf


def track_month_share(
    track: np.ndarray, month: np.ndarray, detected: np.ndarray, cols: dict
) -> pd.DataFrame:
    """Per track and royalty month, over the stored rows a detection flagged: the confirmed
    share of their streams (the per-track fee's test)."""
    rows = pd.DataFrame(
        {
            "track": track[detected],
            "month": month[detected],
            "streams": cols["streams"][detected],
            "confirmed": cols["confirmed"][detected],
        }
    )
    g = rows.groupby(["track", "month"], sort=True)[["streams", "confirmed"]].sum()
    g["share"] = g["confirmed"] / g["streams"].clip(lower=1)
    return g.reset_index()


def _fees(
    conf: np.ndarray, applied: np.ndarray, rows: Rows, row_det: np.ndarray, share: pd.DataFrame
) -> pd.DataFrame:
    """One EUR 10 fee per track and royalty month (from the fee start) whose confirmed share
    is above 90%, charged with that month's first actioned confirmed detection of the track,
    not before the month begins."""
    start = np.datetime64(ref.START, "D")
    fined = share[(share["share"] > 0.9) & (share["month"] >= np.datetime64(ref.FEE_START, "M"))]
    when = np.full(max(row_det.max(initial=-1), conf.max(initial=-1)) + 1, np.nan)
    when[conf] = applied
    has = row_det >= 0
    cand = pd.DataFrame(
        {
            "det": row_det[has],
            "track": rows.track[has],
            "month": (start + rows.day[has].astype("timedelta64[D]")).astype("datetime64[M]"),
            "applied": when[row_det[has]],
        }
    ).dropna(subset=["applied"])
    cand = cand.merge(fined[["track", "month"]], on=["track", "month"])
    first = cand.sort_values(["applied", "det"]).drop_duplicates(["track", "month"])
    first = first.sort_values(["track", "month"])
    month_day = (first["month"].to_numpy().astype("datetime64[D]") - start).astype(float)
    fee_type = _ENF.index("per_track_fee")
    return pd.DataFrame(
        {
            "det": first["det"].to_numpy(),
            "type": fee_type,
            "applied": np.maximum(first["applied"].to_numpy(), month_day) + fee_type * 0.01,
            "amount_eur": 10.0,
            "streams_removed": 0,
            "period": first["month"].to_numpy().astype("datetime64[D]"),
        }
    )


def appeals(rng: np.random.Generator, enf: pd.DataFrame, det: pd.DataFrame) -> pd.DataFrame:
    """~3% of monetary actions appealed; ~20-25% of appeals overturned (mostly the wrong ones)."""
    end = float(all_days())
    tp = det["is_tp"].to_numpy()[enf["det"].to_numpy()]
    appealable = np.isin(enf["type"].to_numpy(), [0, 1, 2, 3])
    appealed = appealable & (rng.random(len(enf)) < np.where(tp, 0.025, 0.35))
    idx = np.flatnonzero(appealed)
    filed = enf["applied"].to_numpy()[idx] + rng.lognormal(np.log(6), 0.6, len(idx))
    keep = filed < end
    idx, filed = idx[keep], filed[keep]
    decided = filed + rng.lognormal(np.log(12), 0.6, len(idx))
    pending = decided >= end
    over = (rng.random(len(idx)) < np.where(tp[idx], 0.06, 0.85)) & ~pending
    return pd.DataFrame(
        {
            "enf": idx,
            "filed": filed,
            "decided": np.where(pending, np.nan, decided),
            "outcome": np.where(pending, "pending", np.where(over, "overturned", "upheld")),
            "amount_restored_eur": np.where(over, enf["amount_eur"].to_numpy()[idx], 0.0),
        }
    )


def cases(
    rng: np.random.Generator,
    det: pd.DataFrame,
    est_amount: np.ndarray,
    camp: Campaigns,
    labels: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One case per detected campaign x market, plus cases from partner reports and tips."""
    end = float(all_days())
    tp = det[det["is_tp"]].assign(amount=est_amount[det["is_tp"].to_numpy()])
    tp = tp.assign(det_id=tp.index)
    g = (
        tp.sort_values("detected")
        .groupby(["campaign", "market"], sort=True)
        .agg(
            opened=("detected", "first"),
            det_id=("det_id", "first"),
            typology=("typology", "first"),
            exposure=("amount", "sum"),
        )
        .reset_index()
    )
    g["label"] = camp.frame["label"].to_numpy()[g["campaign"].to_numpy()]
    g["origin"] = "detection"
    n_extra = max(3, round(1.5 * len(g)))
    offenders = np.flatnonzero(labels["offender"].to_numpy())
    extra = pd.DataFrame(
        {
            "opened": rng.uniform(0, end - 0.01, n_extra),
            "det_id": -1,
            "typology": rng.choice(len(_TYPO), n_extra, p=[t[2] for t in ref.TYPOLOGIES]),
            "exposure": rng.lognormal(np.log(1500), 1.2, n_extra),
            "market": rng.choice(len(ref.MARKETS), n_extra, p=market_weights()),
            "label": np.where(
                rng.random(n_extra) < 0.3,
                rng.choice(offenders, n_extra),
                rng.integers(0, len(labels), n_extra),
            ),
            "origin": rng.choice(["partner_report", "manual"], n_extra, p=[0.6, 0.4]),
        }
    )
    c = pd.concat([g.drop(columns=["campaign"]), extra], ignore_index=True)
    c = c.sort_values("opened", kind="stable").reset_index(drop=True)
    n = len(c)
    c["exposure"] = np.round(c["exposure"].astype(float), 2)
    # Priority by exposure rank: 5 / 20 / 50 / 25 %.
    pct = c["exposure"].rank(pct=True, method="first").to_numpy()
    prio = np.select([pct > 0.95, pct > 0.75, pct > 0.25], [0, 1, 2], 3)
    fr_sla = np.array([p[1] for p in ref.PRIORITIES])[prio]
    res_sla = np.array([p[2] for p in ref.PRIORITIES])[prio]
    opened = c["opened"].to_numpy()
    first = opened + fr_sla * rng.lognormal(np.log(0.45), 0.6, n) * _HOURS
    esc_p = np.array([0.6, 0.4, 0.2, 0.1])[prio]
    escalated = rng.random(n) < esc_p
    esc_at = first + rng.uniform(2, 120, n) * _HOURS
    team_p = np.array([t[4] for t in ref.TEAMS])
    team = np.where(escalated, rng.choice(len(ref.TEAMS), n, p=team_p / team_p.sum()), 0)
    second = escalated & (rng.random(n) < 0.15)
    team2 = np.where(second, rng.choice(len(ref.TEAMS), n, p=team_p / team_p.sum()), team)
    second &= team2 != team
    esc2_at = esc_at + rng.uniform(12, 240, n) * _HOURS
    resolved = (
        opened
        + res_sla * rng.lognormal(np.log(0.5), 0.55, n) * np.where(escalated, 1.3, 1.0) * _HOURS
    )
    resolved = np.maximum(resolved, np.where(escalated, esc_at, first) + 1 * _HOURS)
    resolved = np.maximum(resolved, np.where(second, esc2_at, resolved))
    first = np.where(first < end, first, np.nan)
    esc_at = np.where(escalated & (esc_at < end), esc_at, np.nan)
    second &= esc2_at < end
    done = resolved < end
    owner = np.where(second, team2, np.where(~np.isnan(esc_at), team, 0))
    status = np.where(done, "resolved", np.where(~np.isnan(esc_at), "escalated", "open"))
    reopened = done & (rng.random(n) < 0.04)
    c = c.assign(
        priority=np.array([p[0] for p in ref.PRIORITIES])[prio],
        first_response=first,
        escalated_at=esc_at,
        resolved=np.where(done, resolved, np.nan),
        status=status,
        owner=owner,
        reopened=reopened,
    )
    ev = [
        pd.DataFrame({"case": np.arange(n), "at": opened, "type": "opened", "from": -1, "to": 0}),
    ]
    e1 = np.flatnonzero(~np.isnan(esc_at))
    ev.append(
        pd.DataFrame({"case": e1, "at": esc_at[e1], "type": "handoff", "from": 0, "to": team[e1]})
    )
    e2 = np.flatnonzero(second)
    ev.append(
        pd.DataFrame(
            {"case": e2, "at": esc2_at[e2], "type": "handoff", "from": team[e2], "to": team2[e2]}
        )
    )
    r = np.flatnonzero(done)
    ev.append(
        pd.DataFrame({"case": r, "at": resolved[r], "type": "resolved", "from": owner[r], "to": -1})
    )
    ro = np.flatnonzero(reopened)
    ro_at = resolved[ro] + rng.uniform(1, 10, len(ro))
    keep = ro_at < end
    ev.append(
        pd.DataFrame(
            {
                "case": ro[keep],
                "at": ro_at[keep],
                "type": "reopened",
                "from": -1,
                "to": owner[ro][keep],
            }
        )
    )
    events = pd.concat(ev, ignore_index=True).sort_values(["at", "case"], kind="stable")
    return c, events.reset_index(drop=True)
