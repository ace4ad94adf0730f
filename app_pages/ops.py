"""Operations plan: the review queue week by week, the team, how many analysts next
quarter's detections need to keep the review SLA (Erlang C, replayed on past quarters), and
the case backlog by owner team before its SLA breaks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import staffing
from analytics.metrics import METRICS, Tile
from data_access.loaders.ops import load_case_team_weekly, load_review_flow
from reports import ops as views
from ui import render
from ui.page import controls, start_page
from ui.view import show

ctx = start_page("ops")
scope, f, context = ctx.scope, ctx.filters, ctx.context
v = {view.id: view for view in views.VIEWS}

st.title("Operations plan")
st.caption(context)
render.filter_notes(f.notes)

flow = render.load(load_review_flow, scope, f)
# The case backlog by owner team replays cases and their hand-offs (case events).
unmapped = [i for i in ("cases", "case_events") if i in ctx.missing]
cases = (
    pd.DataFrame(columns=["week", "open_end"])
    if unmapped
    else render.load(load_case_team_weekly, scope, f)
)
if (flow.empty or flow[["arrivals", "decided", "open_end"]].sum().sum() == 0) and (
    cases.empty or cases["open_end"].sum() == 0
):
    render.no_data(None)
    st.stop()

nan = float("nan")
last = flow.iloc[-1] if not flow.empty else None
render.tiles(
    [
        Tile(METRICS["review_arrivals"], float(flow["arrivals"].sum()), nan),
        Tile(METRICS["reviews_decided"], float(flow["decided"].sum()), nan),
        Tile(METRICS["review_queue"], float(last["open_end"]) if last is not None else nan, nan),
        *[
            Tile(
                METRICS["open_cases"],
                float(cases[cases["week"] == cases["week"].max()]["open_end"].sum())
                if not cases.empty
                else 0.0,
                nan,
            )
        ]
        * (not unmapped),
    ],
    scope,
    columns=4,
)
if unmapped:
    render.not_mapped(unmapped[0], about="Open cases")

# --- the review queue ----------------------------------------------------------------------
st.subheader("Review queue")
st.caption(
    f"{METRICS['review_queue'].definition} {METRICS['time_in_queue_h'].definition} "
    f"{METRICS['time_in_review_h'].definition}"
)
show(v["ops.flow"], ctx)
left, right = st.columns(2)
with left:
    show(v["ops.queue"], ctx)
with right:
    show(v["ops.queue_age"], ctx)
show(
    v["ops.times"],
    ctx,
    below=lambda df, p: render.table(
        df,
        {
            p["ops_by"]: (p["ops_by"].capitalize(), "text", ""),
            "reviews": ("Reviews", "count", "Reviews queued in the period."),
            "decided": "reviews_decided",
            "queue_median_h": (
                "In queue, median (h)",
                "hours",
                METRICS["time_in_queue_h"].definition,
            ),
            "queue_p90_h": ("In queue, p90 (h)", "hours", METRICS["time_in_queue_h"].definition),
            "review_median_h": (
                "In review, median (h)",
                "hours",
                METRICS["time_in_review_h"].definition,
            ),
            "review_p90_h": ("In review, p90 (h)", "hours", METRICS["time_in_review_h"].definition),
            "decision_median_h": ("To decision, median (h)", "hours", ""),
            "decision_p90_h": ("To decision, p90 (h)", "hours", ""),
        },
    ),
)

# --- the team ------------------------------------------------------------------------------
st.subheader("The team")
st.caption(
    "Reviews decided in the period, per analyst. "
    + (
        "Reviewer ids are shown because your role has the personal-data right."
        if scope.personal
        else "Analysts are shown by a stable pseudonym: your role does not see reviewer ids."
    )
)
show(
    v["ops.team"],
    ctx,
    below=lambda df, p: render.table(
        df.assign(reviews_per_week=df["reviews_per_week"].round(1)),
        {
            "analyst": ("Analyst", "text", "A stable pseudonym of the reviewer."),
            "reviewer_id": ("Reviewer id", "text", "The warehouse's reviewer id (personal data)."),
            "decided": "reviews_decided",
            "analyst_weeks": ("Analyst-weeks", "count", "Weeks with at least one decision."),
            "reviews_per_week": "reviews_per_analyst_week",
            "confirm_rate": "analyst_confirm_rate",
            "review_median_h": (
                "In review, median (h)",
                "hours",
                METRICS["time_in_review_h"].definition,
            ),
            "review_p90_h": ("In review, p90 (h)", "hours", METRICS["time_in_review_h"].definition),
        },
        height=320,
    ),
)

# --- staffing ------------------------------------------------------------------------------
st.subheader("Staffing next quarter")
st.caption(
    "Detections for the next 13 weeks are forecast from up to two years of weekly "
    "detections before the period end (the Exposure page's forecasting). Each week's "
    "analysts needed come from an Erlang C queue: analysts work "
    f"{staffing.HOURS_PER_WEEK:g} h a week, each review takes the analyst work set below, "
    "and a review is decided its wait for an analyst plus a delay drawn from the last 13 "
    "weeks' time to decision. Extra analysts shorten waits, never those delays."
)
ctx = controls(ctx, views.STAFFING_PARAMS)


def _plan_table(df, p) -> None:
    a = df.attrs
    st.caption(
        f"Forecast model: {a.get('model', '—')}. Analysts at work today (distinct reviewers "
        f"deciding per week, last {views.RECENT_WEEKS} weeks): {a.get('today', 0):,.1f}; "
        f"planned: {a.get('planned', 0):,.0f}. Analyst-weeks needed: "
        f"{a.get('analyst_weeks', nan):,.0f} (at the 80% upper forecast "
        f"{a.get('analyst_weeks_hi80', nan):,.0f}). Without any wait, "
        f"{a.get('delays_only', nan):.1%} of recent reviews meet the SLA hours."
    )
    render.table(
        df.assign(
            week=df["week"].dt.strftime("%Y-%m-%d"),
            detections=df["detections"].round(),
            detections_hi80=df["detections_hi80"].round(),
        ),
        {
            "week": ("Week", "text", ""),
            "detections": ("Detections (forecast + extra)", "count", ""),
            "detections_hi80": ("80% upper", "count", ""),
            "analysts_needed": "analysts_needed",
            "analysts_needed_hi80": ("Needed at 80% upper", "count", ""),
            "headcount": ("Planned headcount", "count", ""),
            "attainment": "sla_attainment",
        },
        height=300,
    )


show(v["ops.staffing"], ctx, below=_plan_table)
st.caption(
    "Validation: each of the last quarters replayed with its own detections and analysts at "
    "work and the previous quarter's delays; the model's SLA attainment beside the one "
    "observed (the test suite holds the pooled error within "
    f"{staffing.REPLAY_TOLERANCE * 100:.0f} pp)."
)
show(
    v["ops.replay"],
    ctx,
    below=lambda df, p: render.table(
        df,
        {
            "quarter": ("Quarter", "text", ""),
            "predicted": ("Model", "pct", METRICS["sla_attainment"].definition),
            "observed": ("Observed", "pct", METRICS["sla_attainment"].definition),
            "error_pp": ("Error (pp)", "hours", "Model minus observed, percentage points."),
            "arrivals": ("Detections", "count", ""),
            "analysts": ("Analysts at work (mean)", "hours", ""),
        },
    ),
)

# --- cases ---------------------------------------------------------------------------------
st.subheader("Cases by owner team")
st.caption(
    "The owner team at each week's end is the team of the case's last opening or hand-off "
    "before then. Over half its SLA used: open, not past an SLA, but older than half its "
    "resolution SLA or waiting for a first response for over half that SLA."
)
left, right = st.columns(2)
with left:
    show(v["ops.case_risk"], ctx)
with right:
    show(v["ops.case_backlog"], ctx)
