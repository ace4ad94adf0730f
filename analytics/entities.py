"""Arithmetic of the entity pages: a case's timeline against its SLA, and an entity's
totals. Pure pandas."""

from __future__ import annotations

import pandas as pd

from analytics.enforcement import FEE_CODE, WITHHOLDING_CODE
from analytics.metrics import ratio

STEP_NAMES = {
    "opened": "Opened",
    "first_response": "First response",
    "handoff": "Hand-off",
    "escalated": "Escalated",
    "reopened": "Reopened",
    "resolved": "Resolved",
}
TIMELINE_COLUMNS = ("at", "step", "team", "detail")


def case_timeline(case: pd.Series, events: pd.DataFrame) -> pd.DataFrame:
    """The case's steps in time order: opened, first response, hand-offs between teams (from
    the case events), escalation, reopenings and resolution. Columns: at, step, team (who
    holds the case after the step), detail."""
    rows: list[dict] = []
    for ev in (events if events is not None else pd.DataFrame()).itertuples(index=False):
        kind = str(ev.event_type)
        to_team, from_team = _name(ev.to_team), _name(ev.from_team)
        if kind == "handoff":
            detail = f"{from_team or '?'} → {to_team or '?'}"
        elif kind == "resolved":
            detail = f"by {from_team}" if from_team else ""
        else:
            detail = f"to {to_team}" if to_team else ""
        rows.append(
            {
                "at": ev.event_at,
                "step": STEP_NAMES.get(kind, kind.replace("_", " ").capitalize()),
                "team": to_team or from_team or "",
                "detail": detail,
            }
        )
    for col, kind in (("first_response_at", "first_response"), ("escalated_at", "escalated")):
        if pd.notna(case.get(col)):
            rows.append({"at": case[col], "step": STEP_NAMES[kind], "team": "", "detail": ""})
    if not any(r["step"] == "Opened" for r in rows) and pd.notna(case.get("opened_at")):
        rows.append({"at": case["opened_at"], "step": "Opened", "team": "", "detail": ""})
    out = pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
    if out.empty:
        return out
    out["at"] = pd.to_datetime(out["at"])
    out = out.sort_values("at", kind="stable").reset_index(drop=True)
    # Who holds the case after a step without a team of its own: the holder before it.
    out["team"] = out["team"].replace("", pd.NA).ffill().fillna("")
    return out


def _name(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def sla_status(case: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """First response and resolution against the priority's SLA. Columns: stage, due_at,
    done_at, hours (taken, or elapsed so far), sla_hours, status (met / breached / overdue /
    running)."""
    opened = pd.Timestamp(case["opened_at"])
    rows = []
    for stage, done_col, sla_col in (
        ("First response", "first_response_at", "first_response_sla_hours"),
        ("Resolution", "resolved_at", "resolution_sla_hours"),
    ):
        sla = float(case[sla_col])
        due = opened + pd.Timedelta(hours=sla)
        done = case.get(done_col)
        if pd.notna(done):
            hours = (pd.Timestamp(done) - opened) / pd.Timedelta(hours=1)
            status = "met" if hours <= sla else "breached"
        else:
            hours = max((pd.Timestamp(as_of) - opened) / pd.Timedelta(hours=1), 0.0)
            status = "overdue" if hours > sla else "running"
        rows.append(
            {
                "stage": stage,
                "due_at": due,
                "done_at": pd.Timestamp(done) if pd.notna(done) else pd.NaT,
                "hours": float(hours),
                "sla_hours": sla,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def entity_totals(
    streams: pd.DataFrame, detections: pd.DataFrame, enforcement: pd.DataFrame
) -> dict[str, float]:
    """The headline numbers of a track / label / distributor over the period (fees only
    when the enforcement frame holds money)."""
    s = streams if streams is not None else pd.DataFrame()
    d = detections if detections is not None else pd.DataFrame()
    e = enforcement if enforcement is not None else pd.DataFrame()

    def col(df: pd.DataFrame, name: str) -> float:
        return float(df[name].sum()) if name in df.columns else 0.0

    out = {
        "streams": col(s, "streams"),
        "detected_streams": col(s, "detected_streams"),
        "confirmed_streams": col(s, "confirmed_streams"),
        "detections": col(d, "detections"),
        "enforcement_actions": col(e, "actions"),
        "reversed_actions": col(e, "reversed"),
    }
    out["detected_share"] = float(ratio([out["detected_streams"]], [out["streams"]])[0])
    if "amount_eur" in e.columns and "type_code" in e.columns:
        code = e["type_code"]
        out["withheld_eur"] = col(e[code == WITHHOLDING_CODE], "amount_eur")
        out["fees_levied_eur"] = col(e[code == FEE_CODE], "amount_eur")
        out["reversed_eur"] = col(e, "reversed_eur")
    return out
