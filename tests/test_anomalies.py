"""Anomaly flags: injected spikes are found, a clean seasonal series is not flagged, short
and degenerate series do not crash, and flagged weeks are attributed to their driver."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.anomalies import COLUMNS, attribute_anomalies, robust_z, weekly_anomalies


def weekly(values) -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float),
        index=pd.date_range("2024-01-01", periods=len(values), freq="7D"),
    )


def seasonal(n=156, seed=0, noise=20.0, gaussian=True):
    """Trend + yearly season + noise (bounded uniform noise when not ``gaussian``: a
    series with no outliers at all)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    eps = rng.normal(0, noise, n) if gaussian else rng.uniform(-1, 1, n) * noise * np.sqrt(3)
    return 1000 + 2 * t + 300 * np.sin(2 * np.pi * t / 52) + eps


def test_a_clean_seasonal_series_is_not_flagged():
    for seed in range(5):
        for n in (104, 156):  # two and three years (the neighbour fallback)
            out = weekly_anomalies(weekly(seasonal(n=n, seed=seed, gaussian=False)))
            assert list(out.columns) == list(COLUMNS)
            assert not out["flagged"].any(), (n, seed, out.loc[out["flagged"]])


def test_gaussian_noise_is_rarely_flagged():
    for n in (156, 260):  # the neighbour fallback and STL
        series = [weekly(seasonal(n=n, seed=s)) for s in range(10)]
        rate = np.mean([weekly_anomalies(y)["flagged"].mean() for y in series])
        assert rate < 0.01, (n, rate)


def test_injected_spikes_are_found():
    y = seasonal(seed=5)
    spikes = [30, 77, 140]
    y[spikes] += 400  # 20 noise sigmas
    out = weekly_anomalies(weekly(y), threshold=3.5)
    flagged = set(np.flatnonzero(out["flagged"]))
    assert set(spikes) <= flagged
    assert len(flagged - set(spikes)) <= 1
    assert (out.loc[spikes, "score"] > 3.5).all()
    # A higher threshold flags fewer weeks, never more.
    assert out["flagged"].sum() >= weekly_anomalies(weekly(y), threshold=8)["flagged"].sum()


def test_short_series_fall_back_to_a_rolling_median():
    rng = np.random.default_rng(7)
    y = 100 + rng.normal(0, 5, 30)
    y[12] += 100
    out = weekly_anomalies(weekly(y), threshold=3.5)
    assert out.loc[12, "flagged"] and out["flagged"].sum() <= 2
    assert len(weekly_anomalies(weekly([5.0]))) == 1


def test_degenerate_series_do_not_crash():
    assert weekly_anomalies(pd.Series(dtype=float)).empty
    flat = weekly_anomalies(weekly(np.zeros(120)))
    assert not flat["flagged"].any() and (flat["score"] == 0).all()
    nan = weekly_anomalies(weekly([1.0, np.nan, 3.0, np.nan]))
    assert nan["value"].notna().all()
    # A constant series with one spike: the MAD is 0, the spike is still flagged.
    y = np.full(40, 10.0)
    y[20] = 50
    assert weekly_anomalies(weekly(y))["flagged"].sum() == 1


def test_robust_z():
    assert robust_z(np.array([])).size == 0
    z = robust_z(np.array([1.0, 2.0, 3.0, 100.0]))
    assert z[-1] > 3.5 and abs(z[1]) < 1


def test_flagged_weeks_are_attributed_to_the_group_that_rose_most():
    weeks = pd.date_range("2024-01-01", periods=20, freq="7D")
    rows = []
    for i, w in enumerate(weeks):
        rows.append({"week": w, "key": "SE", "group": "Sweden", "value": 100.0 + (i == 10) * 50})
        rows.append({"week": w, "key": "US", "group": "United States", "value": 500.0})
        rows.append({"week": w, "key": "DE", "group": "Germany", "value": 50 + (i == 10) * 400})
    by = pd.DataFrame(rows)
    flags = weekly_anomalies(by.groupby("week")["value"].sum(), threshold=3.5)
    assert flags["flagged"].sum() == 1
    drivers = attribute_anomalies(flags, by)
    assert list(drivers["driver_key"]) == ["DE"] and list(drivers["driver"]) == ["Germany"]
    assert drivers["driver_change"].iloc[0] == 400
    assert list(drivers["direction"]) == ["rise"]
    assert attribute_anomalies(flags.assign(flagged=False), by).empty
    assert attribute_anomalies(flags, by.iloc[0:0]).empty


def test_long_series_use_stl():
    y = seasonal(n=260, seed=9)
    y[200] += 400
    out = weekly_anomalies(weekly(y), threshold=3.5)
    assert out.loc[200, "flagged"] and out["flagged"].sum() <= 2
    # STL's expected value follows the season (not a flat line).
    assert out["expected"].max() - out["expected"].min() > 400


def test_a_drop_is_attributed_to_the_group_that_fell_most_and_says_fall():
    weeks = pd.date_range("2024-01-01", periods=20, freq="7D")
    rows = []
    for i, w in enumerate(weeks):
        rows.append({"week": w, "key": "SE", "group": "Sweden", "value": 100.0 - (i == 10) * 20})
        rows.append({"week": w, "key": "US", "group": "United States", "value": 500.0})
        rows.append({"week": w, "key": "DE", "group": "Germany", "value": 450 - (i == 10) * 400})
    by = pd.DataFrame(rows)
    flags = weekly_anomalies(by.groupby("week")["value"].sum(), threshold=3.5)
    assert flags["flagged"].sum() == 1
    drivers = attribute_anomalies(flags, by)
    # Before: the week's "driver" was whoever rose most (nobody did: US at +0) and the table
    # called the drop an increase.
    assert list(drivers["driver_key"]) == ["DE"] and list(drivers["direction"]) == ["fall"]
    assert drivers["driver_change"].iloc[0] == -400

    from charts.anomalies import anomaly_table

    table = anomaly_table(flags, {"market": drivers})
    assert list(table["direction"]) == ["fall"] and table.loc[0, "market_change"] == -400
