"""A small warehouse shaped like a real streaming platform's, not like our star schema.

The worked example of the input layer (issue P12): play events, a catalogue keyed by URIs,
a detection service's output (uuids, model names and versions, reason codes), a review
tool's decisions in its own words (second reviews on unsure ones), a payments ledger in
three currencies with reversals, and a case manager shaped like Marble (inboxes, statuses,
outcomes, case events). ``mapping/*.sql`` maps it to the project's inputs; ``expected.py``
computes, straight from these tables, what the pages should show.

    python -m examples.foreign_warehouse.make_foreign --url duckdb:///foreign.duckdb
    python -m examples.foreign_warehouse.make_foreign --url URL --defects

Deterministic (``seed``), small (60 days ending 2026-11-29, 300 tracks, ~80k plays) and
identical on DuckDB and PostgreSQL. ``defects=True`` plants what the checks must report: a
duplicated detection id, reviews of no detection, a play in the future and a verdict the
configuration does not know ('maybe').
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

FIRST_DAY = date(2026, 10, 1)
LAST_DAY = date(2026, 11, 29)
DAYS = (LAST_DAY - FIRST_DAY).days + 1  # 60
END_TS = datetime(2026, 11, 29, 23, 59, 59)
FUTURE_PLAY = datetime(2027, 3, 15, 12, 0, 0)  # the planted defect

# ISO2, English name, currency of the ledger, weight of the market's listening.
MARKETS = (
    ("SE", "Sweden", "SEK", 3.0),
    ("NO", "Norway", "EUR", 1.2),
    ("DK", "Denmark", "EUR", 1.0),
    ("FI", "Finland", "EUR", 1.0),
    ("DE", "Germany", "EUR", 4.0),
    ("FR", "France", "EUR", 3.0),
    ("GB", "United Kingdom", "USD", 3.5),
    ("US", "United States", "USD", 6.0),
    ("BR", "Brazil", "USD", 3.0),
    ("MX", "Mexico", "USD", 2.0),
    ("ES", "Spain", "EUR", 2.0),
    ("IT", "Italy", "EUR", 1.8),
    ("NL", "Netherlands", "EUR", 1.5),
    ("PL", "Poland", "EUR", 1.2),
    ("JP", "Japan", "USD", 2.0),
)
# Units of the currency per EUR (the inverse of config [fx]), to write amounts the ledger way.
PER_EUR = {"EUR": 1.0, "USD": 1 / 0.92, "SEK": 1 / 0.087}
PAYOUT_PER_STREAM_EUR = 0.003

GENRES = ("pop", "hip-hop", "electronic", "rock", "ambient", "lo-fi", "latin", "jazz")
PLATFORMS = ("ios", "android", "desktop", "web")
TIERS = ("premium", "family", "free", "student", "trial")
MODELS = (("velocity", "v3.2"), ("botnet-gnn", "2026.10.1"), ("loop-detector", "v1.4"))
REASONS = {  # model -> reason codes it emits for an attack of that kind
    "velocity": ("BOT_VELOCITY", "CLICK_FARM"),
    "botnet-gnn": ("BOTNET_CLUSTER", "ACCT_TAKEOVER"),
    "loop-detector": ("LOOP_PATTERN", "PLAYLIST_STUFFING"),
}
REVIEWERS = tuple(
    f"{n}@plat.example" for n in ("ana.lind", "bo.ek", "cai.moreno", "dana.roy", "eli.sato")
)
INBOXES = ("Fraud Ops", "Finance", "Legal", "Content")
ALPHABET = np.array(list("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))

md = sa.MetaData()
T, TS, D, INT, F = sa.Text, sa.DateTime, sa.Date, sa.Integer, sa.Float
MONEY = sa.Numeric(14, 2)


def _table(name: str, *cols: tuple) -> sa.Table:
    return sa.Table(name, md, *(sa.Column(n, t) for n, t in cols))


PLAYS = _table(
    "plays",
    ("play_id", T),
    ("played_at", TS),
    ("track_uri", T),
    ("user_id", T),
    ("country", T),
    ("ms_played", INT),
    ("platform", T),
    ("product_tier", T),
)
CATALOGUE = _table(
    "catalogue_tracks",
    ("track_uri", T),
    ("isrc", T),
    ("title", T),
    ("artist_uri", T),
    ("artist_name", T),
    ("label_uri", T),
    ("label_name", T),
    ("distributor_uri", T),
    ("distributor_name", T),
    ("genre", T),
    ("duration_ms", INT),
    ("released_on", D),
)
DETECTIONS = _table(
    "detection_events",
    ("id", T),
    ("created_at", TS),
    ("model_name", T),
    ("model_version", T),
    ("score", F),
    ("reason_code", T),
    ("track_uri", T),
    ("country", T),
    ("flagged_plays", INT),
)
REVIEWS = _table(
    "review_decisions",
    ("id", T),
    ("detection_id", T),
    ("reviewer_email", T),
    ("created_at", TS),
    ("opened_at", TS),
    ("decided_at", TS),
    ("verdict", T),
)
LEDGER = _table(
    "payments_ledger",
    ("entry_id", T),
    ("detection_id", T),
    ("action_code", T),
    ("booked_at", TS),
    ("track_uri", T),
    ("country", T),
    ("royalty_month", D),
    ("plays_removed", INT),
    ("amount", MONEY),
    ("currency", T),
    ("collected_amount", MONEY),
    ("reversed_at", TS),
)
MARBLE_INBOXES = _table("marble_inboxes", ("id", T), ("name", T))
MARBLE_CASES = _table(
    "marble_cases",
    ("id", T),
    ("created_at", TS),
    ("inbox_id", T),
    ("name", T),
    ("status", T),
    ("outcome", T),
    ("assignee", T),
    ("detection_id", T),
    ("track_uri", T),
    ("country", T),
)
MARBLE_EVENTS = _table(
    "marble_case_events",
    ("id", T),
    ("case_id", T),
    ("created_at", TS),
    ("event_type", T),
    ("previous_value", T),
    ("new_value", T),
)
TABLES = (
    PLAYS,
    CATALOGUE,
    DETECTIONS,
    REVIEWS,
    LEDGER,
    MARBLE_INBOXES,
    MARBLE_CASES,
    MARBLE_EVENTS,
)


class _Gen:
    """The random source: ids and draws from one seeded generator, nothing else."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))

    def uuids(self, n: int) -> list[str]:
        return [self.uuid() for _ in range(n)]

    def uri(self, kind: str, n: int) -> list[str]:
        chars = ALPHABET[self.rng.integers(0, len(ALPHABET), size=(n, 22))]
        return [f"plat:{kind}:" + "".join(row) for row in chars]

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(seconds=float(self.rng.uniform(low, high)) * 3600)


def _day_ts(g: _Gen, day_index: np.ndarray) -> pd.Series:
    """A timestamp within each day (whole seconds)."""
    secs = g.rng.integers(0, 86400, size=len(day_index))
    base = np.datetime64(FIRST_DAY) + day_index.astype("timedelta64[D]")
    return pd.Series(base.astype("datetime64[s]") + secs.astype("timedelta64[s]"))


def _catalogue(g: _Gen) -> pd.DataFrame:
    n_dist, n_labels, n_artists, n_tracks = 8, 40, 150, 300
    dist_uri = g.uri("distributor", n_dist)
    dist_name = [
        "TuneBridge",
        "Soundrop Nordic",
        "DistroWave",
        "CD Baby Classic",
        "Amuse Lane",
        "RouteNote Plus",
        "Ditto Sky",
        "LANDR Flow",
    ]
    label_uri = g.uri("label", n_labels)
    label_dist = g.rng.integers(0, n_dist, size=n_labels)
    artist_uri = g.uri("artist", n_artists)
    artist_label = g.rng.integers(0, n_labels, size=n_artists)
    track_artist = g.rng.integers(0, n_artists, size=n_tracks)
    track_label = artist_label[track_artist]
    genre = g.rng.choice(GENRES, size=n_tracks)
    duration = g.rng.integers(95_000, 330_000, size=n_tracks)
    released = [FIRST_DAY - timedelta(days=int(x)) for x in g.rng.integers(20, 2500, size=n_tracks)]
    isrc = [f"SE{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}A25{i:05d}" for i in range(n_tracks)]
    return pd.DataFrame(
        {
            "track_uri": g.uri("track", n_tracks),
            "isrc": isrc,
            "title": [f"Track {i + 1:03d}" for i in range(n_tracks)],
            "artist_uri": [artist_uri[a] for a in track_artist],
            "artist_name": [f"Artist {a + 1:03d}" for a in track_artist],
            "label_uri": [label_uri[lab] for lab in track_label],
            "label_name": [f"Label {lab + 1:02d} Records" for lab in track_label],
            "distributor_uri": [dist_uri[label_dist[lab]] for lab in track_label],
            "distributor_name": [dist_name[label_dist[lab]] for lab in track_label],
            "genre": genre,
            "duration_ms": duration.astype("int64"),
            "released_on": released,
        }
    )


def _country_spelling(g: _Gen, codes: np.ndarray, *, names=0.06, missing=0.04) -> list:
    """Mostly ISO2 codes, some full English names, some NULL (as real event logs have)."""
    name_of = {m[0]: m[1] for m in MARKETS}
    u = g.rng.random(len(codes))
    return [
        None if x < missing else name_of[c] if x < missing + names else c
        for c, x in zip(codes, u, strict=True)
    ]


def _plays(g: _Gen, cat: pd.DataFrame, attacks: list[dict]) -> pd.DataFrame:
    n_tracks = len(cat)
    # Organic listening: popularity-weighted tracks, market weights, weekends a bit busier.
    n = 72_000
    pop = g.rng.lognormal(0.0, 1.1, size=n_tracks)
    for a in attacks:  # attacked tracks are obscure ones (little organic listening)
        pop[a["tracks"]] = pop[a["tracks"]] * 0.05
    pop /= pop.sum()
    weights = np.array([m[3] for m in MARKETS])
    day_w = np.array(
        [1.15 if (FIRST_DAY + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(DAYS)]
    )
    tracks = g.rng.choice(n_tracks, size=n, p=pop)
    markets = g.rng.choice(len(MARKETS), size=n, p=weights / weights.sum())
    days = g.rng.choice(DAYS, size=n, p=day_w / day_w.sum())
    duration = cat["duration_ms"].to_numpy()[tracks]
    skip = g.rng.random(n) < 0.19  # a realistic share of plays under 30 s
    ms = np.where(
        skip,
        g.rng.integers(800, 30_000, size=n),
        (30_000 + g.rng.random(n) * (duration - 30_000)).astype("int64"),
    )
    users = np.array([f"u{x:06d}" for x in range(25_000)])
    organic = pd.DataFrame(
        {
            "track": tracks,
            "market": markets,
            "day": days,
            "user_id": users[g.rng.integers(0, len(users), size=n)],
            "ms_played": ms,
            "platform": g.rng.choice(PLATFORMS, size=n, p=[0.38, 0.32, 0.2, 0.1]),
            "product_tier": g.rng.choice(TIERS, size=n, p=[0.45, 0.15, 0.3, 0.06, 0.04]),
        }
    )
    parts = [organic]
    for k, a in enumerate(attacks):
        bots = np.array([f"b{k:02d}{x:04d}" for x in range(60)])
        for t in a["tracks"]:
            per_day = g.rng.poisson(a["intensity"], size=a["length"])
            days_a = np.repeat(np.arange(a["start"], a["start"] + a["length"]), per_day)
            m = len(days_a)
            parts.append(
                pd.DataFrame(
                    {
                        "track": t,
                        "market": a["market"],
                        "day": days_a,
                        "user_id": bots[g.rng.integers(0, len(bots), size=m)],
                        # Just past the 30 s royalty threshold, with a few short ones.
                        "ms_played": np.where(
                            g.rng.random(m) < 0.1,
                            g.rng.integers(5_000, 30_000, size=m),
                            g.rng.integers(30_000, 41_000, size=m),
                        ),
                        "platform": g.rng.choice(("web", "desktop", "android"), size=m),
                        "product_tier": g.rng.choice(("free", "trial"), size=m, p=[0.7, 0.3]),
                    }
                )
            )
    df = pd.concat(parts, ignore_index=True)
    df["played_at"] = _day_ts(g, df["day"].to_numpy())
    df = df.sort_values(["played_at", "track", "user_id"], kind="stable", ignore_index=True)
    codes = np.array([m[0] for m in MARKETS])[df["market"].to_numpy()]
    return pd.DataFrame(
        {
            "play_id": g.uuids(len(df)),
            "played_at": df["played_at"],
            "track_uri": cat["track_uri"].to_numpy()[df["track"].to_numpy()],
            "user_id": df["user_id"],
            "country": _country_spelling(g, codes),
            "ms_played": df["ms_played"].astype("int64"),
            "platform": df["platform"],
            "product_tier": df["product_tier"],
        }
    )


def _attacks(g: _Gen, cat: pd.DataFrame) -> list[dict]:
    """Fraud clusters on a few labels: each attack hits 2–4 tracks of one label in one
    market over 4–10 days."""
    labels = cat["label_uri"].unique()
    hit = g.rng.choice(labels, size=5, replace=False)
    out = []
    for k in range(12):
        label = hit[k % len(hit)]
        idx = np.flatnonzero(cat["label_uri"].to_numpy() == label)
        tracks = g.rng.choice(idx, size=min(len(idx), int(g.rng.integers(2, 5))), replace=False)
        length = int(g.rng.integers(4, 11))
        out.append(
            {
                "tracks": [int(t) for t in tracks],
                "market": int(g.rng.choice([0, 4, 5, 6, 7, 8, 13])),
                "start": int(g.rng.integers(3, DAYS - length - 2)),
                "length": length,
                "intensity": float(g.rng.uniform(12, 36)),
                "model": k % 3,
            }
        )
    return out


def _detections(g: _Gen, cat: pd.DataFrame, attacks: list[dict], plays: pd.DataFrame):
    rows = []
    codes = [m[0] for m in MARKETS]

    def add(track: int, market: int, day: int, model: int, score: float, truth: bool) -> None:
        name, version = MODELS[model]
        at = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time())
        at += g.hours(0, 23.9)
        at = at.replace(microsecond=0)
        rows.append(
            {
                "id": g.uuid(),
                "created_at": at,
                "model_name": name,
                "model_version": version,
                "score": round(score, 4),
                "reason_code": REASONS[name][int(g.rng.random() < 0.3)],
                "track": track,
                "market": market,
                "truth": truth,
            }
        )

    for a in attacks:
        for t in a["tracks"]:
            if g.rng.random() < 0.9:
                day = a["start"] + int(g.rng.integers(2, a["length"] + 3))
                add(t, a["market"], min(day, DAYS - 1), a["model"], g.rng.uniform(0.7, 0.99), True)
            if g.rng.random() < 0.45:  # a second model agrees, later
                day = a["start"] + int(g.rng.integers(3, a["length"] + 6))
                other = (a["model"] + 1) % 3
                add(t, a["market"], min(day, DAYS - 1), other, g.rng.uniform(0.6, 0.95), True)
    # False positives: popular tracks in big markets, any day.
    index_of = {uri: i for i, uri in enumerate(cat["track_uri"])}
    popular = [index_of[u] for u in plays["track_uri"].value_counts().index[:60]]
    for _ in range(24):
        track, market = int(g.rng.choice(popular)), int(g.rng.choice([4, 5, 6, 7]))
        day, model = int(g.rng.integers(0, DAYS)), int(g.rng.integers(0, 3))
        add(track, market, day, model, g.rng.uniform(0.5, 0.8), False)
    det = pd.DataFrame(rows).sort_values("created_at", ignore_index=True)
    det["track_uri"] = cat["track_uri"].to_numpy()[det["track"]]
    iso = np.array(codes)[det["market"]]
    det["country"] = _country_spelling(g, iso, names=0.1, missing=0.0)
    # What the service reports: plays of the track in the market over the 28 days before.
    p = plays.dropna(subset=["country"])
    flagged = []
    for r in det.itertuples():
        lo = r.created_at - timedelta(days=28)
        sel = (p["track_uri"] == r.track_uri) & p["played_at"].between(lo, r.created_at)
        sel &= p["country"].isin([codes[r.market], MARKETS[r.market][1]])
        flagged.append(int(sel.sum()))
    det["flagged_plays"] = flagged
    return det


def _reviews(g: _Gen, det: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple]]:
    """Review rows; and per detection its final (verdict, decided_at) when decided."""
    rows, final = [], {}

    def review(det_id: str, queued: datetime, verdict: str | None) -> dict:
        opened = queued + g.hours(0.3, 30)
        decided = opened + g.hours(0.2, 10)
        row = {
            "id": g.uuid(),
            "detection_id": det_id,
            "reviewer_email": REVIEWERS[int(g.rng.integers(0, len(REVIEWERS)))],
            "created_at": queued.replace(microsecond=0),
            "opened_at": opened.replace(microsecond=0),
            "decided_at": decided.replace(microsecond=0),
            "verdict": verdict,
        }
        if row["opened_at"] > END_TS:
            row["opened_at"] = None
        if row["decided_at"] > END_TS:
            row["decided_at"], row["verdict"] = None, None
            row["reviewer_email"] = row["reviewer_email"] if row["opened_at"] else None
        rows.append(row)
        return row

    for r in det.itertuples():
        if g.rng.random() < 0.07:
            continue  # never reviewed: pending
        p = (0.78, 0.10, 0.12) if r.truth else (0.2, 0.65, 0.15)
        verdict = str(g.rng.choice(("fraud", "legit", "unsure"), p=p))
        first = review(r.id, r.created_at + g.hours(0, 2), verdict)
        if first["decided_at"] is None:
            continue
        final[r.id] = (first["verdict"], first["decided_at"])
        if verdict == "unsure":  # a second, senior review decides
            second = str(g.rng.choice(("fraud", "legit"), p=(0.8, 0.2) if r.truth else (0.3, 0.7)))
            queued = first["decided_at"] + g.hours(1, 30)
            if queued < END_TS - timedelta(hours=2):
                row = review(r.id, queued, second)
                if row["decided_at"] is None:  # decide it before the data ends
                    row["opened_at"] = row["opened_at"] or queued + timedelta(minutes=30)
                    row["decided_at"] = min(END_TS, row["opened_at"] + timedelta(hours=1))
                    row["verdict"] = second
                    row["reviewer_email"] = row["reviewer_email"] or REVIEWERS[0]
                final[r.id] = (second, row["decided_at"])
    return pd.DataFrame(rows), final


def _ledger(g: _Gen, det: pd.DataFrame, final: dict, plays: pd.DataFrame) -> pd.DataFrame:
    rows = []
    qual = plays[plays["ms_played"] >= 30_000]
    for r in det.itertuples():
        verdict, decided = final.get(r.id, (None, None))
        if verdict != "fraud":
            continue
        code, name, currency, _ = MARKETS[r.market]
        lo = r.created_at - timedelta(days=28)
        sel = (qual["track_uri"] == r.track_uri) & qual["played_at"].between(lo, r.created_at)
        removed = int((sel & qual["country"].isin([code, name])).sum())
        royalties = removed * PAYOUT_PER_STREAM_EUR * PER_EUR[currency]
        month = r.created_at.date().replace(day=1)
        plan = [("STRM_RM", 0.95), ("WHLD", 0.6), ("FEE", 0.4), ("TKDN", 0.15), ("SUSP", 0.3)]
        plan.append(("WARN", 0.2))
        for action, p in plan:
            if g.rng.random() >= p:
                continue
            booked = (decided + g.hours(1, 60)).replace(microsecond=0)
            if booked > END_TS:
                continue
            amount, collected, n = 0.0, None, 0
            if action == "STRM_RM":
                n, amount = removed, royalties
            elif action == "WHLD":
                amount = royalties * float(g.rng.uniform(1.0, 3.0))
            elif action == "FEE":
                amount = 10.0 * PER_EUR[currency]
                collected = amount * float(g.rng.choice((0.0, 0.5, 1.0), p=(0.3, 0.2, 0.5)))
            reversed_at = None
            if action in ("STRM_RM", "WHLD", "FEE", "TKDN") and g.rng.random() < 0.08:
                rev = (booked + g.hours(72, 400)).replace(microsecond=0)
                reversed_at = rev if rev <= END_TS else None
            rows.append(
                {
                    "entry_id": g.uuid(),
                    "detection_id": r.id,
                    "action_code": action,
                    "booked_at": booked,
                    "track_uri": r.track_uri,
                    "country": code,
                    "royalty_month": month,
                    "plays_removed": n,
                    "amount": round(amount, 2),
                    "currency": currency,
                    "collected_amount": None if collected is None else round(collected, 2),
                    "reversed_at": reversed_at,
                }
            )
    return pd.DataFrame(rows).sort_values("booked_at", ignore_index=True)


def _marble(g: _Gen, det: pd.DataFrame, final: dict, cat: pd.DataFrame):
    inbox_ids = g.uuids(len(INBOXES))
    inboxes = pd.DataFrame({"id": inbox_ids, "name": list(INBOXES)})
    cases, events = [], []

    def event(case_id, at, kind, prev=None, new=None) -> bool:
        if at > END_TS:
            return False
        events.append(
            {
                "id": g.uuid(),
                "case_id": case_id,
                "created_at": at.replace(microsecond=0),
                "event_type": kind,
                "previous_value": prev,
                "new_value": new,
            }
        )
        return True

    def case(opened: datetime, det_id, track_uri, country, name) -> None:
        cid, inbox, status, outcome = g.uuid(), inbox_ids[0], "open", "unset"
        opened = opened.replace(microsecond=0)
        assignee = REVIEWERS[int(g.rng.integers(0, len(REVIEWERS)))]
        event(cid, opened, "created", None, name)
        # Most cases are picked up within hours, some wait days (first-response breaches).
        t = opened + (g.hours(0.5, 8) if g.rng.random() > 0.15 else g.hours(80, 150))
        if event(cid, t, "assigned", None, assignee):
            t += g.hours(1, 24)
            if event(cid, t, "status_updated", "open", "investigating"):
                status = "investigating"
        if g.rng.random() < 0.35:
            t += g.hours(2, 48)
            target = inbox_ids[int(g.rng.integers(1, len(INBOXES)))]
            if event(cid, t, "inbox_changed", inbox, target):
                inbox = target
        if g.rng.random() < 0.5:
            t += g.hours(1, 24)
            event(cid, t, "decision_added", None, "review")
        # Closed within days; some drag on past a month (resolution breaches).
        t += g.hours(24, 300) if g.rng.random() > 0.15 else g.hours(740, 900)
        if status == "investigating" and t <= END_TS:
            closing = "resolved" if g.rng.random() < 0.8 else "discarded"
            new_outcome = (
                str(g.rng.choice(("confirmed_risk", "valuable_alert")))
                if closing == "resolved"
                else "false_positive"
            )
            event(cid, t, "status_updated", status, closing)
            event(cid, t + timedelta(minutes=5), "outcome_updated", outcome, new_outcome)
            status, outcome = closing, new_outcome
        cases.append(
            {
                "id": cid,
                "created_at": opened,
                "inbox_id": inbox,
                "name": name,
                "status": status,
                "outcome": outcome,
                "assignee": assignee,
                "detection_id": det_id,
                "track_uri": track_uri,
                "country": country,
            }
        )

    codes = [m[0] for m in MARKETS]
    for r in det.itertuples():
        verdict, decided = final.get(r.id, (None, None))
        if verdict in ("fraud", "unsure") and g.rng.random() < 0.65:
            opened = decided + g.hours(0.1, 6)
            if opened <= END_TS:
                case(opened, r.id, r.track_uri, codes[r.market], f"{r.model_name}: {r.reason_code}")
    for k in range(8):  # manual cases: a partner's tip-off, no detection
        day = int(g.rng.integers(0, DAYS - 3))
        opened = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time())
        t = int(g.rng.integers(0, len(cat)))
        country = codes[int(g.rng.integers(0, len(codes)))] if k % 3 else None
        case(opened + g.hours(8, 18), None, cat["track_uri"].iloc[t], country, f"Tip-off {k + 1}")
    cases_df = pd.DataFrame(cases).sort_values("created_at", ignore_index=True)
    events_df = pd.DataFrame(events).sort_values(["created_at", "id"], ignore_index=True)
    return inboxes, cases_df, events_df


def frames(seed: int = 3, *, defects: bool = False) -> dict[str, pd.DataFrame]:
    """Every foreign table as a DataFrame, by table name."""
    g = _Gen(seed)
    cat = _catalogue(g)
    attacks = _attacks(g, cat)
    plays = _plays(g, cat, attacks)
    det = _detections(g, cat, attacks, plays)
    reviews, final = _reviews(g, det)
    ledger = _ledger(g, det, final, plays)
    inboxes, cases, events = _marble(g, det, final, cat)
    out = {
        "plays": plays,
        "catalogue_tracks": cat,
        "detection_events": det[[c.name for c in DETECTIONS.columns]],
        "review_decisions": reviews,
        "payments_ledger": ledger,
        "marble_inboxes": inboxes,
        "marble_cases": cases,
        "marble_case_events": events,
    }
    if defects:
        _plant_defects(g, out)
    return out


def _plant_defects(g: _Gen, out: dict[str, pd.DataFrame]) -> None:
    """What the checks must report, each once: see DEFECTS."""
    det = out["detection_events"]
    dup = det.iloc[[len(det) // 2]].copy()
    dup["model_version"] = dup["model_version"] + "-replay"
    out["detection_events"] = pd.concat([det, dup], ignore_index=True)
    rev = out["review_decisions"]
    orphans = rev.iloc[[0, 1]].copy()
    orphans["id"] = g.uuids(2)
    orphans["detection_id"] = g.uuids(2)
    decided = rev.index[rev["verdict"].notna()]
    rev = rev.copy()
    rev.loc[decided[len(decided) // 3], "verdict"] = "maybe"
    out["review_decisions"] = pd.concat([rev, orphans], ignore_index=True)
    plays = out["plays"]
    future = plays.iloc[[len(plays) // 2]].copy()
    future["play_id"] = g.uuid()
    future["played_at"] = pd.Timestamp(FUTURE_PLAY)
    out["plays"] = pd.concat([plays, future], ignore_index=True)


def _load(engine: sa.Engine, table: sa.Table, df: pd.DataFrame) -> None:
    df = df[[c.name for c in table.columns]]
    if engine.dialect.name == "duckdb":
        from data_access.demo.load import loader_for  # Arrow in, columns by name

        with engine.begin() as conn:
            loader_for("duckdb")(conn, table, df)
        return
    rows = df.astype(object).where(df.notna(), None).itertuples(index=False, name=None)
    if engine.dialect.name == "postgresql":  # COPY: one round trip, psycopg adapts each value
        from psycopg import sql

        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name),
            sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns),
        )
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(stmt) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    names = [c.name for c in table.columns]
    with engine.begin() as conn:
        conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])


def create(url: str, *, seed: int = 3, defects: bool = False) -> dict[str, int]:
    """(Re)create the foreign tables at ``url``; returns the rows written per table."""
    data = frames(seed, defects=defects)
    engine = sa.create_engine(url)
    try:
        md.drop_all(engine)
        md.create_all(engine)
        for table in TABLES:
            _load(engine, table, data[table.name])
    finally:
        engine.dispose()
    return {name: len(df) for name, df in data.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m examples.foreign_warehouse.make_foreign")
    ap.add_argument("--url", required=True, help="SQLAlchemy URL of the warehouse to write")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--defects", action="store_true", help="plant the defects the checks find")
    args = ap.parse_args(argv)
    counts = create(args.url, seed=args.seed, defects=args.defects)
    for name, n in counts.items():
        print(f"{name:20} {n:>8,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
