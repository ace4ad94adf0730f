"""Enforcement arithmetic: money series over time, appeal and overturn rates, and the
repeat-offender shares. Pure pandas; definitions in analytics.metrics."""

from __future__ import annotations

import pandas as pd

from analytics.metrics import ratio

# dim_enforcement_type codes (the same as data_access.queries.enforcement's): rules key on
# the code, never on the name a warehouse shows its people ("Per-track fee", "Fine", ...).
WITHHOLDING_CODE, FEE_CODE = "royalty_withholding", "per_track_fee"

# Money series (weekly chart): name -> (enforcement type code or None for all, column).
MONEY_SERIES = {
    "Royalties withheld": (WITHHOLDING_CODE, "amount_eur"),
    "Fees levied": (FEE_CODE, "amount_eur"),
    "Fees recovered": (None, "recovered_eur"),
    "Reversed after appeal": (None, "reversed_eur"),
}


def with_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Add appeal_rate (appeals ÷ appealable actions), overturn_rate (overturned ÷ decided
    appeals) and, where present, the share of the slice's confirmed streams."""
    out = df.copy()
    if {"appeals", "appealable_actions"} <= set(out.columns):
        out["appeal_rate"] = ratio(out["appeals"], out["appealable_actions"])
    if {"overturned", "decided_appeals"} <= set(out.columns):
        out["overturn_rate"] = ratio(out["overturned"], out["decided_appeals"])
    if {"confirmed_streams", "slice_confirmed_streams"} <= set(out.columns):
        out["confirmed_streams_share"] = ratio(
            out["confirmed_streams"], out["slice_confirmed_streams"]
        )
    return out


def weekly_money(df: pd.DataFrame) -> pd.DataFrame:
    """Long frame week, series, value_eur for the four money series (zero-filled weeks).

    ``df`` holds one row per week and enforcement type with its code in ``type_code``."""
    cols = ["week", "series", "value_eur"]
    if df is None or df.empty:
        return pd.DataFrame(columns=cols)
    weeks = pd.Index(sorted(df["week"].dropna().unique()), name="week")
    parts = []
    for name, (kind, col) in MONEY_SERIES.items():
        rows = df if kind is None else df[df["type_code"] == kind]
        s = rows.groupby("week")[col].sum().reindex(weeks).fillna(0.0)
        parts.append(pd.DataFrame({"week": weeks, "series": name, "value_eur": s.to_numpy()}))
    return pd.concat(parts, ignore_index=True)[cols]
