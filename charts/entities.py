"""Charts of the entity pages: an entity's streams and detected share per week, one
bar chart for its breakdowns (detections, reviews, enforcement, appeals) and a case's
timeline against its SLA."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.common import count_axis, date_x, empty_chart, pct_axis, size, title
from charts.theme import MUTED, PALETTE, colour_of, colour_scale

STATUS_COLOURS = ("met", "running", "breached", "overdue")


def entity_streams_chart(df: pd.DataFrame, *, subtitle: str | None = None):
    """Streams per week (area) and the detected artificial share (line, right axis)."""
    text = "Streams and detected artificial share per week"
    if df is None or df.empty or df["streams"].fillna(0).sum() == 0:
        return empty_chart(text)
    data = df[["week", "streams", "detected_streams", "detected_share"]].copy()
    x = date_x("week", data["week"], title="Week")
    tips = [
        alt.Tooltip("week:T", title="Week of"),
        alt.Tooltip("streams:Q", title="Streams", format=",.0f"),
        alt.Tooltip("detected_streams:Q", title="Detected", format=",.0f"),
        alt.Tooltip("detected_share:Q", title="Detected share", format=".1%"),
    ]
    bars = (
        alt.Chart(data)
        .mark_area(opacity=0.3, color=PALETTE[0], line={"color": PALETTE[0], "strokeWidth": 1})
        .encode(x=x, y=alt.Y("streams:Q", title="Streams (area)", axis=count_axis()), tooltip=tips)
    )
    line = (
        alt.Chart(data)
        .mark_line(point={"color": PALETTE[1]}, strokeWidth=2, color=PALETTE[1])
        .encode(
            x=x,
            y=alt.Y(
                "detected_share:Q",
                title="Detected share (line)",
                axis=pct_axis(orient="right"),
                scale=alt.Scale(domainMin=0),
            ),
            tooltip=tips,
        )
    )
    chart = alt.layer(bars, line).resolve_scale(y="independent")
    return size(chart.properties(title=title(text, subtitle)))


def breakdown_chart(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    text: str,
    value_title: str,
    colour: str | None = None,
    subtitle: str | None = None,
):
    """Horizontal bars of ``value`` per ``category``, stacked by ``colour`` if given."""
    if df is None or df.empty or value not in df or df[value].fillna(0).sum() == 0:
        return empty_chart(text)
    keys = [category] + ([colour] if colour else [])
    data = df.groupby(keys, as_index=False)[value].sum()
    enc = {
        "y": alt.Y(f"{category}:N", sort="-x", title=None),
        "x": alt.X(f"sum({value}):Q", title=value_title, axis=count_axis(tickMinStep=1)),
        "tooltip": [
            *[alt.Tooltip(f"{k}:N") for k in keys],
            alt.Tooltip(f"{value}:Q", title=value_title, format=",.0f"),
        ],
    }
    mark = {}
    if colour:
        enc["color"] = alt.Color(
            f"{colour}:N", title=None, scale=colour_scale(sorted(data[colour].astype(str)))
        )
        enc["order"] = alt.Order(f"{colour}:N")
    else:
        mark["color"] = colour_of(value_title)
    n = data[category].nunique()
    chart = alt.Chart(data, title=title(text, subtitle)).mark_bar(**mark).encode(**enc)
    return size(chart, height=max(90, 30 * n))


def case_timeline_chart(
    timeline: pd.DataFrame, sla: pd.DataFrame, *, subtitle: str | None = None
) -> alt.LayerChart | alt.Chart:
    """The case's steps on a time axis, one row per team holding it, with its SLA deadlines
    as dashed rules (coloured by met / breached / running / overdue)."""
    text = "Case timeline against its SLA"
    if timeline is None or timeline.empty:
        return empty_chart(text, "No event recorded for this case")
    data = timeline.assign(team=timeline["team"].replace("", "—"))
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=110)
        .encode(
            x=alt.X("at:T", title=None),
            y=alt.Y("team:N", title=None, sort=list(dict.fromkeys(data["team"]))),
            # Steps at the same instant (a hand-off that escalates) sit side by side.
            yOffset=alt.YOffset("step:N", scale=alt.Scale(paddingOuter=0.5)),
            shape=alt.Shape("step:N", title=None),
            color=alt.Color("step:N", title=None, scale=colour_scale(data["step"])),
            tooltip=[
                alt.Tooltip("at:T", title="When", format="%d %b %Y %H:%M"),
                alt.Tooltip("step:N", title="Step"),
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("detail:N", title="Detail"),
            ],
        )
    )
    layers = [points]
    if sla is not None and not sla.empty:
        due = sla.assign(label=sla["stage"] + " due (" + sla["status"] + ")")
        rules = (
            alt.Chart(due)
            .mark_rule(strokeDash=[5, 4], strokeWidth=2)
            .encode(
                x="due_at:T",
                stroke=alt.Stroke(
                    "status:N",
                    title="SLA",
                    scale=alt.Scale(
                        domain=list(STATUS_COLOURS),
                        range=["#009E73", MUTED, "#D55E00", "#D55E00"],
                    ),
                ),
                tooltip=[
                    alt.Tooltip("stage:N", title="SLA"),
                    alt.Tooltip("due_at:T", title="Due", format="%d %b %Y %H:%M"),
                    alt.Tooltip("status:N", title="Status"),
                ],
            )
        )
        labels = (
            alt.Chart(due)
            .mark_text(align="left", dx=4, dy=-6, fontSize=10, color=MUTED, baseline="bottom")
            .encode(x="due_at:T", y=alt.value(0), text="label:N")
        )
        layers += [rules, labels]
    n = data["team"].nunique()
    return size(alt.layer(*layers).properties(title=title(text, subtitle)), height=max(140, 50 * n))
