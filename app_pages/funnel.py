"""Funnel: how detections become reviewed, confirmed, enforced and appealed cases; how
precise and how fast each detector is; how much of the artificial streaming we catch."""

from __future__ import annotations

import streamlit as st

from analytics import format as fmt
from analytics.funnel import MEASURES, funnel_table, recall_caveat, recall_table
from analytics.metrics import METRICS
from analytics.metrics import ratio as _ratio
from data_access.loaders.funnel import load_funnel_stages, load_recall
from reports import funnel as views
from ui import drill, render
from ui.page import controls, start_page
from ui.view import show

ctx = start_page("funnel")
scope, f, context = ctx.scope, ctx.filters, ctx.context


def help_of(key: str) -> str:
    return METRICS[key].definition


st.title("Detection → validation → enforcement")
st.caption(f"{context} · detections dated by their detection day")
render.filter_notes(f.notes)
drill.clear_button()

ctx = controls(ctx, (views.MEASURE,))
measure = views.measure_of(scope, ctx.params)

stages = render.load(load_funnel_stages, scope, f)
if stages["count"].iloc[0] == 0:
    render.no_data(None)
    st.stop()

overall_recall, _ = recall_table(render.load(load_recall, scope, f, "detector"))
row = stages.set_index("stage")

cols = st.columns(5)
reviewed, confirmed = row.loc["reviewed", "count"], row.loc["confirmed", "count"]
with cols[0]:
    st.metric(
        "Detections",
        fmt.compact(row.loc["detected", "count"]),
        help=help_of("detections"),
        border=True,
    )
with cols[1]:
    st.metric(
        "Confirmed",
        fmt.compact(confirmed),
        help=help_of("funnel_stage"),
        border=True,
    )
with cols[2]:
    st.metric(
        "Enforced",
        fmt.compact(row.loc["enforced", "count"]),
        help=help_of("funnel_stage"),
        border=True,
    )
with cols[3]:
    precision = _ratio([confirmed], [reviewed])[0]
    st.metric("Precision", fmt.pct(precision), help=help_of("detector_precision"), border=True)
caveat = recall_caveat(overall_recall)  # above 100%: said on screen, not left to guess
with cols[4]:
    st.metric("Recall (estimated)", fmt.pct(overall_recall), help=help_of("recall"), border=True)
if caveat:
    st.caption(f":material/warning: {caveat}")

# -- the funnel ----------------------------------------------------------------------------
sankey, precision, precision_trend, recall_detector, recall_typology = views.VIEWS
table = funnel_table(stages, measure)
show(sankey, ctx)
# Conversions as text: the first stage has no previous one ("–", never "None").
shown = table.assign(
    from_previous=table["from_previous"].map(fmt.pct),
    from_detected=table["from_detected"].map(fmt.pct),
)
unit = {"count": "count", "streams": "count", "eur": "eur"}[measure]
render.table(
    shown,
    {
        "label": ("Stage", "text", help_of("funnel_stage")),
        "value": (MEASURES[measure], unit, help_of("funnel_stage")),
        "from_previous": render.column("stage_conversion", kind="text"),
        "from_detected": render.column("conversion_from_detection", kind="text"),
    },
)
if "appeals" in ctx.missing:
    render.not_mapped("appeals", about="Appealed and upheld on appeal")
st.caption(
    f"{context}. False positives among reviewed detections: "
    f"{fmt.compact(stages['false_positive'].iloc[0])}. Money is in EUR (€)."
)

# -- detectors -----------------------------------------------------------------------------
st.subheader("Detectors: precision, volume and speed")


def detector_table(perf, params) -> None:
    ttd, ttv = help_of("time_to_detect"), help_of("time_to_validate")
    render.table(
        perf.assign(ttd_median_d=perf["ttd_median_h"] / 24, ttd_p90_d=perf["ttd_p90_h"] / 24),
        {
            "detector": ("Detector", "text", ""),
            "detections": "detections",
            "reviewed": ("Reviewed", "count", "Detections an analyst decided."),
            "confirmed": ("Confirmed", "count", help_of("funnel_stage")),
            "false_positive": "false_positives",
            "precision": "detector_precision",
            "ttd_median_d": ("Time to detect, median (days)", "hours", ttd),
            "ttd_p90_d": ("Time to detect, p90 (days)", "hours", ttd),
            "ttv_median_h": ("Time to validate, median (h)", "hours", ttv),
            "ttv_p90_h": ("Time to validate, p90 (h)", "hours", ttv),
        },
    )


show(precision, ctx, below=detector_table)
show(precision_trend, ctx)
st.caption(f"{context} · {help_of('detector_precision')}")

# -- recall --------------------------------------------------------------------------------
st.subheader("Recall: how much of the artificial streaming is caught")
st.caption(
    f"Overall recall {fmt.pct(overall_recall)}. {help_of('recall')} Per-detector and "
    "per-typology recall cannot be measured from this warehouse: artificial streams that no "
    "detector flagged carry no detector or typology. Shown instead: each detector's and "
    "typology's contribution to the overall recall (the contributions add up to it)."
)
left, right = st.columns(2)
with left:
    show(recall_detector, ctx)
with right:
    show(recall_typology, ctx)
