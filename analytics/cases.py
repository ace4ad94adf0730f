"""Case KPIs: backlog roll-ups, SLA compliance and breach rates (pure pandas)."""

from __future__ import annotations

import pandas as pd

from analytics.metrics import ratio


def backlog_totals(df: pd.DataFrame) -> dict[str, float]:
    if df is None or df.empty:
        return {"open_cases": 0.0, "backlog_exposure_eur": 0.0, "oldest_open_h": float("nan")}
    return {
        "open_cases": float(df["cases"].sum()),
        # Viewers without the money right get frames without money columns.
        "backlog_exposure_eur": float(df["exposure_eur"].sum())
        if "exposure_eur" in df
        else float("nan"),
        "oldest_open_h": float(df["oldest_h"].max()),
    }


def sla_compliance(df: pd.DataFrame) -> pd.DataFrame:
    """Add first-response / resolution SLA compliance (within SLA ÷ cases with the event)."""
    out = df.copy()
    if out.empty:
        out["first_response_compliance"] = pd.Series(dtype=float)
        out["resolution_compliance"] = pd.Series(dtype=float)
        return out
    out["first_response_compliance"] = ratio(out["first_response_within_sla"], out["responded"])
    out["resolution_compliance"] = ratio(out["resolution_within_sla"], out["resolved"])
    # A priority without SLA hours (no dim_priority row): compliance unknown, not 0%.
    for stage in ("first_response", "resolution"):
        if f"{stage}_sla_h" in out:
            known = pd.to_numeric(out[f"{stage}_sla_h"], errors="coerce").notna()
            out[f"{stage}_compliance"] = out[f"{stage}_compliance"].where(known)
    return out


def _due(df: pd.DataFrame) -> str:
    """The breach rates' denominator: cases whose SLA windows had closed by the period end
    (``cases_due``); frames from before that rule only have ``cases_opened``."""
    return "cases_due" if "cases_due" in df else "cases_opened"


def sla_breach_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Add the breach rates (either SLA, first response, resolution) ÷ cases due, and
    ``complete``: every case the week opened was due (False: the week is partial, its rate
    is over its older cases only; NaN rate: none was due yet, the week is left out)."""
    out = df.copy()
    den = _due(out)
    for col, num in (
        ("sla_breach_rate", "sla_breaches"),
        ("first_response_breach_rate", "first_response_breaches"),
        ("resolution_breach_rate", "resolution_breaches"),
    ):
        out[col] = ratio(out[num], out[den]) if not out.empty else []
    out["complete"] = (out[den] >= out["cases_opened"]) if not out.empty else []
    return out


def period_breach_rate(df: pd.DataFrame) -> float:
    """SLA breach rate over the whole period: breaches ÷ cases due (NaN when none was due)."""
    if df is None or df.empty:
        return float("nan")
    due = df[_due(df)].sum()
    return float(df["sla_breaches"].sum() / due) if due else float("nan")
