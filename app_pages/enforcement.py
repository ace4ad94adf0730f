"""Enforcement outcomes: what was done once fraud was confirmed, what it cost the offenders,
who keeps coming back, and how appeals fare."""

from __future__ import annotations

import streamlit as st

from analytics import format as fmt
from analytics.enforcement import with_rates
from analytics.metrics import METRICS, tiles
from data_access.loaders.enforcement import load_enforcement_by_type, load_enforcement_kpis
from reports import enforcement as views
from ui import drill, links, render
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

if "decide_median_h" in kpis:  # absent when the warehouse maps no appeals
    kpis["appeal_decision_time"] = kpis["decide_median_h"]
money_keys = ["withheld_eur", "fees_levied_eur", "fees_recovered_eur", "reversed_eur"]
first = ["actions_applied", "streams_removed", *(money_keys if scope.money else [])]
kpis["actions_applied"] = kpis["actions"]
# Three a row: six narrow tiles would cut their labels and values short.
render.tiles(tiles(kpis, first), scope, columns=3)
render.tiles(
    tiles(kpis, ["appeal_rate", "overturn_rate", "appeal_decision_time"]),
    scope,
    columns=3,
    missing=ctx.missing,
)
if "appeals" not in ctx.missing:
    p90 = kpis.loc["current", "decide_p90_h"]
    st.caption(
        "Appeals against actions applied in the period: "
        f"{fmt.compact(kpis.loc['current', 'appeals'])}"
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
render.table(
    by_type,
    {
        "enforcement_type": ("Action type", "text", ""),
        "actions": "actions_applied",
        "reversed": ("Reversed", "count", "Actions reversed after a successful appeal."),
        "streams_removed": "streams_removed",
        "amount_eur": (
            "Amount (EUR)",
            "eur",
            "Money the actions concern (EUR): royalties of removed streams, royalties "
            "withheld, per-track fees.",
        ),
        "recovered_eur": "fees_recovered_eur",
        "reversed_eur": "reversed_eur",
    },
)
st.caption(f"Actions and money by type · {context}")

# -- repeat offenders ----------------------------------------------------------------------
st.subheader("Repeat offenders")


def offenders_table(offenders, params) -> None:
    by = params["enforcement_by"]
    render.table(
        links.add_link(offenders, by, by, by_name=True, column="page", period=(f.start, f.end)),
        {
            "page": render.link("Page", "Open", f"Opens the {by}'s page."),
            by: (by.capitalize(), "text", ""),
            "confirmed_detections": ("Confirmed detections", "count", help_of("funnel_stage")),
            "confirmed_streams_share": "confirmed_streams_share",
            "actions": "actions_applied",
            "action_weeks": "action_weeks",
            "amount_eur": (
                "Money enforced (EUR)",
                "eur",
                "Money of the actions applied to it in the period (EUR).",
            ),
            "appeals": ("Appeals", "count", ""),
            "appeal_rate": "appeal_rate",
            "overturn_rate": "overturn_rate",
            "decide_median_h": "appeal_decision_time",
        },
    )


show(offenders, ctx, below=offenders_table)

if f.labels:
    render_top_tracks(ctx)
