"""Stream rows of the demo warehouse: organic listening and attack campaigns.

Rows are produced as flat numpy arrays (one entry per date x track x market x source x
device x plan row) so the whole fact table is built without Python loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_access.demo import reference as ref
from data_access.demo.dimensions import all_days, day_index, market_weights

SOURCES = np.array(["algorithmic", "playlist", "search", "library"])
DEVICES = np.array(["mobile", "desktop", "other"])
PLANS = np.array(["premium", "family", "free", "trial"])

_TYPO_CODES = [t[0] for t in ref.TYPOLOGIES]
# Streams per account per day by typology (low, high): bots stream round the clock; hijacked
# accounts carry on with their owner's listening as cover.
_SPA = {
    "bot_farm": (350, 700),
    "ai_dilution": (200, 450),
    "click_farm": (120, 260),
    "playlist_stuffing": (90, 220),
    "account_takeover": (50, 110),
    "noise_loops": (300, 700),
    "distributor_fraud": (200, 400),
    "sabotage": (150, 350),
}


@dataclass
class Rows:
    """Stream rows as columns; ``pair`` (index into Campaigns.pairs) is -1 for organic rows."""

    day: np.ndarray
    track: np.ndarray  # 0-based index into dim_track
    market: np.ndarray  # 0-based index into dim_market
    source: np.ndarray
    device: np.ndarray
    plan: np.ndarray
    streams: np.ndarray
    listeners: np.ndarray
    true_art: np.ndarray
    pair: np.ndarray

    def __len__(self) -> int:
        return len(self.day)

    @classmethod
    def concat(cls, parts: list[Rows]) -> Rows:
        return cls(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__)
        )


def day_multiplier() -> np.ndarray:
    """Seasonality: weekend +8%, December +10%, ~9% year-on-year growth."""
    days = pd.date_range(ref.START, ref.END, freq="D")
    t = np.arange(len(days)) / 365.0
    weekend = np.where(days.day_of_week >= 5, 1.08, 1.0)
    december = np.where(days.month == 12, 1.10, 1.0)
    return 1.09**t * weekend * december


def organic(rng: np.random.Generator, tracks: pd.DataFrame, scale: float) -> Rows:
    n_days = all_days()
    per_day = max(60, round(5200 * scale))
    n = n_days * per_day
    pop = tracks["popularity"].to_numpy()
    p_row = pop**0.7
    track = rng.choice(len(pop), size=n, p=p_row / p_row.sum()).astype(np.int32)
    market = rng.choice(len(ref.MARKETS), size=n, p=market_weights()).astype(np.int16)
    day = np.repeat(np.arange(n_days, dtype=np.int16), per_day)
    source = rng.choice(4, size=n, p=[0.35, 0.30, 0.10, 0.25]).astype(np.int8)
    device = rng.choice(3, size=n, p=[0.72, 0.20, 0.08]).astype(np.int8)
    plan = rng.choice(4, size=n, p=[0.55, 0.18, 0.22, 0.05]).astype(np.int8)
    size = (pop / pop.max()) ** 0.3
    streams = rng.lognormal(np.log(9000.0), 0.9, n) * size[track] * day_multiplier()[day] * 2.2
    streams = np.maximum(1, streams).astype(np.int64)
    listeners = np.maximum(1, streams / rng.uniform(1.6, 3.2, n)).astype(np.int64)
    # Background artificial streams that no campaign explains: a few per mille, more on
    # desktops and family / trial plans (DOMAIN.md signals).
    rate = 0.0025 * np.where(device == 1, 4.0, 1.0) * np.choose(plan, [1.0, 2.0, 1.0, 3.0])
    true_art = np.floor(streams * rate * rng.uniform(0, 2, n)).astype(np.int64)
    return Rows(
        day,
        track,
        market,
        source,
        device,
        plan,
        streams,
        listeners,
        true_art,
        np.full(n, -1, dtype=np.int32),
    )


@dataclass
class Campaigns:
    """One row per attack campaign (demo ground truth)."""

    frame: pd.DataFrame  # campaign_id, typology (0-based), start_day, duration, label (0-based)
    pairs: pd.DataFrame  # campaign_id, track, market: the (track, market) pairs attacked


def _typology_weights(day: int) -> np.ndarray:
    """The typology mix drifts: AI dilution grows, policies push some typologies down."""
    d = ref.START + pd.Timedelta(days=int(day)).to_pytimedelta()
    w = np.array([t[2] for t in ref.TYPOLOGIES], dtype=float)
    t = day / all_days()
    w[_TYPO_CODES.index("ai_dilution")] *= 0.6 + 1.2 * t
    if d >= ref.FEE_START:
        w[_TYPO_CODES.index("distributor_fraud")] *= 0.5
    if d >= ref.MIN_STREAMS_POLICY:
        w[_TYPO_CODES.index("noise_loops")] *= 0.3
    return w / w.sum()


def campaigns(
    rng: np.random.Generator, labels: pd.DataFrame, tracks: pd.DataFrame, scale: float
) -> Campaigns:
    n_days = all_days()
    n = max(6, round(4 * 104 * scale))  # DOMAIN.md: 2-4 campaigns a week
    # More campaigns as the platform grows; the fee deters the flagrant ones a little.
    day_w = 1.0 + 0.4 * np.arange(n_days) / n_days
    day_w[day_index(ref.FEE_START) :] *= 0.85
    start = np.sort(rng.choice(n_days, size=n, p=day_w / day_w.sum()))
    typology = np.array([rng.choice(len(ref.TYPOLOGIES), p=_typology_weights(s)) for s in start])
    duration = np.clip(np.round(rng.lognormal(np.log(10), 0.6, n)), 2, 60).astype(int)

    offender_labels = np.flatnonzero(labels["offender"].to_numpy())
    track_label = tracks["label_id"].to_numpy() - 1
    label_dist = labels["distributor_id"].to_numpy() - 1
    track_dist = label_dist[track_label]
    is_ai = tracks["is_ai"].to_numpy()
    is_noise = tracks["is_noise"].to_numpy()
    pop = tracks["popularity"].to_numpy()
    label_tracks = np.bincount(track_label, minlength=len(labels)).astype(float)
    mw = market_weights() * np.array([m[5] for m in ref.MARKETS])  # fraud chases payout
    mw = mw / mw.sum()

    labels_out, pair_parts = [], []
    for cid in range(n):
        code = _TYPO_CODES[typology[cid]]
        if code == "sabotage":  # a rival's popular track is botted to get it penalised
            pool = np.argsort(-pop)[: max(20, len(pop) // 50)]
            k = int(rng.integers(1, 4))
            chosen = rng.choice(pool, size=k, replace=False)
            label = int(track_label[chosen[0]])
        else:
            if rng.random() < 0.5 or code == "distributor_fraud":
                label = int(rng.choice(offender_labels))
            else:
                label = int(rng.choice(len(labels), p=label_tracks / label_tracks.sum()))
            same_dist = track_dist == label_dist[label]
            pref = track_label == label
            if code == "ai_dilution":
                pref = pref | (same_dist & is_ai)
            elif code == "noise_loops":
                pref = pref | (same_dist & is_noise)
            pool = np.flatnonzero(pref)
            if len(pool) < 20:
                pool = np.union1d(pool, np.flatnonzero(same_dist))
            if len(pool) == 0:
                # At small scales a label's distributor may have no tracks at all: the
                # campaign goes to a label that has some (rng.choice of nothing would fail).
                label = int(rng.choice(len(labels), p=label_tracks / label_tracks.sum()))
                pool = np.flatnonzero(track_dist == label_dist[label])
            want = int(np.exp(rng.uniform(np.log(20), np.log(500))) * min(1.0, scale**0.3))
            k = max(1, min(len(pool), want))
            # Fraudsters push tracks nobody listens to: the least popular first.
            weights = 1.0 / (pop[pool] ** 0.5)
            chosen = rng.choice(pool, size=k, replace=False, p=weights / weights.sum())
        n_mk = int(rng.choice([1, 2, 3], p=[0.55, 0.30, 0.15]))
        mk = rng.choice(len(ref.MARKETS), size=n_mk, replace=False, p=mw)
        tt, mm = np.meshgrid(chosen, mk, indexing="ij")
        pair_parts.append(
            pd.DataFrame({"campaign_id": cid, "track": tt.ravel(), "market": mm.ravel()})
        )
        labels_out.append(label)
    frame = pd.DataFrame(
        {
            "campaign_id": np.arange(n),
            "typology": typology,
            "start_day": start,
            "duration": duration,
            "label": labels_out,
            # 50-10,000 accounts, most campaigns a few hundred to a few thousand.
            "accounts": np.clip(rng.lognormal(np.log(1100), 0.8, n), 50, 10_000)
            .round()
            .astype(int),
        }
    )
    return Campaigns(frame, pd.concat(pair_parts, ignore_index=True))


def campaign_rows(rng: np.random.Generator, camp: Campaigns) -> Rows:
    n_days = all_days()
    f = camp.frame
    pairs = camp.pairs.merge(f, on="campaign_id")
    npairs = pairs.groupby("campaign_id").size().reindex(f["campaign_id"]).to_numpy()
    spa_lo = np.array([_SPA[_TYPO_CODES[t]][0] for t in f["typology"]])
    spa_hi = np.array([_SPA[_TYPO_CODES[t]][1] for t in f["typology"]])
    spa = rng.uniform(spa_lo, spa_hi)
    daily = f["accounts"].to_numpy() * spa  # artificial streams per campaign-day
    # Each pair keeps one setup (bots use one device/plan/source) for the campaign.
    np_ = len(pairs)
    p_source = np.where(
        pairs["typology"].to_numpy() == _TYPO_CODES.index("playlist_stuffing"), 1, 3
    ).astype(np.int8)
    p_device = rng.choice(3, size=np_, p=[0.30, 0.65, 0.05]).astype(np.int8)
    p_plan = rng.choice(4, size=np_, p=[0.20, 0.54, 0.16, 0.10]).astype(np.int8)
    dur = pairs["duration"].to_numpy()
    rep = np.repeat(np.arange(np_), dur)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(dur) - dur, dur)
    day = pairs["start_day"].to_numpy()[rep] + offset
    keep = day < n_days
    rep, offset, day = rep[keep], offset[keep], day[keep]
    cid = pairs["campaign_id"].to_numpy()[rep]
    # Ramp up, plateau, wind down.
    phase = (offset + 0.5) / dur[rep]
    ramp = np.clip(np.minimum(phase / 0.2, (1 - phase) / 0.2), 0.25, 1.0)
    n = len(rep)
    art = daily[cid] / npairs[cid] * ramp * rng.lognormal(0, 0.35, n)
    art = np.maximum(1, art).astype(np.int64)
    legit = np.floor(art * rng.uniform(0.01, 0.07, n)).astype(np.int64)
    streams = art + legit
    listeners = np.maximum(1, art / (spa[cid] * rng.uniform(0.3, 1.2, n))).astype(np.int64)
    listeners = listeners + np.maximum(0, legit // 2)
    return Rows(
        day.astype(np.int16),
        pairs["track"].to_numpy()[rep].astype(np.int32),
        pairs["market"].to_numpy()[rep].astype(np.int16),
        p_source[rep],
        p_device[rep],
        p_plan[rep],
        streams,
        listeners,
        art,
        rep.astype(np.int32),
    )
