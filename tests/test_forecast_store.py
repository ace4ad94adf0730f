"""The forecast fit store: a stored fit equals a fresh one, a new store instance (or another
process) finds it without fitting, a slice whose data moved on gets its previous fit at once
(marked stale) while the new one lands in the background, one fit per series however many
callers ask, fits shared between horizons change nothing, and the warm-up stores what the
Exposure page asks for by default."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import forecast_horizons, forecast_series
from analytics.forecast_store import (
    FitStore,
    Forecaster,
    result_from_json,
    result_to_json,
    series_key,
)

ROOT = Path(__file__).resolve().parents[1]
KW = {"horizon": 4, "origins": 4, "models": ("ets", "arima_101")}


def weekly(n: int = 60, seed: int = 5, start: str = "2024-01-01") -> pd.Series:
    rng = np.random.default_rng(seed)
    y = 1000 + np.cumsum(rng.normal(0, 20, n)) + rng.normal(0, 30, n)
    return pd.Series(y, index=pd.date_range(start, periods=n, freq="7D"))


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.history, b.history)
    pd.testing.assert_frame_equal(a.forecast, b.forecast)
    pd.testing.assert_frame_equal(a.accuracy, b.accuracy)
    assert (a.chosen, a.chosen_label, a.baseline_label) == (
        b.chosen,
        b.chosen_label,
        b.baseline_label,
    )
    assert (a.notes, a.model_notes, a.fit_seconds) == (b.notes, b.model_notes, b.fit_seconds)


class Counting:
    """forecast_series that counts its calls and can be held until released."""

    def __init__(self, hold: bool = False):
        self.calls = 0
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self._lock = threading.Lock()

    def __call__(self, series, **kw):
        with self._lock:
            self.calls += 1
        assert self.release.wait(30), "test never released the fit"
        return forecast_series(series, **kw)


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "fits.sqlite"


@pytest.mark.parametrize(
    "series",
    [
        pytest.param(weekly(), id="model"),
        pytest.param(weekly(20), id="too-short"),
        pytest.param(pd.Series(0.0, index=pd.date_range("2024-01-01", periods=40, freq="7D"))),
    ],
)
def test_round_trip_equals_a_fresh_fit(series, store_path):
    fresh = forecast_series(series, **KW)
    assert_same(result_from_json(result_to_json(fresh)), fresh)
    svc = Forecaster(FitStore(store_path), fit=Counting())
    first = svc.forecast(series, **KW)
    # Another fit of the same series: the same numbers (only the timings differ).
    timed = dataclasses.replace(
        fresh, fit_seconds=first.fit_seconds, accuracy=fresh.accuracy.assign(fit_s=0.0)
    )
    assert_same(dataclasses.replace(first, accuracy=first.accuracy.assign(fit_s=0.0)), timed)
    # A fresh store instance on the same file (a restart): the same numbers, no fit.
    again = Forecaster(FitStore(store_path), fit=Counting(hold=True))
    assert_same(again.forecast(series, **KW), first)
    assert again.fit.calls == 0


def test_the_key_is_the_series_and_its_parameters():
    s = weekly()
    base = series_key(s.index[0], s.to_numpy(), horizon=4, origins=4, models=("ets",))
    assert base == series_key(s.index[0], list(s), horizon=4, origins=4, models=("ets",))
    changed = s.copy()
    changed.iloc[-1] += 1e-9
    others = {
        series_key(s.index[0], changed.to_numpy(), horizon=4, origins=4, models=("ets",)),
        series_key(s.index[1], s.to_numpy(), horizon=4, origins=4, models=("ets",)),
        series_key(s.index[0], s.to_numpy(), horizon=5, origins=4, models=("ets",)),
        series_key(s.index[0], s.to_numpy(), horizon=4, origins=6, models=("ets",)),
        series_key(s.index[0], s.to_numpy(), horizon=4, origins=4, models=None),
        series_key(s.index[0], s.to_numpy(), horizon=4, origins=4, models=("ets",), method="x"),
    }
    assert base not in others and len(others) == 6


def test_another_process_finds_the_fit_without_fitting(store_path):
    s = weekly()
    Forecaster(FitStore(store_path)).forecast(s, **KW)
    code = f"""
import numpy as np, pandas as pd
from analytics.forecast_store import FitStore, Forecaster
def refuse(*a, **k):
    raise AssertionError("fitted although the store holds the series")
weeks = pd.date_range("2024-01-01", periods={len(s)}, freq="7D")
s = pd.Series({list(s.to_numpy())!r}, index=weeks)
res = Forecaster(FitStore({str(store_path)!r}), fit=refuse).forecast(s, **{KW!r})
print(res.chosen)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == forecast_series(s, **KW).chosen


def test_memo_hands_out_copies(store_path):
    svc = Forecaster(FitStore(store_path))
    s = weekly()
    first = svc.forecast(s, **KW)
    first.forecast["mean"] = -1.0
    assert (svc.forecast(s, **KW).forecast["mean"] >= 0).all()


def test_stale_fit_is_returned_at_once_and_the_refit_lands(store_path):
    fit = Counting()
    svc = Forecaster(FitStore(store_path), fit=fit)
    old = weekly(60)
    slice_ = ("viewer", {"markets": ("SE",)})
    svc.forecast(old, **KW, slice_=slice_)
    assert fit.calls == 1
    new = weekly(61)  # one more week of the same slice (same seed: the same first 60 weeks)
    fit.release.clear()  # the refit will block until released
    t0 = time.perf_counter()
    res = svc.forecast(new, **KW, slice_=slice_)
    assert time.perf_counter() - t0 < 2.0
    assert res.stale and res.data_through == old.index[-1].date()
    assert "Forecast from data up to" in res.notes[0]
    # Asking again while the refit runs starts no second one.
    assert svc.forecast(new, **KW, slice_=slice_).stale
    fit.release.set()
    svc.wait_idle(timeout=60)
    assert fit.calls == 2
    fresh = svc.forecast(new, **KW, slice_=slice_)
    assert not fresh.stale and fresh.data_through == new.index[-1].date()
    assert fit.calls == 2
    assert_same(fresh, Forecaster(FitStore(store_path)).forecast(new, **KW))


def test_no_stale_fit_from_another_slice_or_a_later_origin(store_path):
    fit = Counting()
    svc = Forecaster(FitStore(store_path), fit=fit)
    svc.forecast(weekly(61), **KW, slice_=("viewer", "SE"))
    # Another slice: fitted in front of the caller, never someone else's numbers.
    res = svc.forecast(weekly(60, seed=9), **KW, slice_=("viewer", "DK"))
    assert not res.stale and fit.calls == 2
    # The same slice at an earlier origin (the period's end moved back): not the later fit.
    res = svc.forecast(weekly(59), **KW, slice_=("viewer", "SE"))
    assert not res.stale and res.data_through == weekly(59).index[-1].date()
    assert fit.calls == 3


def test_one_fit_per_series_however_many_ask(store_path):
    fit = Counting(hold=True)
    svc = Forecaster(FitStore(store_path), fit=fit, workers=2)
    s = weekly()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(svc.forecast(s, **KW))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    time.sleep(0.3)
    svc.refresh_in_background(
        series_key(s.index[0], s.to_numpy(), **KW),
        s,
        {**KW, "name": "series"},
        None,
    )
    fit.release.set()
    for t in threads:
        t.join(60)
    svc.wait_idle(60)
    assert fit.calls == 1 and len(results) == 4
    for r in results[1:]:
        assert_same(r, results[0])


def test_fits_shared_between_horizons_change_nothing(store_path):
    s = weekly(70)
    many = forecast_horizons(s, horizons=(4, 6, 9), origins=4, models=("ets", "arima_101"))
    for h, res in many.items():
        one = forecast_series(s, horizon=h, origins=4, models=("ets", "arima_101"))
        pd.testing.assert_frame_equal(res.forecast, one.forecast)
        pd.testing.assert_frame_equal(
            res.accuracy.drop(columns="fit_s"), one.accuracy.drop(columns="fit_s")
        )
        assert res.chosen == one.chosen
    # precompute stores each horizon under the key forecast looks up.
    svc = Forecaster(FitStore(store_path), fit=Counting())
    assert svc.precompute(s, horizons=(6, 4), origins=4, models=("ets", "arima_101")) == 2
    assert svc.precompute(s, horizons=(4, 6), origins=4, models=("ets", "arima_101")) == 0
    assert svc.fit.calls == 2
    reader = Forecaster(FitStore(store_path), fit=Counting(hold=True))
    got = reader.forecast(s, horizon=4, origins=4, models=("ets", "arima_101"))
    assert reader.fit.calls == 0
    pd.testing.assert_frame_equal(got.forecast, many[4].forecast)
    pd.testing.assert_frame_equal(
        got.accuracy.drop(columns="fit_s"),
        many[4].accuracy.drop(columns="fit_s"),
    )


def test_warm_up_stores_the_standard_slices(monkeypatch, duck_url, tmp_path):
    from streamlit.testing.v1 import AppTest  # noqa: F401 - the page test below needs it

    from tests.support.apptest import assert_clean, run_app, screen_text
    from ui import forecast_warm, forecasting

    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("FRAUD_FORECAST_CACHE", str(tmp_path / "warm.sqlite"))
    out = forecast_warm.warm(horizons=(forecasting.DEFAULT_HORIZON, 26))
    assert out["fitted"] == out["series"] >= 3  # overall at 2 horizons + at least one market
    assert forecast_warm.warm(horizons=(forecasting.DEFAULT_HORIZON, 26))["fitted"] == 0

    # The page's first open finds every forecast it asks for: fitting would fail here.
    def refuse(*_a, **_k):
        raise AssertionError("the Exposure page fitted a standard slice")

    monkeypatch.setattr(forecasting.service(), "fit", refuse)
    at = run_app(monkeypatch, duck_url, page="app_pages/exposure.py")
    assert_clean(at)
    assert "Chosen:" in screen_text(at)
    assert "Forecast from data up to" not in screen_text(at)  # not a stale stand-in either
    at.slider(key="exposure_horizon").set_value(26).run()
    assert_clean(at)
    assert any(m.label == "Forecast exposure, next 26 weeks" for m in at.metric)


def test_a_broken_store_still_serves_forecasts(store_path, monkeypatch, tmp_path):
    from sqlalchemy.exc import OperationalError

    class Broken(FitStore):
        def get_payload(self, key):
            raise OperationalError("select", {}, Exception("disk I/O error"))

        def put(self, *a, **k):
            raise OperationalError("insert", {}, Exception("database or disk is full"))

    fit = Counting()
    svc = Forecaster(Broken(store_path), fit=fit)
    s = weekly()
    first = svc.forecast(s, **KW, slice_=("viewer", "SE"))
    again = svc.forecast(s, **KW)
    assert fit.calls == 1  # kept in the process, though not in the store
    assert_same(again, first)

    # A store path that cannot be created: the page still gets its forecast.
    from ui import forecasting

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("FRAUD_FORECAST_CACHE", str(blocker / "fits.sqlite"))
    frame = s.rename("v").rename_axis("week").reset_index()
    res = forecasting.forecast(frame, value="v", **KW)
    assert res.chosen == first.chosen


def test_the_page_shows_a_stale_fit_at_once_then_the_fresh_one(monkeypatch, duck_url, tmp_path):
    from datetime import timedelta

    from data_access.filters import Filters
    from data_access.loaders.exposure import load_weekly_exposure
    from data_access.scope import FULL
    from tests.support.apptest import assert_clean, run_app, screen_text
    from ui import forecast_warm, forecasting

    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("FRAUD_FORECAST_CACHE", str(tmp_path / "stale.sqlite"))
    today = forecast_warm.standard_filters()
    # Last week's forecast of the same slice: the data then ended a week earlier.
    before = Filters(start=today.start - timedelta(days=7), end=today.end - timedelta(days=7))
    forecast_warm.warm(horizons=(13,), filters=before)
    old = forecasting.forecast(load_weekly_exposure(FULL, before), value="exposure_eur", horizon=13)
    assert not old.stale
    svc = forecasting.service()
    fit = Counting(hold=True)
    monkeypatch.setattr(svc, "fit", fit)
    at = run_app(monkeypatch, duck_url, page="app_pages/exposure.py", timeout=120)
    assert_clean(at)
    text = screen_text(at)
    assert f"Forecast from data up to {old.data_through:%d %b %Y}" in text
    fit.release.set()
    svc.wait_idle(timeout=120)
    at.run()
    assert_clean(at)
    assert "Forecast from data up to" not in screen_text(at)
    assert fit.calls >= 1


def test_single_market_warm_up_serves_a_one_market_pick(monkeypatch, duck_url, tmp_path):
    from data_access.loaders.exposure import load_weekly_by_group
    from data_access.scope import FULL
    from tests.support.apptest import assert_clean, run_app, screen_text
    from ui import forecast_warm, forecasting

    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("FRAUD_FORECAST_CACHE", str(tmp_path / "markets.sqlite"))
    out = forecast_warm.warm_markets(limit=1)
    assert out["markets"] == 1 and out["fitted"] == out["series"] == 2  # overall + its row
    assert forecast_warm.warm_markets(limit=1)["fitted"] == 0
    top = load_weekly_by_group(
        FULL, forecast_warm.standard_filters(), "market", forecasting.OVERALL_VALUE, 1
    )["key"].iloc[0]

    def refuse(*_a, **_k):
        raise AssertionError("the Exposure page fitted a warmed single-market slice")

    monkeypatch.setattr(forecasting.service(), "fit", refuse)
    at = run_app(monkeypatch, duck_url, page="app_pages/exposure.py", params={"market": top})
    assert_clean(at)
    assert "Chosen:" in screen_text(at)
    assert "Forecast from data up to" not in screen_text(at)


def test_start_background_warms_single_markets_in_a_low_priority_process(monkeypatch):
    import threading

    from ui import forecast_warm

    done, calls = threading.Event(), []
    monkeypatch.setenv("FRAUD_FORECAST_WARM", "1")
    monkeypatch.setattr(forecast_warm, "_started", threading.Event())
    monkeypatch.setattr(forecast_warm, "warm", lambda **kw: calls.append(("warm", kw)))

    def popen(cmd, **kw):
        calls.append(("process", cmd))
        done.set()

    monkeypatch.setattr(forecast_warm.subprocess, "Popen", popen)
    assert forecast_warm.start_background() is True
    assert done.wait(10)
    assert calls[0][0] == "warm"  # the standard slices first, in the server's process
    cmd = calls[1][1]
    assert cmd[1:] == ["-m", "ui.forecast_warm", "--markets-only", "--low-priority"]
    assert forecast_warm.start_background() is False  # once per process


def test_low_priority_fits_yield_the_cpu_to_page_runs():
    """The background fitter runs at nice 19 and, on Linux, SCHED_IDLE (in a child process:
    priorities cannot be raised back)."""
    import subprocess
    import sys

    code = (
        "import os; from ui.forecast_warm import _lowest_priority; _lowest_priority(); "
        "idle = getattr(os, 'SCHED_IDLE', None); "
        "print(os.nice(0), idle is None or os.sched_getscheduler(0) == idle)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.split()
    assert out == ["19", "True"]
