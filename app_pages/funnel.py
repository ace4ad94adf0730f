"""Funnel: how detections become reviewed, confirmed, enforced and appealed cases; how
precise and how fast each detector is; how much of the artificial streaming we catch."""

from __future__ import annotations

import streamlit as st

from analytics import format as fmt
from analytics.funnel import (
    MEASURES,
    detector_table,
    funnel_table,
    recall_table,
    sankey_flows,
    weekly_precision,
)
from analytics.metrics import METRICS
from analytics.metrics import ratio as _ratio
from charts.funnel import (
    detector_precision_chart,
    funnel_sankey_chart,
    precision_trend_chart,
    recall_contribution_chart,
)
from data_access.loaders.funnel import (
    load_detector_performance,
    load_funnel_stages,
    load_recall,
    load_weekly_precision,
)
from data_access.loaders.options import load_events
from ui import drill, exports, render
from ui.page import start_page

scope, f, opts, context = start_page("funnel")


def help_of(key: str) -> str:
    return METRICS[key].definition


st.title("Detection → validation → enforcement")
st.caption(f"{context} · detections dated by their detection day")
render.filter_notes(f.notes)
drill.clear_button()

measures = list(MEASURES) if scope.money else [m for m in MEASURES if m != "eur"]
measure = st.radio(
    "Measure the funnel in",
    options=measures,  # shown as-is so that the URL reads funnel_measure=count|streams|eur
    horizontal=True,
    key="funnel_measure",
    bind="query-params",
    help="count: detections; streams: their streams; eur: their money in EUR (€). Flagged "
    "streams up to review, confirmed streams from confirmation on.",
)
measure = measure if measure in measures else "count"

stages = render.load(load_funnel_stages, scope, f)
if stages["count"].iloc[0] == 0:
    render.no_data(None)
    st.stop()

perf = detector_table(render.load(load_detector_performance, scope, f))
recall_by_detector = render.load(load_recall, scope, f, "detector")
overall_recall, by_detector = recall_table(recall_by_detector)
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
with cols[4]:
    st.metric("Recall (estimated)", fmt.pct(overall_recall), help=help_of("recall"), border=True)

# -- the funnel ----------------------------------------------------------------------------
table = funnel_table(stages, measure)
flows = sankey_flows(stages, measure)
sankey = funnel_sankey_chart(flows, measure=measure, subtitle=context)
st.plotly_chart(sankey, width="stretch", key="funnel_sankey")
exports.render(
    exports.ChartExport(
        key="funnel_sankey_export",
        page="funnel",
        title=sankey.layout.title.text or "Detection → validation → enforcement funnel",
        data=flows,
        figure=sankey,
        metrics=("detections", "funnel_stage", "stage_conversion"),
        money=("value",) if measure == "eur" else (),
        extra={"Measure": MEASURES[measure]},
        view="funnel.sankey",
        view_params={"funnel_measure": measure},
    ),
    f,
    opts,
)
shown = table.assign(
    from_previous=table["from_previous"] * 100, from_detected=table["from_detected"] * 100
)[["label", "value", "from_previous", "from_detected"]]
value_format = {"count": "localized", "streams": "localized", "eur": "euro"}[measure]
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        "label": st.column_config.TextColumn("Stage", help=help_of("funnel_stage")),
        "value": st.column_config.NumberColumn(
            MEASURES[measure], format=value_format, help=help_of("funnel_stage")
        ),
        "from_previous": st.column_config.NumberColumn(
            "From previous stage", format="%.1f%%", help=help_of("stage_conversion")
        ),
        "from_detected": st.column_config.NumberColumn(
            "From detections", format="%.1f%%", help=help_of("conversion_from_detection")
        ),
    },
)
st.caption(
    f"{context}. False positives among reviewed detections: "
    f"{fmt.compact(stages['false_positive'].iloc[0])}. Money is in EUR (€)."
)

# -- detectors -----------------------------------------------------------------------------
st.subheader("Detectors: precision, volume and speed")
st.caption(f"{context} · click a bar to narrow the page to that detector")
if not render.no_data(perf):
    precision_fig = detector_precision_chart(perf, subtitle=context, selectable=True)
    render.altair(
        precision_fig,
        on_select=drill.pick("funnel_detector_pick", "detector", "detector"),
        key="funnel_detector_pick",
        width="stretch",
    )
    exports.render(
        exports.ChartExport(
            key="funnel_detector_precision",
            page="funnel",
            title="Precision by detector (confirmed ÷ reviewed detections)",
            data=perf.drop(columns=["detector_id"], errors="ignore"),
            chart=precision_fig,
            metrics=(
                "detector_precision",
                "detections",
                "false_positives",
                "time_to_detect",
                "time_to_validate",
            ),
            percent=("precision",),
            view="funnel.detector_precision",
        ),
        f,
        opts,
    )
    det = perf.assign(
        precision=perf["precision"] * 100,
        ttd_median_d=perf["ttd_median_h"] / 24,
        ttd_p90_d=perf["ttd_p90_h"] / 24,
    )[
        [
            "detector",
            "detections",
            "reviewed",
            "confirmed",
            "false_positive",
            "precision",
            "ttd_median_d",
            "ttd_p90_d",
            "ttv_median_h",
            "ttv_p90_h",
        ]
    ]
    st.dataframe(
        det,
        hide_index=True,
        width="stretch",
        column_config={
            "detector": st.column_config.TextColumn("Detector"),
            "detections": st.column_config.NumberColumn(
                "Detections", format="%d", help=help_of("detections")
            ),
            "reviewed": st.column_config.NumberColumn("Reviewed", format="%d"),
            "confirmed": st.column_config.NumberColumn("Confirmed", format="%d"),
            "false_positive": st.column_config.NumberColumn(
                "False positives", format="%d", help=help_of("false_positives")
            ),
            "precision": st.column_config.NumberColumn(
                "Precision", format="%.1f%%", help=help_of("detector_precision")
            ),
            "ttd_median_d": st.column_config.NumberColumn(
                "Time to detect, median (days)", format="%.1f", help=help_of("time_to_detect")
            ),
            "ttd_p90_d": st.column_config.NumberColumn(
                "Time to detect, p90 (days)", format="%.1f", help=help_of("time_to_detect")
            ),
            "ttv_median_h": st.column_config.NumberColumn(
                "Time to validate, median (h)", format="%.1f", help=help_of("time_to_validate")
            ),
            "ttv_p90_h": st.column_config.NumberColumn(
                "Time to validate, p90 (h)", format="%.1f", help=help_of("time_to_validate")
            ),
        },
    )

weekly = weekly_precision(render.load(load_weekly_precision, scope, f))
events = render.load(load_events)
weekly_fig = precision_trend_chart(weekly, events=events, subtitle=context, selectable=True)
render.altair(
    weekly_fig,
    on_select=drill.pick("funnel_week_pick", "week_start", "week"),
    key="funnel_week_pick",
    width="stretch",
)
exports.render(
    exports.ChartExport(
        key="funnel_precision_trend",
        page="funnel",
        title="Weekly precision by detector",
        data=weekly,
        chart=weekly_fig,
        metrics=("detector_precision",),
        percent=("precision",),
        view="funnel.precision_trend",
    ),
    f,
    opts,
)
st.caption(
    f"{context} · {help_of('detector_precision')} Dashed rules: detector launches and "
    "policy changes. Click a point to narrow the period to that week."
)

# -- recall --------------------------------------------------------------------------------
st.subheader("Recall: how much of the artificial streaming is caught")
st.caption(
    f"Overall recall {fmt.pct(overall_recall)}. {help_of('recall')} Per-detector and "
    "per-typology recall cannot be measured from this warehouse: artificial streams that no "
    "detector flagged carry no detector or typology. Shown instead: each detector's and "
    "typology's contribution to the overall recall (the contributions add up to it)."
)
_, by_typology = recall_table(render.load(load_recall, scope, f, "typology"))
left, right = st.columns(2)
for col, by, frame in ((left, "detector", by_detector), (right, "typology", by_typology)):
    with col:
        recall_fig = recall_contribution_chart(
            frame, by=by, overall=overall_recall, subtitle=context
        )
        render.altair(recall_fig, width="stretch")
        exports.render(
            exports.ChartExport(
                key=f"funnel_recall_{by}",
                page="funnel",
                title=f"Contribution to recall by {by}",
                data=frame,
                chart=recall_fig,
                metrics=("recall", "recall_contribution"),
                percent=("contribution",),
                view="funnel.recall_typology" if by == "typology" else None,
            ),
            f,
            opts,
        )
