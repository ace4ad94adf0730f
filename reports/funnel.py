"""Funnel's views: detection -> validation -> enforcement, detector precision over time,
and each detector's and typology's contribution to recall."""

from __future__ import annotations

import pandas as pd

from analytics import format as fmt
from analytics.funnel import (
    MEASURES,
    detector_table,
    recall_caveat,
    recall_table,
    sankey_flows,
    weekly_precision,
)
from charts import funnel as cf
from data_access.loaders import funnel as lf
from reports import words as w
from reports.view import PCT_FORMAT, Drill, Native, Param, View

MEASURE = Param(
    "funnel_measure",
    "Measure the funnel in",
    tuple(MEASURES),  # shown as-is so that the URL reads funnel_measure=count|streams|eur
    widget="radio",
    help="count: detections; streams: their streams; eur: their money in EUR (€). Flagged "
    "streams up to review, confirmed streams from confirmation on.",
    money_choices=("eur",),
)


def measure_of(scope, p) -> str:
    """The measure asked for, unless it is money and the viewer may not see money."""
    m = p["funnel_measure"]
    return "count" if m in MEASURE.money_choices and not scope.money else m


def _funnel_sankey_data(scope, f, url, p):
    stages = lf.load_funnel_stages(scope, f, url=url)
    measure = measure_of(scope, p)
    flows = sankey_flows(stages, measure)
    counts = dict(zip(stages["stage"], stages["count"], strict=True))
    flows.attrs.update(measure=measure, **{f"n_{k}": float(v) for k, v in counts.items()})
    return flows


def _funnel_sankey_headline(df):
    n, c, e = (df.attrs.get(f"n_{s}", 0.0) for s in ("detected", "confirmed", "enforced"))
    if not n:
        return "No detections in this selection"
    return (
        f"Of {fmt.compact(n)} detections, {fmt.compact(c)} were confirmed ({fmt.pct(c / n)}) "
        f"and {fmt.compact(e)} enforced ({fmt.pct(e / n)})"
    )


def _precision_data(scope, f, url, p):
    return detector_table(lf.load_detector_performance(scope, f, url=url))


def _precision_headline(df):
    d = df.dropna(subset=["precision"]) if "precision" in df else df
    if d.empty:
        return "No reviewed detections in this selection"
    best, worst = d.loc[d["precision"].idxmax()], d.loc[d["precision"].idxmin()]
    text = (
        f"{best['detector']} is the most precise detector ({fmt.pct(best['precision'])} confirmed)"
    )
    if len(d) > 1:
        text += f"; {worst['detector']} the least ({fmt.pct(worst['precision'])})"
    return text


def _weekly_precision_data(scope, f, url, p):
    return weekly_precision(lf.load_weekly_precision(scope, f, url=url))


def _weekly_precision_headline(df):
    d = df.dropna(subset=["precision"]) if "precision" in df else df
    if d.empty:
        return "No reviewed detections in this selection"
    overall = d["confirmed"].sum() / d["reviewed"].sum() if d["reviewed"].sum() else float("nan")
    last = d[d["week"] == d["week"].max()]
    lo_, hi_ = last["precision"].min(), last["precision"].max()
    return (
        f"Precision over the period {fmt.pct(overall)}; in the week of "
        f"{pd.Timestamp(d['week'].max()):%d %b %Y} detectors ranged {fmt.pct(lo_)}–{fmt.pct(hi_)}"
    )


def _recall_data(by: str):
    def data(scope, f, url, p):
        overall, df = recall_table(lf.load_recall(scope, f, by, url=url))
        df = df.reset_index(drop=True)
        df.attrs = {"overall": overall, "by": by}
        return df

    return data


def _recall_headline(df):
    overall = df.attrs.get("overall", float("nan"))
    if not w.valid(overall):
        return "Recall cannot be estimated for this selection"
    if recall_caveat(overall):  # "caught 111.5%" would be a claim the data cannot make
        text = (
            f"Recall reads {fmt.pct(overall)}: detectors flagged more streams than the "
            "estimate of artificial streams"
        )
    else:
        text = f"Detectors caught an estimated {fmt.pct(overall)} of artificial streams"
    d = df.dropna(subset=["contribution"]) if "contribution" in df else df
    if not d.empty:
        top = d.loc[d["contribution"].idxmax()]
        name = top[df.attrs.get("by", "typology")]
        text += f"; {name} contributed {top['contribution'] * 100:.1f} pp"
    return text


def _recall_view(by: str) -> View:
    return View(
        id=f"funnel.recall_{by}",
        page="funnel",
        title=f"Contribution to recall by {by}",
        data=_recall_data(by),
        figure=lambda df, ctx, p: cf.recall_contribution_chart(
            df, by=by, overall=df.attrs.get("overall"), subtitle=ctx.subtitle
        ),
        headline=_recall_headline,
        metrics=("recall", "recall_contribution"),
        sources=("mart_daily_fraud", "mart_daily_detection", f"dim_{by}"),
        native=Native(
            "bar",
            by,
            series=(("contribution", "Contribution to recall"),),
            number_format=PCT_FORMAT,
        ),
        percent=("contribution",),
        note=lambda df, p: recall_caveat(df.attrs.get("overall")),
    )


VIEWS = (
    View(
        id="funnel.sankey",
        page="funnel",
        title="Detection → validation → enforcement funnel",
        data=_funnel_sankey_data,
        figure=lambda df, ctx, p: cf.funnel_sankey_chart(
            df, measure=df.attrs.get("measure", "count"), subtitle=ctx.subtitle
        ),
        headline=_funnel_sankey_headline,
        metrics=("detections", "funnel_stage", "stage_conversion"),
        sources=("mart_daily_detection",),
        params=(MEASURE,),
        plotly=True,
    ),
    View(
        id="funnel.detector_precision",
        page="funnel",
        title="Precision by detector",
        data=_precision_data,
        figure=lambda df, ctx, p: cf.detector_precision_chart(
            df, subtitle=ctx.subtitle, selectable=ctx.interactive
        ),
        headline=_precision_headline,
        metrics=("detector_precision", "detections", "false_positives"),
        sources=("mart_daily_detection", "fact_detection", "fact_review", "dim_detector"),
        native=Native(
            "bar", "detector", series=(("precision", "Precision"),), number_format=PCT_FORMAT
        ),
        percent=("precision",),
        drill=Drill("detector", "detector"),
        note="Click a bar to narrow the page to that detector.",
    ),
    View(
        id="funnel.precision_trend",
        page="funnel",
        title="Weekly precision by detector",
        data=_weekly_precision_data,
        figure=lambda df, ctx, p: cf.precision_trend_chart(
            df, events=ctx.events, subtitle=ctx.subtitle, selectable=ctx.interactive
        ),
        headline=_weekly_precision_headline,
        metrics=("detector_precision",),
        sources=("mart_daily_detection", "dim_detector"),
        native=Native("line", "week", pivot=("detector", "precision"), number_format=PCT_FORMAT),
        percent=("precision",),
        drill=Drill("week_start", "week"),
        note="Dashed rules: detector launches and policy changes. Click a point to narrow the "
        "period to that week.",
    ),
    *(_recall_view(by) for by in ("detector", "typology")),
)
