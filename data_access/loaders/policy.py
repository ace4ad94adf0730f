"""Loaders of the Policy lab: a policy replay, the members it hits hardest, a parameter sweep.

Expected appeals and the estimated honest tracks hit come from the appeals observed in the
period: appeals per track-month the current policy enforced, times a policy's enforced
track-months; overturned appeals per decided appeal, times its expected appeals.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from data_access.filters import Filters
from data_access.loaders.availability import load_not_mapped
from data_access.loaders.base import cached, run
from data_access.queries import policy as q
from data_access.scope import Scope

# Parameters a frontier may sweep: name -> how a value sets it on a policy.
SWEEPS = {
    "fee_threshold": lambda p, v: replace(p, fee_threshold=float(v)),
    "fee_eur": lambda p, v: replace(p, fee_eur=float(v)),
    "min_streams": lambda p, v: replace(p, min_streams=int(v)),
    "model_auto": lambda p, v: replace(
        p, auto=(*((k, c) for k, c in p.auto if k != "model"), ("model", float(v)))
    ),
    "rule_ignore": lambda p, v: replace(
        p, ignore=(*((k, c) for k, c in p.ignore if k != "rule"), ("rule", float(v)))
    ),
}


def _long(row: pd.Series, n: int) -> pd.DataFrame:
    out = pd.DataFrame(
        [{m: row.get(f"p{i}__{m}") for m in q.MEASURES} for i in range(n)], dtype=float
    )
    return out.fillna(0.0)


def _with_appeals(df: pd.DataFrame, current_enforced: float, rates: pd.Series) -> pd.DataFrame:
    appeals, decided, overturned = (
        float(rates[c] or 0) for c in ("appeals", "decided", "overturned")
    )
    per_action = appeals / current_enforced if current_enforced else 0.0
    overturn = overturned / decided if decided else 0.0
    df["expected_appeals"] = df["tracks_enforced"] * per_action
    df["honest_estimated"] = df["expected_appeals"] * overturn
    return df


def _replay(scope: Scope, filters: Filters, policies: tuple[q.Policy, ...], url: str):
    row = run(q.policy_replay_query(filters, scope, (q.CURRENT, *policies)), url).iloc[0]
    df = _long(row, len(policies) + 1)
    if "appeals" in load_not_mapped(url=url):
        # Nothing observed to estimate from: no expected appeals, honest tracks unknown.
        df["honest_estimated"] = float("nan")
    else:
        rates = run(q.appeal_rates_query(filters, scope), url).iloc[0]
        df = _with_appeals(df, float(df.loc[0, "tracks_enforced"]), rates)
    return df.iloc[1:].reset_index(drop=True)


@cached
def load_policy_replay(
    scope: Scope, filters: Filters, policies: tuple[q.Policy, ...], *, url: str
) -> pd.DataFrame:
    """One row per policy (in order): its replayed measures, expected appeals and the
    honest tracks hit estimated from appeal overturns."""
    return _replay(scope, filters, policies, url)


@cached
def load_policy_affected(
    scope: Scope, filters: Filters, policies: tuple[q.Policy, ...], by: str, *, url: str
) -> pd.DataFrame:
    """The ten labels (or distributors) the policies hit hardest, one row per member and
    policy: ``policy`` (its index), fined tracks, fees, streams removed, withheld, honest
    tracks hit."""
    wide = run(q.policy_affected_query(filters, scope, policies, by=by), url)
    key = q.AFFECTED_BY[by][1]
    parts = []
    for i in range(len(policies)):
        part = wide[[key, by]].copy()
        part["policy"] = i
        for m in ("tracks_fined", "fees_eur", "streams_removed", "withheld_eur", "honest_hit"):
            part[m] = pd.to_numeric(wide[f"p{i}__{m}"], errors="coerce").astype(float)
        parts.append(part)
    cols = [key, by, "policy", "tracks_fined", "fees_eur", "streams_removed", "withheld_eur"]
    if not parts:
        return pd.DataFrame(columns=[*cols, "honest_hit"])
    return pd.concat(parts, ignore_index=True)


@cached
def load_policy_frontier(
    scope: Scope,
    filters: Filters,
    base: q.Policy,
    parameter: str,
    values: tuple[str, ...],
    *,
    url: str,
) -> pd.DataFrame:
    """``base`` replayed with ``parameter`` set to each of ``values`` (one scan): per value
    the money protected (artificial royalties not paid, plus fees) and honest tracks hit."""
    if parameter not in SWEEPS:
        raise ValueError(f"cannot sweep {parameter!r}")
    policies = tuple(SWEEPS[parameter](base, v) for v in values)
    df = _replay(scope, filters, policies, url)
    df.insert(0, "value", [float(v) for v in values])
    df["protected_total_eur"] = df["protected_eur"] + df["fees_eur"]
    return df


@cached
def load_ground_truth(*, url: str) -> bool:
    """True when the warehouse's artificial-stream column is ground truth (the demo)."""
    return bool(run(q.ground_truth_query(), url).iloc[0, 0])
