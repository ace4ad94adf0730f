"""Funnel and enforcement builders: results equal an independent pandas computation over the
raw facts (fact_detection, fact_review, fact_enforcement, fact_appeal, fact_streams_daily),
on DuckDB and on a real PostgreSQL server; statements keep user text in bound parameters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.dialects import postgresql

from data_access.filters import Filters
from data_access.loaders.base import run
from data_access.queries import enforcement as qe
from data_access.queries import funnel as qf
from data_access.scope import FULL, Scope

F = Filters(start=date(2025, 6, 1), end=date(2026, 11, 29))
HOSTILE = "'; DROP TABLE dim_label; --"


# -- independent pandas views of the facts -------------------------------------------------


@pytest.fixture(scope="module")
def det(demo_frames):
    """One row per detection with its review, label's distributor, market and stage flags."""
    d = demo_frames["fact_detection"].merge(demo_frames["fact_review"], on="detection_id")
    d = d.merge(demo_frames["dim_label"][["label_id", "distributor_id"]], on="label_id")
    d = d.merge(
        demo_frames["dim_market"][["market_id", "iso2", "payout_per_1k_streams_eur"]],
        on="market_id",
    )
    d = d.merge(demo_frames["dim_detector"][["detector_id", "name"]], on="detector_id")
    enf = demo_frames["fact_enforcement"]
    app = demo_frames["fact_appeal"].merge(enf[["enforcement_id", "detection_id"]])
    d["day"] = pd.to_datetime(d["detected_at"]).dt.normalize()
    d["is_reviewed"] = d["outcome"] != "pending"
    d["is_confirmed"] = d["outcome"] == "confirmed"
    d["is_enforced"] = d["detection_id"].isin(enf["detection_id"])
    d["is_appealed"] = d["detection_id"].isin(app["detection_id"])
    d["is_upheld"] = d["detection_id"].isin(app.loc[app["outcome"] == "upheld", "detection_id"])
    d["conf_eur"] = d["streams_confirmed"] * d["payout_per_1k_streams_eur"] / 1000
    return d


@pytest.fixture(scope="module")
def actions(demo_frames):
    """One row per enforcement action with its type code, detection's typology/detector,
    market code, and its appeals (left-joined: one row per appeal, or one without)."""
    e = demo_frames["fact_enforcement"].merge(
        demo_frames["dim_enforcement_type"][["enforcement_type_id", "code", "name"]]
    )
    e = e.merge(
        demo_frames["fact_detection"][["detection_id", "typology_id", "detector_id"]],
        on="detection_id",
    )
    e = e.merge(demo_frames["dim_market"][["market_id", "iso2"]], on="market_id")
    e["day"] = pd.to_datetime(e["applied_at"]).dt.normalize()
    return e


@pytest.fixture(scope="module")
def streams(demo_frames):
    st = demo_frames["fact_streams_daily"].merge(
        demo_frames["dim_track"][["track_id", "label_id"]], on="track_id"
    )
    st = st.merge(demo_frames["dim_label"][["label_id", "distributor_id"]], on="label_id")
    st = st.merge(demo_frames["dim_market"][["market_id", "iso2"]], on="market_id")
    st["date_key"] = pd.to_datetime(st["date_key"])
    return st


def _slice(df, f: Filters, col: str = "day", *, attribution: bool = True):
    out = df[(df[col] >= pd.Timestamp(f.start)) & (df[col] <= pd.Timestamp(f.end))]
    if f.markets:
        out = out[out["iso2"].isin(f.markets)]
    if f.labels:
        out = out[out["label_id"].isin(f.labels)]
    if f.distributors:
        out = out[out["distributor_id"].isin(f.distributors)]
    if attribution and f.typologies:
        out = out[out["typology_id"].isin(f.typologies)]
    if attribution and f.detectors:
        out = out[out["detector_id"].isin(f.detectors)]
    return out


def _narrow(det, narrow: str) -> Filters:
    confirmed = det[det["is_confirmed"]]
    return {
        "none": F,
        "market": F.narrowed(markets=tuple(confirmed["iso2"].value_counts().index[:3])),
        "label": F.narrowed(labels=(int(confirmed["label_id"].value_counts().index[0]),)),
        "typology": F.narrowed(typologies=(1, 2)),
        "distributor": F.narrowed(
            distributors=(int(confirmed["distributor_id"].value_counts().index[0]),)
        ),
    }[narrow]


NARROW = ["none", "market", "label", "typology", "distributor"]


def _approx(value, *, money: bool = False):
    # Marts store money as NUMERIC(18, 4): sub-cent rounding per mart row.
    return pytest.approx(value, rel=1e-4 if money else 1e-9, abs=1e-2 if money else 1e-9)


# -- funnel --------------------------------------------------------------------------------


@pytest.mark.parametrize("narrow", NARROW)
def test_funnel_totals_match_pandas(warehouse_url, det, narrow):
    f = _narrow(det, narrow)
    got = run(qf.funnel_totals_query(f, FULL), warehouse_url).iloc[0].astype(float)
    d = _slice(det, f)
    assert len(d) > 0, "the slice must hold detections for the test to mean anything"
    flags = {
        "detected": pd.Series(True, index=d.index),
        "reviewed": d["is_reviewed"],
        "confirmed": d["is_confirmed"],
        "enforced": d["is_enforced"],
        "appealed": d["is_appealed"],
        "upheld": d["is_upheld"],
    }
    for stage, mask in flags.items():
        early = stage in ("detected", "reviewed")
        streams = d["streams_flagged"] if early else d["streams_confirmed"]
        money = d["estimated_amount_eur"] if early else d["conf_eur"]
        assert got[f"n_{stage}"] == mask.sum(), stage
        assert got[f"streams_{stage}"] == _approx(streams[mask].sum()), stage
        assert got[f"eur_{stage}"] == _approx(money[mask].sum(), money=True), stage
    assert got["false_positive"] == (d["outcome"] == "false_positive").sum()


def test_funnel_stages_never_grow(warehouse_url, det):
    """What is actually true of the data: every stage is a subset of the previous one (an
    enforcement needs a confirmation, an appeal an enforcement, an upheld appeal an appeal),
    and confirmed streams never exceed the flagged streams of the same detections."""
    whole = Filters(start=date(2024, 12, 2), end=date(2026, 11, 29))
    for f in (whole, F, _narrow(det, "label")):
        got = run(qf.funnel_totals_query(f, FULL), warehouse_url).iloc[0].astype(float)
        for kind in qf.KINDS:
            values = [got[f"{kind}_{stage}"] for stage in qf.STAGES]
            assert all(a >= b - 1e-6 for a, b in zip(values, values[1:], strict=False)), (
                kind,
                values,
            )
    # And the data is rich enough for the funnel to mean something.
    got = run(qf.funnel_totals_query(whole, FULL), warehouse_url).iloc[0].astype(float)
    assert got["n_detected"] > got["n_confirmed"] > 0 and got["n_appealed"] > 0


@pytest.mark.parametrize("narrow", ["none", "market", "typology"])
def test_detector_precision_and_percentiles_match_pandas(warehouse_url, det, narrow):
    f = _narrow(det, narrow)
    counts = run(qf.detector_counts_query(f, FULL), warehouse_url).set_index("detector_id")
    lat = run(qf.detector_latency_query(f, FULL), warehouse_url).set_index("detector_id")
    d = _slice(det, f)
    assert set(counts.index) == set(d["detector_id"]) == set(lat.index)
    for detector_id, g in d.groupby("detector_id"):
        row = counts.loc[detector_id]
        assert row["detections"] == len(g)
        assert row["reviewed"] == g["is_reviewed"].sum()
        assert row["confirmed"] == g["is_confirmed"].sum()
        assert row["false_positive"] == (g["outcome"] == "false_positive").sum()
        ttd = (g["detected_at"] - g["activity_started_at"]).dt.total_seconds() / 3600
        decided = g[g["is_reviewed"]]
        ttv = (decided["decided_at"] - decided["queued_at"]).dt.total_seconds() / 3600
        lrow = lat.loc[detector_id]
        assert float(lrow["ttd_median_h"]) == pytest.approx(np.quantile(ttd, 0.5), abs=1e-6)
        assert float(lrow["ttd_p90_h"]) == pytest.approx(np.quantile(ttd, 0.9), abs=1e-6)
        if len(ttv):
            assert float(lrow["ttv_median_h"]) == pytest.approx(np.quantile(ttv, 0.5), abs=1e-6)
            assert float(lrow["ttv_p90_h"]) == pytest.approx(np.quantile(ttv, 0.9), abs=1e-6)
        else:
            assert pd.isna(lrow["ttv_median_h"])


def test_weekly_precision_matches_pandas(warehouse_url, det):
    f = _narrow(det, "none")
    got = run(qf.weekly_precision_query(f, FULL), warehouse_url)
    got["week"] = pd.to_datetime(got["week"])
    d = _slice(det, f)
    d = d.assign(week=d["day"] - pd.to_timedelta(d["day"].dt.day_of_week, unit="D"))
    exp = d.groupby(["week", "name"]).agg(
        reviewed=("is_reviewed", "sum"), confirmed=("is_confirmed", "sum")
    )
    got = got.set_index(["week", "detector"]).sort_index()
    assert len(got) == len(exp)
    for (week, name), row in exp.iterrows():
        assert got.loc[(week, name), "reviewed"] == row["reviewed"]
        assert got.loc[(week, name), "confirmed"] == row["confirmed"]
    assert (got.index.get_level_values("week").day_of_week == 0).all()


@pytest.mark.parametrize("narrow", ["none", "market", "typology"])
def test_recall_matches_pandas(warehouse_url, streams, det, narrow):
    f = _narrow(det, narrow)
    total = run(qf.recall_total_query(f, FULL), warehouse_url).iloc[0].astype(float)
    parts = run(qf.recall_contribution_query(f, FULL, by="detector"), warehouse_url)
    s = _slice(streams, f, "date_key", attribution=False)
    attr = _slice(streams, f, "date_key")
    attr = attr[attr["detector_id"].notna()]
    assert total["true_artificial_streams"] == s["true_artificial_streams"].sum()
    assert total["flagged_streams"] == attr["flagged_streams"].sum()
    # Every flagged stream has one detector: the contributions add up to the total.
    assert parts["flagged_streams"].astype(float).sum() == total["flagged_streams"]
    names = dict(zip(det["detector_id"], det["name"], strict=False))
    exp = attr.groupby("detector_id")["flagged_streams"].sum().rename(index=names)
    got = parts.set_index("detector")["flagged_streams"].astype(float)
    assert got.to_dict() == pytest.approx(exp[exp > 0].astype(float).to_dict())
    by_type = run(qf.recall_contribution_query(f, FULL, by="typology"), warehouse_url)
    assert by_type["flagged_streams"].astype(float).sum() == total["flagged_streams"]


# -- enforcement ---------------------------------------------------------------------------


@pytest.mark.parametrize("narrow", NARROW)
def test_enforcement_by_type_matches_pandas(warehouse_url, det, actions, narrow):
    f = _narrow(det, narrow)
    got = run(qe.enforcement_by_type_query(f, FULL), warehouse_url).set_index("enforcement_type")
    a = _slice(actions, f)
    assert len(a) > 0
    exp = a.groupby("name").agg(
        actions=("enforcement_id", "count"),
        streams_removed=("streams_removed", "sum"),
        amount_eur=("amount_eur", "sum"),
        recovered_eur=("recovered_eur", "sum"),
    )
    exp["reversed"] = a.assign(r=a["status"] == "reversed").groupby("name")["r"].sum()
    exp["reversed_eur"] = (
        a.assign(r=np.where(a["status"] == "reversed", a["amount_eur"], 0.0))
        .groupby("name")["r"]
        .sum()
    )
    assert set(got.index) == set(exp.index)
    for name, row in exp.iterrows():
        for col in ("actions", "reversed", "streams_removed"):
            assert float(got.loc[name, col]) == row[col], (name, col)
        for col in ("amount_eur", "recovered_eur", "reversed_eur"):
            assert float(got.loc[name, col]) == _approx(row[col], money=True), (name, col)


@pytest.mark.parametrize("narrow", ["none", "label", "typology"])
def test_enforcement_kpis_match_pandas(warehouse_url, det, actions, narrow):
    f = _narrow(det, narrow)
    got = run(qe.enforcement_kpi_query(f, FULL), warehouse_url).set_index("period")
    for period, fp in (("current", f), ("previous", f.previous())):
        a = _slice(actions, fp)
        exp = {
            "actions": len(a),
            "streams_removed": a["streams_removed"].sum(),
            "withheld_eur": a.loc[a["code"] == "royalty_withholding", "amount_eur"].sum(),
            "fees_levied_eur": a.loc[a["code"] == "per_track_fee", "amount_eur"].sum(),
            "fees_recovered_eur": a["recovered_eur"].sum(),
            "reversed_eur": a.loc[a["status"] == "reversed", "amount_eur"].sum(),
        }
        row = got.loc[period] if period in got.index else pd.Series(0.0, index=got.columns)
        for key, value in exp.items():
            assert float(row[key]) == _approx(value, money=key.endswith("_eur")), (period, key)


def _appeal_expectation(actions, appeals, f: Filters) -> dict:
    a = _slice(actions, f)
    a = a[a["code"].isin(qe.APPEALABLE_TYPE_CODES)]
    ap = appeals[appeals["enforcement_id"].isin(a["enforcement_id"])]
    decided = ap[ap["decided_at"].notna()]
    hours = (decided["decided_at"] - decided["filed_at"]).dt.total_seconds() / 3600
    return {
        "appealable_actions": len(a),
        "appeals": len(ap),
        "decided_appeals": len(decided),
        "overturned": int((ap["outcome"] == "overturned").sum()),
        "restored_eur": ap["amount_restored_eur"].sum(),
        "decide_median_h": np.quantile(hours, 0.5) if len(hours) else np.nan,
        "decide_p90_h": np.quantile(hours, 0.9) if len(hours) else np.nan,
        "appeal_rate": len(ap) / len(a) if len(a) else np.nan,
        "overturn_rate": (ap["outcome"] == "overturned").sum() / len(decided)
        if len(decided)
        else np.nan,
    }


@pytest.mark.parametrize("narrow", ["none", "market", "typology"])
def test_appeal_rates_match_pandas(warehouse_url, demo_frames, det, actions, narrow):
    from analytics.enforcement import with_rates

    f = _narrow(det, narrow)
    appeals = demo_frames["fact_appeal"]
    got = with_rates(
        run(qe.appeals_query(f, FULL), warehouse_url).set_index("period").astype(float)
    )
    whole = Filters(start=date(2024, 12, 2), end=date(2026, 11, 29))
    assert _appeal_expectation(actions, appeals, whole)["appeals"] > 0
    for period, fp in (("current", f), ("previous", f.previous())):
        exp = _appeal_expectation(actions, appeals, fp)
        if period not in got.index:
            assert exp["appealable_actions"] == 0
            continue
        row = got.loc[period]
        for key, value in exp.items():
            if pd.isna(value):
                assert pd.isna(row[key]), (period, key)
            else:
                assert row[key] == pytest.approx(value, rel=1e-6, abs=1e-6), (period, key)


@pytest.mark.parametrize("by", ["label", "distributor"])
def test_repeat_offenders_match_pandas(warehouse_url, demo_frames, det, actions, by):
    got = run(qe.repeat_offenders_query(F, FULL, by=by), warehouse_url)
    key = f"{by}_id"
    dim = demo_frames[f"dim_{by}"][[key, "name"]]
    d = _slice(det, F)
    conf = (
        d[d["is_confirmed"]]
        .groupby(key)
        .agg(confirmed=("detection_id", "count"), streams=("streams_confirmed", "sum"))
    )
    a = _slice(actions, F)
    a = a.assign(week=a["day"] - pd.to_timedelta(a["day"].dt.day_of_week, unit="D"))
    act = a.groupby(key).agg(actions=("enforcement_id", "count"), weeks=("week", "nunique"))
    exp = conf.join(act, how="outer").fillna(0).join(dim.set_index(key)).set_index("name")
    assert 0 < len(got) <= 15
    confirmed = got["confirmed_detections"].astype(float).to_numpy()
    assert (np.diff(confirmed) <= 0).all(), "ranked by confirmed detections"
    assert confirmed[0] == exp["confirmed"].max()
    total_streams = d.loc[d["is_confirmed"], "streams_confirmed"].sum()
    for _, row in got.iterrows():
        e = exp.loc[row[by]]
        assert float(row["confirmed_detections"]) == e["confirmed"]
        assert float(row["confirmed_streams"]) == e["streams"]
        assert float(row["actions"]) == e["actions"]
        assert float(row["action_weeks"]) == e["weeks"]
        assert float(row["slice_confirmed_streams"]) == total_streams
    # Per-member appeals agree with the overall figure's definition.
    per = run(qe.appeals_query(F, FULL, by=by), warehouse_url)
    overall = run(qe.appeals_query(F, FULL), warehouse_url).set_index("period")
    assert per["appeals"].astype(float).sum() == float(overall.loc["current", "appeals"])


# -- scope, allow-lists and bound parameters ----------------------------------------------


def _statements(f: Filters, scope: Scope):
    return {
        "funnel_totals": qf.funnel_totals_query(f, scope),
        "detector_counts": qf.detector_counts_query(f, scope),
        "detector_latency": qf.detector_latency_query(f, scope),
        "weekly_precision": qf.weekly_precision_query(f, scope),
        "recall_total": qf.recall_total_query(f, scope),
        "recall_detector": qf.recall_contribution_query(f, scope, by="detector"),
        "recall_typology": qf.recall_contribution_query(f, scope, by="typology"),
        "enf_kpis": qe.enforcement_kpi_query(f, scope),
        "enf_by_type": qe.enforcement_by_type_query(f, scope),
        "enf_weekly": qe.weekly_enforcement_query(f, scope),
        "offenders_label": qe.repeat_offenders_query(f, scope, by="label"),
        "offenders_distributor": qe.repeat_offenders_query(f, scope, by="distributor"),
        "appeals": qe.appeals_query(f, scope),
        "appeals_label": qe.appeals_query(f, scope, by="label"),
    }


def test_an_empty_scope_sees_nothing(warehouse_url):
    nobody = Scope(role="label", labels=())
    for name, stmt in _statements(F, nobody).items():
        df = run(stmt, warehouse_url)
        numbers = df.select_dtypes("number").drop(columns=["detector_id"], errors="ignore")
        assert df.empty or (numbers.fillna(0).to_numpy() == 0).all(), name


def test_user_text_stays_in_bound_parameters():
    from data_access.engine import make_engine

    f = F.narrowed(markets=(HOSTILE,), regions=(HOSTILE,), labels=(3,), typologies=(2,))
    duck = make_engine("duckdb:///:memory:").dialect
    for name, stmt in _statements(f, FULL).items():
        for dialect in (postgresql.dialect(), duck):
            plain = str(stmt.compile(dialect=dialect))
            assert HOSTILE not in plain and "DROP TABLE" not in plain, (name, dialect.name)
            literal = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            assert "''; DROP TABLE dim_label; --'" in literal, (name, dialect.name)


def test_unknown_dimensions_are_refused():
    for bad in ("name; DROP TABLE x", "market", ""):
        with pytest.raises(ValueError):
            qe.repeat_offenders_query(F, FULL, by=bad)
        with pytest.raises(ValueError):
            qe.appeals_query(F, FULL, by=bad)
        with pytest.raises(ValueError):
            qf.recall_contribution_query(F, FULL, by=bad)
