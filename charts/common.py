"""Pieces shared by chart builders: titles with context, event annotations, empty charts."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import EVENT_COLOUR, HEIGHT, WIDTH


def title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined)


def empty_chart(text: str, message: str = "No data for this selection") -> alt.Chart:
    df = pd.DataFrame({"message": [message]})
    return (
        alt.Chart(df, title=title(text), width=WIDTH, height=80)
        .mark_text(size=14, color="#666666")
        .encode(text="message:N")
    )


def event_layer(events: pd.DataFrame | None, x_field: str, start, end) -> list[alt.Chart]:
    """Vertical rules with short titles at dated policy / detector events within [start, end]."""
    if events is None or events.empty:
        return []
    ev = events.copy()
    ev[x_field] = pd.to_datetime(ev["event_date"])
    ev = ev[(ev[x_field] >= pd.Timestamp(start)) & (ev[x_field] <= pd.Timestamp(end))]
    if ev.empty:
        return []
    ev = ev[[x_field, "title", "kind", "description"]]
    base = alt.Chart(ev)
    rule = base.mark_rule(color=EVENT_COLOUR, strokeDash=[4, 3]).encode(
        x=f"{x_field}:T",
        tooltip=[alt.Tooltip(f"{x_field}:T", title="Date"), "title:N", "description:N"],
    )
    text = base.mark_text(
        align="left", dx=3, dy=-4, baseline="top", color=EVENT_COLOUR, fontSize=10, angle=0
    ).encode(x=f"{x_field}:T", y=alt.value(2), text="title:N")
    return [rule, text]


def size(chart: alt.Chart, width: int = WIDTH, height: int = HEIGHT) -> alt.Chart:
    return chart.properties(width=width, height=height)


def money_axis(**kw) -> alt.Axis:
    """EUR axis labels such as €3.4k (d3's '$' would print dollars)."""
    return alt.Axis(labelExpr="'€' + format(datum.value, '~s')", **kw)


def count_axis(**kw) -> alt.Axis:
    return alt.Axis(format="~s", **kw)


def pct_axis(**kw) -> alt.Axis:
    return alt.Axis(format=".1%", **kw)
