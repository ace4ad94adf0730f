"""Enforcement outcomes: what was done once fraud was confirmed, what it cost the offenders,
who keeps coming back, and how appeals fare."""

from __future__ import annotations

import streamlit as st

from analytics import format as fmt
from analytics.enforcement import with_rates
from analytics.metrics import METRICS, tiles
from data_access.loaders.enforcement import load_enforcement_by_type, load_enforcement_kpis
from reports import enforcement as views
from ui import drill, render
from ui.page import start_page
from ui.tracks import render_top_tracks
from ui.view import show

ctx = start_page("enforcement")
scope, f, context = ctx.scope, ctx.filters, ctx.context


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
render.tiles(tiles(kpis, first), scope, columns=3)
render.tiles(
    tiles(kpis, ["appeal_rate", "overturn_rate", "appeal_decision_time"]), scope, columns=3
)
p90 = kpis.loc["current", "decide_p90_h"]
st.caption(
    f"Appeals against actions applied in the period: {fmt.compact(kpis.loc['current', 'appeals'])}"
    f" of {fmt.compact(kpis.loc['current', 'appealable_actions'])} appealable actions; "
    f"{fmt.compact(kpis.loc['current', 'decided_appeals'])} decided, "
    f"{fmt.compact(kpis.loc['current', 'overturned'])} overturned; p90 time to decide "
    f"{fmt.hours(p90)}."
)

# -- over time -----------------------------------------------------------------------------
weekly_actions, money, by_type_view, offenders = views.VIEWS
show(weekly_actions, ctx)
show(money, ctx)
show(by_type_view, ctx)
by_type = render.load(load_enforcement_by_type, scope, f)
columns = ["enforcement_type", "actions", "reversed", "streams_removed"]
if scope.money:
    columns += ["amount_eur", "recovered_eur", "reversed_eur"]
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


def offenders_table(offenders, params) -> None:
    by = params["enforcement_by"]
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


show(offenders, ctx, below=offenders_table)

if f.labels:
    render_top_tracks(ctx)
