"""Charts of "What changed": the headline metrics' changes, and the decomposition tree."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.common import count_axis, empty_chart, money_axis, size, title
from charts.theme import MUTED, colour_scale

RISE, FALL = "Rise", "Fall"


def change_bars_chart(df: pd.DataFrame, *, subtitle: str | None = None) -> alt.Chart:
    """Each headline metric's relative change between the two windows, one bar each,
    labelled with the change in the metric's own words (−46%, +1.9 pp)."""
    text = "What changed: headline metrics against the comparison window"
    data = df.dropna(subset=["change_pct"]) if df is not None and "change_pct" in df else None
    if data is None or data.empty:
        return empty_chart(text)
    cols = ["label", "change_pct", "change_text", "top_driver"]
    data = pd.DataFrame({c: data[c].to_numpy() for c in cols})  # the data only, no attrs
    data = data.assign(
        direction=[RISE if v > 0 else FALL for v in data["change_pct"]],
        pct=data["change_pct"] * 100,
    )
    order = list(data["label"])
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
        x=alt.X("pct:Q", title="Relative change (%)", scale=alt.Scale(nice=True, padding=40)),
        tooltip=[
            alt.Tooltip("label:N", title="Metric"),
            alt.Tooltip("change_text:N", title="Change"),
            alt.Tooltip("top_driver:N", title="Top driver"),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("direction:N", title=None, scale=colour_scale([RISE, FALL]))
    )
    # The change in the metric's own words at the end of each bar, outside it.
    ends = base.mark_text(
        align=alt.expr("datum.pct < 0 ? 'right' : 'left'"),
        dx=alt.expr("datum.pct < 0 ? -4 : 4"),
        color=MUTED,
    ).encode(text="change_text:N")
    windows = df.attrs.get("windows")
    subtitle = f"{subtitle} · {windows}" if subtitle and windows else subtitle or windows
    return size(
        alt.layer(bars, ends).properties(title=title(text, subtitle)),
        height=max(140, 26 * len(data)),
    )


_TREE_AXES = {
    "count": ("Contribution (streams or cases)", lambda: count_axis()),
    "eur": ("Contribution (EUR)", lambda: money_axis()),
    "pct": (
        "Contribution (percentage points)",
        lambda: alt.Axis(labelExpr="format(datum.value * 100, '.1f') + ' pp'"),
    ),
}


def tree_chart(df: pd.DataFrame, *, unit: str, subtitle: str | None = None):
    """The decomposition tree: one row of bars per level (each member's contribution to
    the change of its level's slice); the expanded member of a level is drawn solid and
    split by the next level's dimension."""
    text = "Decomposition tree: where the change comes from"
    if df is None or df.empty:
        return empty_chart(text)
    axis_title, axis = _TREE_AXES.get(unit, _TREE_AXES["count"])
    rows = []
    for _level, part in df.groupby("level", sort=True):
        heading = str(part["level_title"].iloc[0])
        order = list(part["name"])
        cols = ["name", "contribution", "direction", "expanded", "contribution_text"]
        cols += ["share_text", "mix_rate_text"]
        data = pd.DataFrame({c: part[c].to_numpy() for c in cols})  # what is drawn only
        data["expanded"] = data["expanded"].astype(bool)
        chart = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                y=alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=200)),
                x=alt.X("contribution:Q", title=axis_title, axis=axis()),
                color=alt.Color(
                    "direction:N", title=None, scale=colour_scale([RISE, FALL]), legend=None
                ),
                opacity=alt.condition("datum.expanded", alt.value(1.0), alt.value(0.45)),
                tooltip=[
                    alt.Tooltip("name:N", title="Member"),
                    alt.Tooltip("contribution_text:N", title="Contribution"),
                    alt.Tooltip("share_text:N", title="Share of the change"),
                    alt.Tooltip("mix_rate_text:N", title="Mix / rate"),
                ],
            )
            .properties(
                title=alt.TitleParams(heading, anchor="start", fontSize=12),
                width=620,
                height=max(60, 22 * len(part)),
            )
        )
        rows.append(chart)
    return alt.vconcat(*rows, spacing=18).properties(title=title(text, subtitle))
