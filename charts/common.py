"""Pieces shared by chart builders: titles with context, event annotations, empty charts."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import EVENT_COLOUR, HEIGHT, WIDTH


def title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined)


NO_DATA = "No data for this selection"


def empty_chart(text: str, message: str = NO_DATA, *, selection: str | None = None) -> alt.Chart:
    """A titled message in place of a chart.

    ``selection`` names the click selection the full chart would define: the placeholder
    defines it too, so a page that draws the chart with ``on_select`` never meets a spec
    without the selection it asked for (Streamlit raises on that).
    """
    df = pd.DataFrame({"message": [message]})
    chart = (
        alt.Chart(df, title=title(text), width=WIDTH, height=80)
        .mark_text(size=14, color="#666666")
        .encode(text="message:N")
    )
    if selection:
        chart = chart.add_params(alt.selection_point(name=selection, fields=["message"]))
    return chart


def all_zero(df: pd.DataFrame | None, columns) -> bool:
    """True when there is nothing to draw: no frame, no rows, a column missing, or every
    value of ``columns`` zero or missing (a money view of a slice without money)."""
    cols = [columns] if isinstance(columns, str) else list(columns)
    if df is None or df.empty or any(c not in df for c in cols):
        return True
    values = df[cols].apply(pd.to_numeric, errors="coerce")
    return bool(values.fillna(0).abs().to_numpy().sum() == 0)


def selection_names(chart) -> set[str]:
    """Names of the selection parameters a chart's spec defines (in any layer or view)."""
    try:
        spec = chart.to_dict()
    except Exception:  # a chart that cannot be serialised defines nothing usable
        return set()
    names: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for param in node.get("params", []) or []:
                if isinstance(param, dict) and "select" in param and param.get("name"):
                    names.add(str(param["name"]))
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return names


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
