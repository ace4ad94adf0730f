"""Overview's views: the weekly trend and where the money at risk is."""

from __future__ import annotations

from analytics import format as fmt
from charts import changes as cc
from charts import overview as co
from data_access.loaders import overview as lo
from reports import changes as rc
from reports import words as w
from reports.view import MONEY_FORMAT, PCT_FORMAT, Drill, Native, Param, View

# The comparison of "What changed" (URL overview_vs).
COMPARE = Param(
    "overview_vs",
    "Compare",
    rc.COMPARISONS,
    default="week",
    widget="segmented",
    help="week: the last 7 days of the period against the 7 before; period: the period "
    "against the previous one of equal length; year: the period against the same weeks "
    "52 weeks earlier.",
    noun="comparison",
)


def changes_data(scope, f, url, p, *, link=None):
    return rc.summary(scope, f, url, p["overview_vs"], link=link)


def _changes_note(df, p) -> str:
    text = f"{df.attrs.get('windows', '')}."
    if df.attrs.get("incomplete"):
        text += " The comparison window begins before the data does, so it is incomplete."
    return text


def _trend_data(scope, f, url, p):
    return lo.load_weekly_trend(scope, f, url=url)


def _trend_headline(df):
    """About the chart it heads: the latest week's detected streams and their change."""
    text = w.latest(
        df, "week", "detected_streams", "Detected artificial streams", fmt.compact, pp=False
    )
    if "confirmed_streams" in df and not df.empty and text.startswith("Detected"):
        last = df.sort_values("week").iloc[-1]
        if w.valid(last["confirmed_streams"]):
            text += f"; {fmt.compact(last['confirmed_streams'])} confirmed"
    return text


def _top_view(by: str) -> View:
    heading = "Top markets" if by == "market" else "Top labels"
    text = f"{heading} by money at risk"
    select = "iso2" if by == "market" else by

    def data(scope, f, url, p):
        return lo.load_top_exposure(scope, f, by, url=url)

    def figure_(df, ctx, p):
        return co.top_bar_chart(
            df,
            category=by,
            value="exposure_eur",
            text=text,
            value_title="Exposure (EUR)",
            subtitle=ctx.subtitle,
            select_field=select if ctx.interactive and select in df.columns else None,
        )

    def headline(df):
        return w.leader(df, by, "exposure_eur", f"{by}s by money at risk", fmt.eur)

    return View(
        id=f"overview.top_{by}s",
        page="overview",
        title=text,
        data=data,
        figure=figure_,
        headline=headline,
        metrics=("exposure_eur",),
        sources=("mart_daily_fraud", "mart_daily_enforcement", f"dim_{by}"),
        native=Native(
            "bar", by, series=(("exposure_eur", "Exposure (EUR)"),), number_format=MONEY_FORMAT
        ),
        needs_money=True,
        drill=Drill(select, by),
        note="Click a bar to filter the dashboard to it.",
    )


CHANGES = View(
    id="overview.changes",
    page="overview",
    title="What changed",
    data=changes_data,
    figure=lambda df, ctx, p: cc.change_bars_chart(df, subtitle=ctx.subtitle),
    headline=rc.headline,
    metrics=(
        "detected_streams",
        "confirmed_streams",
        "detected_share",
        "confirmed_share",
        "streams_removed",
        "protected_eur",
        "exposure_eur",
        "cases_opened",
        "sla_breach_rate",
    ),
    sources=("mart_daily_fraud", "mart_daily_enforcement", "fact_case"),
    optional=("cases",),  # without them: no case measures among the changes
    native=Native("bar", "label", series=(("change_pct", "Change"),), number_format=PCT_FORMAT),
    params=(COMPARE,),
    percent=("change_pct",),
    note=_changes_note,
    bullets=lambda df: list(df["sentence"]) if "sentence" in df else [],
)

VIEWS = (
    CHANGES,
    View(
        id="overview.trend",
        page="overview",
        title="Detected vs confirmed artificial streams per week",
        data=_trend_data,
        figure=lambda df, ctx, p: co.weekly_trend_chart(
            df, events=ctx.events, subtitle=ctx.subtitle
        ),
        headline=_trend_headline,
        metrics=("detected_streams", "confirmed_streams", "streams"),
        sources=("mart_daily_fraud",),
        native=Native(
            "line",
            "week",
            series=(("detected_streams", "Detected (flagged)"), ("confirmed_streams", "Confirmed")),
        ),
        drill=Drill("week", "week"),
        note="Click a week to narrow the period to it; dashed lines mark policy and detector "
        "events.",
    ),
    _top_view("market"),
    _top_view("label"),
)
