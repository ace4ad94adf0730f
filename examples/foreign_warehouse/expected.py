"""What the pages should show for the foreign warehouse, computed straight from its tables.

An independent computation (pandas over the foreign tables, none of the project's code) of
the figures of the Overview, Funnel and Enforcement tiles for a period and a set of markets,
under the input layer's documented semantics (data_access/inputs/contract.py, config
[attribution] and [streams]):

- a play is a stream when ``ms_played >= [streams] min_ms``; streams per day × track × market
  (the day of ``played_at``);
- a stream row (day, track, market) is flagged when a detection of that track and market
  has ``detected day - lookback_days <= day <= detected day + after_days``; the earliest
  detected such detection takes it, and all the row's streams are flagged;
- a detection's outcome is the verdict of its last decided review (latest ``decided_at``),
  in our words through [vocabularies.verdict]; pending when none is decided; the row's
  streams are confirmed when its detection's outcome is confirmed;
- the estimated artificial streams are the flagged ones (no estimate is mapped), so recall
  reads 100% wherever anything is flagged;
- money is converted to EUR with [fx]; a stream is priced at its market's [payout.market]
  rate per 1,000 (unlisted or unknown markets: default_per_1k_eur).

Streams are dated by play day, detections by detection day, actions by booking day.
``markets=None`` is every market: plays without a (known) country count in the totals then,
and never in a market slice.

    python -m examples.foreign_warehouse.expected --url URL --start 2026-11-02 --end 2026-11-29
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "business.toml"
TABLES = (
    "plays",
    "catalogue_tracks",
    "detection_events",
    "review_decisions",
    "payments_ledger",
    "marble_inboxes",
    "marble_cases",
    "marble_case_events",
)
# Our verdicts (data_access/inputs/contract.py VOCABULARIES["verdict"]), written out again.
OUR_VERDICTS = ("pending", "confirmed", "false_positive", "insufficient_evidence", "escalated")
# The country names the platform writes instead of codes (the mapping's CASE, again).
COUNTRY_NAMES = {
    "sweden": "SE",
    "norway": "NO",
    "denmark": "DK",
    "finland": "FI",
    "germany": "DE",
    "france": "FR",
    "united kingdom": "GB",
    "united states": "US",
    "brazil": "BR",
    "mexico": "MX",
    "spain": "ES",
    "italy": "IT",
    "netherlands": "NL",
    "poland": "PL",
    "japan": "JP",
}


@dataclass(frozen=True)
class Config:
    min_ms: int
    lookback_days: int
    after_days: int
    payout_per_1k: dict[str, float]  # market -> EUR per 1,000 streams
    default_per_1k: float
    fx: dict[str, float]
    verdict: dict[str, str]  # their word (lower-case) -> ours
    action: dict[str, str]
    case_status: dict[str, str]
    priority_default: str
    priority_rules: tuple[tuple[float, str], ...]  # (min exposure EUR, priority), in order
    first_response_hours: dict[str, float]
    resolution_hours: dict[str, float]

    def priority(self, exposure_eur: float) -> str:
        for floor, priority in self.priority_rules:
            if exposure_eur >= floor:
                return priority
        return self.priority_default


def read_config(path: Path = CONFIG) -> Config:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    vocab = raw.get("vocabularies", {})

    def words(name: str) -> dict[str, str]:
        return {str(k).strip().lower(): v for k, v in vocab.get(name, {}).items()}

    return Config(
        min_ms=int(raw.get("streams", {}).get("min_ms", 30000)),
        lookback_days=int(raw.get("attribution", {}).get("lookback_days", 28)),
        after_days=int(raw.get("attribution", {}).get("after_days", 0)),
        payout_per_1k={k: float(v) for k, v in raw.get("payout", {}).get("market", {}).items()},
        default_per_1k=float(raw.get("payout", {}).get("default_per_1k_eur", 3.0)),
        fx={**{"EUR": 1.0}, **raw.get("fx", {})},
        verdict=words("verdict"),
        action=words("action"),
        case_status=words("case_status"),
        priority_default=raw.get("priority", {}).get("default", "P3"),
        priority_rules=tuple(
            (float(r["min_exposure_eur"]), r["priority"])
            for r in raw.get("priority", {}).get("rules", [])
        ),
        first_response_hours=raw.get("sla", {}).get("first_response_hours", {}),
        resolution_hours=raw.get("sla", {}).get("resolution_hours", {}),
    )


def read_tables(url: str) -> dict[str, pd.DataFrame]:
    """Every foreign table, as it is in the warehouse at ``url``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: pd.read_sql(sa.select(sa.text("*")).select_from(sa.table(t)), conn)
                for t in TABLES
            }
    finally:
        engine.dispose()


def market_code(country: pd.Series) -> pd.Series:
    """ISO2 as is (upper-cased), English names to codes, anything else (NULL too) NA."""
    s = country.astype("string").str.strip()
    code = s.str.upper().where(s.str.len() == 2)
    return code.fillna(s.str.lower().map(COUNTRY_NAMES))


def _money(df: pd.DataFrame, column: str, fx: dict[str, float]) -> pd.Series:
    return pd.to_numeric(df[column], errors="coerce").astype(float).fillna(0.0) * df[
        "currency"
    ].map(fx).astype(float)


def _in_markets(codes: pd.Series, markets: frozenset[str] | None) -> pd.Series:
    return pd.Series(True, index=codes.index) if markets is None else codes.isin(markets)


def outcomes(tables: dict[str, pd.DataFrame], cfg: Config) -> pd.Series:
    """detection id -> our verdict of its last decided review ('pending' if none). A review
    counts as decided when it has a decided_at and a verdict in our words (or mapped to
    them): a word nobody mapped decides nothing."""
    det = tables["detection_events"].drop_duplicates("id")
    r = tables["review_decisions"]
    words = r["verdict"].astype("string").str.strip().str.lower()
    r = r.assign(ours=words.map({**{v: v for v in OUR_VERDICTS}, **cfg.verdict}))
    r = r[r["decided_at"].notna() & r["ours"].notna() & (r["ours"] != "pending")]
    last = r.sort_values(["decided_at", "id"], kind="stable").groupby("detection_id")["ours"]
    return last.last().reindex(det["id"]).fillna("pending")


def stream_rows(tables: dict[str, pd.DataFrame], cfg: Config) -> pd.DataFrame:
    """Streams per day × track × market (market NA for unknown countries), each row with the
    detection it is attributed to (NA when not flagged) and that detection's outcome."""
    p = tables["plays"]
    p = p[pd.to_numeric(p["ms_played"]) >= cfg.min_ms]
    rows = (
        pd.DataFrame(
            {
                "day": pd.to_datetime(p["played_at"]).dt.normalize(),
                "track": p["track_uri"],
                "market": market_code(p["country"]).fillna("??"),
            }
        )
        .groupby(["day", "track", "market"], as_index=False)
        .size()
        .rename(columns={"size": "streams"})
    )
    det = tables["detection_events"].drop_duplicates("id")
    d = pd.DataFrame(
        {
            "detection": det["id"],
            "detected_at": pd.to_datetime(det["created_at"]),
            "track": det["track_uri"],
            "market": market_code(det["country"]),
        }
    ).dropna(subset=["market"])
    d["det_day"] = d["detected_at"].dt.normalize()
    cand = rows.reset_index().merge(d, on=["track", "market"])
    lo = cand["det_day"] - pd.Timedelta(days=cfg.lookback_days)
    hi = cand["det_day"] + pd.Timedelta(days=cfg.after_days)
    cand = cand[(cand["day"] >= lo) & (cand["day"] <= hi)]
    first = cand.sort_values(["detected_at", "detection"], kind="stable").drop_duplicates("index")
    rows["detection"] = first.set_index("index")["detection"].reindex(rows.index)
    rows["outcome"] = rows["detection"].map(outcomes(tables, cfg))
    rows["market"] = rows["market"].replace("??", np.nan)
    rows["flagged"] = rows["streams"].where(rows["detection"].notna(), 0)
    rows["confirmed"] = rows["streams"].where(rows["outcome"] == "confirmed", 0)
    return rows


def figures(
    tables: dict[str, pd.DataFrame],
    *,
    start: date,
    end: date,
    markets: Iterable[str] | None = None,
    config: Path | Config = CONFIG,
) -> dict[str, float]:
    """The tiles' figures for ``start``..``end`` (inclusive) and ``markets`` (None: all)."""
    cfg = config if isinstance(config, Config) else read_config(config)
    mk = None if markets is None else frozenset(markets)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    after_end = hi + pd.Timedelta(days=1)
    out: dict[str, float] = {}

    # -- Overview: streams, flagged, confirmed (by play day) ------------------------------
    rows = stream_rows(tables, cfg)
    rows = rows[rows["day"].between(lo, hi) & _in_markets(rows["market"], mk)]
    streams, flagged = float(rows["streams"].sum()), float(rows["flagged"].sum())
    confirmed = float(rows["confirmed"].sum())
    out["streams"] = streams
    out["detected_streams"] = flagged
    out["confirmed_streams"] = confirmed
    out["estimated_artificial_streams"] = flagged
    out["detected_share"] = flagged / streams if streams else float("nan")
    out["confirmed_share"] = confirmed / streams if streams else float("nan")
    rate = rows["market"].map(cfg.payout_per_1k).astype(float).fillna(cfg.default_per_1k) / 1000
    out["protected_eur"] = float((rows["confirmed"] * rate).sum())
    # Money at risk: estimated artificial (= flagged) streams not confirmed, priced alike.
    at_risk_eur = float(((rows["flagged"] - rows["confirmed"]) * rate).sum())

    # -- Funnel: detections of the period (by detection day) -------------------------------
    det = tables["detection_events"].drop_duplicates("id")
    det_day = pd.to_datetime(det["created_at"]).dt.normalize()
    det = det[det_day.between(lo, hi) & _in_markets(market_code(det["country"]), mk)]
    outcome = outcomes(tables, cfg).reindex(det["id"])
    ledger = tables["payments_ledger"]
    reviewed = float((outcome != "pending").sum())
    n_confirmed = float((outcome == "confirmed").sum())
    out["detections"] = float(len(det))
    out["reviewed"] = reviewed
    out["confirmed"] = n_confirmed
    out["false_positives"] = float((outcome == "false_positive").sum())
    out["enforced"] = float(det["id"].isin(ledger["detection_id"]).sum())
    out["precision"] = n_confirmed / reviewed if reviewed else float("nan")
    out["recall"] = 1.0 if flagged else float("nan")

    # -- Enforcement: actions of the period (by booking day), of known detections ----------
    known = tables["detection_events"]["id"]
    booked = pd.to_datetime(ledger["booked_at"]).dt.normalize()
    act = ledger[
        booked.between(lo, hi)
        & ledger["detection_id"].isin(known)
        & _in_markets(market_code(ledger["country"]), mk)
    ]
    action = act["action_code"].str.strip().str.lower().map(lambda w: cfg.action.get(w, w))
    amount = _money(act, "amount", cfg.fx)
    recovered = _money(act, "collected_amount", cfg.fx)
    is_reversed = act["reversed_at"].notna()
    is_fee = action == "per_track_fee"
    out["actions"] = float(len(act))
    out["streams_removed"] = float(pd.to_numeric(act["plays_removed"]).fillna(0).sum())
    out["withheld_eur"] = float(amount[action == "royalty_withholding"].sum())
    out["fees_levied_eur"] = float(amount[is_fee].sum())
    out["fees_recovered_eur"] = float(recovered.sum())
    out["reversed_eur"] = float(amount[is_reversed].sum())
    fees_outstanding = (amount - recovered - amount.where(is_reversed, 0.0))[is_fee].sum()
    out["fees_outstanding_eur"] = float(fees_outstanding)
    out["exposure_eur"] = at_risk_eur + float(fees_outstanding)

    # -- Overview: cases open at the period's end (no detector filter on cases) ------------
    cases = tables["marble_cases"]
    events = tables["marble_case_events"]
    closing = events[
        (events["event_type"] == "status_updated")
        & events["new_value"].isin(["resolved", "discarded"])
    ]
    closed_at = pd.to_datetime(closing.groupby("case_id")["created_at"].max())
    status = cases["status"].str.strip().str.lower().map(lambda w: cfg.case_status.get(w, w))
    resolved_at = cases["id"].map(closed_at).where(status == "resolved")
    opened = pd.to_datetime(cases["created_at"])
    in_slice = _in_markets(market_code(cases["country"]), mk)
    is_open = (opened < after_end) & (resolved_at.isna() | (resolved_at >= after_end))
    out["open_cases"] = float((is_open & in_slice).sum())

    # -- Overview: SLA breach rate of the cases opened in the period -------------------------
    # No exposure is mapped (0 EUR), so every case takes the priority rule's answer for 0.
    # First response: the first case event after the opening. Judged at the period's end,
    # or at the last case event when that comes first; only cases whose SLA windows had
    # both closed by then are due.
    ev_at = pd.to_datetime(events["created_at"])
    cutoff = min(after_end, ev_at.max())
    after = events.assign(at=ev_at).merge(
        pd.DataFrame({"case_id": cases["id"], "opened": opened}), on="case_id"
    )
    first_response = cases["id"].map(
        after[after["at"] > after["opened"]].groupby("case_id")["at"].min()
    )
    priority = cfg.priority(0.0)
    fr_sla = float(cfg.first_response_hours[priority])
    res_sla = float(cfg.resolution_hours[priority])

    def hours(until: pd.Series) -> pd.Series:
        return (pd.to_datetime(until).fillna(cutoff) - opened).dt.total_seconds() / 3600

    age = (cutoff - opened).dt.total_seconds() / 3600
    period_cases = (opened >= lo) & (opened < after_end) & in_slice
    due = period_cases & (age > fr_sla) & (age > res_sla)
    breached = due & ((hours(first_response) > fr_sla) | (hours(resolved_at) > res_sla))
    out["cases_opened"] = float(period_cases.sum())
    out["cases_due"] = float(due.sum())
    out["sla_breaches"] = float(breached.sum())
    out["sla_breach_rate"] = out["sla_breaches"] / out["cases_due"] if due.any() else float("nan")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m examples.foreign_warehouse.expected")
    ap.add_argument("--url", required=True)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 2))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 29))
    ap.add_argument("--market", action="append", default=None, help="repeat for several")
    args = ap.parse_args(argv)
    got = figures(read_tables(args.url), start=args.start, end=args.end, markets=args.market)
    for key, value in got.items():
        print(f"{key:30} {value:,.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
