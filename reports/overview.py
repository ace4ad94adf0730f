"""Overview's views: the weekly trend and where the money at risk is."""

from __future__ import annotations

from analytics import format as fmt
from charts import overview as co
from data_access.loaders import overview as lo
from reports import words as w
from reports.view import MONEY_FORMAT, Drill, Native, View


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


VIEWS = (
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
