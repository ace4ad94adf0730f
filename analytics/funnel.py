"""Funnel arithmetic: stage conversions, the Sankey's flows, detector precision and recall.

Pure pandas; definitions of every number are in analytics.metrics (keys in comments).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.metrics import ratio

MEASURES = {"count": "Detections", "streams": "Streams", "eur": "Money (EUR)"}


def funnel_table(stages: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Stage, value, conversion from the previous stage and from detections
    (metrics: stage_conversion, conversion_from_detection)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown funnel measure {measure!r}")
    if stages is None or stages.empty:
        return pd.DataFrame(columns=["stage", "label", "value", "from_previous", "from_detected"])
    values = stages[measure].astype(float).to_numpy()
    prev = np.r_[np.nan, values[:-1]]
    return pd.DataFrame(
        {
            "stage": stages["stage"].to_numpy(),
            "label": stages["label"].to_numpy(),
            "value": values,
            "from_previous": ratio(values, prev),
            "from_detected": ratio(values, np.full(len(values), values[0])),
        }
    )


# The branch that leaves each stage (and does not reach the next one).
_BRANCH = {
    "detected": "Pending review",
    "reviewed": "Not confirmed",
    "confirmed": "Not (yet) enforced",
    "enforced": "Not appealed",
    "appealed": "Overturned or pending",
}


def sankey_flows(stages: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Flows source -> target with a value, for a Sankey of the funnel.

    Each stage feeds the next stage and a branch for what left the funnel there. In
    detection counts the reviewed-but-not-confirmed branch is split into false positives
    and other outcomes (insufficient evidence, escalated); streams and money of false
    positives are not tracked separately. Negative remainders (rounding) become 0; zero
    flows are dropped.
    """
    table = funnel_table(stages, measure)
    rows: list[tuple[str, str, float]] = []
    labels = dict(zip(table["stage"], table["label"], strict=True))
    values = dict(zip(table["stage"], table["value"], strict=True))
    order = list(table["stage"])
    for here, nxt in zip(order, order[1:], strict=False):
        a, b = values[here], values[nxt]
        a = 0.0 if pd.isna(a) else float(a)
        b = 0.0 if pd.isna(b) else float(b)
        rows.append((labels[here], labels[nxt], b))
        rest = max(a - b, 0.0)
        if here == "reviewed" and measure == "count" and "false_positive" in stages:
            fp = float(np.nan_to_num(stages["false_positive"].iloc[0]))
            fp = min(max(fp, 0.0), rest)
            rows.append((labels[here], "False positive", fp))
            rows.append((labels[here], "Other outcome", rest - fp))
        else:
            rows.append((labels[here], _BRANCH[here], rest))
    out = pd.DataFrame(rows, columns=["source", "target", "value"])
    return out[out["value"] > 0].reset_index(drop=True)


def detector_table(perf: pd.DataFrame) -> pd.DataFrame:
    """Add precision (detector_precision) = confirmed ÷ reviewed per detector."""
    out = perf.copy()
    if out.empty:
        out["precision"] = pd.Series(dtype=float)
        return out
    out["precision"] = ratio(out["confirmed"], out["reviewed"])
    return out


def weekly_precision(df: pd.DataFrame) -> pd.DataFrame:
    """Add precision per week and detector; weeks with no decided review have none (NaN)."""
    out = df.copy()
    out["precision"] = ratio(out["confirmed"], out["reviewed"]) if len(out) else []
    return out


# Recall divides flagged streams by an estimate of the artificial ones: when the estimate is
# lower than what detectors flagged, recall reads above 100%. The number stays (it is what
# the warehouse says); these words go next to it wherever it is shown.
RECALL_ABOVE_100 = (
    "Recall above 100%: the estimate of artificial streams is below the streams detectors "
    "flagged — check the estimate (true_artificial_streams) in the streams input."
)


def recall_caveat(recall: float | None) -> str:
    """What a recall above 100% needs said next to it; "" for any other value."""
    try:
        value = float(recall)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return RECALL_ABOVE_100 if np.isfinite(value) and value > 1.0 else ""


def recall_table(df: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """Overall recall (recall) and each member's contribution (recall_contribution):
    flagged streams ÷ the slice's estimated artificial streams. Contributions add up to the
    overall recall because each flagged stream is attributed to one detector / typology."""
    art = float(df.attrs.get("true_artificial", np.nan)) if df is not None else np.nan
    flagged = float(df.attrs.get("total_flagged", np.nan)) if df is not None else np.nan
    overall = flagged / art if art and not np.isnan(art) and art > 0 else np.nan
    if df is None or df.empty:
        return overall, pd.DataFrame(columns=["flagged_streams", "contribution"])
    out = df.copy()
    out["contribution"] = ratio(out["flagged_streams"], out["true_artificial"])
    return overall, out
