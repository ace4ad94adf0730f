"""The small steps every input goes through on its way to the star: a column or its default,
trimmed text, UTC timestamps, surrogate keys in source-key order, a team's words in our
vocabulary, amounts in EUR. Pure pandas; each maps a column's distinct values once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.inputs.business import Business

UNKNOWN = "__unknown__"  # the source key of the placeholder label / distributor / market


def col(df: pd.DataFrame, name: str, default=None) -> pd.Series:
    """A column of an input, or ``default`` where the column is absent or NULL."""
    if name in df.columns:
        out = df[name]
        return out if default is None else out.where(out.notna(), default)
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce", utc=True).dt.tz_localize(None)


def keys(values: pd.Series) -> pd.Series:
    """Surrogate ids 1..n in source-key order: the same input gives the same ids."""
    uniq = np.sort(pd.unique(values.dropna().astype(str)))
    return pd.Series(np.arange(1, len(uniq) + 1, dtype=np.int64), index=uniq)


def lookup(series: pd.Series, how, dtype=None) -> pd.Series:
    """``how`` applied to each distinct value once: a column of millions of rows holds a few
    markets, plans or currencies, and pandas maps strings row by row (seconds per column)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    done = how(pd.Series(uniques, dtype=object))
    # A typed series of the distinct answers plus one NULL, taken by code (-1 -> the NULL).
    table = pd.concat([done, pd.Series([None])], ignore_index=True)
    table = table.astype(dtype) if dtype else table.infer_objects()
    codes = np.where(codes < 0, len(done), codes)
    out = table.take(codes)
    out.index = series.index
    return out


def vocab(series: pd.Series, business: Business, vocabulary: str) -> pd.Series:
    mapping = business.mapping(vocabulary)
    return lookup(
        series, lambda u: u.astype("string").str.strip().str.lower().map(mapping), "string"
    )


def fx(amount: pd.Series, currency: pd.Series, business: Business) -> pd.Series:
    rate = lookup(
        currency.fillna("EUR"),
        lambda u: u.astype(str).str.strip().str.upper().map(business.fx),
        "float64",
    )
    return (pd.to_numeric(amount, errors="coerce").fillna(0.0) * rate).round(4)
