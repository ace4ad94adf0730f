"""Arithmetic of the Fraud trends page: shares per period bucket, period totals, and the
previous period aligned onto the current one for overlays. Pure pandas."""

from __future__ import annotations

import pandas as pd

from analytics.metrics import derive

CURRENT, PREVIOUS = "Current period", "Previous period"
SHARES = ("detected_share", "confirmed_share")


def add_shares(df: pd.DataFrame) -> pd.DataFrame:
    """detected_share and confirmed_share of each row (numerator ÷ ``streams``; NaN where a
    row has no streams). ``streams`` is the share's denominator as loaded."""
    if df is None:
        return pd.DataFrame()
    return derive(df)


def period_totals(df: pd.DataFrame, *, date_col: str = "period") -> pd.DataFrame:
    """The unsplit numbers per bucket from a split frame: numerators add up over series,
    the denominator is every stream of the bucket (``all_streams``)."""
    cols = ["detected_streams", "confirmed_streams"]
    if df is None or df.empty:
        return pd.DataFrame(columns=[date_col, "streams", *cols])
    g = df.groupby(date_col, sort=True)
    out = g[cols].sum()
    out["streams"] = g["all_streams"].max() if "all_streams" in df else g["streams"].sum()
    return add_shares(out.reset_index())


def align_previous(previous: pd.DataFrame, days: int, *, date_col: str = "period"):
    """The previous period's buckets moved forward by the period length (``days``), so they
    sit under the current period's buckets; the original bucket date is kept as ``date``."""
    out = previous.copy()
    out["date"] = out[date_col]
    out[date_col] = out[date_col] + pd.Timedelta(days=int(days))
    return out


def overlay_frame(
    current: pd.DataFrame, previous: pd.DataFrame, *, metric: str, days: int
) -> pd.DataFrame:
    """Long frame (period, series, value, date) of ``metric`` for the current period and
    the previous period of equal length aligned onto it; empty inputs give empty output."""
    frames = []
    for label, df, shift in ((CURRENT, current, 0), (PREVIOUS, previous, days)):
        if df is None or df.empty:
            continue
        d = add_shares(period_totals(df))
        d = align_previous(d, shift)
        frames.append(
            pd.DataFrame(
                {"period": d["period"], "series": label, "value": d[metric], "date": d["date"]}
            )
        )
    if not frames:
        return pd.DataFrame(columns=["period", "series", "value", "date"])
    return pd.concat(frames, ignore_index=True)


def heatmap_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Week x market cells with detected_share (flagged ÷ all streams of the cell) and
    week_end (for drawing a cell across its week); markets keep a stable order."""
    if df is None or df.empty:
        return pd.DataFrame(
            columns=[
                "week",
                "week_end",
                "iso2",
                "market",
                "streams",
                "detected_streams",
                "confirmed_streams",
                "detected_share",
                "confirmed_share",
            ]
        )
    out = add_shares(df)
    out["week_end"] = out["week"] + pd.Timedelta(days=7)
    return out


def market_order(df: pd.DataFrame) -> list[str]:
    """Markets by streams over the period, largest first (the heatmap's rows)."""
    if df is None or df.empty:
        return []
    return df.groupby("market")["streams"].sum().sort_values(ascending=False).index.tolist()
