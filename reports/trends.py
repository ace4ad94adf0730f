"""Fraud trends' views: the split trend, this period against the previous one, anomalous
weeks, and the market x week heatmap."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from analytics import changes as ch
from analytics import format as fmt
from analytics.anomalies import DEFAULT_THRESHOLD, weekly_anomalies
from analytics.metrics import METRICS
from analytics.trends import add_shares, heatmap_frame, market_order, overlay_frame
from charts import changes as cc
from charts import trends as ct
from charts.anomalies import anomaly_chart, anomaly_markers_layer
from data_access.loaders import trends as lt
from data_access.loaders.options import load_options
from reports import changes as rc
from reports import words as w
from reports.view import COUNT_FORMAT, PCT_FORMAT, Drill, Native, Param, View

# The metric words (what the URL says) -> metric keys.
TREND_METRIC_WORDS = {
    "detected streams": "detected_streams",
    "confirmed streams": "confirmed_streams",
    "detected share": "detected_share",
    "confirmed share": "confirmed_share",
}
_TREND_LABELS = {k: METRICS[k].label for k in TREND_METRIC_WORDS.values()}
HEATMAP_MARKETS = 20
# Splits whose members a click can drill to: the global filter each one narrows.
DRILL_KINDS = {"market": "market", "label": "label", "distributor": "distributor"}

GRAIN = Param(
    "trends_grain",
    "Grain",
    ("day", "week", "month"),
    default="week",
    widget="radio",
    shared=True,
)
METRIC = Param("trends_metric", "Metric", tuple(TREND_METRIC_WORDS), widget="select", shared=True)
SPLIT = Param(
    "trends_split",
    "Split by",
    lt.SPLITS,
    widget="select",
    noun="split dimension",
    help="Markets, regions, labels and distributors split all streams; typologies and "
    "detectors split the flagged streams only (a share stays over all streams).",
)
TOP = Param(
    "trends_top",
    "Top N (rest folded into Other)",
    tuple(str(n) for n in range(lt.MIN_TOP, lt.MAX_TOP + 1)),
    default="6",
    widget="slider",
    noun="top-N",
    idle_when=("trends_split", "none"),
)
THRESHOLDS = tuple(f"{x / 2:.1f}" for x in range(4, 13))
Z = Param(
    "trends_z",
    "Anomaly threshold (robust z-score)",
    THRESHOLDS,
    default=f"{DEFAULT_THRESHOLD:.1f}",
    widget="slider",
    help=METRICS["anomaly_score"].definition,
)


def _trend_metric(p) -> str:
    return TREND_METRIC_WORDS[p.get("trends_metric", "detected streams")]


def _trends_main_data(scope, f, url, p):
    metric = _trend_metric(p)
    split = p["trends_split"]
    df = add_shares(
        lt.load_trend(scope, f, p["trends_grain"], split, metric, int(p["trends_top"]), url=url)
    )
    if split in DRILL_KINDS and "key" in df:
        # "Other" is not a filter value: a click on it selects nothing.
        df.loc[df["series"] == lt.OTHER, "key"] = None
    if _marks_anomalies(p) and not df.empty:
        # The weekly detected series carries its anomalous weeks (default threshold): the
        # chart marks them with the anomaly chart's diamonds.
        flags = _flags(scope, f, url, DEFAULT_THRESHOLD).set_index("week")
        weeks = pd.to_datetime(df["period"])
        df["anomalous"] = weeks.isin(flags.index[flags["flagged"].astype(bool)])
        df["anomaly_score"] = weeks.map(flags["score"]).astype(float)
    df.attrs.update(metric=metric, grain=p["trends_grain"], split=split)
    return df


def _marks_anomalies(p) -> bool:
    return (
        p["trends_split"] == "none"
        and p["trends_grain"] == "week"
        and _trend_metric(p) == "detected_streams"
    )


def _trends_main_drill(p) -> Drill | None:
    if p["trends_split"] in DRILL_KINDS:
        return Drill("key", DRILL_KINDS[p["trends_split"]])
    if p["trends_split"] == "none" and p["trends_grain"] == "week":
        return Drill("period_key", "week")
    return None


def _trends_main_note(df, p) -> str:
    split, top, word = p["trends_split"], p["trends_top"], p["trends_metric"]
    plural = fmt.plural_of(split)
    how = "" if split == "none" else f"Top {top} {plural} by {word}; the rest are in Other. "
    drill = _trends_main_drill(p)
    hint = {
        "week": "Click a week to narrow the period to it.",
        "market": "Click a point to filter to that market.",
        "label": "Click a point to filter to that label.",
        "distributor": "Click a point to filter to that distributor.",
    }.get(drill.kind if drill else "", "")
    marks = (
        f" Red diamonds: anomalous weeks at the default threshold ({DEFAULT_THRESHOLD:.1f})."
        if _marks_anomalies(p)
        else ""
    )
    return f"{how}{hint} Dashed rules mark policy and detector events.{marks}".strip()


def _trends_main_figure(df, ctx, p):
    chart = ct.trend_chart(
        df,
        metric=_trend_metric(p),
        grain=p["trends_grain"],
        split=p["trends_split"],
        events=ctx.events,
        subtitle=ctx.subtitle,
        select_field=(d.field if (d := _trends_main_drill(p)) and ctx.interactive else None),
    )
    if "anomalous" in df and df["anomalous"].any():
        marks = df.rename(columns={"anomalous": "flagged", "anomaly_score": "score"})
        chart = chart + anomaly_markers_layer(marks, x_field="period", y_field=_trend_metric(p))
    return chart


def _trends_main_native(p) -> Native:
    metric = _trend_metric(p)
    return Native(
        "line",
        "period",
        pivot=("series", metric),
        number_format=PCT_FORMAT if metric.endswith("_share") else COUNT_FORMAT,
    )


def _trends_main_headline(df):
    metric = df.attrs.get("metric", "detected_streams")
    label = _TREND_LABELS.get(metric, metric)
    share = metric.endswith("_share")
    show = fmt.pct if share else fmt.compact
    if df.empty or metric not in df:
        return f"No {label.lower()} in this selection"
    if df.attrs.get("split", "none") == "none":
        grain = df.attrs.get("grain", "week")
        d = df.dropna(subset=[metric]).sort_values("period")
        if d.empty:
            return f"No {label.lower()} in this selection"
        cur = float(d[metric].iloc[-1])
        prev = float(d[metric].iloc[-2]) if len(d) > 1 else float("nan")
        when = f"the {grain} of {d['period'].iloc[-1]:%d %b %Y}"
        change = ""
        if w.valid(prev):
            change = (
                f" ({(cur - prev) * 100:+.1f} pp on the {grain} before)"
                if share
                else (
                    f" ({(cur - prev) / abs(prev) * 100:+.1f}% on the {grain} before)"
                    if prev
                    else ""
                )
            )
        return f"{label}: {show(cur)} in {when}{change}"
    totals = df.groupby("series")[metric].mean() if share else df.groupby("series")[metric].sum()
    totals = totals.drop(lt.OTHER, errors="ignore").dropna()
    if totals.empty:
        return f"No {label.lower()} in this selection"
    top = totals.idxmax()
    how = "averages" if share else "totals"
    return f"{top} leads {label.lower()} by {df.attrs.get('split')}: {how} {show(totals.max())}"


def _trends_overlay_data(scope, f, url, p):
    metric = _trend_metric(p)
    grain = p["trends_grain"]
    load = lt.load_trend
    current = add_shares(load(scope, f, grain, "none", metric, 6, url=url))
    previous = load(scope, f.previous(), grain, "none", metric, 6, url=url)
    df = overlay_frame(current, previous, metric=metric, days=f.days)
    begins = load_options(scope, url=url).min_date
    df.attrs.update(metric=metric, days=f.days, incomplete=f.previous().start < begins)
    return df


def _trends_overlay_headline(df):
    metric = df.attrs.get("metric", "detected_streams")
    label = _TREND_LABELS.get(metric, metric)
    if df.empty:
        return f"No {label.lower()} in this selection"
    share = metric.endswith("_share")
    agg = df.groupby("series")["value"].mean() if share else df.groupby("series")["value"].sum()
    cur = float(agg.get("Current period", float("nan")))
    prev = float(agg.get("Previous period", float("nan")))
    show = fmt.pct if share else fmt.compact
    what = f"{label} (weekly average)" if share else label
    return f"{what} {w.verb(cur, prev)} {show(cur)}" + w.change_words(
        cur, prev, pct_points=share, days=df.attrs.get("days")
    )


def _trends_heatmap_data(scope, f, url, p):
    return heatmap_frame(lt.load_market_week(scope, f, HEATMAP_MARKETS, url=url))


def _trends_heatmap_figure(df, ctx, p):
    return ct.heatmap_chart(df, order=market_order(df), events=ctx.events, subtitle=ctx.subtitle)


def _trends_heatmap_headline(df):
    if df.empty or df["detected_share"].dropna().empty:
        return "No detected artificial streams in this selection"
    top = df.loc[df["detected_share"].idxmax()]
    return (
        f"Highest detected artificial share: {top['market']} in the week of "
        f"{pd.Timestamp(top['week']):%d %b %Y} ({fmt.pct(top['detected_share'])})"
    )


def history(f, min_date):
    """The two years of weeks up to the period end that anomaly scores compare against."""
    return f.narrowed(start=max(min_date, f.end - timedelta(days=7 * 104)))


def _flags(scope, f, url, threshold: float) -> pd.DataFrame:
    """Every week of the history with its anomaly score and flag (week, value, score, …)."""
    opts = load_options(scope, url=url)
    weekly = lt.load_trend(
        scope, history(f, opts.min_date), "week", "none", "detected_streams", 6, url=url
    )
    series = weekly.set_index("period")["detected_streams"] if not weekly.empty else None
    return weekly_anomalies(series, threshold=threshold)


def _anomalies_data(scope, f, url, p):
    flags = _flags(scope, f, url, float(p["trends_z"]))
    df = flags[(flags["week"] >= str(f.start)) & (flags["week"] <= str(f.end))]
    df = df.reset_index(drop=True)
    df.attrs.update(threshold=float(p["trends_z"]))
    return df


def _anomalies_figure(df, ctx, p):
    return anomaly_chart(
        df,
        text="Detected artificial streams per week and anomalous weeks",
        subtitle=f"{ctx.subtitle} · threshold {float(p['trends_z']):.1f}",
        events=ctx.events,
        money=False,
        value_title="Detected artificial streams",
    )


def _anomalies_headline(df):
    return w.anomalies(df, "detected streams")


TREE_METRIC = Param(
    "trends_tree_metric",
    "Metric",
    tuple(m.word for m in ch.HEADLINE),
    widget="select",
    money_choices=rc.MONEY_WORDS,
    noun="tree metric",
)
TREE_VS = Param(
    "trends_tree_vs",
    "Compare",
    rc.COMPARISONS,
    default="week",
    widget="select",
    help="week: the last 7 days of the period against the 7 before; period: against the "
    "previous period of equal length; year: against the same weeks 52 weeks earlier.",
    noun="comparison",
)
TREE_DEFAULTS = ("market", "typology", "label")
TREE_LEVELS = tuple(
    Param(
        f"trends_tree_{i}",
        f"Level {i}: split by",
        rc.LEVEL_CHOICES,
        default=default,
        widget="select",
        noun=f"level {i} dimension",
        help="Each level splits the largest driver of the level above by this dimension "
        "(a dimension already used above, or none, ends the tree).",
    )
    for i, default in enumerate(TREE_DEFAULTS, start=1)
)


def _tree_metric(p) -> ch.ChangeMetric:
    return ch.BY_WORD[p["trends_tree_metric"]]


def _tree_data(scope, f, url, p):
    metric = _tree_metric(p)
    if metric.unit == "eur" and not scope.money:
        metric = ch.HEADLINE[0]  # money metrics need the money right
    return rc.tree(
        scope,
        f,
        url,
        metric=metric,
        comparison=p["trends_tree_vs"],
        levels=rc.tree_params_levels(p),
    )


def _tree_figure(df, ctx, p):
    return cc.tree_chart(df, unit=_tree_metric(p).unit, subtitle=ctx.subtitle)


def _tree_native(p) -> Native:
    unit = _tree_metric(p).unit
    fmt_ = {"pct": PCT_FORMAT, "eur": '"€"#,##0'}.get(unit, COUNT_FORMAT)
    return Native("bar", "node", series=(("contribution", "Contribution"),), number_format=fmt_)


TREE = View(
    id="trends.change_tree",
    page="trends",
    title="Decomposition tree of the change",
    data=_tree_data,
    figure=_tree_figure,
    headline=rc.tree_headline,
    metrics=tuple(m.key for m in ch.HEADLINE),
    sources=("mart_daily_fraud", "mart_daily_enforcement", "fact_case"),
    optional=("cases",),  # only its case metrics need them
    needs_with=lambda p: ("cases",) if "cases" in _tree_metric(p).sources else (),
    native=_tree_native,
    params=(TREE_METRIC, TREE_VS, *TREE_LEVELS),
    note="Each level splits the change of its slice by a dimension; its largest driver "
    "(drawn solid) is the filter of the next level. A member's contribution is its own "
    "change; for shares and rates it is split into mix (its weight moved) and rate (its "
    "own ratio moved) in the tooltip. Bars of a level add up to its change.",
)

VIEWS = (
    View(
        id="trends.main",
        page="trends",
        title="Fraud trend (split, per period bucket)",
        data=_trends_main_data,
        figure=_trends_main_figure,
        headline=_trends_main_headline,
        metrics=("streams", "detected_streams", "confirmed_streams", "detected_share"),
        sources=("mart_daily_fraud", "dim_market", "dim_label", "dim_distributor"),
        native=_trends_main_native,
        params=(GRAIN, METRIC, SPLIT, TOP),
        percent=lt.SHARES,
        drill=_trends_main_drill,
        note=_trends_main_note,
    ),
    View(
        id="trends.vs_previous",
        page="trends",
        title="This period vs the previous one",
        data=_trends_overlay_data,
        figure=lambda df, ctx, p: ct.overlay_chart(
            df,
            metric=_trend_metric(p),
            grain=p["trends_grain"],
            events=ctx.events,
            subtitle=ctx.subtitle,
        ),
        headline=_trends_overlay_headline,
        metrics=("detected_streams", "confirmed_streams", "detected_share", "confirmed_share"),
        sources=("mart_daily_fraud",),
        native=lambda p: Native(
            "line",
            "period",
            pivot=("series", "value"),
            number_format=PCT_FORMAT if _trend_metric(p).endswith("_share") else COUNT_FORMAT,
        ),
        params=(GRAIN, METRIC),
        note=lambda df, p: (
            "The previous period of equal length, shifted forward by "
            f"{fmt.plural(df.attrs.get('days', 0), 'day')} so its "
            f"{fmt.plural_of(p['trends_grain'])} sit under this period's."
            + (
                " It begins before the data does, so it is incomplete."
                if df.attrs.get("incomplete")
                else ""
            )
        ),
    ),
    View(
        id="trends.anomalies",
        page="trends",
        title="Detected artificial streams per week and anomalous weeks",
        data=_anomalies_data,
        figure=_anomalies_figure,
        headline=_anomalies_headline,
        metrics=("detected_streams", "anomaly_score"),
        sources=("mart_daily_fraud",),
        native=Native(
            "line",
            "week",
            series=(("value", "Detected streams"), ("expected", "Expected")),
        ),
        params=(Z,),
    ),
    View(
        id="trends.heatmap",
        page="trends",
        title="Detected artificial share by market and week",
        data=_trends_heatmap_data,
        figure=_trends_heatmap_figure,
        headline=_trends_heatmap_headline,
        metrics=("detected_share", "streams", "detected_streams"),
        sources=("mart_daily_fraud", "dim_market"),
        percent=lt.SHARES,
        drill=Drill("iso2", "market"),
        note=f"The {HEATMAP_MARKETS} markets with most streams in the slice, largest first. "
        "Click a cell to filter to its market.",
    ),
    TREE,
)
