"""Loader of "What changed": the headline measures of two windows per member of each
slicer (Overview's block, the Trends decomposition tree, the deck view, alert texts)."""

from __future__ import annotations

import pandas as pd

from data_access.dimensions import KEYS
from data_access.filters import Filters
from data_access.loaders.availability import load_not_mapped
from data_access.loaders.base import cached, run
from data_access.queries import changes as q
from data_access.scope import Scope

COMPARISONS = q.COMPARISONS
SOURCES = q.SOURCES
windows = q.windows
_KEYS = ["dimension", "member", "name", "side"]


@cached
def load_changes(
    scope: Scope,
    filters: Filters,
    comparison: str,
    dims: tuple[str, ...] = KEYS,
    sources: tuple[str, ...] = SOURCES,
    *,
    url: str,
) -> pd.DataFrame:
    """Per dimension, member and side ('current', 'baseline'): the measures of ``sources``
    (one statement each, one grouped query per dimension inside). Money columns are dropped
    for scopes without money by ``cached``; members missing from a source read 0."""
    if comparison not in COMPARISONS:
        raise ValueError(f"unknown comparison {comparison!r}")
    frames = []
    missing = load_not_mapped(url=url)
    if "cases" in missing:  # the case measures are left out (not 0): none are known
        sources = tuple(src for src in sources if src != "cases")
    for source in sources:
        if source == "fraud":
            stmt = q.fraud_change_query(filters, scope, comparison=comparison, dims=dims)
        elif source == "enforcement":
            stmt = q.enforcement_change_query(filters, scope, comparison=comparison, dims=dims)
        elif source == "cases":
            case_dims = tuple(d for d in dims if d in q.CASE_DIMENSIONS)
            if not case_dims:
                continue
            stmt = q.case_change_query(
                filters,
                scope,
                comparison=comparison,
                dims=case_dims,
                case_events="case_events" not in missing,
            )
        else:
            raise ValueError(f"unknown source {source!r}")
        frames.append(_typed(run(stmt, url)))
    if not frames:
        return pd.DataFrame(columns=_KEYS)
    out = frames[0]
    for df in frames[1:]:
        out = out.merge(df, on=_KEYS, how="outer")
    # Cases have no detector: their measures stay missing there (not decomposable), while a
    # member one source lacks has none of that source's measure.
    measures = [c for c in out.columns if c not in _KEYS]
    case_cols = [c for c in measures if c in ("cases_opened", "cases_due", "sla_breaches")]
    other = [c for c in measures if c not in case_cols]
    out[other] = out[other].fillna(0.0)
    not_detector = out["dimension"] != "detector"
    out.loc[not_detector, case_cols] = out.loc[not_detector, case_cols].fillna(0.0)
    return out.sort_values(_KEYS, na_position="first").reset_index(drop=True)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("dimension", "side"):
        df[col] = df[col].astype(str)
    for col in ("member", "name"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    for col in df.columns:
        if col not in _KEYS:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df
