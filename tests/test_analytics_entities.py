"""A case's timeline and SLA status (pure pandas): steps in time order with the team that
holds the case, met / breached / running / overdue against the priority's SLA."""

from __future__ import annotations

import pandas as pd

from analytics.entities import case_timeline, sla_status
from charts.entities import case_timeline_chart

T = pd.Timestamp


def _case(**kw) -> pd.Series:
    base = {
        "opened_at": T("2026-11-01 10:00"),
        "first_response_at": T("2026-11-01 12:00"),
        "escalated_at": T("2026-11-02 09:00"),
        "resolved_at": pd.NaT,
        "first_response_sla_hours": 4.0,
        "resolution_sla_hours": 72.0,
    }
    return pd.Series({**base, **kw})


EVENTS = pd.DataFrame(
    {
        "event_at": [T("2026-11-01 10:00"), T("2026-11-02 09:00")],
        "event_type": ["opened", "handoff"],
        "from_team": [None, "Fraud Operations"],
        "to_team": ["Fraud Operations", "Legal"],
    }
)


def test_timeline_orders_steps_and_carries_the_holding_team():
    tl = case_timeline(_case(), EVENTS)
    assert list(tl["step"]) == ["Opened", "First response", "Hand-off", "Escalated"]
    assert list(tl["team"]) == ["Fraud Operations", "Fraud Operations", "Legal", "Legal"]
    assert tl.loc[2, "detail"] == "Fraud Operations → Legal"


def test_sla_status_met_breached_running_overdue():
    sla = sla_status(_case(), T("2026-11-02 10:00")).set_index("stage")
    assert sla.loc["First response", "status"] == "met" and sla.loc["First response", "hours"] == 2
    assert sla.loc["Resolution", "status"] == "running"
    late = sla_status(_case(first_response_at=T("2026-11-01 15:00")), T("2026-11-10"))
    assert list(late["status"]) == ["breached", "overdue"]
    done = sla_status(_case(resolved_at=T("2026-11-03 10:00")), T("2026-11-10"))
    assert done.loc[1, "status"] == "met" and done.loc[1, "hours"] == 48


def test_empty_case_events_and_chart():
    tl = case_timeline(_case(first_response_at=pd.NaT, escalated_at=pd.NaT), EVENTS.iloc[:0])
    assert list(tl["step"]) == ["Opened"]
    spec = case_timeline_chart(tl.iloc[:0], None).to_dict()
    assert spec["mark"]["type"] == "text"  # the "no event" message, not an empty plot
