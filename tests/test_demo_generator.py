"""The demo generator: deterministic, referentially sound, internally consistent, credible.

Runs on the session's `demo_frames` (scale 0.03, seed 11) plus a few other small calls.
Realism bands were chosen after measuring seeds 1-40 at scale 0.03 (see docs/DEMO_DATA.md):
they hold for seeds 11 and 12 with room to spare and fail for data without the feature.
Rates that a 9-campaign warehouse cannot estimate (overturn rate, typology mix, time to
detect before/after Sentinel v2) are checked on ten seeds pooled.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from data_access import schema as s
from data_access.demo import reference as ref
from data_access.demo.generate import generate
from tests.support.warehouse import DEMO_SCALE, DEMO_SEED

Frames = dict[str, pd.DataFrame]
GRAIN = ["date_key", "track_id", "market_id", "source", "device", "plan"]
MONETARY = ("stream_removal", "royalty_withholding", "per_track_fee", "takedown")
POOLED_SEEDS = range(11, 21)


def checksums(frames: Frames) -> dict[str, int]:
    return {
        name: int(pd.util.hash_pandas_object(df, index=False).sum())
        for name, df in sorted(frames.items())
    }


def ts(d) -> pd.Timestamp:
    return pd.Timestamp(d)


def hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600


def days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 86400


def codes(frames: Frames, dim: str, key: str) -> dict[int, str]:
    d = frames[dim]
    return dict(zip(d[key], d["code"], strict=True))


def enforcement_with_codes(frames: Frames) -> pd.DataFrame:
    e = frames["fact_enforcement"]
    return e.assign(
        code=e["enforcement_type_id"].map(
            codes(frames, "dim_enforcement_type", "enforcement_type_id")
        )
    )


@pytest.fixture(scope="module")
def seed12_frames() -> Frames:
    return generate(scale=DEMO_SCALE, seed=12)


@pytest.fixture(params=[DEMO_SEED, 12], ids=["seed11", "seed12"])
def frames(request: pytest.FixtureRequest) -> Frames:
    """The realism checks hold for two seeds, not just the one the suite was tuned on."""
    name = "demo_frames" if request.param == DEMO_SEED else "seed12_frames"
    return request.getfixturevalue(name)


# -- determinism and scale ------------------------------------------------------------------


def test_same_seed_gives_identical_frames(demo_frames: Frames) -> None:
    again = generate(scale=DEMO_SCALE, seed=DEMO_SEED)
    assert checksums(again) == checksums(demo_frames)


def test_different_seed_gives_different_facts(demo_frames: Frames, seed12_frames: Frames) -> None:
    a, b = checksums(demo_frames), checksums(seed12_frames)
    assert a.keys() == b.keys()
    for table in (t.name for t in s.FACTS):
        assert a[table] != b[table], table
    # The calendar and reference dimensions do not depend on the seed.
    assert a["dim_date"] == b["dim_date"] and a["dim_market"] == b["dim_market"]


def test_stream_rows_grow_roughly_linearly_with_scale(demo_frames: Frames) -> None:
    small = generate(scale=0.01, seed=DEMO_SEED)
    assert set(small) == set(demo_frames)
    ratio = len(demo_frames["fact_streams_daily"]) / len(small["fact_streams_daily"])
    # Linear would be 3.0; scale 0.01 sits on the generator's 60-rows-a-day floor (~2.6).
    assert 2.2 < ratio < 3.5, ratio
    for table in ("fact_detection", "fact_enforcement", "fact_case"):
        assert len(small[table]) > 0, table


def test_small_scale_seed_whose_distributor_has_no_tracks_generates() -> None:
    # Regression: a campaign's label whose distributor had no tracks made rng.choice fail.
    frames = generate(scale=DEMO_SCALE, seed=29)
    assert len(frames["fact_detection"]) > 0


# -- referential integrity ------------------------------------------------------------------


def _key(series: pd.Series) -> pd.Series:
    """Comparable key values: dates of any flavour as Timestamps, integers as int64."""
    series = series.dropna()
    if series.dtype == object or pd.api.types.is_datetime64_any_dtype(series):
        return pd.to_datetime(series)
    if pd.api.types.is_integer_dtype(series):
        return series.astype("int64")
    return series


@pytest.mark.parametrize("table", [t.name for t in (*s.DIMENSIONS, *s.FACTS)])
def test_every_foreign_key_holds(demo_frames: Frames, table: str) -> None:
    fks = list(s.metadata.tables[table].foreign_keys)
    for fk in fks:
        child = _key(demo_frames[table][fk.parent.name])
        parent = _key(demo_frames[fk.column.table.name][fk.column.name])
        orphans = child[~child.isin(parent)]
        assert orphans.empty, f"{table}.{fk.parent.name} -> {fk.target_fullname}: {orphans[:5]}"


def test_the_schema_has_foreign_keys_to_check() -> None:
    # Guards the generic test above against a MetaData that lost its ForeignKeys.
    assert all(t.foreign_keys for t in s.FACTS)
    assert sum(len(t.foreign_keys) for t in s.FACTS) >= 25


@pytest.mark.parametrize("table", [t.name for t in (*s.DIMENSIONS, *s.FACTS)])
def test_keys_unique_and_not_null_columns_filled(demo_frames: Frames, table: str) -> None:
    meta, df = s.metadata.tables[table], demo_frames[table]
    assert list(df.columns) == [c.name for c in meta.columns]
    pk = [c.name for c in meta.primary_key.columns]
    if pk:
        assert not df.duplicated(pk).any(), f"{table} primary key {pk} repeats"
    for col in meta.columns:
        if col.unique:
            assert df[col.name].is_unique, f"{table}.{col.name} should be unique"
        if not col.nullable:
            assert df[col.name].notna().all(), f"{table}.{col.name} has NULLs"


def test_stream_grain_is_unique(demo_frames: Frames) -> None:
    assert not demo_frames["fact_streams_daily"].duplicated(GRAIN).any()


# -- invariants -----------------------------------------------------------------------------


def test_stream_counts_are_ordered(demo_frames: Frames) -> None:
    f = demo_frames["fact_streams_daily"]
    assert (f["confirmed_streams"] >= 0).all()
    assert (f["confirmed_streams"] <= f["flagged_streams"]).all()
    assert (f["flagged_streams"] <= f["streams"]).all()
    assert (f["true_artificial_streams"] >= 0).all()
    assert (f["true_artificial_streams"] <= f["streams"]).all()
    assert (f["listeners"] >= 1).all() and (f["streams"] >= 1).all()
    # Attribution: flagged streams carry their detector, unflagged rows carry none.
    flagged = f["flagged_streams"] > 0
    assert f.loc[flagged, "detector_id"].notna().all()
    assert f.loc[f["detector_id"].isna(), "flagged_streams"].eq(0).all()


def test_enforcement_follows_a_confirmed_review(demo_frames: Frames) -> None:
    e = demo_frames["fact_enforcement"].merge(demo_frames["fact_review"], on="detection_id")
    assert len(e) == len(demo_frames["fact_enforcement"])
    assert (e["outcome"] == "confirmed").all()
    assert (e["applied_at"] >= e["decided_at"]).all()


def test_detection_and_review_timestamps_are_ordered(demo_frames: Frames) -> None:
    d, r = demo_frames["fact_detection"], demo_frames["fact_review"]
    assert (d["activity_started_at"] <= d["detected_at"]).all()
    m = d.merge(r, on="detection_id")
    assert (m["queued_at"] >= m["detected_at"]).all()
    started, decided = m.dropna(subset=["started_at"]), m.dropna(subset=["decided_at"])
    assert (started["queued_at"] <= started["started_at"]).all()
    assert (decided["started_at"] <= decided["decided_at"]).all()
    # Only a pending review lacks a decision; a decided one was started by a reviewer.
    assert (m["decided_at"].isna() == (m["outcome"] == "pending")).all()
    assert decided["started_at"].notna().all() and decided["reviewer_id"].notna().all()
    assert (r.loc[r["outcome"] != "confirmed", "streams_confirmed"] == 0).all()


def test_case_timestamps_are_ordered(demo_frames: Frames) -> None:
    c = demo_frames["fact_case"]
    fr = c.dropna(subset=["first_response_at"])
    assert (fr["opened_at"] <= fr["first_response_at"]).all()
    res = c.dropna(subset=["resolved_at"])
    assert res["first_response_at"].notna().all()
    assert (res["first_response_at"] <= res["resolved_at"]).all()
    esc = c.dropna(subset=["escalated_at"])
    assert (esc["first_response_at"] <= esc["escalated_at"]).all()
    both = esc.dropna(subset=["resolved_at"])
    assert (both["escalated_at"] <= both["resolved_at"]).all()
    assert (c["status"] == "resolved").eq(c["resolved_at"].notna()).all()
    ev = demo_frames["fact_case_event"].merge(c[["case_id", "opened_at"]], on="case_id")
    assert (ev["event_at"] >= ev["opened_at"]).all()


def test_appeals_follow_enforcement_and_reversals_match_overturns(demo_frames: Frames) -> None:
    e, a = demo_frames["fact_enforcement"], demo_frames["fact_appeal"]
    m = a.merge(e, on="enforcement_id", suffixes=("", "_enf"))
    assert (m["filed_at"] >= m["applied_at"]).all()
    decided = m.dropna(subset=["decided_at"])
    assert (decided["decided_at"] >= decided["filed_at"]).all()
    assert (m["decided_at"].isna() == (m["outcome"] == "pending")).all()
    overturned = set(a.loc[a["outcome"] == "overturned", "enforcement_id"])
    reversed_ = set(e.loc[e["status"] == "reversed", "enforcement_id"])
    assert overturned == reversed_
    assert (e["status"] == "reversed").eq(e["reversed_at"].notna()).all()
    over = m[m["outcome"] == "overturned"]
    assert (over["reversed_at"] == over["decided_at"]).all()
    assert np.allclose(over["amount_restored_eur"], over["amount_eur"])
    assert (m.loc[m["outcome"] != "overturned", "amount_restored_eur"] == 0).all()


def test_per_track_fee_rules(demo_frames: Frames) -> None:
    e = enforcement_with_codes(demo_frames)
    fee = e[e["code"] == "per_track_fee"]
    assert len(fee) > 0
    assert (fee["applied_at"] >= ts(ref.FEE_START)).all()
    assert (fee["amount"] == 10).all() and (fee["amount_eur"] == 10).all()
    assert (fee["currency"] == "EUR").all()
    assert not fee.duplicated(["track_id", "royalty_period"]).any()
    assert (fee["applied_at"] >= fee["royalty_period"]).all()
    # ">90% of the track's detected streams in the royalty month confirmed artificial", over
    # the stored rows: exactly those track-months are fined (the Policy lab replays this).
    f = demo_frames["fact_streams_daily"]
    f = f[f["detector_id"].notna()]
    g = f.groupby(["track_id", f["date_key"].dt.to_period("M").dt.start_time])[
        ["streams", "confirmed_streams"]
    ].sum()
    g = g[g.index.get_level_values(1) >= ts(ref.FEE_START)]
    over = set(g.index[g["confirmed_streams"] > 0.9 * g["streams"]])
    assert set(zip(fee["track_id"], fee["royalty_period"], strict=True)) == over


def test_no_timestamp_after_the_last_day(demo_frames: Frames) -> None:
    limit = ts(ref.END + timedelta(days=1))
    first = ts(ref.START)
    for table in s.FACTS:
        df = demo_frames[table.name]
        for col in table.columns:
            if col.type.python_type.__name__ not in ("datetime", "date"):
                continue
            values = pd.to_datetime(df[col.name]).dropna()
            assert (values < limit).all(), f"{table.name}.{col.name} after {ref.END}"
            if col.name not in ("royalty_period",):
                assert (values >= first).all(), f"{table.name}.{col.name} before {ref.START}"


# -- realism (DOMAIN.md) --------------------------------------------------------------------


def test_markets_and_regions(frames: Frames) -> None:
    m = frames["dim_market"]
    assert 40 <= len(m) <= 60
    assert m["region"].nunique() == 6
    assert set(frames["fact_streams_daily"]["market_id"]) == set(m["market_id"])
    rate = m.set_index("iso2")["payout_per_1k_streams_eur"]
    assert rate["NO"] > 4 and rate["AR"] < 1.0
    # DOMAIN.md: ~$3.2 (EUR ~2.9) per 1k streams on average; weighted by where streams are.
    f = frames["fact_streams_daily"]
    per_1k = 1000 * f["royalty_eur"].sum() / f["streams"].sum()
    assert 2.3 < per_1k < 3.5, per_1k


def test_true_artificial_share(frames: Frames) -> None:
    f = frames["fact_streams_daily"]
    share = f["true_artificial_streams"].sum() / f["streams"].sum()
    # ~9% at scale 1; with only 9 campaigns at 0.03 one big bot farm moves it a lot
    # (seeds 1-40: 1.9-14%). Organic background alone is ~0.5%.
    assert 0.015 < share < 0.16, share
    detected = f["flagged_streams"].sum() / f["streams"].sum()
    assert 0 < detected < share


def test_weekend_uplift(frames: Frames) -> None:
    f = frames["fact_streams_daily"]
    organic = (f["streams"] - f["true_artificial_streams"]).groupby(f["date_key"]).sum()
    weekend = organic.index.day_of_week >= 5
    uplift = organic[weekend].mean() / organic[~weekend].mean()
    assert 1.04 < uplift < 1.12, uplift  # DOMAIN.md: weekend +8%


def test_rules_are_less_precise_than_models(frames: Frames) -> None:
    d = frames["fact_detection"].merge(frames["fact_review"], on="detection_id")
    d = d.merge(frames["dim_detector"][["detector_id", "kind"]], on="detector_id")
    decided = d[d["outcome"] != "pending"]
    precision = decided.groupby("kind")["outcome"].apply(lambda o: (o == "confirmed").mean())
    assert 0.3 < precision["rule"] < 0.65, precision  # DOMAIN.md est. 0.4-0.7
    assert 0.8 < precision["model"] <= 1.0, precision  # est. 0.8-0.95
    assert precision["model"] - precision["rule"] > 0.2
    confirm_rate = (decided["outcome"] == "confirmed").mean()
    assert 0.45 < confirm_rate < 0.9, confirm_rate  # est. 55-75%


def test_review_times(frames: Frames) -> None:
    r = frames["fact_review"].dropna(subset=["decided_at"])
    h = hours(r["decided_at"] - r["queued_at"])
    assert 2 < h.median() < 8, h.median()  # DOMAIN.md: median ~4 h
    assert 15 < h.quantile(0.9) < 80, h.quantile(0.9)  # p90 ~36 h


def test_appeal_rate(frames: Frames) -> None:
    e = enforcement_with_codes(frames)
    monetary = e[e["code"].isin(MONETARY)]
    rate = len(frames["fact_appeal"]) / len(monetary)
    assert 0.01 < rate < 0.08, rate  # DOMAIN.md: 2-5% of actions appealed


def test_case_priority_mix(frames: Frames) -> None:
    mix = frames["fact_case"]["priority"].value_counts(normalize=True)
    target = {p[0]: p[3] for p in ref.PRIORITIES}
    for priority, share in target.items():
        assert abs(mix.get(priority, 0) - share) <= 0.05, (priority, mix.to_dict())


def test_escalations_go_only_to_partner_teams(frames: Frames) -> None:
    teams = frames["dim_team"].set_index("team_id")["is_partner"]
    ev = frames["fact_case_event"]
    handoffs = ev[ev["event_type"] == "handoff"]
    assert len(handoffs) > 0
    assert teams[handoffs["to_team_id"].astype(int)].all()
    c = frames["fact_case"]
    escalated = c["escalated_at"].notna()
    assert escalated.any()
    assert teams[c.loc[escalated, "owner_team_id"]].all()
    assert not teams[c.loc[~escalated, "owner_team_id"]].any()
    assert (c.loc[escalated, "status"] != "open").all()


def test_dated_events_exist_and_match_the_detectors(frames: Frames) -> None:
    ev = frames["dim_event"]
    kinds = ev["kind"].value_counts()
    assert kinds.get("policy", 0) >= 2 and kinds.get("detector", 0) >= 2
    dates = pd.to_datetime(ev["event_date"])
    assert dates.between(ts(ref.START), ts(ref.END)).all()
    launched = frames["dim_detector"].set_index("code")["launched_on"]
    assert launched["sentinel_v2"] == ref.SENTINEL_V2_LAUNCH
    assert launched["ai_classifier"] == ref.AI_CLASSIFIER_LAUNCH
    assert {ref.SENTINEL_V2_LAUNCH, ref.FEE_START} <= set(ev["event_date"])


def test_event_effects_are_visible(frames: Frames) -> None:
    d = frames["fact_detection"]
    code = d["detector_id"].map(codes(frames, "dim_detector", "detector_id"))
    typology = d["typology_id"].map(codes(frames, "dim_typology", "typology_id"))
    v2 = d[code == "sentinel_v2"]
    assert len(v2) > 0 and (v2["detected_at"] >= ts(ref.SENTINEL_V2_LAUNCH)).all()
    # Sentinel v2 all but replaces v1.
    v1_after = (code == "sentinel_v1") & (d["detected_at"] >= ts(ref.SENTINEL_V2_LAUNCH))
    assert v1_after.sum() < 0.25 * len(v2)
    ai = code == "ai_classifier"
    assert (d.loc[ai, "detected_at"] >= ts(ref.AI_CLASSIFIER_LAUNCH)).all()
    assert typology[ai].isin(["ai_dilution", "noise_loops"]).all()
    # The new model detects faster than what was there before it.
    ttd = days(d["detected_at"] - d["activity_started_at"])
    before = ttd[d["detected_at"] < ts(ref.SENTINEL_V2_LAUNCH)]
    assert ttd[code == "sentinel_v2"].median() < before.median()
    e = enforcement_with_codes(frames)
    fee = e[e["code"] == "per_track_fee"]
    assert len(fee) > 0 and fee["applied_at"].min() >= ts(ref.FEE_START)
    monetary_after = e[(e["applied_at"] >= ts(ref.FEE_START)) & e["code"].isin(MONETARY)]
    assert len(fee) > 0.02 * len(monetary_after)


# -- realism over ten seeds pooled (rates a 9-campaign warehouse cannot estimate) ----------


@pytest.fixture(scope="module")
def pooled() -> dict[str, pd.DataFrame]:
    """Per-campaign and per-appeal rows of seeds 11-20 at scale 0.03 (~1 s to generate)."""
    campaigns, appeals = [], []
    for seed in POOLED_SEEDS:
        f = generate(scale=DEMO_SCALE, seed=seed)
        d = f["fact_detection"]
        tp = d[d["campaign_id"].notna()].assign(
            ttd=days(d["detected_at"] - d["activity_started_at"])
        )
        campaigns.append(
            tp.groupby("campaign_id")
            .agg(
                started=("activity_started_at", "min"),
                ttd=("ttd", "min"),
                typology_id=("typology_id", "first"),
            )
            .assign(seed=seed)
        )
        a = f["fact_appeal"].merge(f["fact_enforcement"][["enforcement_id", "detection_id"]])
        a = a.merge(d[["detection_id", "campaign_id"]])
        appeals.append(a.assign(seed=seed))
    return {"campaigns": pd.concat(campaigns), "appeals": pd.concat(appeals)}


def test_overturn_rate_pooled(pooled: dict[str, pd.DataFrame]) -> None:
    a = pooled["appeals"]
    decided = a[a["outcome"] != "pending"]
    assert len(decided) > 60
    rate = (decided["outcome"] == "overturned").mean()
    assert 0.10 < rate < 0.45, rate  # DOMAIN.md: ~20-25% overturned (measured 14-24%)
    # Overturns are mostly the wrong ones: appeals against false positives.
    wrong = decided["campaign_id"].isna()
    fp_rate = (decided.loc[wrong, "outcome"] == "overturned").mean()
    tp_rate = (decided.loc[~wrong, "outcome"] == "overturned").mean()
    assert fp_rate > 0.5 > 0.15 > tp_rate, (fp_rate, tp_rate)


def test_typology_mix_pooled(pooled: dict[str, pd.DataFrame]) -> None:
    c = pooled["campaigns"]
    assert len(c) > 40
    mix = c["typology_id"].value_counts(normalize=True)
    for i, (code, _name, share) in enumerate(ref.TYPOLOGIES, start=1):
        assert abs(mix.get(i, 0.0) - share) < 0.10, (code, mix.get(i, 0.0), share)
    assert mix.idxmax() == 1  # bot farms are the most common


def test_time_to_detect_drops_after_sentinel_v2_pooled(pooled: dict[str, pd.DataFrame]) -> None:
    c = pooled["campaigns"]
    launch = ts(ref.SENTINEL_V2_LAUNCH)
    before, after = c.loc[c["started"] < launch, "ttd"], c.loc[c["started"] >= launch, "ttd"]
    assert len(before) >= 4 and len(after) >= 20
    # Measured (campaign-level median days): ~6-7 before, ~3.3-4.6 after.
    assert after.median() < 0.8 * before.median(), (before.median(), after.median())
    assert 2 < c["ttd"].median() < 8  # DOMAIN.md: median time to detect 3-7 days
