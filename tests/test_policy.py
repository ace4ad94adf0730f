"""The Policy lab's mart and replay, against independent pandas computations over the raw
facts, on DuckDB and PostgreSQL: mart_track_month row by row; every replayed measure for
several policies; calibration (today's policy reproduces the fee actions the warehouse
holds); invariants (a higher fee threshold never fines more tracks; no fee, no fees); the
members most affected; saved candidate policies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from data_access import schema as s
from data_access.engine import make_engine
from data_access.filters import Filters
from data_access.loaders import policy as lp
from data_access.queries import policy as q
from data_access.scope import FULL, Scope
from reports import policy as views
from reports.view import resolve_params

Frames = dict[str, pd.DataFrame]
KINDS = s.DETECTOR_KINDS
FIRST, LAST = date(2024, 12, 1), date(2026, 11, 29)
ALL = Filters(start=FIRST, end=LAST)
POLICIES = (
    q.CURRENT,
    q.Policy(fee_threshold=0.8, fee_eur=15),
    q.Policy(fee_threshold=0.5, fee_eur=45, min_streams=500_000, noise_min_s=240, withhold=1),
    q.Policy(auto=(("model", 0.9), ("rule", 0.95)), ignore=(("rule", 0.6),), withhold=0.25),
    q.Policy(fee_threshold=0.0, fee_eur=0, ignore=(("model", 0.99), ("rule", 0.7))),
)
# Policies the page can set (demonetisation values on the quiet rollup's band edges):
# replayed on mart_track_month_quiet; POLICIES[2] is off them (its batch reads the rows).
ON_EDGES = (
    q.CURRENT,
    q.Policy(fee_threshold=0.8, fee_eur=15, min_streams=5000, noise_min_s=180),
    q.Policy(min_streams=0, noise_min_s=0, withhold=1),
    q.Policy(min_streams=250, noise_min_s=30, auto=(("model", 0.9),), ignore=(("rule", 0.6),)),
    q.Policy(fee_threshold=0.0, fee_eur=0, min_streams=2000, noise_min_s=90),
)


@pytest.fixture(scope="module")
def engine(warehouse_url: str) -> Iterator[Engine]:
    engine = make_engine(warehouse_url)
    yield engine
    engine.dispose()


# -- the mart, in pandas --------------------------------------------------------------------


def _month(values) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.start_time


@pytest.fixture(scope="module")
def expected_mart(demo_frames: Frames) -> pd.DataFrame:
    f = demo_frames["fact_streams_daily"]
    markets = demo_frames["dim_market"].set_index("market_id")
    kinds = demo_frames["dim_detector"].set_index("detector_id")["kind"]
    kinds = kinds.where(kinds.isin(["rule", "model"]), "other")
    rate = f["market_id"].map(markets["payout_per_1k_streams_eur"]).to_numpy() / 1000
    kind = f["detector_id"].astype("float").map(kinds).fillna("none").to_numpy()
    rows = pd.DataFrame(
        {
            "date_key": _month(f["date_key"]),
            "track_id": f["track_id"],
            "streams": f["streams"],
            "true_artificial_streams": f["true_artificial_streams"],
            "royalty_eur": f["royalty_eur"].astype(float),
            "artificial_royalty_eur": f["true_artificial_streams"] * rate,
        }
    )
    for k in KINDS:
        on = kind == k
        rows[f"{k}_streams"] = np.where(on, f["streams"], 0)
        rows[f"{k}_flagged"] = np.where(on, f["flagged_streams"], 0)
        rows[f"{k}_confirmed"] = np.where(on, f["confirmed_streams"], 0)
        rows[f"{k}_royalty_eur"] = np.where(on, f["royalty_eur"].astype(float), 0)
        rows[f"{k}_flagged_royalty_eur"] = np.where(on, f["flagged_streams"] * rate, 0)
        rows[f"{k}_confirmed_royalty_eur"] = np.where(on, f["confirmed_streams"] * rate, 0)
    mart = rows.groupby(["date_key", "track_id"], as_index=False).sum()

    d = demo_frames["fact_detection"].merge(demo_frames["fact_review"], on="detection_id")
    d = d.assign(
        date_key=_month(d["activity_started_at"]),
        kind=d["detector_id"].map(kinds),
        decided=d["outcome"] != "pending",
        hours=(d["decided_at"] - d["started_at"]).dt.total_seconds() / 3600,
    )
    for k in KINDS:
        on = d["kind"] == k
        d[f"{k}_detections"] = on.astype(int)
        d[f"{k}_reviews"] = (on & d["decided"]).astype(int)
        d[f"{k}_review_hours"] = np.where(on & d["decided"], d["hours"].fillna(0), 0.0)
        d[f"{k}_score_max"] = d["score"].where(on)
    agg = {c: "sum" for c in d.columns if c.endswith(("_detections", "_reviews", "_hours"))}
    agg.update({f"{k}_score_max": "max" for k in KINDS})
    dets = d.groupby(["date_key", "track_id"]).agg(agg).reset_index()
    mart = mart.merge(dets, on=["date_key", "track_id"], how="left")
    for c in agg:
        if not c.endswith("_score_max"):
            mart[c] = mart[c].fillna(0)

    monthly = mart.pivot_table(
        index="date_key", columns="track_id", values="streams", aggfunc="sum"
    )
    months = pd.date_range(_month(f["date_key"]).min(), _month(f["date_key"]).max(), freq="MS")
    rolling = monthly.reindex(months).fillna(0).rolling(12, min_periods=1).sum()
    n12 = rolling.stack().rename("streams_12m").reset_index()
    n12.columns = ["date_key", "track_id", "streams_12m"]
    mart = mart.merge(n12, on=["date_key", "track_id"], how="left")
    tracks = demo_frames["dim_track"].set_index("track_id")
    labels = demo_frames["dim_label"].set_index("label_id")
    mart["label_id"] = mart["track_id"].map(tracks["label_id"])
    mart["distributor_id"] = mart["label_id"].map(labels["distributor_id"])
    mart["is_noise"] = mart["track_id"].map(tracks["is_noise"]).astype(bool)
    mart["duration_s"] = mart["track_id"].map(tracks["duration_s"])
    return mart.sort_values(["date_key", "track_id"]).reset_index(drop=True)


def test_track_month_mart(engine: Engine, expected_mart: pd.DataFrame) -> None:
    with engine.connect() as conn:
        got = pd.read_sql(select(s.mart_track_month), conn)
    got["date_key"] = pd.to_datetime(got["date_key"])
    got = got.sort_values(["date_key", "track_id"]).reset_index(drop=True)
    assert len(got) == len(expected_mart)
    for col in s.mart_track_month.columns:
        a = pd.to_numeric(got[col.name]) if col.name != "date_key" else got[col.name]
        e = expected_mart[col.name]
        if col.name == "date_key":
            assert (a == e).all()
        elif col.name == "is_noise":
            assert (a.astype(bool) == e).all()
        else:
            np.testing.assert_allclose(
                a.astype(float), e.astype(float), rtol=1e-9, atol=1e-3, err_msg=col.name
            )
    # Not trivial: detections of every kind, review hours, and a 12-month window that
    # differs from the month alone.
    for k in KINDS:
        assert got[f"{k}_detections"].sum() > 0, k
    assert (got["streams_12m"] > got["streams"]).any()


# -- the replay, in pandas ------------------------------------------------------------------


def replay(mart: pd.DataFrame, p: q.Policy) -> dict[str, float]:
    """The policy semantics of data_access.queries.policy, written again over the frame."""
    auto, ignore = dict(p.auto), dict(p.ignore)
    removed = removed_eur = reviews = hours = enforced_royalty = detected = 0
    for k in KINDS:
        score = mart[f"{k}_score_max"]
        is_auto = (score >= auto[k]) if k in auto else pd.Series(False, index=mart.index)
        is_ign = (score < ignore[k]) if ignore.get(k) else pd.Series(False, index=mart.index)
        is_ign = is_ign & ~is_auto
        review = ~is_auto & ~is_ign
        rem = np.where(is_auto, mart[f"{k}_flagged"], np.where(is_ign, 0, mart[f"{k}_confirmed"]))
        removed = removed + rem
        removed_eur = removed_eur + np.where(
            is_auto,
            mart[f"{k}_flagged_royalty_eur"],
            np.where(is_ign, 0, mart[f"{k}_confirmed_royalty_eur"]),
        )
        reviews = reviews + np.where(review, mart[f"{k}_reviews"], 0)
        hours = hours + np.where(review, mart[f"{k}_review_hours"], 0)
        enforced_royalty = enforced_royalty + np.where(rem > 0, mart[f"{k}_royalty_eur"], 0)
        detected = detected + mart[f"{k}_streams"]
    fined = (removed > 0) & (removed > p.fee_threshold * detected) & (p.fee_eur > 0)
    demonetised = (mart["streams_12m"] < p.min_streams) | (
        mart["is_noise"] & (mart["duration_s"] < p.noise_min_s)
    )
    returned = np.where(demonetised, mart["royalty_eur"], removed_eur)
    protected = np.minimum(mart["artificial_royalty_eur"], returned)
    art = mart["true_artificial_streams"]
    honest = (fined & (art * 2 < mart["streams"])) | (removed > art)
    return {
        "tracks_fined": float(fined.sum()),
        "fees_eur": float(fined.sum()) * p.fee_eur,
        "tracks_enforced": float((removed > 0).sum()),
        "streams_removed": float(removed.sum()),
        "streams_demonetised": float(np.where(demonetised, mart["streams"], removed).sum()),
        "royalties_returned_eur": float(returned.sum()),
        "withheld_eur": float(np.where(demonetised, 0, p.withhold * enforced_royalty).sum()),
        "protected_eur": float(protected.sum()),
        "at_risk_eur": float((mart["artificial_royalty_eur"] - protected).sum()),
        "honest_hit": float(honest.sum()),
        "reviews": float(reviews.sum()),
        "review_hours": float(hours.sum()),
    }


def _in(mart: pd.DataFrame, f: Filters) -> pd.DataFrame:
    first, last = q.months(f)
    keep = (mart["date_key"] >= pd.Timestamp(first)) & (mart["date_key"] <= pd.Timestamp(last))
    if f.labels:
        keep &= mart["label_id"].isin(f.labels)
    return mart[keep]


def _run(engine: Engine, stmt) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def _measures(row: pd.Series, i: int) -> dict[str, float]:
    return {m: float(row[f"p{i}__{m}"]) for m in q.MEASURES}


SLICE = Filters(start=date(2026, 2, 10), end=date(2026, 8, 31), labels=(3, 7, 11, 99))


@pytest.mark.parametrize("policies", [POLICIES, ON_EDGES], ids=["rows", "rollup"])
@pytest.mark.parametrize("f", [ALL, SLICE], ids=["all", "slice"])
def test_every_measure_matches_pandas(
    engine: Engine, expected_mart: pd.DataFrame, f, policies
) -> None:
    stmt = q.policy_replay_query(f, FULL, policies)
    assert ("mart_track_month_quiet" in str(stmt)) is (policies is ON_EDGES)
    row = _run(engine, stmt).iloc[0]
    rows = _in(expected_mart, f)
    assert len(rows) > 0
    for i, p in enumerate(policies):
        got, want = _measures(row, i), replay(rows, p)
        for m in q.MEASURES:
            assert got[m] == pytest.approx(want[m], rel=1e-9, abs=0.01 * max(1, len(rows))), (i, m)
    # The policies differ where they should (the test could fail).
    assert _measures(row, 1)["tracks_fined"] > _measures(row, 0)["tracks_fined"]
    assert _measures(row, 3)["reviews"] < _measures(row, 0)["reviews"]
    assert _measures(row, 2)["streams_demonetised"] != _measures(row, 0)["streams_demonetised"]


@pytest.mark.parametrize("f", [ALL, SLICE], ids=["all", "slice"])
def test_the_quiet_rollup_answers_as_the_rows_do(engine: Engine, f) -> None:
    """Every value the page offers, on the rollup and on mart_track_month's rows: equal."""
    sweep = [
        replace(q.CURRENT, min_streams=n, noise_min_s=d)
        for n in q.MIN_STREAMS_VALUES
        for d in q.NOISE_MIN_S_VALUES[::2]
    ]
    assert q.rollup_answers(sweep) and not q.rollup_answers(POLICIES)
    demonetised = set()
    for batch in (sweep[:9], sweep[9:]):
        fast = _run(engine, q.policy_replay_query(f, FULL, batch)).iloc[0]
        rows = q.policy_replay_query(f, FULL, batch, rollup=False)
        assert "mart_track_month_quiet" not in str(rows)
        slow = _run(engine, rows).iloc[0]
        for i in range(len(batch)):
            assert _measures(fast, i) == pytest.approx(_measures(slow, i), rel=1e-9, abs=1e-6)
            demonetised.add(_measures(fast, i)["streams_demonetised"])
    # The bands matter: not every value demonetises the same streams (a slice of four
    # small labels has few distinct answers).
    assert len(demonetised) >= (4 if f is ALL else 2)


def test_the_quiet_rollup_sums_the_untouched_rows(engine: Engine, expected_mart) -> None:
    """mart_track_month = mart_track_month_touched + mart_track_month_quiet's track-months,
    and each band holds only rows of its floors."""
    touched = _run(engine, select(s.mart_track_month_touched))
    quiet = _run(engine, select(s.mart_track_month_quiet))
    m = expected_mart
    is_touched = sum(m[f"{k}_streams"] + m[f"{k}_detections"] for k in KINDS)
    assert len(touched) == int((is_touched > 0).sum()) > 0
    untouched = m[is_touched == 0]
    assert quiet["track_months"].sum() == len(untouched) > len(quiet) > 0
    assert quiet["streams"].sum() == untouched["streams"].sum()
    assert set(quiet["streams_12m_floor"]) <= {-1, *q.MIN_STREAMS_VALUES}
    noise = quiet[quiet["is_noise"].astype(bool)]
    assert noise["duration_s_floor"].notna().all() and len(noise) > 0
    assert quiet.loc[~quiet["is_noise"].astype(bool), "duration_s_floor"].isna().all()


def test_current_policy_reproduces_the_warehouse_fees(engine: Engine, demo_frames) -> None:
    e = demo_frames["fact_enforcement"]
    codes = demo_frames["dim_enforcement_type"].set_index("enforcement_type_id")["code"]
    fees = e[e["enforcement_type_id"].map(codes) == "per_track_fee"]
    assert len(fees) > 0
    fee_start = Filters(start=pd.Timestamp(fees["royalty_period"].min()).date(), end=LAST)
    got = _measures(_run(engine, q.policy_replay_query(fee_start, FULL, (q.CURRENT,))).iloc[0], 0)
    assert got["tracks_fined"] == pytest.approx(len(fees), rel=0.02)
    assert got["fees_eur"] == pytest.approx(float(fees["amount_eur"].sum()), rel=0.02)


def test_a_higher_threshold_never_fines_more_and_no_fee_means_no_fees(engine: Engine) -> None:
    for base in (q.CURRENT, POLICIES[3]):
        sweep = [replace(base, fee_threshold=t) for t in (0, 0.5, 0.7, 0.8, 0.9, 0.95, 1)]
        row = _run(engine, q.policy_replay_query(ALL, FULL, sweep)).iloc[0]
        fined = [_measures(row, i)["tracks_fined"] for i in range(len(sweep))]
        assert fined == sorted(fined, reverse=True) and fined[0] > fined[-2]
    free = [replace(p, fee_eur=0) for p in POLICIES]
    row = _run(engine, q.policy_replay_query(ALL, FULL, free)).iloc[0]
    for i in range(len(free)):
        assert _measures(row, i)["fees_eur"] == 0 and _measures(row, i)["tracks_fined"] == 0


def test_members_most_affected_match_pandas(engine: Engine, expected_mart) -> None:
    pols = POLICIES[:2]
    got = _run(engine, q.policy_affected_query(ALL, FULL, pols, by="label", limit=5))
    assert 0 < len(got) <= 5
    rows = _in(expected_mart, ALL)
    want = {lab: [replay(g, p) for p in pols] for lab, g in rows.groupby("label_id")}
    ranks = sorted(
        want, key=lambda k: (-max(w["fees_eur"] for w in want[k]), -max(
            w["streams_removed"] for w in want[k]), k)
    )  # fmt: skip
    assert list(got["label_id"]) == ranks[: len(got)]
    for _, r in got.iterrows():
        for i in range(len(pols)):
            for m in ("tracks_fined", "fees_eur", "withheld_eur", "honest_hit"):
                assert float(r[f"p{i}__{m}"]) == pytest.approx(want[r["label_id"]][i][m], abs=0.05)


def test_a_label_scope_sees_its_labels_only(engine: Engine, expected_mart) -> None:
    scope = Scope(role="partner", labels=(3, 7))
    row = _run(engine, q.policy_replay_query(ALL, scope, (q.CURRENT,))).iloc[0]
    want = replay(expected_mart[expected_mart["label_id"].isin((3, 7))], q.CURRENT)
    assert _measures(row, 0)["streams_demonetised"] == pytest.approx(want["streams_demonetised"])
    team = _run(engine, q.policy_replay_query(ALL, Scope(role="partner", team="legal"), POLICIES))
    assert float(team.iloc[0]["p0__tracks_enforced"]) == 0


def test_loader_appeals_and_ground_truth(warehouse_url: str, demo_frames, expected_mart) -> None:
    df = lp.load_policy_replay(FULL, ALL, POLICIES[:2], url=warehouse_url)
    assert len(df) == 2
    ma = demo_frames["fact_appeal"]
    cur = replay(_in(expected_mart, ALL), q.CURRENT)
    assert cur["tracks_enforced"] > 0 and len(ma) > 0
    # Appeals of actions applied in the period per track-month enforced today.
    assert df["expected_appeals"].iloc[0] == pytest.approx(
        df["tracks_enforced"].iloc[0] * _appeals_in(demo_frames) / cur["tracks_enforced"]
    )
    assert (df["honest_estimated"] <= df["expected_appeals"]).all()
    assert lp.load_ground_truth(url=warehouse_url) is True
    money_less = lp.load_policy_replay(
        Scope(role="analyst", money=False), ALL, POLICIES[:1], url=warehouse_url
    )
    assert not [c for c in money_less.columns if c.endswith("_eur")]


def _appeals_in(demo_frames) -> int:
    a = demo_frames["fact_appeal"].merge(demo_frames["fact_enforcement"], on="enforcement_id")
    day = pd.to_datetime(a["applied_at"]).dt.normalize()
    first, last = q.months(ALL)
    return int(((day >= pd.Timestamp(first)) & (day <= pd.Timestamp(last))).sum())


def test_candidates_are_url_settings_a_saved_view_keeps(tmp_path) -> None:
    from appstore import saved

    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    query = {"policy_n": ["2"], "policy_1_fee": ["80"], "policy_2_model_auto": ["0.95"]}
    saved.save_view(
        owner="lead@x", name="Fee 80/15", page="policy", query=query, shared_role="finance",
        url=url,
    )  # fmt: skip
    (view,) = [v for v in saved.list_views("fin@x", "finance", url=url) if v.page == "policy"]
    params = resolve_params(
        views.VIEWS[0], {k: v[-1] for k, v in view.query.items() if k.startswith("policy_")}
    )
    chosen = dict(views.policies(params))
    assert chosen["Candidate 1"] == q.Policy(fee_threshold=0.8, fee_eur=15)
    assert chosen["Candidate 2"].auto == (("model", 0.95),)
    with pytest.raises(ValueError, match="must be one of"):
        resolve_params(views.VIEWS[0], {"policy_1_fee": "1; DROP TABLE x"})
