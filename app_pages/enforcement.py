"""Enforcement outcomes: what was done once fraud was confirmed, what it cost the offenders,
who keeps coming back, and how appeals fare."""

from __future__ import annotations

import streamlit as st

from analytics import format as fmt
from analytics.enforcement import weekly_money, with_rates
from analytics.metrics import METRICS, tiles
from charts.enforcement import (
    actions_by_type_chart,
    actions_share_chart,
    money_trend_chart,
    offenders_chart,
)
from data_access.loaders.enforcement import (
    load_enforcement_by_type,
    load_enforcement_kpis,
    load_repeat_offenders,
    load_weekly_enforcement,
)
from data_access.loaders.options import load_events
from data_access.queries.enforcement import OFFENDER_BY
from ui import drill, exports, render
from ui.page import start_page

scope, f, opts, context = start_page("enforcement")


def help_of(key: str) -> str:
    return METRICS[key].definition


st.title("Enforcement outcomes")
st.caption(
    f"{context} · actions dated by the day they were applied · compared with the "
    f"previous {fmt.plural(f.days, 'day')}"
)
render.filter_notes(f.notes)
drill.clear_button()

kpis = with_rates(render.load(load_enforcement_kpis, scope, f))
if kpis.loc["current", "actions"] == 0:
    render.no_data(None)
    st.stop()

kpis["appeal_decision_time"] = kpis["decide_median_h"]
money_keys = ["withheld_eur", "fees_levied_eur", "fees_recovered_eur", "reversed_eur"]
first = ["actions_applied", "streams_removed", *(money_keys if scope.money else [])]
kpis["actions_applied"] = kpis["actions"]
# Three a row: six narrow tiles would cut their labels and values short.
render.tiles(tiles(kpis, first), columns=3)
render.tiles(tiles(kpis, ["appeal_rate", "overturn_rate", "appeal_decision_time"]), columns=3)
p90 = kpis.loc["current", "decide_p90_h"]
st.caption(
    f"Appeals against actions applied in the period: {fmt.compact(kpis.loc['current', 'appeals'])}"
    f" of {fmt.compact(kpis.loc['current', 'appealable_actions'])} appealable actions; "
    f"{fmt.compact(kpis.loc['current', 'decided_appeals'])} decided, "
    f"{fmt.compact(kpis.loc['current', 'overturned'])} overturned; p90 time to decide "
    f"{fmt.hours(p90)}."
)

# -- over time -----------------------------------------------------------------------------
weekly = render.load(load_weekly_enforcement, scope, f)
events = render.load(load_events)
MONEY_COLS = ("amount_eur", "recovered_eur", "reversed_eur")
actions_fig = actions_by_type_chart(weekly, events=events, subtitle=context)
render.altair(actions_fig, width="stretch")
exports.render(
    exports.ChartExport(
        key="enforcement_weekly_actions",
        page="enforcement",
        title="Enforcement actions per week, by type",
        data=weekly if scope.money else weekly.drop(columns=list(MONEY_COLS), errors="ignore"),
        chart=actions_fig,
        metrics=("actions_applied",),
        money=MONEY_COLS,
        view="enforcement.weekly_actions",
    ),
    f,
    opts,
)
if scope.money:
    money = weekly_money(weekly)
    money_fig = money_trend_chart(money, events=events, subtitle=context)
    render.altair(money_fig, width="stretch")
    exports.render(
        exports.ChartExport(
            key="enforcement_money",
            page="enforcement",
            title="Money withheld, fees and reversals per week (EUR)",
            data=money,
            chart=money_fig,
            metrics=("withheld_eur", "fees_levied_eur", "fees_recovered_eur", "reversed_eur"),
            money=("value_eur",),
            view="enforcement.money",
        ),
        f,
        opts,
    )

by_type = render.load(load_enforcement_by_type, scope, f)
columns = ["enforcement_type", "actions", "reversed", "streams_removed"]
if scope.money:
    columns += ["amount_eur", "recovered_eur", "reversed_eur"]
share_fig = actions_share_chart(by_type, subtitle=context)
render.altair(share_fig, width="stretch")
exports.render(
    exports.ChartExport(
        key="enforcement_by_type",
        page="enforcement",
        title="Enforcement actions by type",
        data=by_type[columns],
        chart=share_fig,
        metrics=("actions_applied", "streams_removed", "fees_recovered_eur", "reversed_eur"),
        money=MONEY_COLS,
        view="enforcement.by_type",
    ),
    f,
    opts,
)
st.dataframe(
    by_type[columns],
    hide_index=True,
    width="stretch",
    column_config={
        "enforcement_type": st.column_config.TextColumn("Action type"),
        "actions": st.column_config.NumberColumn(
            "Actions", format="localized", help=help_of("actions_applied")
        ),
        "reversed": st.column_config.NumberColumn(
            "Reversed", format="localized", help="Actions reversed after a successful appeal."
        ),
        "streams_removed": st.column_config.NumberColumn(
            "Streams removed", format="compact", help=help_of("streams_removed")
        ),
        "amount_eur": st.column_config.NumberColumn(
            "Amount (EUR)",
            format="euro",
            help="Money the actions concern (EUR): royalties of removed streams, royalties "
            "withheld, per-track fees.",
        ),
        "recovered_eur": st.column_config.NumberColumn(
            "Fees recovered (EUR)", format="euro", help=help_of("fees_recovered_eur")
        ),
        "reversed_eur": st.column_config.NumberColumn(
            "Reversed (EUR)", format="euro", help=help_of("reversed_eur")
        ),
    },
)
st.caption(f"Actions and money by type · {context}")

# -- repeat offenders ----------------------------------------------------------------------
st.subheader("Repeat offenders")
by = st.radio(
    "Rank by",
    options=list(OFFENDER_BY),  # shown as-is: the URL reads enforcement_by=label|distributor
    horizontal=True,
    key="enforcement_by",
    bind="query-params",
)
by = by if by in OFFENDER_BY else "label"
offenders = with_rates(render.load(load_repeat_offenders, scope, f, by))
st.caption(f"{context} · click a bar to narrow the dashboard to that {by}")
if not render.no_data(offenders):
    chart_key = f"enforcement_{by}_pick"
    offenders_fig = offenders_chart(offenders, by=by, subtitle=context, selectable=True)
    render.altair(
        offenders_fig,
        on_select=drill.pick(chart_key, by, by),
        key=chart_key,
        width="stretch",
    )
    shown = offenders.assign(
        confirmed_streams_share=offenders["confirmed_streams_share"] * 100,
        appeal_rate=offenders["appeal_rate"] * 100,
        overturn_rate=offenders["overturn_rate"] * 100,
    )
    columns = [
        by,
        "confirmed_detections",
        "confirmed_streams_share",
        "actions",
        "action_weeks",
        *(["amount_eur"] if scope.money else []),
        "appeals",
        "appeal_rate",
        "overturn_rate",
        "decide_median_h",
    ]
    st.dataframe(
        shown[columns],
        hide_index=True,
        width="stretch",
        column_config={
            by: st.column_config.TextColumn(by.capitalize()),
            "confirmed_detections": st.column_config.NumberColumn(
                "Confirmed detections", format="localized", help=help_of("funnel_stage")
            ),
            "confirmed_streams_share": st.column_config.NumberColumn(
                "Share of confirmed streams",
                format="%.1f%%",
                help=help_of("confirmed_streams_share"),
            ),
            "actions": st.column_config.NumberColumn(
                "Actions", format="localized", help=help_of("actions_applied")
            ),
            "action_weeks": st.column_config.NumberColumn(
                "Weeks with actions", format="localized", help=help_of("action_weeks")
            ),
            "amount_eur": st.column_config.NumberColumn(
                "Money enforced (EUR)",
                format="euro",
                help="Money of the actions applied to it in the period (EUR).",
            ),
            "appeals": st.column_config.NumberColumn("Appeals", format="localized"),
            "appeal_rate": st.column_config.NumberColumn(
                "Appeal rate", format="%.1f%%", help=help_of("appeal_rate")
            ),
            "overturn_rate": st.column_config.NumberColumn(
                "Overturn rate", format="%.1f%%", help=help_of("overturn_rate")
            ),
            "decide_median_h": st.column_config.NumberColumn(
                "Time to decide appeals, median (h)",
                format="%.0f",
                help=help_of("appeal_decision_time"),
            ),
        },
    )
    exports.render(
        exports.ChartExport(
            key=f"enforcement_offenders_{by}",
            page="enforcement",
            title=f"Repeat offenders: {by}s with the most confirmed detections",
            data=offenders
            if scope.money
            else offenders.drop(columns=["amount_eur", "restored_eur"], errors="ignore"),
            chart=offenders_fig,
            metrics=(
                "action_weeks",
                "confirmed_streams_share",
                "appeal_rate",
                "overturn_rate",
                "appeal_decision_time",
            ),
            money=("amount_eur", "restored_eur"),
            percent=("confirmed_streams_share", "appeal_rate", "overturn_rate"),
            view="enforcement.offenders",
            view_params={"enforcement_by": by},
        ),
        f,
        opts,
    )

if f.labels:
    from ui.tracks import render_top_tracks

    render_top_tracks(scope, f)
