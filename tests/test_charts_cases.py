"""Case chart builders: empty, one-row and NaN-bearing frames serialise; real data encodes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.cases import sla_breach_rates, sla_compliance
from charts.cases import (
    WEEK_FIELD,
    backlog_age_chart,
    backlog_team_chart,
    escalation_sankey_chart,
    response_time_chart,
    sla_breach_chart,
)
from data_access.queries.cases import AGE_ORDER

SUB = "01 Sep 2026 – 29 Nov 2026"


def backlog(n: int = 3, nan: bool = False) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "priority": ["P1", "P3", "P4"][:n],
            "age_bucket": pd.Categorical(["<1 d", "7–30 d", ">30 d"][:n], categories=AGE_ORDER),
            "owner_team": ["Legal", "Fraud Operations", "Finance"][:n],
            "cases": [1.0, 2.0, 4.0][:n],
            "exposure_eur": [1e5, 2500.0, np.nan if nan else 80.0][:n],
            "oldest_h": [3.0, 300.0, 1000.0][:n],
        }
    )
    return df


def times(n: int = 4, nan: bool = False) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "priority": ["P1", "P2", "P3", "P4"][:n],
            "first_response_sla_h": [4.0, 24.0, 72.0, 120.0][:n],
            "resolution_sla_h": [72.0, 240.0, 720.0, 1440.0][:n],
            "cases": [2.0, 3.0, 8.0, 5.0][:n],
            "responded": [2.0, 3.0, 8.0, 5.0][:n],
            "resolved": [2.0, 3.0, 7.0, 5.0][:n],
            "first_response_median_h": [2.0, 10.0, np.nan if nan else 30.0, 50.0][:n],
            "first_response_p90_h": [3.5, 20.0, 80.0, 110.0][:n],
            "resolution_median_h": [40.0, 100.0, 300.0, np.nan if nan else 700.0][:n],
            "resolution_p90_h": [70.0, 230.0, 900.0, 1300.0][:n],
            "first_response_within_sla": [2.0, 3.0, 7.0, 5.0][:n],
            "resolution_within_sla": [2.0, 3.0, 6.0, 5.0][:n],
        }
    )
    return sla_compliance(df)


def weekly(n: int = 6, nan: bool = False) -> pd.DataFrame:
    weeks = pd.date_range("2026-09-07", periods=n, freq="W-MON")
    opened = np.array([3.0, 0.0, 2.0, 5.0, 1.0, 4.0][:n])
    df = pd.DataFrame(
        {
            "week": weeks,
            "cases_opened": opened,
            "sla_breaches": np.minimum(opened, 1.0),
            "first_response_breaches": np.minimum(opened, 1.0),
            "resolution_breaches": np.zeros(n),
            "exposure_eur": np.full(n, 1000.0),
        }
    )
    if nan:
        df.loc[0, "sla_breaches"] = np.nan
    return sla_breach_rates(df)


def flows(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "from_team": ["Fraud Operations", "Fraud Operations", "Legal"][:n],
            "to_team": ["Finance", "Legal", "Finance"][:n],
            "handoffs": [5.0, 2.0, 1.0][:n],
            "cases": [5.0, 2.0, 1.0][:n],
            "exposure_eur": [1e4, 3e3, 500.0][:n],
        }
    )


EVENTS = pd.DataFrame(
    {
        "event_date": pd.to_datetime(["2026-09-01", "2026-10-01"]),
        "kind": ["policy", "detector"],
        "title": ["A", "B"],
        "description": ["a", "b"],
    }
)

CASES = [
    ("age", lambda df: backlog_age_chart(df, subtitle=SUB), backlog),
    ("team", lambda df: backlog_team_chart(df, subtitle=SUB), backlog),
    ("fr", lambda df: response_time_chart(df, stage="first_response", subtitle=SUB), times),
    ("res", lambda df: response_time_chart(df, stage="resolution", subtitle=SUB), times),
    ("sla", lambda df: sla_breach_chart(df, events=EVENTS, subtitle=SUB, selectable=True), weekly),
]


@pytest.mark.parametrize("name,build,make", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("shape", ["empty", "one", "nan", "full"])
def test_altair_charts_serialise(name, build, make, shape):
    df = {"empty": make().iloc[0:0], "one": make(1), "nan": make(nan=True), "full": make()}[shape]
    spec = build(df).to_dict()
    json.dumps(spec)
    assert "title" in json.dumps(spec)


def test_empty_charts_say_so():
    spec = json.dumps(backlog_age_chart(backlog().iloc[0:0]).to_dict())
    assert "No case open" in spec
    assert "No data" in json.dumps(sla_breach_chart(None).to_dict())


def test_backlog_age_chart_encodes_ordered_buckets_and_priority():
    spec = backlog_age_chart(backlog(), subtitle=SUB).to_dict()
    assert spec["title"]["text"] == "Open backlog by age and priority"
    assert spec["title"]["subtitle"] == SUB
    assert spec["encoding"]["x"]["sort"] == list(AGE_ORDER)
    assert spec["encoding"]["color"]["field"] == "priority"


def test_backlog_charts_hide_money_when_absent():
    df = backlog().drop(columns=["exposure_eur"])
    for chart in (backlog_age_chart(df), backlog_team_chart(df)):
        assert "exposure_eur" not in json.dumps(chart.to_dict())


def test_response_time_chart_marks_the_sla():
    spec = response_time_chart(times(), stage="resolution", subtitle=SUB).to_dict()
    assert spec["title"]["text"] == "Time to resolution vs SLA"
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "tick", "tick"]
    assert "SLA" in json.dumps(spec)
    with pytest.raises(ValueError):
        response_time_chart(times(), stage="bogus")


def test_sla_breach_chart_has_week_selection_and_events():
    spec = sla_breach_chart(weekly(), events=EVENTS, subtitle=SUB, selectable=True).to_dict()
    text = json.dumps(spec)
    assert spec["title"]["text"] == "SLA breach rate of cases opened, per week"
    assert "week_pick" in text and WEEK_FIELD in text
    assert len(spec["layer"]) == 4  # lines + points (complete / partial) + event rule + text
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ".1%"


def test_sla_breach_chart_marks_partial_weeks_and_leaves_out_weeks_with_none_due():
    df = weekly().assign(cases_due=[3.0, 0.0, 2.0, 5.0, 1.0, 1.0])
    df["sla_breaches"] = np.minimum(df["sla_breaches"], df["cases_due"])
    rates = sla_breach_rates(df)
    # The last week opened 4 cases but only 1 was due: partial, rate over that one case.
    assert list(rates["complete"]) == [True, True, True, True, True, False]
    assert rates["sla_breach_rate"].iloc[-1] == 1.0
    spec = sla_breach_chart(rates, selectable=True).to_dict()
    rows = next(iter(spec["datasets"].values()))
    status = {r["week_start"]: r["status"] for r in rows}
    assert status["2026-10-12"].startswith("partial") and status["2026-09-07"] == "complete"
    assert "2026-09-14" not in status  # no case opened that week: no rate, not drawn
    assert "Cases due" in json.dumps(spec)


@pytest.mark.parametrize("shape", ["empty", "none", "one", "nan", "full", "no-money"])
def test_sankey_serialises(shape):
    df = {
        "empty": flows().iloc[0:0],
        "none": None,
        "one": flows(1),
        "nan": flows().assign(handoffs=[np.nan, 2.0, 1.0]),
        "full": flows(),
        "no-money": flows().drop(columns=["exposure_eur"]),
    }[shape]
    fig = escalation_sankey_chart(df, subtitle="<b>x</b>")
    d = fig.to_dict()
    json.dumps(d, default=str)
    assert "Escalations between teams" in d["layout"]["title"]["text"]
    assert "<b>x</b>" not in d["layout"]["title"]["text"]


def test_sankey_links_count_handoffs():
    d = escalation_sankey_chart(flows()).to_dict()
    sankey = d["data"][0]
    assert sankey["type"] == "sankey"
    assert list(sankey["link"]["value"]) == [5.0, 2.0, 1.0]
    assert "Fraud Operations (from)" in sankey["node"]["label"]
