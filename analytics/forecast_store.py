"""A persistent store of forecast fits, keyed by the series itself, and the service that
serves them: a fit is computed once per distinct series (and horizon, origins, models,
method version), survives restarts and cache expiry, and is shared between processes.

- ``FitStore``: one SQLite table (``forecast_fits``) of derived numbers, never in the
  warehouse. A row holds the ForecastResult as JSON (frames as columns of plain values, no
  pickle), its series key, the key of the slice it belongs to and the last data week.
- ``Forecaster``: exact hit (in-process memo, then the store) → the result; else, when the
  caller names its slice and an earlier fit of that slice exists (data up to an earlier
  week), that fit at once, marked ``stale``, while the current series is fitted in a
  background thread (at most one fit per series at a time, a bounded pool); else a fit in
  the caller's thread, with concurrent callers of the same series waiting for that one fit.

The store path comes from FRAUD_FORECAST_CACHE (default data/forecast_cache.sqlite beside
the audit database). Streamlit-free: ui.forecasting holds the process-wide instance.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from analytics import forecast as fc
from analytics.forecast import FitMemo, ForecastResult, forecast_series

log = logging.getLogger("fraud.forecast")

ROOT = Path(__file__).resolve().parents[1]
# Bump when the method changes in a way the source hash below would not show (a dependency's
# behaviour); the hash of analytics/forecast.py retires every stored fit when the code changes.
METHOD_REVISION = "1"
METHOD_VERSION = (
    METHOD_REVISION + "-" + hashlib.sha256(Path(fc.__file__).read_bytes()).hexdigest()[:12]
)
DEFAULT_WORKERS = 1  # background refits; the box has 2 cores and the page uses one


def default_path() -> Path:
    return Path(os.environ.get("FRAUD_FORECAST_CACHE") or ROOT / "data" / "forecast_cache.sqlite")


# -- keys ----------------------------------------------------------------------------------


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _canon(part):
    """A JSON-able, process-independent form of a slice part (dataclasses such as Scope and
    Filters, tuples, dates); a Filters' notes are not part of the slice."""
    if dataclasses.is_dataclass(part) and not isinstance(part, type):
        d = {f.name: getattr(part, f.name) for f in dataclasses.fields(part) if f.name != "notes"}
        return {"type": type(part).__name__, **{k: _canon(v) for k, v in d.items()}}
    if isinstance(part, list | tuple):
        return [_canon(p) for p in part]
    if isinstance(part, dict):
        return {str(k): _canon(v) for k, v in part.items()}
    if isinstance(part, date):
        return part.isoformat()
    return part


def series_key(
    first_week: date, values, *, horizon: int, origins: int, models, method: str = METHOD_VERSION
) -> str:
    """What a fit depends on: the series (first week + values), horizon, origins, models."""
    vals = [float(v).hex() for v in values]  # exact, not a rounded decimal
    return _digest(
        {
            "first": pd.Timestamp(first_week).date().isoformat(),
            "values": vals,
            "horizon": int(horizon),
            "origins": int(origins),
            "models": None if models is None else sorted(models),
            "method": method,
        }
    )


def slice_key(slice_, *, name: str, horizon: int, origins: int, models) -> str:
    """Which slice a fit belongs to, whatever its data (the caller's slice, e.g. the viewer's
    scope and the filters without the period, and the series name). Not the method version:
    after a change of method the previous fit is still the best thing to show meanwhile."""
    return _digest(
        {
            "slice": _canon(slice_),
            "name": name,
            "horizon": int(horizon),
            "origins": int(origins),
            "models": None if models is None else sorted(models),
        }
    )


# -- serialisation -------------------------------------------------------------------------


def _frame_to(df: pd.DataFrame) -> dict:
    cols = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            cols[c] = {
                "kind": "datetime",
                "dtype": str(s.dtype),  # the resolution (ns / us) round-trips too
                "v": [None if pd.isna(x) else x.isoformat() for x in s],
            }
        elif pd.api.types.is_bool_dtype(s):
            cols[c] = {"kind": "bool", "v": [bool(x) for x in s]}
        elif pd.api.types.is_integer_dtype(s):
            cols[c] = {"kind": "int", "v": [int(x) for x in s]}
        elif pd.api.types.is_float_dtype(s):
            # NaN / inf as null / strings keep the JSON standard.
            cols[c] = {"kind": "float", "v": [_num(x) for x in s]}
        else:
            cols[c] = {"kind": "object", "v": [_obj(x) for x in s]}
    for c in df.columns:
        cols[c].setdefault("dtype", str(df[c].dtype))  # pandas' own (str, int64, float64...)
    return {"columns": list(df.columns), "data": cols, "rows": len(df)}


def _num(x):
    x = float(x)
    if np.isnan(x):
        return None
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _obj(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and np.isnan(x):
        return None
    return x


def _frame_from(d: dict) -> pd.DataFrame:
    if d["rows"] == 0:
        out = pd.DataFrame(columns=d["columns"])
        for c in d["columns"]:
            kind = d["data"][c]["kind"]
            if kind == "datetime":
                out[c] = pd.Series(dtype=d["data"][c].get("dtype", "datetime64[ns]"))
            else:
                out[c] = out[c].astype(d["data"][c]["dtype"])
        return out
    cols = {}
    for c in d["columns"]:
        kind, v = d["data"][c]["kind"], d["data"][c]["v"]
        if kind == "datetime":
            dtype = d["data"][c].get("dtype", "datetime64[ns]")
            cols[c] = pd.to_datetime(pd.Series(v, dtype=object)).astype(dtype)
        elif kind == "bool":
            cols[c] = pd.Series(v, dtype=bool)
        elif kind == "int":
            cols[c] = pd.Series(v, dtype="int64")
        elif kind == "float":
            cols[c] = pd.Series([np.nan if x is None else float(x) for x in v], dtype=float)
        else:
            cols[c] = pd.Series(v, dtype=object).astype(d["data"][c]["dtype"])
    return pd.DataFrame(cols, columns=d["columns"])


def result_to_json(res: ForecastResult) -> str:
    payload = {
        "history": _frame_to(res.history),
        "forecast": _frame_to(res.forecast),
        "accuracy": _frame_to(res.accuracy),
        "chosen": res.chosen,
        "chosen_label": res.chosen_label,
        "baseline_label": res.baseline_label,
        "notes": list(res.notes),
        "fit_seconds": float(res.fit_seconds),
        "model_notes": list(res.model_notes),
    }
    return json.dumps(payload, allow_nan=False, separators=(",", ":"))


def result_from_json(text: str) -> ForecastResult:
    p = json.loads(text)
    return ForecastResult(
        history=_frame_from(p["history"]),
        forecast=_frame_from(p["forecast"]),
        chosen=str(p["chosen"]),
        chosen_label=str(p["chosen_label"]),
        baseline_label=str(p["baseline_label"]),
        accuracy=_frame_from(p["accuracy"]),
        notes=tuple(str(n) for n in p["notes"]),
        fit_seconds=float(p["fit_seconds"]),
        model_notes=tuple(str(n) for n in p["model_notes"]),
    )


# -- the store -----------------------------------------------------------------------------

metadata = MetaData()
fits = Table(
    "forecast_fits",
    metadata,
    Column("series_key", String(64), primary_key=True),
    Column("slice_key", String(64), nullable=True),
    Column("data_through", String(10), nullable=True, comment="ISO date of the last week"),
    Column("method", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("fit_seconds", Float, nullable=False),
    Column("payload", Text, nullable=False, comment="ForecastResult as JSON"),
)
Index("ix_forecast_fits_slice", fits.c.slice_key, fits.c.data_through)


class FitStore:
    """The fits table in one SQLite file (WAL, so readers in other processes never wait)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(
            f"sqlite:///{self.path}", connect_args={"timeout": 30, "check_same_thread": False}
        )

        @event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        metadata.create_all(self.engine)

    def get_payload(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(fits.c.payload).where(fits.c.series_key == key)).scalar()

    def get(self, key: str) -> ForecastResult | None:
        text = self.get_payload(key)
        return None if text is None else result_from_json(text)

    def latest(self, slice_: str, *, up_to: date | None) -> ForecastResult | None:
        """The newest fit of ``slice_`` on data up to ``up_to`` or earlier."""
        stmt = select(fits.c.payload).where(fits.c.slice_key == slice_)
        if up_to is not None:
            stmt = stmt.where(fits.c.data_through <= up_to.isoformat())
        stmt = stmt.order_by(fits.c.data_through.desc(), fits.c.created_at.desc()).limit(1)
        with self.engine.connect() as conn:
            text = conn.execute(stmt).scalar()
        if text is None:
            return None
        try:
            return result_from_json(text)
        except (KeyError, TypeError, ValueError):  # written by another version of this module
            log.warning("forecast store: unreadable fit of slice %s ignored", slice_[:12])
            return None

    def put(self, key: str, res: ForecastResult, *, slice_: str | None, name: str) -> str:
        text = result_to_json(res)
        through = res.data_through
        row = {
            "series_key": key,
            "slice_key": slice_,
            "data_through": through.isoformat() if through else None,
            "method": METHOD_VERSION,
            "name": name[:200],
            "created_at": datetime.now(UTC).replace(tzinfo=None),
            "fit_seconds": float(res.fit_seconds),
            "payload": text,
        }
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(fits).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=[fits.c.series_key],
            set_={k: stmt.excluded[k] for k in row if k != "series_key"},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)
        return text

    def count(self) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(fits)).scalar() or 0)

    def dispose(self) -> None:
        self.engine.dispose()


# -- the service ---------------------------------------------------------------------------

Fit = Callable[..., ForecastResult]


class Forecaster:
    """Serve forecasts from the store; fit each distinct series once (see the module doc)."""

    def __init__(
        self,
        store: FitStore,
        *,
        workers: int = DEFAULT_WORKERS,
        fit: Fit = forecast_series,
        memo_size: int = 512,
    ):
        self.store = store
        self.fit = fit
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="refit")
        self._lock = threading.Lock()
        self._inflight: dict[str, Future] = {}
        self._memo: OrderedDict[str, ForecastResult] = OrderedDict()  # series key -> result
        self._memo_size = memo_size

    def _remember(self, key: str, text: str) -> ForecastResult:
        res = result_from_json(text)  # what the store holds, not the fit's own objects
        with self._lock:
            self._memo[key] = res
            self._memo.move_to_end(key)
            while len(self._memo) > self._memo_size:
                self._memo.popitem(last=False)
        return res

    @staticmethod
    def _copy(res: ForecastResult) -> ForecastResult:
        """A copy of the frames, so a caller that mutates one cannot change what the next
        caller gets (cheaper than decoding the JSON again)."""
        return dataclasses.replace(
            res,
            history=res.history.copy(),
            forecast=res.forecast.copy(),
            accuracy=res.accuracy.copy(),
        )

    def _lookup(self, key: str) -> ForecastResult | None:
        with self._lock:
            res = self._memo.get(key)
            if res is not None:
                self._memo.move_to_end(key)
        if res is None:
            text = self._stored(key)
            if text is None:
                return None
            res = self._remember(key, text)
        return self._copy(res)

    # The store is a cache: when it cannot be read or written (disk full, locked for longer
    # than the timeout, read-only), the forecast is still served, only not kept.
    def _stored(self, key: str) -> str | None:
        try:
            return self.store.get_payload(key)
        except SQLAlchemyError:
            log.warning("forecast store %s unreadable: fitting instead", self.store.path)
            return None

    def _keep(self, key: str, res: ForecastResult, *, slice_: str | None, name: str) -> str:
        try:
            text = self.store.put(key, res, slice_=slice_, name=name)
        except SQLAlchemyError:
            log.warning("forecast store %s not writable: fit served, not kept", self.store.path)
            text = result_to_json(res)
        self._remember(key, text)
        return text

    def _compute(self, key: str, series: pd.Series, kw: dict, slice_: str | None) -> str:
        res = self.fit(series, **kw)
        return self._keep(key, res, slice_=slice_, name=kw.get("name", "series"))

    def _claim(self, key: str) -> tuple[Future, bool]:
        """The in-flight future of ``key`` and whether this caller must run it."""
        with self._lock:
            fut = self._inflight.get(key)
            if fut is not None:
                return fut, False
            fut = Future()
            self._inflight[key] = fut
            return fut, True

    def _run(self, fut: Future, key: str, series, kw, slice_) -> None:
        try:
            fut.set_result(self._compute(key, series, kw, slice_))
        except BaseException as exc:  # noqa: BLE001 - handed to every waiter
            log.exception("forecast %s: fit failed", kw.get("name"))
            fut.set_exception(exc)
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def refresh_in_background(self, key: str, series, kw: dict, slice_: str | None) -> Future:
        fut, mine = self._claim(key)
        if mine:
            self._pool.submit(self._run, fut, key, series, kw, slice_)
        return fut

    def forecast(
        self,
        series: pd.Series,
        *,
        horizon: int,
        origins: int = 12,
        models=None,
        name: str = "series",
        slice_=None,
        wait: bool = False,
    ) -> ForecastResult:
        """The fit of ``series``; with ``slice_`` (and not ``wait``) an earlier fit of the
        same slice, marked stale, while this one is fitted in the background."""
        s = pd.Series(series, dtype=float).fillna(0.0).sort_index()
        models = None if models is None else tuple(models)
        kw = {"horizon": int(horizon), "origins": int(origins), "models": models, "name": name}
        if s.empty:
            return self.fit(s, **kw)
        key = series_key(s.index[0], s.to_numpy(), horizon=horizon, origins=origins, models=models)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        sk = (
            None
            if slice_ is None
            else slice_key(slice_, name=name, horizon=horizon, origins=origins, models=models)
        )
        if sk is not None and not wait:
            through = pd.Timestamp(s.index[-1]).date()
            try:
                old = self.store.latest(sk, up_to=through)
            except SQLAlchemyError:
                old = None
            if old is not None:
                self.refresh_in_background(key, s, kw, sk)
                note = (
                    f"Forecast from data up to {old.data_through:%d %b %Y}; a forecast on the "
                    "latest data is being fitted and will show on the next refresh."
                )
                return dataclasses.replace(old, stale=True, notes=(note, *old.notes))
        fut, mine = self._claim(key)
        if mine:
            self._run(fut, key, s, kw, sk)
        text = fut.result()
        return self._lookup(key) or result_from_json(text)

    def precompute(
        self,
        series: pd.Series,
        *,
        horizons,
        origins: int = 12,
        models=None,
        name: str = "series",
        slice_=None,
        memo: FitMemo | None = None,
    ) -> int:
        """Store the fits of ``series`` at every horizon not stored yet, in the order given
        (each is served as soon as it is done), sharing the model fits between horizons
        (``memo``: pass one FitMemo of this series to share them between calls too);
        returns how many were new."""
        s = pd.Series(series, dtype=float).fillna(0.0).sort_index()
        if s.empty:
            return 0
        models = None if models is None else tuple(models)
        keys = {
            int(h): series_key(
                s.index[0], s.to_numpy(), horizon=int(h), origins=origins, models=models
            )
            for h in horizons
        }
        # Claimed like any fit, so a page asking for one of these meanwhile waits for this
        # fit instead of making its own.
        claimed: dict[int, Future] = {}  # in the caller's order
        for h, k in keys.items():
            if self._stored(k) is not None:
                continue
            fut, mine = self._claim(k)
            if mine:
                claimed[h] = fut
        if not claimed:
            return 0
        if memo is None or memo.horizon < max(claimed):
            memo = FitMemo(max(claimed))
        try:
            for h, fut in claimed.items():
                res = self.fit(s, horizon=h, origins=origins, models=models, name=name, memo=memo)
                sk = (
                    None
                    if slice_ is None
                    else slice_key(slice_, name=name, horizon=h, origins=origins, models=models)
                )
                fut.set_result(self._keep(keys[h], res, slice_=sk, name=name))
                with self._lock:
                    self._inflight.pop(keys[h], None)
        except BaseException as exc:
            for fut in claimed.values():
                if not fut.done():
                    fut.set_exception(exc)
            raise
        finally:
            with self._lock:
                for h in claimed:
                    self._inflight.pop(keys[h], None)
        return len(claimed)

    def wait_idle(self, timeout: float | None = None) -> None:
        """Block until no fit is in flight (tests, the warm-up CLI)."""
        with self._lock:
            futs = list(self._inflight.values())
        for f in futs:
            with contextlib.suppress(Exception):  # a failed fit was logged where it failed
                f.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
        self.store.dispose()


# -- the process-wide instance -------------------------------------------------------------

_services_lock = threading.Lock()
_services: dict[str, Forecaster] = {}


def slice_of(scope, filters) -> tuple:
    """The slice a forecast belongs to: the viewer's scope and the slicers, not the period
    (a new data week moves the default period but it is the same slice)."""
    if filters is None:
        return (scope,)
    slicers = {
        f.name: getattr(filters, f.name)
        for f in dataclasses.fields(filters)
        if f.name not in ("start", "end", "notes")
    }
    return (scope, slicers)


def default_forecaster() -> Forecaster:
    """The process-wide forecaster of the store at FRAUD_FORECAST_CACHE (read per call, so a
    test pointing it elsewhere gets its own store); FRAUD_FORECAST_WORKERS background fits."""
    path = str(default_path())
    with _services_lock:
        if path not in _services:
            workers = int(os.environ.get("FRAUD_FORECAST_WORKERS", DEFAULT_WORKERS))
            try:
                store = FitStore(path)
            except (OSError, SQLAlchemyError):
                # Forecasts must not fail because their cache cannot be opened (a read-only
                # data/): a private store for this process, so fits are at least reused.
                log.exception("forecast store %s unusable: a temporary one instead", path)
                store = FitStore(Path(tempfile.mkdtemp(prefix="fraud-forecast-")) / "fits.sqlite")
            _services[path] = Forecaster(store, workers=workers)
        return _services[path]
