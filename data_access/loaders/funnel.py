"""Loaders of the Funnel page (detection -> validation -> enforcement)."""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.availability import load_not_mapped
from data_access.loaders.base import cached, run
from data_access.queries import funnel as q
from data_access.scope import Scope

STAGE_LABELS = {
    "detected": "Detected",
    "reviewed": "Reviewed",
    "confirmed": "Confirmed",
    "enforced": "Enforced",
    "appealed": "Appealed",
    "upheld": "Upheld on appeal",
}
APPEAL_STAGES = ("appealed", "upheld")  # known only when the warehouse maps appeals


def _floats(df: pd.DataFrame, cols) -> pd.DataFrame:
    for col in cols:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


@cached
def load_funnel_stages(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """One row per stage, in funnel order: stage, label, count, streams, eur; and the
    detections' false positives as ``attrs['false_positive']``. Without mapped appeals the
    funnel ends at enforcement (the appeal stages would read 0, not "none known")."""
    raw = run(q.funnel_totals_query(filters, scope), url)
    row = raw.iloc[0] if len(raw) else pd.Series(dtype=float)

    def get(col: str) -> float:
        v = row.get(col)
        return 0.0 if v is None or pd.isna(v) else float(v)

    out = pd.DataFrame(
        {
            "stage": list(q.STAGES),
            "label": [STAGE_LABELS[s] for s in q.STAGES],
            "count": [get(f"n_{s}") for s in q.STAGES],
            "streams": [get(f"streams_{s}") for s in q.STAGES],
            "eur": [get(f"eur_{s}") for s in q.STAGES],
        }
    )
    out["false_positive"] = get("false_positive")
    if "appeals" in load_not_mapped(url=url):
        out = out[~out["stage"].isin(APPEAL_STAGES)].reset_index(drop=True)
    return out


@cached
def load_detector_performance(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Per detector: detections, reviewed, confirmed, false positives, flagged streams, and
    median / p90 hours to detect and to validate."""
    counts = run(q.detector_counts_query(filters, scope), url)
    lat = run(q.detector_latency_query(filters, scope), url)
    df = counts.merge(lat.drop(columns=["detector"]), on="detector_id", how="left")
    df["launched_on"] = pd.to_datetime(df["launched_on"])
    return _floats(
        df,
        (
            "detections",
            "reviewed",
            "confirmed",
            "false_positive",
            "flagged_streams",
            "ttd_median_h",
            "ttd_p90_h",
            "ttv_median_h",
            "ttv_p90_h",
        ),
    )


@cached
def load_weekly_precision(scope: Scope, filters: Filters, *, url: str) -> pd.DataFrame:
    """Per week of detection and detector: reviewed and confirmed detections."""
    df = run(q.weekly_precision_query(filters, scope), url)
    df["week"] = pd.to_datetime(df["week"])
    return _floats(df, ("reviewed", "confirmed"))


@cached
def load_recall(scope: Scope, filters: Filters, by: str, *, url: str) -> pd.DataFrame:
    """Flagged streams per detector or typology, with the slice's flagged and estimated
    artificial streams repeated on every row (``total_flagged``, ``true_artificial``)."""
    total = run(q.recall_total_query(filters, scope), url)
    parts = run(q.recall_contribution_query(filters, scope, by=by), url)
    parts = _floats(parts, ("flagged_streams",))
    flagged = float(total.loc[0, "flagged_streams"] or 0) if len(total) else 0.0
    art = float(total.loc[0, "true_artificial_streams"] or 0) if len(total) else 0.0
    parts["total_flagged"] = flagged
    parts["true_artificial"] = art
    parts.attrs.update(total_flagged=flagged, true_artificial=art)
    return parts
