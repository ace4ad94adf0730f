"""Dimension tables of the demo warehouse (dates, markets, catalogue, detectors, teams)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from data_access.demo import reference as ref

_SYLLABLES = np.array(
    [
        "ka",
        "lo",
        "mi",
        "ra",
        "ven",
        "tor",
        "sel",
        "nor",
        "vik",
        "an",
        "el",
        "is",
        "ur",
        "om",
        "bra",
        "dul",
        "fen",
        "gar",
        "hol",
        "jun",
        "kes",
        "lum",
        "mar",
        "nix",
        "op",
        "pra",
        "qui",
        "ros",
        "sta",
        "tal",
        "ux",
        "val",
        "wen",
        "xo",
        "yar",
        "zem",
    ]
)
_WORDS = np.array(
    [
        "Midnight",
        "Neon",
        "Velvet",
        "Echo",
        "Golden",
        "Silent",
        "Electric",
        "Paper",
        "Crystal",
        "Wild",
        "Broken",
        "Summer",
        "Northern",
        "Lucid",
        "Hollow",
        "Amber",
        "Static",
        "Violet",
        "Distant",
        "Silver",
        "Ocean",
        "River",
        "Fire",
        "Dream",
        "Heart",
        "Shadow",
        "Light",
        "Road",
        "City",
        "Rain",
        "Storm",
        "Garden",
        "Signal",
        "Motion",
        "Atlas",
        "Orbit",
        "Bloom",
        "Tide",
        "Ember",
    ]
)


def _names(rng: np.random.Generator, n: int, suffixes: tuple[str, ...]) -> list[str]:
    """Deterministic pronounceable names, unique by appending the row number when needed."""
    a = _SYLLABLES[rng.integers(0, len(_SYLLABLES), n)]
    b = _SYLLABLES[rng.integers(0, len(_SYLLABLES), n)]
    suf = np.array(suffixes)[rng.integers(0, len(suffixes), n)]
    names = [f"{x.capitalize()}{y} {s}" for x, y, s in zip(a, b, suf, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        out.append(name if name not in seen else f"{name} {i}")
        seen[name] = i
    return out


def dates(start=ref.START, end=ref.END) -> pd.DataFrame:
    """The calendar from ``start`` to ``end`` (default: the demo's 104 weeks)."""
    days = pd.date_range(start, end, freq="D")
    iso = days.isocalendar()
    return pd.DataFrame(
        {
            "date_key": days.date,
            "year": days.year.astype("int16"),
            "quarter": days.quarter.astype("int16"),
            "month": days.month.astype("int16"),
            "iso_year": iso["year"].to_numpy().astype("int16"),
            "iso_week": iso["week"].to_numpy().astype("int16"),
            "week_start": (days - pd.to_timedelta(days.day_of_week, unit="D")).date,
            "month_start": days.to_period("M").start_time.date,
            "day_of_week": (days.day_of_week + 1).astype("int16"),
            "is_weekend": days.day_of_week >= 5,
        }
    )


def markets() -> pd.DataFrame:
    rows = ref.MARKETS
    return pd.DataFrame(
        {
            "market_id": np.arange(1, len(rows) + 1, dtype="int16"),
            "iso2": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "region": [r[2] for r in rows],
            "currency": [r[3] for r in rows],
            "fx_to_eur": [r[4] for r in rows],
            "payout_per_1k_streams_eur": [r[5] for r in rows],
        }
    )


def market_weights() -> np.ndarray:
    w = np.array([r[6] for r in ref.MARKETS], dtype=float)
    return w / w.sum()


def small_dimensions() -> dict[str, pd.DataFrame]:
    """The fixed reference dimensions: detectors, typologies, enforcement types, teams..."""
    det = ref.DETECTORS
    return {
        "dim_detector": pd.DataFrame(
            {
                "detector_id": np.arange(1, len(det) + 1, dtype="int16"),
                "code": [d[0] for d in det],
                "name": [d[1] for d in det],
                "kind": [d[2] for d in det],
                "version": [d[3] for d in det],
                "launched_on": [d[4] for d in det],
            }
        ),
        "dim_typology": pd.DataFrame(
            {
                "typology_id": np.arange(1, len(ref.TYPOLOGIES) + 1, dtype="int16"),
                "code": [t[0] for t in ref.TYPOLOGIES],
                "name": [t[1] for t in ref.TYPOLOGIES],
            }
        ),
        "dim_enforcement_type": pd.DataFrame(
            {
                "enforcement_type_id": np.arange(1, len(ref.ENFORCEMENT_TYPES) + 1, dtype="int16"),
                "code": [t[0] for t in ref.ENFORCEMENT_TYPES],
                "name": [t[1] for t in ref.ENFORCEMENT_TYPES],
            }
        ),
        "dim_team": pd.DataFrame(
            {
                "team_id": np.arange(1, len(ref.TEAMS) + 1, dtype="int16"),
                "code": [t[0] for t in ref.TEAMS],
                "name": [t[1] for t in ref.TEAMS],
                "is_partner": [t[2] for t in ref.TEAMS],
                "first_response_sla_hours": np.array([t[3] for t in ref.TEAMS], dtype="int16"),
            }
        ),
        "dim_priority": pd.DataFrame(
            {
                "priority": [p[0] for p in ref.PRIORITIES],
                "first_response_sla_hours": np.array([p[1] for p in ref.PRIORITIES], "int16"),
                "resolution_sla_hours": np.array([p[2] for p in ref.PRIORITIES], "int16"),
            }
        ),
        "dim_event": pd.DataFrame(
            {
                "event_id": np.arange(1, len(ref.EVENTS) + 1, dtype="int16"),
                "event_date": [e[0] for e in ref.EVENTS],
                "kind": [e[1] for e in ref.EVENTS],
                "title": [e[2] for e in ref.EVENTS],
                "description": [e[3] for e in ref.EVENTS],
            }
        ),
    }


TRACKS_PER_SCALE = 8000  # catalogue size of a scale-1 warehouse (bench reports read it back)


def catalogue(
    rng: np.random.Generator, scale: float, *, label_scale: float | None = None
) -> dict[str, pd.DataFrame]:
    """Distributors, labels, artists and tracks, with repeat offenders among them.

    The hidden columns ``offender`` (labels, distributors) and ``popularity`` (tracks) drive
    the generator and are dropped before loading. ``label_scale`` (default ``scale``) sizes
    the labels and distributors: a shard of a sharded build passes a smaller one, so the
    shards together hold about as many labels as one warehouse of the whole scale.
    """
    ls = scale if label_scale is None else label_scale
    n_dist = max(8, round(40 * ls**0.5))
    n_labels = max(40, round(1200 * ls**0.5))
    n_tracks = max(400, round(TRACKS_PER_SCALE * scale))
    n_artists = max(100, n_tracks // 4)

    tiers = np.array(["major"] * 3 + ["indie aggregator"] * max(2, n_dist // 3))
    tiers = np.concatenate([tiers, np.full(n_dist - len(tiers), "DIY")])
    dist_offender = np.zeros(n_dist, dtype=bool)
    diy = np.flatnonzero(tiers == "DIY")
    dist_offender[rng.choice(diy, size=max(1, len(diy) // 12), replace=False)] = True
    distributors = pd.DataFrame(
        {
            "distributor_id": np.arange(1, n_dist + 1, dtype="int32"),
            "name": _names(rng, n_dist, ("Distribution", "Music Group", "Digital", "Audio")),
            "tier": tiers,
            "offender": dist_offender,
        }
    )

    tier_weight = np.select([tiers == "major", tiers == "DIY"], [8.0, 1.0], 2.5)
    label_dist = rng.choice(n_dist, size=n_labels, p=tier_weight / tier_weight.sum())
    label_type = np.select(
        [tiers[label_dist] == "major", tiers[label_dist] == "DIY"],
        ["major sub-label", "self-released"],
        "independent",
    )
    offender = (rng.random(n_labels) < 0.03) | (
        dist_offender[label_dist] & (rng.random(n_labels) < 0.35)
    )
    offender[0 if not offender.any() else np.flatnonzero(offender)[0]] = True
    risk = np.where(
        offender,
        np.where(rng.random(n_labels) < 0.7, "high", "medium"),
        rng.choice(["low", "medium", "high"], size=n_labels, p=[0.75, 0.2, 0.05]),
    )
    labels = pd.DataFrame(
        {
            "label_id": np.arange(1, n_labels + 1, dtype="int32"),
            "name": _names(rng, n_labels, ("Records", "Recordings", "Music", "Sound", "Beats")),
            "distributor_id": (label_dist + 1).astype("int32"),
            "label_type": label_type,
            "risk_tier": risk,
            "offender": offender,
        }
    )

    # Artists belong to labels with Zipf-like label sizes.
    label_size = 1.0 / np.arange(1, n_labels + 1) ** 0.8
    label_size = rng.permutation(label_size)
    artist_label = rng.choice(n_labels, size=n_artists, p=label_size / label_size.sum())
    artists = pd.DataFrame(
        {
            "artist_id": np.arange(1, n_artists + 1, dtype="int32"),
            "name": _names(rng, n_artists, ("", "& The Band", "Collective", "Project", "Trio")),
            "label_id": (artist_label + 1).astype("int32"),
        }
    )
    artists["name"] = artists["name"].str.strip()

    track_artist = rng.integers(0, n_artists, n_tracks)
    track_label = artist_label[track_artist]
    lab_off = offender[track_label]
    is_ai = rng.random(n_tracks) < np.where(lab_off, 0.30, 0.025)
    is_noise = (rng.random(n_tracks) < np.where(lab_off, 0.10, 0.012)) & ~is_ai
    genre_names = np.array([g for g, _ in ref.GENRES])
    genre_p = np.array([p for _, p in ref.GENRES])
    genre = rng.choice(genre_names, size=n_tracks, p=genre_p / genre_p.sum())
    genre = np.where(is_noise, "non-musical", np.where(is_ai, "background/lo-fi", genre))
    duration = np.clip(rng.normal(205, 45, n_tracks), 95, 600)
    duration = np.where(is_noise, rng.integers(31, 46, n_tracks), duration).astype("int16")
    span = (ref.END - ref.START).days + 365 * 8
    release_offset = np.where(
        is_ai, rng.integers(0, 700, n_tracks), rng.integers(0, span, n_tracks)
    )
    release = pd.to_datetime(ref.END) - pd.to_timedelta(release_offset, unit="D")
    # Popularity: Zipf over a shuffled rank; majors skew popular, AI/noise tracks obscure.
    boost = np.select([tiers[label_dist[track_label]] == "major", is_ai | is_noise], [3.0, 0.05], 1)
    rank = np.empty(n_tracks, dtype=np.int64)
    rank[np.argsort(-(rng.random(n_tracks) * boost))] = np.arange(1, n_tracks + 1)
    popularity = 1.0 / rank**1.1
    words = _WORDS[rng.integers(0, len(_WORDS), (n_tracks, 2))]
    ids = np.arange(1, n_tracks + 1)
    tracks = pd.DataFrame(
        {
            "track_id": ids.astype("int32"),
            "isrc": isrc_codes(ids),
            "title": [f"{a} {b}" for a, b in words],
            "artist_id": (track_artist + 1).astype("int32"),
            "label_id": (track_label + 1).astype("int32"),
            "genre": genre,
            "duration_s": duration,
            "is_ai": is_ai,
            "is_noise": is_noise,
            "release_date": release.date,
            "popularity": popularity,
        }
    )
    return {
        "dim_distributor": distributors,
        "dim_label": labels,
        "dim_artist": artists,
        "dim_track": tracks,
    }


def isrc_codes(ids) -> list[str]:
    """Unique ISRC-shaped codes of track ids (registrant QZ is reserved for tests)."""
    return [f"QZ{i // 100000 + 0xA00:03X}{24 + i % 3:02d}{i % 100000:05d}" for i in ids]


def day_index(d) -> int:
    return (d - ref.START).days


def all_days() -> int:
    return (ref.END - ref.START).days + 1


ONE_DAY = timedelta(days=1)
