"""Words for headline sentences: changes, leaders and latest values, said the same way on
every page and slide."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analytics import format as fmt
from analytics.format import plural as plural


def num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def valid(x) -> bool:
    return not pd.isna(num(x))


def change_words(cur: float, prev: float, *, pct_points: bool, days: int | None) -> str:
    """'rose to 7.4% (+1.9 pp vs the previous 91 days)' and friends."""
    if not valid(prev) or not valid(cur):
        return ""
    against = f"the previous {fmt.plural(days, 'day')}" if days else "the previous period"
    if pct_points:
        diff = (cur - prev) * 100
        return f" ({diff:+.1f} pp vs {against})"
    if prev == 0:
        return ""
    return f" ({(cur - prev) / abs(prev) * 100:+.1f}% vs {against})"


def verb(cur: float, prev: float) -> str:
    if not valid(prev) or not valid(cur) or cur == prev:
        return "was"
    return "rose to" if cur > prev else "fell to"


def leader(df: pd.DataFrame, cat: str, value: str, what: str, show: Callable) -> str:
    if df is None or df.empty or value not in df or df[value].dropna().empty:
        return f"No {what} in this selection"
    d = df.dropna(subset=[value])
    top = d.loc[d[value].idxmax()]
    total = float(d[value].sum())
    share = float(top[value]) / total if total else float("nan")
    tail = f" ({fmt.pct(share)} of those shown)" if valid(share) and len(d) > 1 else ""
    return f"{top[cat]} leads {what}: {show(top[value])}{tail}"


def latest(df: pd.DataFrame, x: str, y: str, label: str, show: Callable, *, pp: bool) -> str:
    d = df.dropna(subset=[y]).sort_values(x) if df is not None and y in df else pd.DataFrame()
    if d.empty:
        return f"No {label.lower()} in this selection"
    last = d.iloc[-1]
    when = f"in the week of {pd.Timestamp(last[x]):%d %b %Y}"
    if len(d) < 2:
        return f"{label}: {show(last[y])} {when}"
    prev = float(d.iloc[-2][y])
    cur = float(last[y])
    if pp:
        change = f" ({(cur - prev) * 100:+.1f} pp on the week before)"
    else:
        change = f" ({(cur - prev) / abs(prev) * 100:+.1f}% on the week before)" if prev else ""
    return f"{label}: {show(cur)} {when}{change}"


def anomalies(df: pd.DataFrame, what: str) -> str:
    """The headline of an anomalous-weeks chart: how many weeks, and the strongest."""
    z = df.attrs.get("threshold", float("nan"))
    if df.empty:
        return f"No weekly {what} in this selection"
    flagged = df[df["flagged"].fillna(False).astype(bool)]
    if flagged.empty:
        return f"No anomalous week at a threshold of {z:.1f}"
    top = flagged.loc[flagged["score"].abs().idxmax()]
    return (
        f"{plural(len(flagged), 'anomalous week')} at a threshold of {z:.1f}; the strongest, "
        f"{pd.Timestamp(top['week']):%d %b %Y}, scored {top['score']:.1f}"
    )
