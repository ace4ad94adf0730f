"""Charts of the Funnel page: the funnel as a Sankey (Plotly), detector precision, its
weekly trend, and each detector's / typology's contribution to recall."""

from __future__ import annotations

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from analytics import format as fmt
from charts.common import count_axis, date_x, empty_chart, event_layer, pct_axis, size, title
from charts.theme import FONT, HEIGHT, MUTED, PALETTE, colour_of, colour_scale, rgba

# Funnel stages in the theme's first colour; what leaves the funnel in muted colours.
_LEAVE_COLOURS = {
    "Pending review": PALETTE[7],
    "False positive": PALETTE[5],
    "Other outcome": PALETTE[1],
    "Not confirmed": PALETTE[5],
    "Not (yet) enforced": PALETTE[7],
    "Not appealed": PALETTE[2],
    "Overturned or pending": PALETTE[3],
}
_VALUE_FORMAT = {"count": ",.0f", "streams": ",.0f", "eur": ",.0f"}
_UNITS = {"count": "detections", "streams": "streams", "eur": "EUR"}


def _plotly_layout(fig: go.Figure, text: str, subtitle: str | None) -> go.Figure:
    fig.update_layout(
        title={"text": text, "subtitle": {"text": subtitle or ""}, "x": 0, "xanchor": "left"},
        font={"family": FONT, "size": 12},
        height=HEIGHT + 80,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


def funnel_sankey_chart(
    flows: pd.DataFrame, *, measure: str = "count", subtitle: str | None = None
) -> go.Figure:
    """Detections flowing through review, confirmation, enforcement and appeal, with the
    branches that leave the funnel at each stage (``flows``: source, target, value)."""
    unit = _UNITS.get(measure, "")
    text = f"Detection → validation → enforcement funnel ({unit})"
    fig = go.Figure()
    data = flows.dropna(subset=["value"]) if flows is not None and len(flows) else None
    if data is None or data.empty or float(data["value"].sum()) <= 0:
        fig.add_annotation(
            text="No data for this selection",
            showarrow=False,
            x=0.5,
            y=0.5,
            font={"size": 14, "color": MUTED},
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return _plotly_layout(fig, text, subtitle)
    nodes = list(dict.fromkeys([*data["source"], *data["target"]]))
    index = {n: i for i, n in enumerate(nodes)}
    colours = [_LEAVE_COLOURS.get(n, PALETTE[0]) for n in nodes]
    prefix = "€" if measure == "eur" else ""
    fig.add_trace(
        go.Sankey(
            arrangement="snap",
            valueformat=_VALUE_FORMAT.get(measure, ",.0f"),
            valuesuffix=f" {unit}" if measure != "eur" else "",
            node={
                "label": nodes,
                "color": colours,
                "pad": 18,
                "thickness": 16,
                "line": {"width": 0},
            },
            link={
                "source": [index[s] for s in data["source"]],
                "target": [index[t] for t in data["target"]],
                "value": data["value"].astype(float).tolist(),
                "color": [rgba(colours[index[t]], 0.35) for t in data["target"]],
                "hovertemplate": "%{source.label} → %{target.label}: "
                + prefix
                + "%{value}<extra></extra>",
            },
        )
    )
    return _plotly_layout(fig, text, subtitle)


def detector_precision_chart(
    df: pd.DataFrame, *, subtitle: str | None = None, selectable: bool = False
) -> alt.Chart:
    """Precision (confirmed ÷ reviewed) per detector, bars labelled with the volume."""
    text = "Precision by detector (confirmed ÷ reviewed detections)"
    if df is None or df.empty or "precision" not in df or df["precision"].notna().sum() == 0:
        return empty_chart(text, selection="pick_detector" if selectable else None)
    data = df[["detector", "precision", "detections", "reviewed", "confirmed"]].dropna(
        subset=["precision"]
    )
    chart = (
        alt.Chart(data)
        .mark_bar(color=colour_of("Precision"))
        .encode(
            y=alt.Y("detector:N", sort="-x", title=None),
            x=alt.X(
                "precision:Q", title="Precision", axis=pct_axis(), scale=alt.Scale(domain=[0, 1])
            ),
            tooltip=[
                alt.Tooltip("detector:N", title="Detector"),
                alt.Tooltip("precision:Q", title="Precision", format=".1%"),
                alt.Tooltip("detections:Q", title="Detections", format=",.0f"),
                alt.Tooltip("reviewed:Q", title="Reviewed", format=",.0f"),
                alt.Tooltip("confirmed:Q", title="Confirmed", format=",.0f"),
            ],
        )
        .properties(title=title(text, subtitle), width=340, height=max(120, 28 * len(data)))
    )
    if selectable:
        sel = alt.selection_point(name="pick_detector", fields=["detector"], on="click")
        chart = chart.add_params(sel).encode(
            opacity=alt.condition(sel, alt.value(1.0), alt.value(0.55))
        )
    return chart


def precision_trend_chart(
    df: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    subtitle: str | None = None,
    selectable: bool = False,
) -> alt.LayerChart | alt.Chart:
    """Weekly precision per detector (lines), with detector launches and policy events."""
    text = "Weekly precision by detector"
    if df is None or df.empty or "precision" not in df or df["precision"].notna().sum() == 0:
        return empty_chart(text, selection="pick_week" if selectable else None)
    data = df[["week", "detector", "precision", "reviewed", "confirmed"]].dropna(
        subset=["precision"]
    )
    # The selection carries the week start as a plain ISO date string: a temporal field
    # would come back as browser-local epoch milliseconds.
    data = data.assign(week_start=pd.to_datetime(data["week"]).dt.strftime("%Y-%m-%d"))
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=date_x("week", data["week"], title="Week of detection"),
            y=alt.Y(
                "precision:Q", title="Precision", axis=pct_axis(), scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color(
                "detector:N", title=None, scale=colour_scale(sorted(set(data["detector"])))
            ),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip("detector:N", title="Detector"),
                alt.Tooltip("precision:Q", title="Precision", format=".1%"),
                alt.Tooltip("reviewed:Q", title="Reviewed", format=",.0f"),
                alt.Tooltip("confirmed:Q", title="Confirmed", format=",.0f"),
            ],
        )
    )
    if selectable:
        sel = alt.selection_point(name="pick_week", fields=["week_start"], on="click")
        lines = lines.add_params(sel)
    layers = [lines, *event_layer(events, "week", data["week"].min(), data["week"].max())]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def recall_contribution_chart(
    df: pd.DataFrame, *, by: str, overall: float | None = None, subtitle: str | None = None
) -> alt.Chart:
    """Each detector's (or typology's) flagged streams ÷ the slice's estimated artificial
    streams: their contributions add up to the overall recall."""
    noun = {"detector": "detector", "typology": "typology"}.get(by, by)
    text = f"Contribution to recall by {noun}"
    if overall is not None and pd.notna(overall):
        # In the subtitle: at half the page's width a longer title is cut off at "(overall
        # recall…", just before the number.
        subtitle = " · ".join(filter(None, (subtitle, f"overall recall {fmt.pct(overall)}")))
    if df is None or df.empty or "contribution" not in df or df["contribution"].notna().sum() == 0:
        return empty_chart(text)
    data = df[[by, "contribution", "flagged_streams"]].dropna(subset=["contribution"])
    return (
        alt.Chart(data)
        .mark_bar(color=colour_of("Contribution to recall"))
        .encode(
            y=alt.Y(f"{by}:N", sort="-x", title=None),
            x=alt.X(
                "contribution:Q",
                title="Share of estimated artificial streams flagged",
                axis=pct_axis(),
            ),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=noun.capitalize()),
                alt.Tooltip("contribution:Q", title="Contribution to recall", format=".1%"),
                alt.Tooltip("flagged_streams:Q", title="Flagged streams", format=",.0f"),
            ],
        )
        .properties(title=title(text, subtitle), width=340, height=max(120, 28 * len(data)))
    )


def volume_chart(df: pd.DataFrame, *, subtitle: str | None = None) -> alt.Chart:
    """Detections per detector (volume)."""
    text = "Detections by detector"
    if df is None or df.empty or df["detections"].fillna(0).sum() == 0:
        return empty_chart(text)
    data = df[["detector", "detections"]].dropna()
    return (
        alt.Chart(data)
        .mark_bar(color=colour_of("Detections"))
        .encode(
            y=alt.Y("detector:N", sort="-x", title=None),
            x=alt.X("detections:Q", title="Detections", axis=count_axis()),
            tooltip=[alt.Tooltip("detector:N"), alt.Tooltip("detections:Q", format=",.0f")],
        )
        .properties(title=title(text, subtitle), width=340, height=max(120, 28 * len(data)))
    )
