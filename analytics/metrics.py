"""Every metric's definition, in one place: key, label, unit, and the sentence shown as help.

The SQL of each measure lives in data_access.queries.measures under the same names; the
arithmetic that combines measures (shares, rates, exposure) lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # count / eur / pct / hours
    definition: str
    higher_is_better: bool | None = None


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("streams", "Streams", "count", "All streams in the period and slice.", None),
        Metric(
            "detected_share",
            "Detected artificial share",
            "pct",
            "Streams flagged by a detector ÷ all streams. Typology and detector filters narrow "
            "the flagged streams only; the denominator is always all streams of the slice.",
            False,
        ),
        Metric(
            "detected_streams",
            "Detected artificial streams",
            "count",
            "Streams flagged as artificial by any detector (before analyst review).",
        ),
        Metric(
            "confirmed_streams",
            "Confirmed artificial streams",
            "count",
            "Flagged streams an analyst confirmed as artificial; they are removed from royalty "
            "calculation and charts.",
        ),
        Metric(
            "confirmed_share",
            "Confirmed artificial share",
            "pct",
            "Confirmed artificial streams ÷ all streams.",
            False,
        ),
        Metric(
            "streams_removed",
            "Streams removed",
            "count",
            "Confirmed artificial streams removed from royalty calculation (100% of confirmed).",
            True,
        ),
        Metric(
            "protected_eur",
            "Royalties protected",
            "eur",
            "Prevented dilution: confirmed streams removed before payout × the market's payout "
            "per stream (EUR).",
            True,
        ),
        Metric(
            "exposure_eur",
            "Money at risk (exposure)",
            "eur",
            "Royalties on estimated artificial streams not yet removed (× the market's payout "
            "per stream) plus per-track fees levied but not yet recovered or reversed (EUR).",
            False,
        ),
        Metric(
            "open_cases",
            "Open cases",
            "count",
            "Cases opened but not resolved at the end of the period.",
            False,
        ),
        Metric(
            "sla_breach_rate",
            "SLA breach rate",
            "pct",
            "Cases opened in the period that missed their priority's first-response or "
            "resolution SLA (cases still waiting count once their SLA has passed) ÷ cases "
            "opened.",
            False,
        ),
    )
}


def _div(a, b):
    a, b = pd.Series(a, dtype=float), pd.Series(b, dtype=float)
    return (a / b.where(b != 0)).astype(float)


def derive(df: pd.DataFrame) -> pd.DataFrame:
    """Add the derived metrics to a frame of measures (any index: periods, weeks...)."""
    out = df.copy()
    cols = set(out.columns)
    if {"detected_streams", "streams"} <= cols:
        out["detected_share"] = _div(out["detected_streams"], out["streams"]).to_numpy()
    if {"confirmed_streams", "streams"} <= cols:
        out["confirmed_share"] = _div(out["confirmed_streams"], out["streams"]).to_numpy()
    if {"at_risk_eur", "fees_outstanding_eur"} <= cols:
        out["exposure_eur"] = out["at_risk_eur"] + out["fees_outstanding_eur"]
    if {"sla_breaches", "cases_opened"} <= cols:
        out["sla_breach_rate"] = _div(out["sla_breaches"], out["cases_opened"]).to_numpy()
    return out


@dataclass(frozen=True)
class Tile:
    metric: Metric
    value: float
    previous: float

    @property
    def delta(self) -> float | None:
        """Relative change for counts and money; percentage points for rates."""
        if pd.isna(self.value) or pd.isna(self.previous):
            return None
        if self.metric.unit == "pct":
            return self.value - self.previous
        if self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)


def tiles(periods: pd.DataFrame, keys: list[str]) -> list[Tile]:
    """KPI tiles from a frame indexed by period ('current', 'previous')."""
    d = derive(periods)
    out = []
    for key in keys:
        cur = d.loc["current", key] if "current" in d.index else float("nan")
        prev = d.loc["previous", key] if "previous" in d.index else float("nan")
        out.append(Tile(METRICS[key], float(cur), float(prev)))
    return out
