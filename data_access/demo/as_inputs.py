"""The demo as a producer of the input layer: generated star frames -> input frames.

The generator keeps its own simulation (which stream rows a campaign flagged, the artificial
ground truth), so its streams input carries flagged, confirmed and estimated artificial
streams and royalties of its own; everything else goes through the input layer like any
team's data: text keys, our vocabularies, EUR amounts.
"""

from __future__ import annotations

import pandas as pd


def _key(prefix: str, ids: pd.Series) -> pd.Series:
    """Zero-padded text keys: the input layer's ids (source-key order) equal the demo's."""
    return prefix + ids.astype("Int64").astype("string").str.zfill(9)


def input_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    m = frames["dim_market"].set_index("market_id")["iso2"]
    det_code = frames["dim_detector"].set_index("detector_id")
    typ = frames["dim_typology"].set_index("typology_id")["code"]
    act = frames["dim_enforcement_type"].set_index("enforcement_type_id")["code"]
    team = frames["dim_team"].set_index("team_id")["code"]
    track, label = frames["dim_track"], frames["dim_label"]
    dist = frames["dim_distributor"].set_index("distributor_id")
    artist = frames["dim_artist"].set_index("artist_id")["name"]
    lab = label.set_index("label_id")
    f = frames["fact_streams_daily"]
    streams = pd.DataFrame(
        {
            "day": f["date_key"],
            "track_key": _key("T", f["track_id"]),
            "market": f["market_id"].map(m),
            "plan": f["plan"],
            "source": f["source"],
            "device": f["device"],
            "streams": f["streams"],
            "listeners": f["listeners"],
            "royalty_amount": f["royalty_eur"],
            "royalty_currency": "EUR",
            "flagged_streams": f["flagged_streams"],
            "confirmed_streams": f["confirmed_streams"],
            "detector": f["detector_id"].map(det_code["name"]),
            "typology": f["typology_id"].map(typ),
            "estimated_artificial_streams": f["true_artificial_streams"],
        }
    )
    catalogue = pd.DataFrame(
        {
            "track_key": _key("T", track["track_id"]),
            "isrc": track["isrc"],
            "title": track["title"],
            "artist_key": _key("A", track["artist_id"]),
            "artist_name": track["artist_id"].map(artist),
            "label_key": _key("L", track["label_id"]),
            "label_name": track["label_id"].map(lab["name"]),
            "distributor_key": _key("D", track["label_id"].map(lab["distributor_id"])),
            "distributor_name": track["label_id"].map(lab["distributor_id"]).map(dist["name"]),
            "genre": track["genre"],
            "duration_s": track["duration_s"],
            "is_ai": track["is_ai"],
            "is_noise": track["is_noise"],
            "release_date": track["release_date"],
            "label_type": track["label_id"].map(lab["label_type"]),
            "label_risk_tier": track["label_id"].map(lab["risk_tier"]),
            "distributor_tier": track["label_id"].map(lab["distributor_id"]).map(dist["tier"]),
        }
    )
    labels = pd.DataFrame(
        {
            "label_key": _key("L", label["label_id"]),
            "label_name": label["name"],
            "distributor_key": _key("D", label["distributor_id"]),
            "distributor_name": label["distributor_id"].map(dist["name"]),
            "label_type": label["label_type"],
            "label_risk_tier": label["risk_tier"],
            "distributor_tier": label["distributor_id"].map(dist["tier"]),
        }
    )
    d = frames["fact_detection"]
    detections = pd.DataFrame(
        {
            "detection_key": _key("X", d["detection_id"]),
            "detected_at": d["detected_at"],
            "activity_started_at": d["activity_started_at"],
            "detector": d["detector_id"].map(det_code["name"]),
            "detector_version": d["detector_id"].map(det_code["version"]),
            "detector_kind": d["detector_id"].map(det_code["kind"]),
            "typology": d["typology_id"].map(typ),
            "track_key": _key("T", d["track_id"]),
            "market": d["market_id"].map(m),
            "score": d["score"],
            "streams_flagged": d["streams_flagged"],
            "estimated_amount": d["estimated_amount_eur"],
            "currency": "EUR",
        }
    )
    r = frames["fact_review"]
    reviews = pd.DataFrame(
        {
            "review_key": _key("R", r["review_id"]),
            "detection_key": _key("X", r["detection_id"]),
            "queued_at": r["queued_at"],
            "started_at": r["started_at"],
            "decided_at": r["decided_at"],
            "reviewer": r["reviewer_id"].astype("string"),
            "verdict": r["outcome"],
            "streams_confirmed": r["streams_confirmed"],
        }
    )
    e = frames["fact_enforcement"]
    actions = pd.DataFrame(
        {
            "action_key": _key("E", e["enforcement_id"]),
            "detection_key": _key("X", e["detection_id"]),
            "action": e["enforcement_type_id"].map(act),
            "applied_at": e["applied_at"],
            "track_key": _key("T", e["track_id"]),
            "market": e["market_id"].map(m),
            "royalty_period": e["royalty_period"],
            "streams_removed": e["streams_removed"],
            "amount": e["amount_eur"],
            "currency": "EUR",
            "recovered_amount": e["recovered_eur"],
            "reversed_at": e["reversed_at"],
        }
    )
    a = frames["fact_appeal"]
    appeals = pd.DataFrame(
        {
            "appeal_key": _key("P", a["appeal_id"]),
            "action_key": _key("E", a["enforcement_id"]),
            "filed_at": a["filed_at"],
            "decided_at": a["decided_at"],
            "outcome": a["outcome"],
            "amount_restored": a["amount_restored_eur"],
            "currency": "EUR",
        }
    )
    c = frames["fact_case"]
    case_track = c["detection_id"].map(d.set_index("detection_id")["track_id"])
    cases = pd.DataFrame(
        {
            "case_key": _key("C", c["case_id"]),
            "opened_at": c["opened_at"],
            "priority": c["priority"],
            "origin": c["origin"],
            "detection_key": _key("X", c["detection_id"]),
            "typology": c["typology_id"].map(typ),
            "label_key": _key("L", c["label_id"]),
            "track_key": _key("T", case_track),
            "market": c["market_id"].map(m),
            "owner_team": c["owner_team_id"].map(team),
            "first_response_at": c["first_response_at"],
            "escalated_at": c["escalated_at"],
            "resolved_at": c["resolved_at"],
            "status": c["status"],
            "exposure_amount": c["exposure_eur"],
            "currency": "EUR",
            "reopened": c["reopened"],
        }
    )
    ev = frames["fact_case_event"]
    case_events = pd.DataFrame(
        {
            "case_event_key": _key("V", ev["case_event_id"]),
            "case_key": _key("C", ev["case_id"]),
            "event_at": ev["event_at"],
            "event_type": ev["event_type"],
            "from_team": ev["from_team_id"].map(team),
            "to_team": ev["to_team_id"].map(team),
        }
    )
    events = frames["dim_event"][["event_date", "kind", "title", "description"]]
    return {
        "streams": streams,
        "catalogue": catalogue,
        "labels": labels,
        "detections": detections,
        "reviews": reviews,
        "actions": actions,
        "appeals": appeals,
        "cases": cases,
        "case_events": case_events,
        "events": events,
    }
