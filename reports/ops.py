"""Operations plan's views: the review queue week by week, time in queue and in review by
detector or typology, the team, the staffing model's replay of past quarters and next
quarter's plan, and the case backlog by owner team with what is close to its SLA.

Staffing reads the history up to the period's end whatever the period's start: the
forecast extends up to two years of weekly detections; the delays are those of the last
13 weeks (analytics.staffing). ``extra_choice`` turns the policy lab's "reviews needed per
week" into this page's ``ops_extra`` setting (a link: ``/ops?ops_extra=<choice>``);
``analytics.staffing.plan(extra_per_week=...)`` takes any number.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from analytics import format as fmt
from analytics import staffing as st_
from analytics.forecast_store import default_forecaster
from charts import ops as co
from data_access.inputs import business
from data_access.loaders import ops as lo
from data_access.queries.ops import BY
from reports import words as w
from reports.view import COUNT_FORMAT, PCT_FORMAT, Native, Param, View

# The service level's defaults come from config/business.toml [ops] (validated against the
# settings' choices at start).
OPS = business.in_force().ops
QUARTER_WEEKS = 13
HISTORY_WEEKS = 104
REPLAYS = 4  # past quarters replayed
RECENT_WEEKS = 4  # the current headcount: analysts at work over the last weeks
FORECAST_MODELS = ("ets_damped", "arima_011")

BY_PARAM = Param("ops_by", "Split by", BY, widget="segmented")
SLA_SHARE = Param(
    "ops_sla_pct",
    "SLA: % decided",
    ("80", "85", "90", "95", "99"),
    default=f"{OPS['sla_share_pct']:g}",
    shared=True,
    help="The share of reviews that must be decided within the SLA hours. Default from the "
    "business configuration ([ops] in config/business.toml).",
)
SLA_HOURS = Param(
    "ops_sla_h",
    "SLA: within (hours)",
    ("4", "8", "12", "24", "36", "48", "72", "96"),
    default=f"{OPS['sla_hours']:g}",
    shared=True,
    help="Hours within which that share of reviews must be decided. Default from the business "
    "configuration ([ops] in config/business.toml).",
)
WORK_H = Param(
    "ops_work_h",
    "Analyst work per review (h)",
    ("0.25", "0.5", "0.75", "1", "1.5", "2", "3", "4"),
    default=f"{OPS['work_hours_per_review']:g}",
    shared=True,
    help="Hours of an analyst's work one review takes. The warehouse records when a review "
    "started and was decided, not the hours worked on it, so this is an assumption.",
)
HEADCOUNT = Param(
    "ops_headcount",
    "Headcount change (analysts)",
    tuple(str(i) for i in range(-20, 21)),
    default="0",
    widget="slider",
    shared=True,
    help="Analysts added to (or removed from) today's team for next quarter.",
)
EXTRA = Param(
    "ops_extra",
    "Extra reviews a week",
    ("0", "25", "50", "100", "200", "500", "1000", "2000", "5000"),
    default="0",
    shared=True,
    help="Reviews a week on top of the forecast, e.g. the policy lab's 'reviews needed'.",
)
STAFFING_PARAMS = (SLA_SHARE, SLA_HOURS, WORK_H, HEADCOUNT, EXTRA)


def extra_choice(reviews_per_week: float) -> str:
    """The smallest ``ops_extra`` choice covering ``reviews_per_week`` (the largest above)."""
    for c in EXTRA.choices:
        if float(c) >= reviews_per_week:
            return c
    return EXTRA.choices[-1]


def sla_of(p) -> st_.Sla:
    return st_.Sla(share=float(p[SLA_SHARE.key]) / 100, hours=float(p[SLA_HOURS.key]))


# -- the review queue ----------------------------------------------------------------------


def _flow_data(scope, f, url, p):
    return lo.load_review_flow(scope, f, url=url)


def _flow_headline(df):
    if df.empty or (df["arrivals"].sum() + df["decided"].sum()) == 0:
        return "No review in this selection"
    arr, dec = df["arrivals"].sum(), df["decided"].sum()
    gap = "more" if dec >= arr else "fewer"
    return (
        f"{fmt.compact(arr)} detections arrived and {fmt.compact(dec)} reviews were decided: "
        f"{fmt.compact(abs(dec - arr))} {gap} decided than arrived"
    )


def _queue_headline(df):
    if df.empty or df["open_end"].sum() == 0:
        return "No review open at any week's end"
    last = df.iloc[-1]
    peak = df.loc[df["open_end"].idxmax()]
    return (
        f"{fmt.compact(last['open_end'])} reviews open at the last week's end "
        f"({fmt.compact(last['waiting_end'])} not started); peak "
        f"{fmt.compact(peak['open_end'])} in the week of {pd.Timestamp(peak['week']):%d %b %Y}"
    )


def _age_headline(df):
    d = df.dropna(subset=["age_median_h"]) if not df.empty else df
    if d.empty:
        return "No review open at any week's end"
    last = d.iloc[-1]
    return (
        f"Open reviews at the last week's end: median age {fmt.hours(last['age_median_h'])}, "
        f"90th percentile {fmt.hours(last['age_p90_h'])}"
    )


def _times_data(scope, f, url, p):
    return lo.load_review_times(scope, f, p[BY_PARAM.key], url=url)


def _times_headline(df):
    if df.empty or df["reviews"].sum() == 0:
        return "No review queued in this selection"
    d = df.dropna(subset=["decision_p90_h"])
    if d.empty:
        return "No review queued in this selection was decided"
    worst = d.loc[d["decision_p90_h"].idxmax()]
    name = worst[df.columns[0]]
    return (
        f"Slowest to a decision: {name}, 90% decided within {fmt.hours(worst['decision_p90_h'])} "
        f"(median {fmt.hours(worst['decision_median_h'])})"
    )


TIME_SERIES = {
    "queue_median_h": "In queue, median",
    "queue_p90_h": "In queue, p90",
    "review_median_h": "In review, median",
    "review_p90_h": "In review, p90",
}


# -- the team ------------------------------------------------------------------------------


def _team_data(scope, f, url, p):
    return lo.load_team(scope, f, url=url)


def _team_headline(df):
    if df.empty or df["decided"].sum() == 0:
        return "No review decided in this selection"
    per_week = df["decided"].sum() / df["analyst_weeks"].sum()
    rate = df["confirmed"].sum() / df["decided"].sum()
    return (
        f"{w.plural(len(df), 'analyst')} decided {fmt.compact(df['decided'].sum())} reviews: "
        f"{per_week:,.1f} per analyst-week, {fmt.pct(rate)} confirmed"
    )


# -- staffing ------------------------------------------------------------------------------


def _weeks_before(f, weeks: int, *, end=None):
    end = end or f.end
    return f.narrowed(start=end - timedelta(weeks=weeks) + timedelta(days=1), end=end)


def _delays(scope, f, url) -> st_.Delays:
    return st_.Delays.from_histogram(lo.load_decision_histogram(scope, f, url=url))


def replay_frame(scope, f, url, p) -> pd.DataFrame:
    """The last REPLAYS quarters (13 weeks each, ending at the period end), each predicted
    from its own arrivals and analysts with the previous quarter's delays."""
    sla, work = sla_of(p), float(p[WORK_H.key])
    rows = []
    for k in range(REPLAYS):
        end = f.end - timedelta(weeks=QUARTER_WEEKS * k)
        quarter = _weeks_before(f, QUARTER_WEEKS, end=end)
        before = _weeks_before(f, QUARTER_WEEKS, end=quarter.start - timedelta(days=1))
        reference = _delays(scope, before, url)
        if reference.decided == 0:
            break
        weekly = lo.load_review_flow(scope, quarter, url=url)
        r = st_.replay(
            weekly, sla=sla, work_h=work, reference=reference, observed=_delays(scope, quarter, url)
        )
        rows.append(
            {
                "quarter": f"{quarter.start:%d %b %Y} – {quarter.end:%d %b %Y}",
                "predicted": r["predicted"],
                "observed": r["observed"],
                "error_pp": (r["predicted"] - r["observed"]) * 100,
                "arrivals": r.get("arrivals", 0.0),
                "analysts": r.get("analysts", float("nan")),
            }
        )
    df = pd.DataFrame(
        rows, columns=["quarter", "predicted", "observed", "error_pp", "arrivals", "analysts"]
    )
    df.attrs["sla"] = sla.text()
    return df.iloc[::-1].reset_index(drop=True)


def _replay_headline(df):
    d = df.dropna(subset=["predicted", "observed"]) if not df.empty else df
    if d.empty:
        return "Too little history to replay a past quarter"
    last = d.iloc[-1]
    worst = d["error_pp"].abs().max()
    return (
        f"Replay of {last['quarter']}: model {fmt.pct(last['predicted'])} vs observed "
        f"{fmt.pct(last['observed'])} ({df.attrs.get('sla', 'SLA')}); largest error of "
        f"{len(d)} quarters {worst:.1f} pp"
    )


def current_headcount(scope, f, url) -> float:
    """Analysts at work: the mean of distinct reviewers deciding per week, last weeks."""
    flow = lo.load_review_flow(scope, _weeks_before(f, RECENT_WEEKS), url=url)
    return float(flow["analysts"].mean()) if not flow.empty else 0.0


def staffing_frame(scope, f, url, p) -> pd.DataFrame:
    """Next quarter, week by week: detections forecast (+ extra), analysts needed for the SLA
    (at the forecast and its 80% upper bound) and the attainment of the planned headcount."""
    sla, work = sla_of(p), float(p[WORK_H.key])
    history = lo.load_weekly_detections(scope, _weeks_before(f, HISTORY_WEEKS), url=url)
    # A week the period cuts short (the period ends before Sunday) is left out.
    if not history.empty and f.end.weekday() != 6:
        history = history[history["week"] < pd.Timestamp(f.end - timedelta(f.end.weekday()))]
    series = (
        history.set_index("week")["detections"] if not history.empty else pd.Series(dtype=float)
    )
    # Through the persistent fit store (one fit per distinct series, shared by the page, the
    # deck and the CLI); two quick candidates besides the baseline keep a cold fit ~1 s.
    result = default_forecaster().forecast(
        series,
        horizon=QUARTER_WEEKS,
        origins=6,
        models=FORECAST_MODELS,
        name="detections",
        wait=True,
    )
    delays = _delays(scope, _weeks_before(f, QUARTER_WEEKS), url)
    today = current_headcount(scope, f, url)
    planned = max(0.0, today + float(p[HEADCOUNT.key]))
    df = st_.plan(
        result.forecast,
        sla=sla,
        work_h=work,
        delays=delays,
        headcount=planned,
        extra_per_week=float(p[EXTRA.key]),
    )
    df.attrs.update(
        {
            "sla": sla.text(),
            "model": result.chosen_label,
            "today": today,
            "planned": planned,
            "delays_only": delays.observed(sla.hours) if delays.decided else float("nan"),
            "analyst_weeks": st_.analyst_weeks(df),
            "analyst_weeks_hi80": st_.analyst_weeks(df, "analysts_needed_hi80"),
        }
    )
    return df


def _staffing_headline(df):
    if df.empty:
        return "Too little history to forecast next quarter's detections"
    a = df.attrs
    need = a.get("analyst_weeks", float("nan"))
    if not w.valid(need):
        return (
            f"{a.get('sla', 'The SLA')} cannot be met by staffing alone: only "
            f"{fmt.pct(a.get('delays_only'))} of recent reviews were decided that fast "
            "once an analyst picked them up"
        )
    return (
        f"Next quarter needs {need:,.0f} analyst-weeks ({need / len(df):,.1f} analysts a "
        f"week) to keep {a.get('sla')}; planned {a.get('planned', 0):,.0f} analysts reach "
        f"{fmt.pct(df['attainment'].mean())} on average"
    )


STAFFING_SERIES = {
    "analysts_needed": "Analysts needed",
    "analysts_needed_hi80": "Needed at the 80% upper forecast",
    "headcount": "Planned headcount",
}


# -- cases ---------------------------------------------------------------------------------


def _case_weekly_data(scope, f, url, p):
    return lo.load_case_team_weekly(scope, f, url=url)


def _case_backlog_headline(df):
    if df.empty or df["open_end"].sum() == 0:
        return "No case open at any week's end"
    last = df[df["week"] == df["week"].max()]
    top = last.loc[last["open_end"].idxmax()]
    return (
        f"{fmt.compact(last['open_end'].sum())} cases open at the last week's end; "
        f"{top['owner_team']} holds {fmt.compact(top['open_end'])}"
    )


def _case_risk_data(scope, f, url, p):
    df = lo.load_case_team_weekly(scope, f, url=url)
    if df.empty:
        return pd.DataFrame(columns=["owner_team", "status", "cases"])
    last = df[df["week"] == df["week"].max()].copy()
    last["within"] = last["open_end"] - last["past_sla_end"] - last["at_risk_end"]
    long = last.melt(
        id_vars=["owner_team"],
        value_vars=["past_sla_end", "at_risk_end", "within"],
        var_name="status",
        value_name="cases",
    )
    names = {
        "past_sla_end": "Past SLA",
        "at_risk_end": "Over half its SLA used",
        "within": "Within SLA",
    }
    long["status"] = long["status"].map(names)
    order = last.sort_values("open_end", ascending=False)["owner_team"].tolist()
    long["owner_team"] = pd.Categorical(long["owner_team"], categories=order, ordered=True)
    return long.sort_values(["owner_team", "status"]).reset_index(drop=True)


def _case_risk_headline(df):
    if df.empty or df["cases"].sum() == 0:
        return "No case open at the period end"
    risk = df[df["status"] == "Over half its SLA used"].groupby("owner_team", observed=True)[
        "cases"
    ]
    past = df[df["status"] == "Past SLA"]["cases"].sum()
    at_risk = risk.sum()
    if at_risk.sum() == 0:
        return f"No open case is close to its SLA; {fmt.compact(past)} are past it"
    top = at_risk.idxmax()
    return (
        f"{fmt.compact(at_risk.sum())} open cases have used over half their SLA "
        f"({top}: {fmt.compact(at_risk.max())}); {fmt.compact(past)} are past it"
    )


def _weekly_view(
    view_id: str,
    title: str,
    series: dict[str, str],
    headline,
    metrics,
    *,
    y_title: str,
    unit: str = "count",
) -> View:
    """A weekly line view over the review flow frame (one line per column of ``series``)."""
    return View(
        id=view_id,
        page="ops",
        title=title,
        data=_flow_data,
        figure=lambda df, ctx, p: co.weekly_lines_chart(
            df, series=series, text=title, y_title=y_title, unit=unit, subtitle=ctx.subtitle
        ),
        headline=headline,
        metrics=metrics,
        sources=("fact_review", "fact_detection"),
        native=Native(
            "line",
            "week",
            series=tuple(series.items()),
            number_format="0.0" if unit == "hours" else COUNT_FORMAT,
        ),
    )


VIEWS = (
    _weekly_view(
        "ops.flow",
        "Detections arriving vs reviews decided, per week",
        {"arrivals": "Detections arriving", "decided": "Reviews decided"},
        _flow_headline,
        ("review_arrivals", "reviews_decided"),
        y_title="Reviews",
    ),
    _weekly_view(
        "ops.queue",
        "Review queue at each week's end",
        {"open_end": "Open (not decided)", "waiting_end": "Not started"},
        _queue_headline,
        ("review_queue", "review_waiting"),
        y_title="Reviews",
    ),
    _weekly_view(
        "ops.queue_age",
        "Age of the open reviews at each week's end",
        {"age_median_h": "Median", "age_p90_h": "90th percentile"},
        _age_headline,
        ("review_queue_age_h",),
        y_title="Hours since queued",
        unit="hours",
    ),
    View(
        id="ops.times",
        page="ops",
        title="Time in queue and in review",
        data=_times_data,
        params=(BY_PARAM,),
        figure=lambda df, ctx, p: co.bars_chart(
            df,
            category=p[BY_PARAM.key],
            series=TIME_SERIES,
            text=f"Time in queue and in review by {p[BY_PARAM.key]}",
            x_title="Hours",
            unit="hours",
            subtitle=ctx.subtitle,
        ),
        headline=_times_headline,
        metrics=("time_in_queue_h", "time_in_review_h"),
        sources=("fact_review", "fact_detection", "dim_detector", "dim_typology"),
        native=lambda p: Native(
            "bar",
            p[BY_PARAM.key],
            series=tuple(TIME_SERIES.items()),
            number_format="0.0",
        ),
    ),
    View(
        id="ops.team",
        page="ops",
        title="Reviews decided per analyst-week",
        data=_team_data,
        figure=lambda df, ctx, p: co.bars_chart(
            df,
            category="analyst",
            series={"reviews_per_week": "Reviews per analyst-week"},
            text="Reviews decided per analyst-week",
            x_title="Reviews per analyst-week",
            subtitle=ctx.subtitle,
        ),
        headline=_team_headline,
        metrics=("reviews_per_analyst_week", "analyst_confirm_rate", "time_in_review_h"),
        sources=("fact_review", "fact_detection"),
        native=Native("bar", "analyst", series=(("reviews_per_week", "Reviews per analyst-week"),)),
        note="Analysts are shown by a stable pseudonym; reviewer ids only to roles with the "
        "personal-data right.",
    ),
    View(
        id="ops.replay",
        page="ops",
        title="Staffing model replayed on past quarters",
        data=replay_frame,
        params=(SLA_SHARE, SLA_HOURS, WORK_H),
        figure=lambda df, ctx, p: co.bars_chart(
            df,
            category="quarter",
            series={"predicted": "Model", "observed": "Observed"},
            text=f"SLA attainment, model vs observed ({sla_of(p).text()})",
            x_title="Share decided within the SLA hours",
            unit="pct",
            subtitle=ctx.subtitle,
        ),
        headline=_replay_headline,
        metrics=("sla_attainment",),
        sources=("fact_review", "fact_detection"),
        native=Native(
            "bar",
            "quarter",
            series=(("predicted", "Model"), ("observed", "Observed")),
            number_format=PCT_FORMAT,
        ),
        percent=("predicted", "observed"),
    ),
    View(
        id="ops.staffing",
        page="ops",
        title="Analysts needed next quarter",
        data=staffing_frame,
        params=STAFFING_PARAMS,
        figure=lambda df, ctx, p: co.weekly_lines_chart(
            df,
            series=STAFFING_SERIES,
            text=f"Analysts needed next quarter ({sla_of(p).text()})",
            y_title="Analysts",
            subtitle=ctx.subtitle,
            dashed=("Needed at the 80% upper forecast",),
        ),
        headline=_staffing_headline,
        metrics=("analysts_needed", "sla_attainment"),
        sources=("mart_daily_detection", "fact_review", "fact_detection"),
        native=Native("line", "week", series=tuple(STAFFING_SERIES.items())),
        percent=("attainment",),
    ),
    View(
        id="ops.case_backlog",
        page="ops",
        title="Open cases at each week's end, by owner team",
        data=_case_weekly_data,
        figure=lambda df, ctx, p: co.weekly_lines_chart(
            df,
            pivot=("owner_team", "open_end"),
            text="Open cases at each week's end, by owner team",
            y_title="Open cases",
            subtitle=ctx.subtitle,
        ),
        headline=_case_backlog_headline,
        metrics=("open_cases",),
        sources=("fact_case", "fact_case_event", "dim_priority", "dim_team"),
        native=Native("line", "week", pivot=("owner_team", "open_end")),
    ),
    View(
        id="ops.case_risk",
        page="ops",
        title="Open cases by owner team and SLA status",
        data=_case_risk_data,
        figure=lambda df, ctx, p: co.bars_chart(
            df,
            category="owner_team",
            pivot=("status", "cases"),
            stacked=True,
            text="Open cases by team and SLA status",
            x_title="Open cases",
            subtitle=ctx.subtitle,
        ),
        headline=_case_risk_headline,
        metrics=("open_cases", "sla_breach_rate"),
        sources=("fact_case", "fact_case_event", "dim_priority", "dim_team"),
        native=Native("bar", "owner_team", pivot=("status", "cases"), stacked=True),
    ),
)
