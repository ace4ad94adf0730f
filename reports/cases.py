"""Cases & escalations' views: the open backlog by age and by team, SLA breaches per week,
and hand-offs between teams."""

from __future__ import annotations

import pandas as pd

from analytics import format as fmt
from analytics.cases import period_breach_rate, sla_breach_rates
from charts import cases as cc
from data_access.loaders import cases as lc
from reports import words as w
from reports.view import PCT_FORMAT, Drill, Native, View


def _backlog_data(scope, f, url, p):
    return lc.load_case_backlog(scope, f, url=url)


def _backlog_age_headline(df):
    if df.empty or df["cases"].sum() == 0:
        return "No case open at the end of the period"
    total = float(df["cases"].sum())
    old = float(df[df["age_bucket"].astype(str).isin(["7–30 d", ">30 d"])]["cases"].sum())
    return (
        f"{fmt.compact(total)} cases open at the period end; {fmt.compact(old)} older than 7 days"
    )


def _backlog_team_headline(df):
    if df.empty or df["cases"].sum() == 0:
        return "No case open at the end of the period"
    by = df.groupby("owner_team")["cases"].sum()
    return (
        f"{by.idxmax()} owns the most open cases: {fmt.compact(by.max())} of "
        f"{fmt.compact(by.sum())}"
    )


def _sla_data(scope, f, url, p):
    return sla_breach_rates(lc.load_case_sla_weekly(scope, f, url=url))


def _sla_headline(df):
    rate = period_breach_rate(df)
    opened = float(df["cases_opened"].sum()) if df is not None and not df.empty else 0.0
    if not opened:
        return "No case was opened in this period"
    if not w.valid(rate):  # none due yet, or no SLA known (a priority without its row)
        return (
            f"{fmt.compact(opened)} cases opened; none with an SLA window closed by the "
            "period end, so no breach rate"
        )
    d = df.dropna(subset=["sla_breach_rate"])
    worst = d.loc[d["sla_breach_rate"].idxmax()]
    return (
        f"{fmt.pct(rate)} of cases opened breached an SLA; worst week "
        f"{pd.Timestamp(worst['week']):%d %b %Y} at {fmt.pct(worst['sla_breach_rate'])}"
    )


def _escalation_data(scope, f, url, p):
    return lc.load_escalation_flows(scope, f, url=url)


def _escalation_headline(df):
    if df.empty or df["handoffs"].sum() == 0:
        return "No hand-off between teams in this selection"
    top = df.loc[df["handoffs"].idxmax()]
    return (
        f"{w.plural(df['handoffs'].sum(), 'hand-off')} between teams; most from "
        f"{top['from_team']} to {top['to_team']} ({fmt.compact(top['handoffs'])})"
    )


VIEWS = (
    View(
        id="cases.backlog_age",
        page="cases",
        title="Open backlog by age and priority",
        data=_backlog_data,
        figure=lambda df, ctx, p: cc.backlog_age_chart(df, subtitle=ctx.subtitle),
        headline=_backlog_age_headline,
        metrics=("open_cases", "case_age_h"),
        sources=("fact_case", "dim_priority", "dim_team"),
        native=Native("column", "age_bucket", pivot=("priority", "cases"), stacked=True),
    ),
    View(
        id="cases.backlog_team",
        page="cases",
        title="Open backlog by owner team",
        data=_backlog_data,
        figure=lambda df, ctx, p: cc.backlog_team_chart(df, subtitle=ctx.subtitle),
        headline=_backlog_team_headline,
        metrics=("open_cases",),
        sources=("fact_case", "dim_priority", "dim_team"),
        native=Native("bar", "owner_team", pivot=("priority", "cases"), stacked=True),
    ),
    View(
        id="cases.sla_weekly",
        page="cases",
        title="SLA breach rate of cases opened, per week",
        data=_sla_data,
        figure=lambda df, ctx, p: cc.sla_breach_chart(
            df, events=ctx.events, subtitle=ctx.subtitle, selectable=ctx.interactive
        ),
        headline=_sla_headline,
        metrics=("sla_breach_rate", "first_response_breach_rate", "resolution_breach_rate"),
        sources=("fact_case", "dim_priority"),
        native=Native(
            "line",
            "week",
            series=(
                ("sla_breach_rate", "Any SLA"),
                ("first_response_breach_rate", "First response"),
                ("resolution_breach_rate", "Resolution"),
            ),
            number_format=PCT_FORMAT,
        ),
        drill=Drill(cc.WEEK_FIELD, "week"),
        note="Click a week to narrow the period to it.",
        percent=("sla_breach_rate", "first_response_breach_rate", "resolution_breach_rate"),
    ),
    View(
        id="cases.escalations",
        page="cases",
        title="Escalations between teams",
        data=_escalation_data,
        figure=lambda df, ctx, p: cc.escalation_sankey_chart(df, subtitle=ctx.subtitle),
        headline=_escalation_headline,
        metrics=("handoffs",),
        plotly=True,
        sources=("fact_case_event", "fact_case", "dim_team"),
    ),
)
