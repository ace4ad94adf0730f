"""Forecast: model choice on known synthetic series, honest intervals, degenerate series,
and the scenario formula's invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import (
    BASELINE,
    FAN_COLUMNS,
    ScenarioInputs,
    apply_scenario,
    backtest,
    baseline_fan,
    fee_factor,
    forecast_series,
    horizon_total,
    scenario_factors,
)


def weekly(values, start="2023-01-02") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float),
        index=pd.date_range(start, periods=len(values), freq="7D"),
    )


def test_trend_and_season_beat_the_baseline():
    rng = np.random.default_rng(1)
    t = np.arange(156)
    y = 1000 + 5 * t + 200 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 30, len(t))
    res = forecast_series(weekly(y), horizon=13)
    assert res.chosen != BASELINE
    assert res.mae_ratio < 0.85
    assert set(res.accuracy["model"]) >= {BASELINE, "ets", "ets_damped", "arima_011", "stl_ets"}
    fc = res.forecast
    assert len(fc) == 13 and list(fc["step"]) == list(range(1, 14))
    assert (fc["week"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert fc["week"].iloc[0] == res.history["week"].iloc[-1] + pd.Timedelta(days=7)
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["mean"]).all()
    assert (fc["mean"] <= fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()


def test_level_shift_is_followed():
    rng = np.random.default_rng(2)
    y = np.r_[rng.normal(100, 10, 80), rng.normal(300, 10, 40)]
    res = forecast_series(weekly(y), horizon=8)
    assert res.chosen != BASELINE or res.notes
    assert res.forecast["mean"].iloc[0] == pytest.approx(300, rel=0.15)


def test_interval_coverage_is_near_nominal_on_a_long_backtest():
    # A local-level series (what ETS(A,N,N) assumes): intervals should be honest.
    rng = np.random.default_rng(3)
    level = 1000 + np.cumsum(rng.normal(0, 20, 300))
    y = level + rng.normal(0, 40, 300)
    acc, _ = backtest(y, horizon=4, origins=80, models=("ets",))
    ets = acc.set_index("model").loc["ets"]
    assert 0.68 <= ets["coverage80"] <= 0.92
    assert 0.86 <= ets["coverage95"] <= 0.995
    assert ets["origins"] == 80


@pytest.mark.parametrize(
    "values, expect",
    [
        (np.zeros(104), "all zero"),
        (np.full(60, 7.0), "constant"),
        (np.arange(10.0), "Only 10 weeks"),
        (np.r_[np.zeros(70), [500, 0, 0, 800] * 5, np.zeros(10)], "mostly zero"),
    ],
    ids=["all-zero", "constant", "ten-points", "sparse"],
)
def test_degenerate_series_fall_back_to_the_baseline_with_a_note(values, expect):
    res = forecast_series(weekly(values), horizon=13)
    assert res.chosen == BASELINE
    assert any(expect in n for n in res.notes), res.notes
    assert len(res.forecast) == 13
    assert res.forecast[list(FAN_COLUMNS)].notna().all().all()
    assert (res.forecast[list(FAN_COLUMNS)] >= 0).all().all()


def test_empty_and_nan_series_do_not_crash():
    res = forecast_series(pd.Series(dtype=float), horizon=4)
    assert res.forecast.empty and res.notes
    y = weekly(np.r_[np.linspace(10, 50, 60), [np.nan] * 3, np.linspace(50, 60, 20)])
    res = forecast_series(y, horizon=4)
    assert res.forecast["mean"].notna().all()


def test_baseline_is_seasonal_with_two_years_and_naive_otherwise():
    y2 = np.arange(104.0)
    fan = baseline_fan(y2, 3)
    assert list(fan["mean"]) == [52.0, 53.0, 54.0]
    fan = baseline_fan(np.arange(60.0), 3)
    assert list(fan["mean"]) == [59.0, 59.0, 59.0]
    assert (fan["hi95"] - fan["hi80"] > 0).all()


def test_every_candidate_reports_mae_mase_and_coverage():
    rng = np.random.default_rng(4)
    y = 500 + rng.gamma(2, 100, 104)
    acc, _ = backtest(y, horizon=13, origins=12)
    assert {"mae", "mase", "coverage80", "coverage95", "fit_s"} <= set(acc.columns)
    assert acc[["mae", "mase", "coverage80", "coverage95"]].notna().all().all()
    assert (acc["mae"] > 0).all()


INPUTS = ScenarioInputs(
    artificial_streams=1000.0,
    flagged_streams=700.0,
    confirmed_streams=600.0,
    at_risk_eur=900.0,
    fees_outstanding_eur=100.0,
)
SHARES = pd.DataFrame({"bin_start": [0.5, 0.7, 0.85, 0.9, 0.95], "tracks": [40, 30, 20, 8, 2]})


def _total(**kw) -> float:
    fc = pd.DataFrame(
        {"week": pd.date_range("2026-01-05", periods=8, freq="7D"), "step": range(1, 9)}
    )
    for col in FAN_COLUMNS:
        fc[col] = 1000.0
    factors = scenario_factors(INPUTS, horizon=8, track_shares=SHARES, **kw)
    return horizon_total(apply_scenario(fc, factors))


def test_scenario_defaults_change_nothing():
    assert _total() == pytest.approx(8000.0)
    assert _total(recall_pp=0, backlog_weeks=0, fee_threshold=0.9) == pytest.approx(8000.0)


def test_more_recall_lowers_exposure_monotonically():
    totals = [_total(recall_pp=pp) for pp in (0, 5, 10, 20)]
    assert totals == sorted(totals, reverse=True) and totals[-1] < totals[0]
    # Recall cannot pass 100%: beyond the cap nothing changes.
    assert _total(recall_pp=30) == pytest.approx(_total(recall_pp=90))


def test_clearing_the_backlog_faster_lowers_near_term_exposure():
    fast = scenario_factors(INPUTS, horizon=8, backlog_weeks=2)
    slow = scenario_factors(INPUTS, horizon=8, backlog_weeks=8)
    assert fast["factor"].iloc[0] < 1.0
    assert (fast["factor"] <= slow["factor"] + 1e-12).all()
    assert fast["factor"].iloc[1] < slow["factor"].iloc[1]
    assert _total(backlog_weeks=2) < _total(backlog_weeks=8) < _total()


def test_a_lower_fee_threshold_levies_more_fees():
    assert fee_factor(SHARES, 0.9) == pytest.approx(1.0)
    assert fee_factor(SHARES, 0.85) == pytest.approx(30 / 10)
    assert fee_factor(None, 0.5) == 1.0
    assert _total(fee_threshold=0.7) > _total(fee_threshold=0.9) > _total(fee_threshold=0.95)


def test_scenario_on_an_empty_forecast_and_empty_inputs():
    empty = pd.DataFrame(columns=["week", "step", *FAN_COLUMNS])
    out = apply_scenario(empty, scenario_factors(ScenarioInputs(), horizon=4, recall_pp=10))
    assert out.empty and "baseline" in out
    f = scenario_factors(ScenarioInputs.from_frame(None), horizon=4, recall_pp=10)
    assert (f["factor"] == 1.0).all()
