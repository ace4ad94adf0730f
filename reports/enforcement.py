"""Enforcement's views: actions and money per week, actions by type, repeat offenders."""

from __future__ import annotations

from analytics import format as fmt
from analytics.enforcement import weekly_money, with_rates
from charts import enforcement as ce
from data_access.loaders import enforcement as le
from data_access.queries.enforcement import OFFENDER_BY
from reports import words as w
from reports.view import MONEY_FORMAT, Drill, Native, Param, View

BY = Param("enforcement_by", "Rank by", tuple(OFFENDER_BY), widget="radio")


def _weekly_enforcement_data(scope, f, url, p):
    return le.load_weekly_enforcement(scope, f, url=url)


def _weekly_actions_headline(df):
    if df.empty or df["actions"].sum() == 0:
        return "No enforcement actions in this selection"
    by = df.groupby("enforcement_type")["actions"].sum()
    total = float(by.sum())
    return (
        f"{fmt.compact(total)} enforcement actions in the period; {by.idxmax()} most common "
        f"({fmt.pct(by.max() / total)})"
    )


def _money_data(scope, f, url, p):
    return weekly_money(le.load_weekly_enforcement(scope, f, url=url))


def _money_headline(df):
    if df.empty or df["value_eur"].abs().sum() == 0:
        return "No enforcement money in this selection"
    by = df.groupby("series")["value_eur"].sum()
    return (
        f"{fmt.eur(by.get('Royalties withheld', 0))} royalties withheld and "
        f"{fmt.eur(by.get('Fees levied', 0))} fees levied; "
        f"{fmt.eur(by.get('Reversed after appeal', 0))} reversed after appeal"
    )


def _by_type_data(scope, f, url, p):
    return le.load_enforcement_by_type(scope, f, url=url)


def _by_type_headline(df):
    if df.empty or df["actions"].sum() == 0:
        return "No enforcement actions in this selection"
    top = df.loc[df["actions"].idxmax()]
    total = float(df["actions"].sum())
    return (
        f"{top['enforcement_type']} made up {fmt.pct(top['actions'] / total)} of "
        f"{fmt.compact(total)} enforcement actions"
    )


def _offenders_data(scope, f, url, p):
    by = p["enforcement_by"]
    df = with_rates(le.load_repeat_offenders(scope, f, by, url=url))
    df.attrs.update(by=by)
    return df


def _offenders_figure(df, ctx, p):
    return ce.offenders_chart(
        df, by=p["enforcement_by"], subtitle=ctx.subtitle, selectable=ctx.interactive
    )


def _offenders_native(p) -> Native:
    by = p.get("enforcement_by", "label")
    return Native("bar", by, series=(("confirmed_detections", "Confirmed detections"),))


def _offenders_headline(df):
    by = df.attrs.get("by", "label")
    if df.empty or by not in df or df["confirmed_detections"].sum() == 0:
        return f"No {by} with confirmed fraud in this selection"
    top = df.loc[df["confirmed_detections"].idxmax()]
    return (
        f"{top[by]} leads repeat offenders: {fmt.compact(top['confirmed_detections'])} "
        f"confirmed detections, actions in {w.plural(top['action_weeks'], 'week')}"
    )


VIEWS = (
    View(
        id="enforcement.weekly_actions",
        page="enforcement",
        title="Enforcement actions per week, by type",
        data=_weekly_enforcement_data,
        figure=lambda df, ctx, p: ce.actions_by_type_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_weekly_actions_headline,
        metrics=("actions_applied",),
        sources=("mart_daily_enforcement", "dim_enforcement_type"),
        native=Native("column", "week", pivot=("enforcement_type", "actions"), stacked=True),
    ),
    View(
        id="enforcement.money",
        page="enforcement",
        title="Money withheld, fees and reversals per week (EUR)",
        data=_money_data,
        figure=lambda df, ctx, p: ce.money_trend_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_money_headline,
        metrics=("withheld_eur", "fees_levied_eur", "fees_recovered_eur", "reversed_eur"),
        sources=("mart_daily_enforcement", "dim_enforcement_type"),
        native=Native("line", "week", pivot=("series", "value_eur"), number_format=MONEY_FORMAT),
        needs_money=True,
    ),
    View(
        id="enforcement.by_type",
        page="enforcement",
        title="Enforcement actions by type",
        data=_by_type_data,
        figure=lambda df, ctx, p: ce.actions_share_chart(df, subtitle=ctx.subtitle),
        headline=_by_type_headline,
        metrics=("actions_applied", "streams_removed"),
        sources=("mart_daily_enforcement", "dim_enforcement_type"),
        native=Native("pie", "enforcement_type", series=(("actions", "Actions"),)),
    ),
    View(
        id="enforcement.offenders",
        page="enforcement",
        title="Repeat offenders",
        data=_offenders_data,
        figure=_offenders_figure,
        headline=_offenders_headline,
        metrics=("action_weeks", "confirmed_streams_share", "appeal_rate", "overturn_rate"),
        sources=(
            "mart_daily_detection",
            "mart_daily_enforcement",
            "fact_enforcement",
            "fact_appeal",
        ),
        native=_offenders_native,
        optional=("appeals",),  # without them the ranking stands, minus the appeal columns
        params=(BY,),
        percent=("confirmed_streams_share", "appeal_rate", "overturn_rate"),
        drill=lambda p: Drill(p["enforcement_by"], p["enforcement_by"]),
        note=lambda df, p: f"Click a bar to narrow the dashboard to that {p['enforcement_by']}.",
    ),
)
