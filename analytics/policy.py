"""The Policy lab's metrics and the words that describe a policy (pure; no SQL, no UI).

The replay itself is SQL (data_access.queries.policy); this module names its measures once
(``POLICY_METRICS``, merged into ``analytics.metrics.METRICS``) and writes a policy's
parameters as one line, the way a slide or a table row shows them.
"""

from __future__ import annotations

from analytics.metrics import Metric

POLICY_METRICS = (
    Metric(
        "tracks_fined",
        "Tracks fined",
        "count",
        "Track-months the policy charges the per-track fee: more of the streams a detection "
        "flagged in the royalty month removed as artificial than the fee threshold.",
        None,
    ),
    Metric("fees_eur", "Fees levied (EUR)", "eur", "Tracks fined × the fee amount (EUR)."),
    Metric(
        "tracks_enforced",
        "Tracks enforced",
        "count",
        "Track-months with streams removed: auto-enforced detections (all flagged streams) "
        "and reviewed ones (the streams analysts confirmed).",
    ),
    Metric(
        "streams_demonetised",
        "Streams demonetised",
        "count",
        "Streams removed as artificial, plus all streams of track-months earning nothing "
        "under the minimum-streams (12 months) and noise-duration rules.",
    ),
    Metric(
        "royalties_returned_eur",
        "Royalties returned (EUR)",
        "eur",
        "Royalties of the demonetised streams (EUR): they go back to the honest pool.",
        True,
    ),
    Metric(
        "withheld_eur",
        "Royalties withheld (EUR)",
        "eur",
        "The withheld share × the royalties of the flagged rows of enforced track-months.",
    ),
    Metric(
        "at_risk_eur",
        "Money still at risk (EUR)",
        "eur",
        "Royalties of estimated artificial streams the policy still pays out (EUR).",
        False,
    ),
    Metric(
        "protected_total_eur",
        "EUR protected",
        "eur",
        "Royalties of estimated artificial streams not paid out, plus fees levied (EUR).",
        True,
    ),
    Metric(
        "honest_hit",
        "Honest tracks hit",
        "count",
        "Track-months fined although most of their streams were human, or with more streams "
        "removed than they had artificial streams. Demo: from the ground-truth column; a real "
        "warehouse shows 'honest tracks hit (estimated)' instead.",
        False,
    ),
    Metric(
        "honest_estimated",
        "Honest tracks hit (estimated)",
        "count",
        "Expected appeals × the share of decided appeals overturned in the period: the "
        "estimate a warehouse without ground truth can make (a lower bound: not every wrong "
        "action is appealed).",
        False,
    ),
    Metric(
        "expected_appeals",
        "Expected appeals",
        "count",
        "Tracks enforced × appeals per enforced track-month observed in the period.",
    ),
    Metric(
        "reviews",
        "Analyst reviews",
        "count",
        "Detections the policy sends to an analyst (not auto-enforced, not ignored), decided.",
    ),
    Metric(
        "review_hours",
        "Analyst review hours",
        "hours",
        "Hands-on hours (review started → decided) those reviews actually took.",
        False,
    ),
)


def describe(p) -> str:
    """A policy's parameters as one line: 'fee >80% · €15 · ≥1,000 streams/12 mo · ...'."""
    parts = [
        f"fee >{p.fee_threshold * 100:.0f}% · €{p.fee_eur:g}",
        f"≥{p.min_streams:,} streams/12 mo",
        f"noise ≥{p.noise_min_s} s",
    ]
    parts += [f"{kind}s auto ≥{cut:g}" for kind, cut in p.auto]
    parts += [f"{kind}s ignored <{cut:g}" for kind, cut in p.ignore if cut > 0]
    parts.append(f"{p.withhold * 100:.0f}% withheld")
    return " · ".join(parts)
