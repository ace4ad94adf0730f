"""Forecast of weekly financial exposure: candidate models, a rolling-origin backtest, the
chosen model's fan (80% / 95% prediction intervals), and explicit what-if scenarios.

The series is weekly exposure in EUR (``exposure_eur`` in analytics.metrics; its SQL is in
data_access.queries.exposure). Weekly data has a yearly season of 52 weeks; with about two
years of points, yearly seasonal models are fragile, so the candidates are mostly
non-seasonal and a seasonal one is only tried with two full years of training data:

- ``ets``: ETS(A,N,N), simple exponential smoothing with additive errors.
- ``ets_damped``: ETS(A,Ad,N), additive damped trend.
- ``arima_011``: SARIMAX(0,1,1) (a random walk plus noise).
- ``arima_101``: SARIMAX(1,0,1) with a constant (mean-reverting).
- ``stl_ets``: STL(52, robust) seasonal component carried forward seasonally + ETS(A,N,N)
  on the seasonally adjusted series; only with >= 104 weeks of training data.
- the baseline: seasonal naive (the value 52 weeks earlier) with >= 104 weeks of training
  data, else naive (the last value). Its intervals come from its in-sample residuals.

Choice: the candidate (baseline included) with the lowest MAE in a rolling-origin backtest:
at each of the last ``origins`` weekly origins every candidate is refitted on the data up to
the origin and forecasts ``horizon`` weeks; MAE, MASE (scaled by the in-sample one-step
naive MAE) and the share of actuals inside the 80% / 95% intervals are reported for every
candidate. Short (< ~30 weeks), mostly-zero and constant series use the baseline, with a
note saying why. Forecasts and intervals are clipped at 0 (exposure is never negative).

Scenarios (``scenario_factors``) scale the forecast by an explicit formula, not a second
model. With, over the last 13 weeks of the slice, A = estimated artificial streams,
F = flagged, C = confirmed (removed), s = fees outstanding / exposure:

    at-risk factor (recall)  r_f = 1 - Δ·κ / (1 - c)         Δ = recall uplift (pp/100),
                                                              capped at 1 - F/A;
                                                              κ = C/F (flagged that end up
                                                              removed); c = C/A
    at-risk factor (backlog) b_k = 1 - b·min(k / y, 1)        k = weeks ahead, y = weeks to
                                                              clear the review backlog
                                                              (0 = status quo);
                                                              b = min(F - C, A - C)/(A - C)
    fee factor               φ   = N(θ) / N(90%)              N(θ) = tracks of the slice whose
                                                              artificial share is >= θ
    adjusted_k = forecast_k · ((1 - s)·r_f·b_k + s·φ)

Raising recall removes more artificial streams (lower exposure); clearing the backlog
faster removes the flagged-but-unremoved part sooner; a lower fee threshold levies fees on
more tracks, and fees not yet recovered count as exposure until collected (higher).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

log = logging.getLogger("fraud.forecast")

SEASON = 52
LEVELS = (0.8, 0.95)
_Z = {0.8: 1.2815515655446004, 0.95: 1.959963984540054}
MIN_HORIZON, MAX_HORIZON = 4, 26
MIN_TRAIN = 26  # weeks a candidate needs at the first backtest origin
MIN_ORIGINS = 4
SPARSE_ZERO_SHARE = 0.5
BASELINE = "baseline"
FAN_COLUMNS = ("mean", "lo80", "hi80", "lo95", "hi95")
RECENT_WEEKS = 13
FEE_THRESHOLD = 0.90
ACCURACY_COLUMNS = ("model", "label", "mae", "mase", "coverage80", "coverage95", "origins", "fit_s")


# -- candidates ----------------------------------------------------------------------------

Fan = dict[str, np.ndarray]


def _fan(mean, bands: dict[float, tuple]) -> Fan:
    out = {"mean": np.asarray(mean, dtype=float)}
    for level, (lo, hi) in bands.items():
        tag = round(level * 100)
        out[f"lo{tag}"] = np.asarray(lo, dtype=float)
        out[f"hi{tag}"] = np.asarray(hi, dtype=float)
    return out


_blas_limited = threading.Event()


def _one_blas_thread() -> None:
    """Run BLAS on one thread in this process, once (numpy's and scipy's OpenBLAS).

    These fits multiply matrices of a few dozen rows: a second BLAS thread buys nothing, and
    on a busy 2-core box OpenBLAS's spinning worker threads fight the app's own threads. On
    the scale-1 demo under load the same forecast took 45 s with the default threads and
    1.9 s with one (the "3 minutes" first open of the Exposure page)."""
    if _blas_limited.is_set():
        return
    import scipy.linalg  # noqa: F401 - loads scipy's OpenBLAS, so the limit reaches it too
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    _blas_limited.set()


def _scaled(fit: Callable[[pd.Series, int], Fan]) -> Callable[[np.ndarray, int], Fan]:
    """Fit on y / scale (optimisers behave at unit scale) and scale the fan back."""

    def run(y: np.ndarray, h: int) -> Fan:
        _one_blas_thread()
        scale = float(np.mean(np.abs(y))) or 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fan = fit(pd.Series(y / scale), h)
        return {k: v * scale for k, v in fan.items()}

    return run


def _ets_fan(y: pd.Series, h: int, **kw) -> Fan:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    res = ETSModel(y, error="add", **kw).fit(disp=False)
    pred = res.get_prediction(start=len(y), end=len(y) + h - 1)
    bands = {}
    for level in LEVELS:
        sf = pred.summary_frame(alpha=1 - level)
        bands[level] = (sf["pi_lower"].to_numpy(), sf["pi_upper"].to_numpy())
    return _fan(np.asarray(pred.predicted_mean), bands)


def _arima_fan(y: pd.Series, h: int, *, order, trend=None) -> Fan:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    res = SARIMAX(y, order=order, trend=trend).fit(disp=False)
    fc = res.get_forecast(h)
    bands = {}
    for level in LEVELS:
        ci = np.asarray(fc.conf_int(alpha=1 - level))
        bands[level] = (ci[:, 0], ci[:, 1])
    return _fan(np.asarray(fc.predicted_mean), bands)


def _stl_ets_fan(y: pd.Series, h: int) -> Fan:
    from statsmodels.tsa.seasonal import STL

    seasonal = STL(y, period=SEASON, robust=True).fit().seasonal.to_numpy()
    adj = _ets_fan(y - seasonal, h)
    n = len(y)
    carry = np.array([seasonal[n - SEASON + (k % SEASON)] for k in range(h)])
    return {k: v + carry for k, v in adj.items()}


def baseline_fan(y: np.ndarray, h: int) -> Fan:
    """Seasonal naive (52) with >= 2 years of data, else naive; normal intervals from the
    in-sample residuals (sigma · sqrt(number of seasons / steps ahead))."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n == 0:
        zeros = np.zeros(h)
        return _fan(zeros, {lv: (zeros, zeros) for lv in LEVELS})
    m = SEASON if n >= 2 * SEASON else 1
    ks = np.arange(h)
    mean = y[n - m + (ks % m)] if m > 1 else np.repeat(y[-1], h)
    steps = (ks // m) + 1 if m > 1 else ks + 1
    resid = y[m:] - y[:-m]
    sigma = float(np.sqrt(np.mean(resid**2))) if len(resid) else 0.0
    half = {lv: _Z[lv] * sigma * np.sqrt(steps) for lv in LEVELS}
    return _fan(mean, {lv: (mean - half[lv], mean + half[lv]) for lv in LEVELS})


def baseline_label(n: int) -> str:
    return "Seasonal naive (52 weeks)" if n >= 2 * SEASON else "Naive (last value)"


@dataclass(frozen=True)
class Candidate:
    key: str
    label: str
    fit: Callable[[np.ndarray, int], Fan]
    min_train: int = MIN_TRAIN


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("ets", "ETS (level)", _scaled(_ets_fan)),
    Candidate(
        "ets_damped",
        "ETS (damped trend)",
        _scaled(lambda y, h: _ets_fan(y, h, trend="add", damped_trend=True)),
    ),
    Candidate("arima_011", "ARIMA(0,1,1)", _scaled(lambda y, h: _arima_fan(y, h, order=(0, 1, 1)))),
    Candidate(
        "arima_101",
        "ARIMA(1,0,1) + constant",
        _scaled(lambda y, h: _arima_fan(y, h, order=(1, 0, 1), trend="c")),
    ),
    Candidate("stl_ets", "STL(52) + ETS", _scaled(_stl_ets_fan), min_train=2 * SEASON),
)
CANDIDATE_KEYS = tuple(c.key for c in CANDIDATES)


def _candidates(keys) -> tuple[Candidate, ...]:
    keys = CANDIDATE_KEYS if keys is None else tuple(keys)
    return tuple(c for c in CANDIDATES if c.key in keys)


def _clip(fan: Fan) -> Fan:
    return {k: np.clip(v, 0.0, None) for k, v in fan.items()}


def _finite(fan: Fan, h: int) -> bool:
    return all(len(v) == h and np.all(np.isfinite(v)) for v in fan.values())


# -- backtest ------------------------------------------------------------------------------


class FitMemo:
    """Fans already fitted on one series, shared by forecasts of several horizons.

    A model fitted on y[:t] forecasting H steps gives, in its first h steps, exactly the fan
    it gives forecasting h steps (every candidate's mean and intervals for step k depend on
    k, not on how far the forecast runs), so one fit per (model, training size) at the
    longest horizon serves every shorter one. Failures are remembered too."""

    def __init__(self, horizon: int):
        self.horizon = int(horizon)
        self._fans: dict[tuple[str, int], tuple[Fan | None, float]] = {}

    def fan(self, key: str, fit: Callable[[np.ndarray, int], Fan], y: np.ndarray, h: int):
        """(fan of h steps or None when the fit failed, seconds that fit took)."""
        t = len(y)
        if (key, t) not in self._fans:
            t0 = time.perf_counter()
            try:
                fan = fit(y, max(self.horizon, h))
            except Exception:  # noqa: BLE001 - the caller drops a failed origin
                fan = None
            self._fans[(key, t)] = (fan, time.perf_counter() - t0)
        fan, secs = self._fans[(key, t)]
        return (None if fan is None else {k: v[:h] for k, v in fan.items()}), secs


def _fit_once(key, fit, y, h, memo: FitMemo | None):
    """The fan (or None when the fit failed) and the seconds it took (or once took)."""
    if memo is not None:
        return memo.fan(key, fit, y, h)
    t0 = time.perf_counter()
    try:
        fan = fit(y, h)
    except Exception:  # noqa: BLE001 - the caller drops a failed origin
        fan = None
    return fan, time.perf_counter() - t0


def backtest(
    y, *, horizon: int, origins: int = 12, models=None, memo: FitMemo | None = None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Rolling-origin backtest of every candidate and the baseline.

    Returns one row per model: model, label, mae, mase, coverage80, coverage95, origins (that
    fitted), fit_s, is_baseline; and notes (candidates skipped or failing). With ``memo``,
    fits already made for another horizon of the same series are reused (fit_s still sums
    the time those fits took).
    """
    y = np.asarray(y, dtype=float)
    n, h = len(y), int(horizon)
    last = n - h
    first = max(last - origins + 1, MIN_TRAIN)
    train_sizes = list(range(first, last + 1))
    notes: list[str] = []
    scale = float(np.mean(np.abs(np.diff(y[:first])))) if 1 < first <= n else 0.0
    rows = []
    base_lab = baseline_label(first)
    entries = [(BASELINE, base_lab, baseline_fan, 0)]
    for c in _candidates(models):
        if first < c.min_train:
            notes.append(f"{c.label} needs {c.min_train} weeks of history; not tried.")
            continue
        entries.append((c.key, c.label, c.fit, c.min_train))
    for key, label, fit, _ in entries:
        errs, in80, in95, ok, fit_s = [], [], [], 0, 0.0
        for t in train_sizes:
            truth = y[t : t + h]
            fan, secs = _fit_once(key, fit, y[:t], h, memo)
            fit_s += secs
            if fan is None:  # any fitting failure drops this origin
                continue
            fan = _clip(fan)
            if not _finite(fan, h):
                continue
            ok += 1
            errs.append(np.abs(truth - fan["mean"]))
            in80.append((truth >= fan["lo80"]) & (truth <= fan["hi80"]))
            in95.append((truth >= fan["lo95"]) & (truth <= fan["hi95"]))
        if ok < max(1, len(train_sizes) // 2):
            notes.append(f"{label} failed to fit at most backtest origins; not used.")
            continue
        mae = float(np.mean(np.concatenate(errs)))
        rows.append(
            {
                "model": key,
                "label": label,
                "mae": mae,
                "mase": mae / scale if scale > 0 else float("nan"),
                "coverage80": float(np.mean(np.concatenate(in80))),
                "coverage95": float(np.mean(np.concatenate(in95))),
                "origins": ok,
                "fit_s": fit_s,
                "is_baseline": key == BASELINE,
            }
        )
    df = pd.DataFrame(rows, columns=[*ACCURACY_COLUMNS, "is_baseline"])
    return df, tuple(notes)


# -- the forecast --------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastResult:
    history: pd.DataFrame  # week, value
    forecast: pd.DataFrame  # week, step, mean, lo80, hi80, lo95, hi95
    chosen: str  # a candidate key or BASELINE
    chosen_label: str
    baseline_label: str
    accuracy: pd.DataFrame  # backtest rows (empty when the baseline was used directly)
    notes: tuple[str, ...] = field(default=())  # why the baseline is shown, fit failures
    fit_seconds: float = 0.0
    model_notes: tuple[str, ...] = field(default=())  # candidates not tried in the backtest
    # True when a stored fit of an earlier version of the same slice is shown while the
    # current series is refitted in the background (analytics.forecast_store).
    stale: bool = False

    @property
    def data_through(self):
        """The last week of the series this result was fitted on (None when empty)."""
        if self.history.empty:
            return None
        return pd.Timestamp(self.history["week"].iloc[-1]).date()

    def accuracy_of(self, model: str) -> dict | None:
        rows = self.accuracy[self.accuracy["model"] == model]
        return None if rows.empty else rows.iloc[0].to_dict()

    @property
    def mae_ratio(self) -> float:
        """Chosen model's backtest MAE ÷ the baseline's (NaN when not backtested)."""
        chosen, base = self.accuracy_of(self.chosen), self.accuracy_of(BASELINE)
        if not chosen or not base or not base["mae"]:
            return float("nan")
        return chosen["mae"] / base["mae"]


def _frame(weeks: pd.DatetimeIndex, fan: Fan) -> pd.DataFrame:
    df = pd.DataFrame({"week": weeks, "step": np.arange(1, len(weeks) + 1)})
    for col in FAN_COLUMNS:
        df[col] = np.asarray(fan[col], dtype=float)
    return df


def forecast_series(
    series: pd.Series,
    *,
    horizon: int = 13,
    origins: int = 12,
    models=None,
    name: str = "series",
    memo: FitMemo | None = None,
) -> ForecastResult:
    """Backtest, choose and fit a model for a weekly series (index: week start dates).

    ``memo`` (a FitMemo of this very series) shares fits between calls for several
    horizons; the result is the same as without it (see ``forecast_horizons``)."""
    t0 = time.perf_counter()
    h = int(min(max(int(horizon), 1), 2 * SEASON))
    s = pd.Series(series, dtype=float).fillna(0.0)
    s.index = pd.DatetimeIndex(s.index)
    s = s.sort_index()
    y = s.to_numpy()
    n = len(y)
    history = pd.DataFrame({"week": s.index, "value": y})
    base_lab = baseline_label(n)
    last_week = s.index[-1] if n else None
    weeks = (
        pd.DatetimeIndex([last_week + pd.Timedelta(weeks=k) for k in range(1, h + 1)])
        if n
        else pd.DatetimeIndex([])
    )
    empty_acc = pd.DataFrame(columns=[*ACCURACY_COLUMNS, "is_baseline", "chosen"])

    def baseline_only(note: str) -> ForecastResult:
        fan = _clip(baseline_fan(y, h)) if n else None
        fc = _frame(weeks, fan) if n else _frame(weeks, {c: np.array([]) for c in FAN_COLUMNS})
        elapsed = time.perf_counter() - t0
        log.info("forecast %s: baseline only (%s), %.3f s", name, note, elapsed)
        return ForecastResult(
            history, fc, BASELINE, base_lab, base_lab, empty_acc, (note,), elapsed
        )

    if n == 0:
        return baseline_only("No history for this selection: nothing to forecast.")
    if np.allclose(y, y[0]):
        what = "all zero" if y[0] == 0 else "constant"
        return baseline_only(f"The series is {what}: showing the {base_lab.lower()} baseline.")
    if float(np.mean(y == 0)) > SPARSE_ZERO_SHARE:
        return baseline_only(
            f"The series is mostly zero ({np.mean(y == 0):.0%} of weeks): showing the "
            f"{base_lab.lower()} baseline instead of a model."
        )
    if n - h - MIN_ORIGINS + 1 < MIN_TRAIN:
        return baseline_only(
            f"Only {n} weeks of history: too short to compare models over a {h}-week horizon; "
            f"showing the {base_lab.lower()} baseline."
        )

    if memo is not None and memo.horizon < h:
        memo = None  # fitted for shorter forecasts than this one: of no use here
    acc, model_notes = backtest(y, horizon=h, origins=origins, models=models, memo=memo)
    notes: list[str] = []
    base_row = acc[acc["model"] == BASELINE]
    if not base_row.empty:
        base_lab = str(base_row.iloc[0]["label"])
    best = acc.sort_values(["mae", "is_baseline"], ascending=[True, False]).iloc[0]
    chosen, label = str(best["model"]), str(best["label"])
    fan = None
    if chosen != BASELINE:
        cand = next(c for c in CANDIDATES if c.key == chosen)
        fan, _ = _fit_once(cand.key, cand.fit, y, h, memo)
        fan = None if fan is None else _clip(fan)
        if fan is None or not _finite(fan, h):
            notes.append(f"{label} failed to fit the full series: showing the baseline.")
            chosen, label, fan = BASELINE, base_lab, None
    elif len(acc) > 1:
        notes.append("The baseline was the most accurate in the backtest, so it is used.")
    if fan is None:
        # The final baseline uses the full series' length (seasonal naive with 2 years).
        fan, label = _clip(baseline_fan(y, h)), baseline_label(n)
    acc = acc.assign(chosen=acc["model"] == chosen)
    elapsed = time.perf_counter() - t0
    log.info(
        "forecast %s: %d weeks, h=%d, chosen=%s, %.3f s (%s)",
        name,
        n,
        h,
        chosen,
        elapsed,
        ", ".join(f"{r.model} {r.fit_s:.2f}s" for r in acc.itertuples()),
    )
    return ForecastResult(
        history,
        _frame(weeks, fan),
        chosen,
        label,
        base_lab,
        acc,
        tuple(notes),
        elapsed,
        tuple(model_notes),
    )


def forecast_horizons(
    series: pd.Series,
    *,
    horizons,
    origins: int = 12,
    models=None,
    name: str = "series",
) -> dict[int, ForecastResult]:
    """``forecast_series`` at each horizon, fitting each (model, origin) once at the longest
    horizon: every horizon of a page's slider for about the cost of the longest one."""
    hs = sorted({int(min(max(int(h), 1), 2 * SEASON)) for h in horizons})
    if not hs:
        return {}
    memo = FitMemo(hs[-1])
    return {
        h: forecast_series(series, horizon=h, origins=origins, models=models, name=name, memo=memo)
        for h in hs
    }


# -- scenarios -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioInputs:
    """Recent (last 13 weeks) totals of the slice that the scenario formula reads."""

    artificial_streams: float = 0.0
    flagged_streams: float = 0.0
    confirmed_streams: float = 0.0
    at_risk_eur: float = 0.0
    fees_outstanding_eur: float = 0.0

    @classmethod
    def from_frame(cls, df: pd.DataFrame | None) -> ScenarioInputs:
        if df is None or df.empty:
            return cls()
        row = df.iloc[0]

        def get(k):
            v = row.get(k, 0.0)
            return 0.0 if v is None or pd.isna(v) else float(v)

        return cls(
            artificial_streams=get("artificial_streams"),
            flagged_streams=get("flagged_streams"),
            confirmed_streams=get("confirmed_streams"),
            at_risk_eur=get("at_risk_eur"),
            fees_outstanding_eur=get("fees_outstanding_eur"),
        )

    @property
    def fee_share(self) -> float:
        total = self.at_risk_eur + self.fees_outstanding_eur
        return self.fees_outstanding_eur / total if total > 0 else 0.0

    @property
    def recall(self) -> float:
        """Flagged ÷ estimated artificial streams, at most 1 (the scenario's room to act)."""
        return min(self.measured_recall, 1.0)

    @property
    def measured_recall(self) -> float:
        """The same ratio as measured: above 1 when the estimate is below the flagged streams
        (said, with analytics.funnel.recall_caveat, wherever the number is shown)."""
        a = self.artificial_streams
        return self.flagged_streams / a if a > 0 else 0.0

    @property
    def removal_rate(self) -> float:
        """κ: share of flagged streams that end up confirmed and removed."""
        f = self.flagged_streams
        return min(self.confirmed_streams / f, 1.0) if f > 0 else 0.0

    @property
    def backlog_share(self) -> float:
        """b: share of the at-risk (artificial, not removed) streams already flagged."""
        a, f, c = self.artificial_streams, self.flagged_streams, self.confirmed_streams
        if a - c <= 0:
            return 0.0
        return float(min(max(min(f - c, a - c) / (a - c), 0.0), 1.0))


def eligible_tracks(track_shares: pd.DataFrame | None, threshold: float) -> float:
    """Tracks whose artificial share is >= ``threshold`` (5-point bins: bin_start, tracks)."""
    if track_shares is None or track_shares.empty:
        return 0.0
    bins = track_shares["bin_start"].astype(float)
    return float(track_shares.loc[bins >= threshold - 1e-9, "tracks"].astype(float).sum())


def fee_factor(track_shares: pd.DataFrame | None, threshold: float) -> float:
    """φ = N(threshold) / N(90%); 1 when there are no fee-eligible tracks to compare with."""
    base = eligible_tracks(track_shares, FEE_THRESHOLD)
    if base <= 0:
        return 1.0
    return eligible_tracks(track_shares, threshold) / base


def scenario_factors(
    inputs: ScenarioInputs,
    *,
    horizon: int,
    recall_pp: float = 0.0,
    backlog_weeks: int = 0,
    fee_threshold: float = FEE_THRESHOLD,
    track_shares: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per forecast step k = 1..horizon: the at-risk and fee factors and the total factor."""
    k = np.arange(1, int(horizon) + 1, dtype=float)
    delta = max(float(recall_pp), 0.0) / 100.0
    delta = min(delta, max(1.0 - inputs.recall, 0.0))
    a, c = inputs.artificial_streams, inputs.confirmed_streams
    removed = c / a if a > 0 else 0.0
    recall_f = 1.0 - delta * inputs.removal_rate / (1.0 - removed) if removed < 1 else 1.0
    recall_f = float(min(max(recall_f, 0.0), 1.0))
    if backlog_weeks and backlog_weeks > 0:
        backlog_f = 1.0 - inputs.backlog_share * np.minimum(k / float(backlog_weeks), 1.0)
    else:
        backlog_f = np.ones_like(k)
    phi = fee_factor(track_shares, fee_threshold)
    s = inputs.fee_share
    at_risk = recall_f * backlog_f
    return pd.DataFrame(
        {
            "step": k.astype(int),
            "at_risk_factor": at_risk,
            "fee_factor": np.full_like(k, phi),
            "factor": (1.0 - s) * at_risk + s * phi,
        }
    )


def apply_scenario(forecast: pd.DataFrame, factors: pd.DataFrame) -> pd.DataFrame:
    """The forecast with every fan column scaled by the step's factor (plus 'baseline')."""
    out = forecast.copy()
    if out.empty:
        out["baseline"] = pd.Series(dtype=float)
        return out
    f = out[["step"]].merge(factors[["step", "factor"]], on="step", how="left")["factor"]
    f = f.fillna(1.0).to_numpy()
    out["baseline"] = out["mean"].astype(float)
    for col in FAN_COLUMNS:
        out[col] = out[col].astype(float) * f
    return out


def horizon_total(forecast: pd.DataFrame, weeks: int | None = None) -> float:
    """Sum of the point forecast over the first ``weeks`` steps (all when None)."""
    if forecast is None or forecast.empty:
        return 0.0
    df = forecast if weeks is None else forecast[forecast["step"] <= weeks]
    total = float(df["mean"].sum())
    return 0.0 if math.isnan(total) else total
