"""Fraud trends: how detected and confirmed artificial streaming move over time, split by a
dimension, against the previous period, by market and week, down to the tracks behind it."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from analytics import format as fmt
from analytics.anomalies import DEFAULT_THRESHOLD, weekly_anomalies
from analytics.metrics import METRICS, tiles
from analytics.trends import add_shares, heatmap_frame, market_order, overlay_frame
from charts.anomalies import anomaly_chart, anomaly_markers_layer
from charts.trends import heatmap_chart, overlay_chart, trend_chart
from data_access.loaders import trends as lt
from data_access.loaders.exposure import load_weekly_by_group
from data_access.loaders.options import load_events
from ui import anomalies, drill, exports, render
from ui.page import start_page
from ui.tracks import render_top_tracks

# Page widgets (URL-bound): what a link may say, and the words shown for it.
METRIC_CHOICES = {
    "detected streams": "detected_streams",
    "confirmed streams": "confirmed_streams",
    "detected share": "detected_share",
    "confirmed share": "confirmed_share",
}
# Splits whose members a click can drill to: the global filter each one narrows.
DRILL_KINDS = {"market": "market", "label": "label", "distributor": "distributor"}
HEATMAP_MARKETS = 20
PAGE = "trends"

scope, f, opts, context = start_page("trends")

st.title("Fraud trends")
compare = render.period_caption(f, opts, context)
render.filter_notes(f.notes)
drill.clear_button()


def _explain_unusable_link_values() -> None:
    """Say (without echoing them) which of this page's link values could not be used."""
    allowed = {
        "trends_grain": ("grain", lt.GRAINS),
        "trends_split": ("split dimension", lt.SPLITS),
        "trends_metric": ("metric", tuple(METRIC_CHOICES)),
        "trends_top": ("top-N", tuple(str(n) for n in range(lt.MIN_TOP, lt.MAX_TOP + 1))),
    }
    for key, (noun, values) in allowed.items():
        raw = st.query_params.get(key)
        if raw is not None and raw not in values:
            st.warning(
                f"The {noun} in the link was not recognised; showing the default instead.",
                icon=":material/link_off:",
            )


if "trends_notes_shown" not in st.session_state:
    st.session_state["trends_notes_shown"] = True
    _explain_unusable_link_values()

c1, c2, c3, c4 = st.columns([1.2, 1.2, 1.4, 1.2])
grain = c1.radio(
    "Grain", lt.GRAINS, index=1, horizontal=True, key="trends_grain", bind="query-params"
)
split = c2.selectbox(
    "Split by",
    lt.SPLITS,
    index=0,
    key="trends_split",
    bind="query-params",
    help="Markets, regions, labels and distributors split all streams; typologies and "
    "detectors split the flagged streams only (a share stays over all streams).",
)
metric_word = c3.selectbox(
    "Metric", tuple(METRIC_CHOICES), index=0, key="trends_metric", bind="query-params"
)
top = c4.slider(
    "Top N (rest folded into Other)",
    min_value=lt.MIN_TOP,
    max_value=lt.MAX_TOP,
    value=6,
    key="trends_top",
    bind="query-params",
    disabled=split == "none",
)
# Widgets only return allowed values; fall back to defaults if state was tampered with.
grain = grain if grain in lt.GRAINS else "week"
split = split if split in lt.SPLITS else "none"
metric = METRIC_CHOICES.get(metric_word, "detected_streams")
top = min(max(int(top or 6), lt.MIN_TOP), lt.MAX_TOP)
m = METRICS[metric]

# --- this period vs the previous one -------------------------------------------------------
kpis = render.load(lt.load_trend_kpis, scope, f)
if kpis.loc["current", "streams"] == 0:
    render.no_data(None)
    st.stop()
render.tiles(
    tiles(
        kpis,
        ["detected_streams", "detected_share", "confirmed_streams", "confirmed_share"],
        compare=compare,
    ),
    columns=4,
)

events = render.load(load_events)

# --- anomalies on the weekly detected series (history up to the period end) -----------
z = st.session_state.get("trends_z", DEFAULT_THRESHOLD)
z = float(z) if isinstance(z, (int, float)) and 2.0 <= float(z) <= 6.0 else DEFAULT_THRESHOLD
history = f.narrowed(start=max(opts.min_date, f.end - timedelta(days=7 * 104)))
weekly = render.load(lt.load_trend, scope, history, "week", "none", "detected_streams", 6)
series = weekly.set_index("period")["detected_streams"] if not weekly.empty else None
flags = weekly_anomalies(series, threshold=z)
in_period = flags[(flags["week"] >= str(f.start)) & (flags["week"] <= str(f.end))]

# --- the trend, split -------------------------------------------------------------------
trend = add_shares(render.load(lt.load_trend, scope, f, grain, split, metric, top))
if trend.empty:
    render.no_data(trend)
else:
    select_field, kind = None, None
    if split in DRILL_KINDS:
        select_field, kind = "key", DRILL_KINDS[split]
        # "Other" is not a filter value: a click on it selects nothing.
        trend.loc[trend["series"] == lt.OTHER, "key"] = None
    elif split == "none" and grain == "week":
        select_field, kind = "period_key", "week"
    chart = trend_chart(
        trend,
        metric=metric,
        grain=grain,
        split=split,
        events=events,
        subtitle=context,
        select_field=select_field,
    )
    if split == "none" and grain == "week" and metric == "detected_streams":
        # Anomalous weeks as markers on the line they belong to.
        markers = in_period.rename(columns={"week": "period", "value": metric})
        chart = chart + anomaly_markers_layer(markers, x_field="period", y_field=metric)
    if select_field:
        render.altair(
            chart,
            on_select=drill.pick("trends_chart", select_field, kind),
            key="trends_chart",
            selection_mode="pick",
            width="stretch",
        )
    else:
        render.altair(chart, width="stretch")
    trend_title = chart.to_dict().get("title", {}).get("text", "Fraud trend")
    exports.render(
        exports.ChartExport(
            key="trends_trend",
            page=PAGE,
            title=trend_title,
            data=trend.drop(columns=["key"]),
            chart=chart,
            metrics=("streams", "detected_streams", "confirmed_streams", *lt.SHARES),
            percent=lt.SHARES,
            extra={"Grain": grain, "Split by": split, "Top N": str(top)},
            view="trends.main",
            view_params={
                "trends_grain": grain,
                "trends_split": split,
                "trends_metric": metric_word,
                "trends_top": str(top),
            },
        ),
        f,
        opts,
    )
    how = {
        "none": "",
        "typology": f" Top {top} typologies by {metric_word}; the rest are folded into Other.",
        "detector": f" Top {top} detectors by {metric_word}; the rest are folded into Other.",
    }.get(
        split,
        f" Top {top} {fmt.plural_of(split)} by {metric_word} over the period; the rest are "
        "folded into Other.",
    )
    hint = {
        "week": " Click a week to narrow the period to it.",
        "market": " Click a point to filter to that market.",
        "label": " Click a point to filter to that label.",
        "distributor": " Click a point to filter to that distributor.",
    }.get(kind or "", "")
    st.caption(
        f"{m.label}: {m.definition}{how}{hint} Dashed rules mark policy and detector events."
    )

# --- is this week's spike real? ------------------------------------------------------------
st.subheader("Is this week's spike real? Anomalous weeks")
st.slider(
    "Anomaly threshold (robust z-score)",
    min_value=2.0,
    max_value=6.0,
    value=DEFAULT_THRESHOLD,
    step=0.5,
    key="trends_z",
    bind="query-params",
    help=METRICS["anomaly_score"].definition,
)
anomaly_fig = anomaly_chart(
    in_period,
    text="Detected artificial streams per week and anomalous weeks",
    subtitle=f"{context} · threshold {z:.1f}",
    events=events,
    money=False,
    value_title="Detected artificial streams",
)
render.altair(anomaly_fig, width="stretch")
n_flagged = int(in_period["flagged"].sum()) if not in_period.empty else 0
if n_flagged == 0:
    st.caption(
        f"No week in the period scores {z:.1f} or more against the two years before it "
        "(each week is compared with its neighbours; see the definition)."
    )
else:
    by_market = render.load(load_weekly_by_group, scope, history, "market", "detected_streams", 10)
    by_label = render.load(load_weekly_by_group, scope, history, "label", "detected_streams", 10)
    anomalies.render_table(
        in_period,
        by_market=by_market,
        by_label=by_label,
        value_title="Detected streams",
        money=False,
        threshold=z,
        note=" Red diamonds on the weekly trend above mark them.",
    )
exports.render(
    exports.ChartExport(
        key="trends_anomalies",
        page=PAGE,
        title="Detected artificial streams per week and anomalous weeks",
        data=in_period,
        chart=anomaly_fig,
        metrics=("detected_streams", "anomaly_score"),
        extra={"Threshold (robust z)": f"{z:.1f}"},
    ),
    f,
    opts,
)

# --- the previous period overlaid ----------------------------------------------------------
unsplit = trend if split == "none" else None
current = (
    unsplit
    if unsplit is not None
    else render.load(lt.load_trend, scope, f, grain, "none", metric, 6)
)
prev = f.previous()
previous = render.load(lt.load_trend, scope, prev, grain, "none", metric, 6)
overlay = overlay_frame(current, previous, metric=metric, days=f.days)
overlay_fig = overlay_chart(
    overlay,
    metric=metric,
    grain=grain,
    events=events,
    subtitle=f"{context} · previous period {prev.start:%d %b %Y} – {prev.end:%d %b %Y}",
)
render.altair(overlay_fig, width="stretch")
exports.render(
    exports.ChartExport(
        key="trends_vs_previous",
        page=PAGE,
        title=f"{m.label}: this period vs the previous one",
        data=overlay,
        chart=overlay_fig,
        metrics=(metric,),
        percent=("value",) if metric in lt.SHARES else (),
        extra={"Previous period": f"{prev.start:%Y-%m-%d} to {prev.end:%Y-%m-%d}"},
        view="trends.vs_previous",
        view_params={"trends_grain": grain, "trends_metric": metric_word},
    ),
    f,
    opts,
)
st.caption(
    "The previous period of equal length, shifted forward by "
    f"{fmt.plural(f.days, 'day')} so its {fmt.plural_of(grain)} sit under this period's."
    + ("" if compare else " It begins before the data does, so it is incomplete.")
)

# --- market x week -------------------------------------------------------------------------
cells = heatmap_frame(render.load(lt.load_market_week, scope, f, HEATMAP_MARKETS))
heatmap = heatmap_chart(cells, order=market_order(cells), events=events, subtitle=context)
render.altair(
    heatmap,
    on_select=drill.pick("trends_heatmap", "iso2", "market"),
    key="trends_heatmap",
    selection_mode="pick",
    width="stretch",
)
exports.render(
    exports.ChartExport(
        key="trends_heatmap_export",
        page=PAGE,
        title="Detected artificial share by market and week",
        data=cells,
        chart=heatmap,
        metrics=("streams", "detected_streams", "confirmed_streams", *lt.SHARES),
        percent=lt.SHARES,
        view="trends.heatmap",
    ),
    f,
    opts,
)
st.caption(
    f"The {HEATMAP_MARKETS} markets with most streams in the slice, largest first. "
    f"{METRICS['detected_share'].label}: {METRICS['detected_share'].definition} "
    "Click a cell to filter to its market."
)

# --- the tracks behind it ------------------------------------------------------------------
render_top_tracks(scope, f, page=PAGE)
