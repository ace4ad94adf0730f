"""The star's enforcement and case facts from the inputs: actions and appeals (any currency,
to EUR), cases and case events (priorities from the configured rule, first response and
escalation from the events, owner teams and statuses through the vocabularies). Rows that
cannot be placed are left out and counted in ``ctx["dropped"]``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access import schema as s
from data_access.inputs import normalise as n
from data_access.inputs.dims import ACTION_NAMES


def enforcement(inputs: dict, frames: dict, ctx: dict) -> dict[str, pd.DataFrame]:
    """fact_enforcement and fact_appeal (empty when those inputs are not mapped)."""
    b, det, dropped = ctx["business"], ctx["det"], ctx["dropped"]
    empty = {
        t: pd.DataFrame(columns=[c.name for c in t.columns])
        for t in (s.fact_enforcement, s.fact_appeal)
    }
    act = inputs.get("actions")
    if act is None or act.empty:
        return {t.name: df for t, df in empty.items()}
    act = act.copy()
    act["action_key"] = n.text(act["action_key"])
    act = act.drop_duplicates("action_key", keep="first")
    act["_det"] = n.text(act["detection_key"]).map(ctx["det_ids"])
    act["_type"] = n.vocab(act["action"], b, "action")
    act["_applied"] = n.ts(act["applied_at"])
    ok = act["_det"].notna() & act["_type"].notna() & act["_applied"].notna()
    dropped["actions of unknown detections"] = int(act["_det"].isna().sum())
    dropped["actions of an unmapped kind"] = int((act["_det"].notna() & act["_type"].isna()).sum())
    act = act[ok]
    by_det = det.set_index("_id")
    track = n.text(n.col(act, "track_key")).map(ctx["ids"]["track"])
    track = track.fillna(act["_det"].map(by_det["_track"])).astype(np.int64)
    market = ctx["market_of"](n.col(act, "market"))
    no_market = n.col(act, "market").isna().to_numpy()
    market = market.where(~no_market, act["_det"].map(by_det["_market_id"])).astype("int16")
    label = track.map(ctx["track_label"]).astype(np.int32)
    period = pd.to_datetime(n.col(act, "royalty_period"), errors="coerce")
    period = period.fillna(act["_applied"]).dt.to_period("M").dt.start_time.dt.date
    currency = n.col(act, "currency", "EUR").astype(str).str.strip().str.upper()
    reversed_at = n.ts(n.col(act, "reversed_at"))
    type_ids = {code: i + 1 for i, code in enumerate(ACTION_NAMES)}
    act_ids = n.keys(act["action_key"])
    enforcement = pd.DataFrame(
        {
            "enforcement_id": act["action_key"].map(act_ids).astype(np.int64).to_numpy(),
            "detection_id": act["_det"].astype(np.int64).to_numpy(),
            "enforcement_type_id": act["_type"].map(type_ids).astype("int16").to_numpy(),
            "applied_at": act["_applied"].to_numpy(),
            "track_id": track.astype(np.int32).to_numpy(),
            "label_id": label.to_numpy(),
            "distributor_id": label.map(ctx["label_dist"]).astype(np.int32).to_numpy(),
            "market_id": market.to_numpy(),
            "royalty_period": period.to_numpy(),
            "streams_removed": pd.to_numeric(n.col(act, "streams_removed", 0), errors="coerce")
            .fillna(0)
            .astype(np.int64)
            .to_numpy(),
            "amount": pd.to_numeric(n.col(act, "amount", 0), errors="coerce")
            .fillna(0)
            .round(4)
            .to_numpy(),
            "currency": currency.str.slice(0, 3).to_numpy(),
            "amount_eur": n.fx(n.col(act, "amount", 0), currency, b).fillna(0).to_numpy(),
            "recovered_eur": n.fx(n.col(act, "recovered_amount", 0), currency, b)
            .fillna(0)
            .to_numpy(),
            "status": np.where(reversed_at.notna(), "reversed", "applied"),
            "reversed_at": reversed_at.to_numpy(),
        }
    ).sort_values("enforcement_id")
    ctx.setdefault("more_keys", []).append(("action", act_ids))
    out = {"fact_enforcement": enforcement, "fact_appeal": empty[s.fact_appeal]}
    app = inputs.get("appeals")
    if app is not None and not app.empty:
        app = app.copy()
        app["appeal_key"] = n.text(app["appeal_key"])
        app = app.drop_duplicates("appeal_key", keep="first")
        app["_act"] = n.text(app["action_key"]).map(act_ids)
        app["_filed"] = n.ts(app["filed_at"])
        app["_outcome"] = n.vocab(app["outcome"], b, "appeal_outcome")
        dropped["appeals of unknown actions"] = int(app["_act"].isna().sum())
        app = app.dropna(subset=["_act", "_filed", "_outcome"])
        appeal_ids = n.keys(app["appeal_key"])
        out["fact_appeal"] = pd.DataFrame(
            {
                "appeal_id": app["appeal_key"].map(appeal_ids).astype(np.int64).to_numpy(),
                "enforcement_id": app["_act"].astype(np.int64).to_numpy(),
                "filed_at": app["_filed"].to_numpy(),
                "decided_at": n.ts(n.col(app, "decided_at")).to_numpy(),
                "outcome": app["_outcome"].astype(str).to_numpy(),
                "amount_restored_eur": n.fx(
                    n.col(app, "amount_restored", 0), n.col(app, "currency", "EUR"), b
                )
                .fillna(0)
                .to_numpy(),
            }
        ).sort_values("appeal_id")
        ctx["more_keys"].append(("appeal", appeal_ids))
    return out


def cases(inputs: dict, frames: dict, ctx: dict) -> dict[str, pd.DataFrame]:
    """fact_case and fact_case_event (empty when cases are not mapped)."""
    b, det, dropped = ctx["business"], ctx["det"], ctx["dropped"]
    out = {
        t.name: pd.DataFrame(columns=[c.name for c in t.columns])
        for t in (s.fact_case, s.fact_case_event)
    }
    cases = inputs.get("cases")
    if cases is None or cases.empty:
        return out
    teams = frames["dim_team"]
    team_ids = pd.Series(teams["team_id"].to_numpy(), index=teams["code"])
    partner = pd.Series(teams["is_partner"].to_numpy(), index=teams["team_id"])
    cases = cases.copy()
    cases["case_key"] = n.text(cases["case_key"])
    cases = cases.drop_duplicates("case_key", keep="first")
    cases["_opened"] = n.ts(cases["opened_at"])
    cases = cases.dropna(subset=["case_key", "_opened"])
    case_ids = n.keys(cases["case_key"])
    cases["_id"] = cases["case_key"].map(case_ids)
    ev = inputs.get("case_events")
    events = pd.DataFrame(columns=["_case", "_at", "_type", "_from", "_to", "case_event_key"])
    if ev is not None and not ev.empty:
        ev = ev.copy()
        ev["_case"] = n.text(ev["case_key"]).map(case_ids)
        ev["_at"] = n.ts(ev["event_at"])
        ev["_type"] = n.vocab(ev["event_type"], b, "case_event").fillna("other")
        ev["_from"] = n.vocab(n.col(ev, "from_team"), b, "team").map(team_ids)
        ev["_to"] = n.vocab(n.col(ev, "to_team"), b, "team").map(team_ids)
        ev["case_event_key"] = n.text(ev["case_event_key"])
        dropped["case events of unknown cases"] = int(ev["_case"].isna().sum())
        events = ev.dropna(subset=["_case", "_at", "case_event_key"]).drop_duplicates(
            "case_event_key"
        )
    by_det = det.set_index("detection_key")
    det_key = n.text(n.col(cases, "detection_key"))
    det_row = det_key.map(lambda k: k if k in by_det.index else None)
    has_det = det_row.notna()
    track = n.text(n.col(cases, "track_key")).map(ctx["ids"]["track"])
    track = track.fillna(det_row.map(by_det["_track"]))
    # An explicit label wins over the label of the case's (or its detection's) track.
    label = n.text(n.col(cases, "label_key")).map(ctx["ids"]["label"])
    label = label.fillna(track.map(ctx["track_label"]))
    unknown_label = label.isna()
    if unknown_label.any():
        # A case about no known track keeps its row, under the first label (counted).
        dropped["cases without a known track or label (kept under the first label)"] = int(
            unknown_label.sum()
        )
        label = label.fillna(frames["dim_label"]["label_id"].min())
    market = ctx["market_of"](n.col(cases, "market"))
    market = market.where(
        n.col(cases, "market").notna().to_numpy(), det_row.map(by_det["_market_id"])
    )
    market = market.fillna(ctx["market_of"](pd.Series([None])).iloc[0]).astype("int16")
    typology = n.vocab(n.col(cases, "typology"), b, "typology")
    typology = typology.fillna(det_row.map(by_det["_typology"])).fillna("other")
    currency = n.col(cases, "currency", "EUR")
    exposure = n.fx(n.col(cases, "exposure_amount", 0), currency, b).fillna(0)
    priority = n.col(cases, "priority").astype("string").str.strip().str.upper()
    priority = priority.where(priority.isin(["P1", "P2", "P3", "P4"]))
    priority = priority.fillna(exposure.map(b.priority_for))
    team = n.vocab(cases["owner_team"], b, "team")
    dropped["cases with an unmapped owner team (given to fraud_ops)"] = int(team.isna().sum())
    team_id = team.fillna("fraud_ops").map(team_ids).fillna(team_ids.iloc[0]).astype("int16")
    status = n.vocab(cases["status"], b, "case_status").fillna("open")
    first_resp = n.ts(n.col(cases, "first_response_at"))
    escalated = n.ts(n.col(cases, "escalated_at"))
    if len(events):
        after = events.merge(cases[["_id", "_opened"]], left_on="_case", right_on="_id")
        after = after[after["_at"] > after["_opened"]]
        first_resp = first_resp.fillna(cases["_id"].map(after.groupby("_case")["_at"].min()))
        hand = after[(after["_type"] == "handoff") & after["_to"].map(partner).fillna(False)]
        escalated = escalated.fillna(cases["_id"].map(hand.groupby("_case")["_at"].min()))
    origin = n.vocab(n.col(cases, "origin"), b, "case_origin")
    origin = origin.fillna(pd.Series(np.where(has_det, "detection", "manual"), index=cases.index))
    status = status.where(~((status == "open") & escalated.notna()), "escalated")
    out["fact_case"] = pd.DataFrame(
        {
            "case_id": cases["_id"].astype(np.int64).to_numpy(),
            "opened_at": cases["_opened"].to_numpy(),
            "priority": priority.astype(str).to_numpy(),
            "origin": origin.astype(str).to_numpy(),
            "detection_id": det_row.map(by_det["_id"]).astype("Int64").to_numpy(),
            "typology_id": typology.map(ctx["typology_ids"]).astype("int16").to_numpy(),
            "market_id": market.to_numpy(),
            "label_id": label.astype(np.int32).to_numpy(),
            "distributor_id": label.map(ctx["label_dist"]).astype(np.int32).to_numpy(),
            "owner_team_id": team_id.to_numpy(),
            "first_response_at": first_resp.to_numpy(),
            "escalated_at": escalated.to_numpy(),
            "resolved_at": n.ts(n.col(cases, "resolved_at")).to_numpy(),
            "status": status.astype(str).to_numpy(),
            "exposure_eur": exposure.to_numpy(),
            "reopened": n.col(cases, "reopened", False).astype(bool).to_numpy(),
        }
    ).sort_values("case_id")
    if len(events):
        ev_ids = n.keys(events["case_event_key"])
        out["fact_case_event"] = pd.DataFrame(
            {
                "case_event_id": events["case_event_key"].map(ev_ids).astype(np.int64).to_numpy(),
                "case_id": events["_case"].astype(np.int64).to_numpy(),
                "event_at": events["_at"].to_numpy(),
                "event_type": events["_type"].astype(str).to_numpy(),
                "from_team_id": events["_from"].astype("Int16").to_numpy(),
                "to_team_id": events["_to"].astype("Int16").to_numpy(),
            }
        ).sort_values("case_event_id")
    ctx.setdefault("more_keys", []).append(("case", case_ids))
    return out
