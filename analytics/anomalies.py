"""Weekly anomaly flags on a trend series, and who drove them.

``weekly_anomalies`` models each week's expected value, takes the residual, and scores
each week with a robust z-score of the residual: 0.6745 · (residual − median) / MAD.
Weeks with |score| >= ``threshold`` are flagged (a user-set threshold, 3.5 by default).

Expected value: STL (season ``period``, 52 weeks for weekly data; see ``_expected``) when
the series holds at least ``MIN_CYCLES`` (4) seasons. With fewer, each week-of-year
sub-series has 2–3 points, STL's seasonal smoother interpolates them and the residuals
collapse to ~0 (every z-score explodes), so shorter series (two or three years of weekly
data) expect each week from its 6 nearest weeks instead (``neighbour_median``), which
follows a smooth yearly season closely and is not pulled by a one-week spike.
``attribute_anomalies`` names the group (market, label, ...) that drove each flagged week:
for a rise, the one that rose most above its own median; for a fall, the one that fell
most below it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 3.5
ROLLING_WINDOW = 7
MIN_CYCLES = 4
MAX_REFITS = 12
COLUMNS = ("week", "value", "expected", "residual", "score", "flagged")


def robust_z(x: np.ndarray) -> np.ndarray:
    """0.6745 · (x − median) / MAD; falls back to the mean absolute deviation when the MAD
    is 0, and to all zeros for a constant input."""
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return x
    centred = x - np.median(x)
    mad = float(np.median(np.abs(centred)))
    tiny = 1e-9 * (1.0 + float(np.max(np.abs(x))))  # float noise, not spread
    if mad > tiny:
        return 0.6745 * centred / mad
    mean_ad = float(np.mean(np.abs(centred)))
    if mean_ad > tiny:
        return centred / (1.2533 * mean_ad)
    return np.zeros_like(x)


def _stl_expected(y: np.ndarray, period: int) -> np.ndarray:
    from statsmodels.tsa.seasonal import STL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = STL(
            pd.Series(y), period=period, seasonal=2 * (len(y) // period) + 1, seasonal_deg=0
        ).fit()
    return (res.trend + res.seasonal).to_numpy()


def _expected(y: pd.Series, period: int, threshold: float) -> np.ndarray:
    """STL trend + season, made robust by refitting with outlying weeks replaced.

    A stable season (a degree-0 smoother over every cycle) and no bisquare robustness
    weights: with a handful of years both make STL follow the noise, the residual's MAD
    shrinks and clean weeks score above 3.5 (2% of Gaussian weeks, measured). Robustness
    to spikes comes instead from refitting with the most outlying week replaced by its
    expected value, one week at a time (at most ``MAX_REFITS`` times).
    """
    values = y.to_numpy(dtype=float)
    if period >= 2 and len(values) >= MIN_CYCLES * period:
        cleaned = values.copy()
        cut = min(threshold, DEFAULT_THRESHOLD)
        for _ in range(MAX_REFITS + 1):
            expected = _stl_expected(cleaned, period)
            z = np.abs(robust_z(cleaned - expected))
            worst = int(np.argmax(z))
            if z[worst] < cut:
                break
            # One week at a time: a spike also bends the same week of other years.
            cleaned[worst] = expected[worst]
        return expected
    return neighbour_median(values, ROLLING_WINDOW - 1)


def neighbour_median(y: np.ndarray, k: int = 6) -> np.ndarray:
    """Each week's value expected from its ``k`` nearest weeks (the week itself left out, so
    a spike never explains itself): a Theil–Sen line through them (median of pairwise
    slopes, median intercept), evaluated at the week; unbiased on slopes and at the edges,
    where the neighbours all come from one side."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    out = np.empty(n)
    for t in range(n):
        idx = sorted((i for i in range(n) if i != t), key=lambda i: (abs(i - t), i))[:k]
        if not idx:
            out[t] = y[t]
            continue
        x = np.asarray(idx, dtype=float) - t
        v = y[idx]
        slopes = [
            (v[j] - v[i]) / (x[j] - x[i]) for i in range(len(x)) for j in range(i + 1, len(x))
        ]
        slope = float(np.median(slopes)) if slopes else 0.0
        out[t] = float(np.median(v - slope * x))
    return out


def weekly_anomalies(
    series: pd.Series, *, threshold: float = DEFAULT_THRESHOLD, period: int = 52
) -> pd.DataFrame:
    """Columns week, value, expected, residual, score, flagged (one row per week).

    ``series`` is indexed by week start dates; NaN weeks count as 0.
    """
    if series is None or len(series) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS}).astype(
            {"week": "datetime64[ns]", "flagged": bool}
        )
    s = pd.Series(series, dtype=float).fillna(0.0).sort_index()
    expected = _expected(s, int(period), float(threshold))
    residual = s.to_numpy() - expected
    score = robust_z(residual)
    return pd.DataFrame(
        {
            "week": pd.DatetimeIndex(s.index),
            "value": s.to_numpy(),
            "expected": expected,
            "residual": residual,
            "score": score,
            "flagged": np.abs(score) >= float(threshold),
        }
    )


def attribute_anomalies(
    flags: pd.DataFrame, by_group: pd.DataFrame, *, value: str = "value"
) -> pd.DataFrame:
    """For each flagged week, the group that drove it: in a week above its expected value
    (a rise) the group that rose most above its own median, in a week below it (a fall) the
    group that fell most below its own median.

    ``by_group`` has columns week, group (display name), key (filter value), ``value``.
    Returns week, direction ('rise' / 'fall'), driver, driver_key, driver_value,
    driver_median, driver_change (value − median: negative for a fall).
    """
    cols = [
        "week",
        "direction",
        "driver",
        "driver_key",
        "driver_value",
        "driver_median",
        "driver_change",
    ]
    if flags is None or flags.empty or by_group is None or by_group.empty:
        return pd.DataFrame(columns=cols)
    flagged = flags.loc[flags["flagged"].fillna(False).astype(bool)].copy()
    # The week's direction: its residual's sign (the score's, where no residual is given).
    sign = flagged["residual"] if "residual" in flagged else flagged["score"]
    flagged["direction"] = np.where(sign.astype(float) < 0, "fall", "rise")
    flagged = flagged[["week", "direction"]]
    if flagged.empty:
        return pd.DataFrame(columns=cols)
    g = by_group.copy()
    g["week"] = pd.to_datetime(g["week"])
    g[value] = g[value].astype(float).fillna(0.0)
    g["median"] = g.groupby("key")[value].transform("median")
    g["change"] = g[value] - g["median"]
    hits = g.merge(flagged, on="week", how="inner")
    if hits.empty:
        return pd.DataFrame(columns=cols)
    # Rank by the change in the week's own direction: largest rise, or deepest fall.
    hits["rank"] = np.where(hits["direction"] == "fall", hits["change"], -hits["change"])
    top = hits.sort_values(["week", "rank", "key"]).groupby("week", as_index=False).head(1)
    return top.rename(
        columns={
            "group": "driver",
            "key": "driver_key",
            value: "driver_value",
            "median": "driver_median",
            "change": "driver_change",
        }
    )[cols].reset_index(drop=True)
