"""Policy lab: replay one to three candidate enforcement policies on the warehouse's history
against the current one: the tracks and money they would hit, the honest tracks among them,
appeals and analyst hours; a frontier for one parameter; the labels and distributors most
affected. Candidates are URL settings: save and share them as a saved view (sidebar)."""

from __future__ import annotations

import streamlit as st

from analytics.policy import describe
from data_access.queries.policy import CURRENT, ignored_filters
from reports import policy as views
from ui import render, widgets
from ui.page import start_page
from ui.view import show

ctx = start_page("policy")
scope, f, context = ctx.scope, ctx.filters, ctx.context

st.title("Policy lab")
st.caption(
    f"{context} · each policy replayed on the royalty months of the period (all markets): "
    "what it would have fined, removed and paid out, with the analysts' actual decisions and "
    "review times"
)
render.filter_notes(f.notes)
skipped = ignored_filters(f)
if skipped:
    st.info(
        f"The {', '.join(skipped)} filter does not apply here: a royalty month of a track "
        "holds every market, and a fee or a minimum is a property of the track.",
        icon=":material/filter_alt_off:",
    )

# -- the policies: today's, and one to three candidates (URL settings) ------------------
values = {views.CANDIDATES_N.key: widgets.param_widget(views.CANDIDATES_N, scope)}
n = int(values[views.CANDIDATES_N.key])
cols = st.columns(1 + n, border=True)
with cols[0]:
    st.markdown("**Current policy**")
    for part in describe(CURRENT).split(" · "):
        st.caption(part)
    st.caption("From the business configuration (`[policy]` in config/business.toml).")
for i, params in views.CANDIDATE_PARAMS.items():
    if i <= n:
        with cols[i]:
            st.markdown(f"**Candidate {i}**")
            # Two settings a row (fee and amount, the two minimums, each kind's cut-offs).
            for pair in (params[j : j + 2] for j in range(0, len(params), 2)):
                for p, cell in zip(pair, st.columns(2), strict=False):
                    values[p.key] = widgets.param_widget(p, scope, where=cell)
    else:
        values.update({p.key: p.initial for p in params})
ctx = ctx.with_params(values)
st.caption(
    "Save these candidates with **Saved views** in the sidebar (for yourself or shared with "
    "a role): the saved link reopens this page with the same policies and period. "
    "**Add to deck** puts a comparison on a slide with each policy's parameters."
)

compare, money, frontier, affected = views.VIEWS


def compare_table(df, params) -> None:
    render.table(
        df,
        {
            "policy": ("Policy", "text", ""),
            "tracks_fined": "tracks_fined",
            "fees_eur": "fees_eur",
            "tracks_enforced": "tracks_enforced",
            "streams_demonetised": "streams_demonetised",
            "royalties_returned_eur": "royalties_returned_eur",
            "withheld_eur": "withheld_eur",
            "at_risk_eur": "at_risk_eur",
            "honest": "honest_hit" if df.attrs.get("ground_truth", True) else "honest_estimated",
            "expected_appeals": "expected_appeals",
            "reviews": "reviews",
            "review_hours": "review_hours",
        },
    )


st.subheader("Side by side")
show(compare, ctx, below=compare_table)
show(money, ctx)

if scope.money:
    st.subheader("Frontier")
    show(frontier, ctx)

st.subheader("Who would be hit")


def affected_table(df, params) -> None:
    by = params["policy_affected_by"]
    render.table(
        df.sort_values([by, "policy"]),
        {
            by: (by.capitalize(), "text", ""),
            "policy_name": ("Policy", "text", ""),
            "tracks_fined": "tracks_fined",
            "fees_eur": "fees_eur",
            "streams_removed": "streams_removed",
            "withheld_eur": "withheld_eur",
            "honest_hit": "honest_hit",
        },
    )


show(affected, ctx, below=affected_table)
