"""Charts of the Policy lab: candidate policies against the current one, measure by
measure; the frontier of a parameter sweep; the labels or distributors hit hardest."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.common import count_axis, empty_chart, money_axis, size, title
from charts.theme import MUTED, colour_scale

POLICY_ROW_PX = 18


def compare_chart(
    df: pd.DataFrame,
    measures: dict[str, str],
    *,
    money: bool = False,
    text: str = "Candidate policies against the current one",
    subtitle: str | None = None,
) -> alt.FacetChart | alt.Chart:
    """One row of bars per measure (``measures``: column -> label), a bar per policy; each
    measure on its own scale. ``df``: one row per policy, ``policy`` its name."""
    cols = [c for c in measures if c in df.columns]
    if df is None or df.empty or not cols:
        return empty_chart(text)
    data = df.melt(id_vars=["policy"], value_vars=cols, var_name="measure", value_name="value")
    data["measure"] = data["measure"].map(measures)
    order = list(df["policy"])
    axis = money_axis(title=None, tickCount=5) if money else count_axis(title=None, tickCount=5)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", axis=axis),
            y=alt.Y("policy:N", sort=order, title=None, axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("policy:N", title=None, scale=colour_scale(order), sort=order),
            tooltip=[
                alt.Tooltip("policy:N", title="Policy"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Value", format=",.0f"),
            ],
        )
        .properties(width=560, height=POLICY_ROW_PX * len(order))
    )
    return (
        bars.facet(
            row=alt.Row(
                "measure:N",
                sort=[measures[c] for c in cols],
                title=None,
                header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
            ),
            title=title(text, subtitle),
        )
        .resolve_scale(x="independent")
        .configure_legend(orient="bottom")
    )


def frontier_chart(
    df: pd.DataFrame, *, parameter: str, subtitle: str | None = None, honest: str = "honest_hit"
) -> alt.LayerChart | alt.Chart:
    """EUR protected against honest tracks hit, one point per value of the swept
    ``parameter``; the current policy's point is marked."""
    text = f"EUR protected against honest tracks hit, sweeping the {parameter}"
    if df is None or df.empty or "protected_total_eur" not in df:
        return empty_chart(text)
    data = df.assign(
        point=df["current"].map({True: "Current policy", False: "Swept value"}),
        honest=df[honest],
        # Labels above and below the points by turns: neighbours of a sweep sit close.
        above=[i % 2 == 0 for i in range(len(df))],
    )
    base = alt.Chart(data).encode(
        x=alt.X("honest:Q", title="Honest tracks hit", axis=count_axis(tickCount=6)),
        y=alt.Y(
            "protected_total_eur:Q",
            title="EUR protected",
            axis=money_axis(),
            scale=alt.Scale(zero=False),
        ),
    )
    line = base.mark_line(point=False, opacity=0.6).encode(order="value:Q")
    points = base.mark_point(filled=True, size=90).encode(
        color=alt.Color(
            "point:N", title=None, scale=colour_scale(["Swept value", "Current policy"])
        ),
        shape=alt.Shape("point:N", title=None),
        tooltip=[
            alt.Tooltip("label:N", title=parameter.capitalize()),
            alt.Tooltip("honest:Q", title="Honest tracks hit", format=",.0f"),
            alt.Tooltip("protected_total_eur:Q", title="EUR protected", format=",.0f"),
            alt.Tooltip("tracks_fined:Q", title="Tracks fined", format=",.0f"),
        ],
    )
    # A mid grey reads on the light and the dark theme (marks get no theme text colour).
    above = base.transform_filter("datum.above").mark_text(dy=-12, fontSize=11, color=MUTED)
    below = base.transform_filter("!datum.above").mark_text(dy=14, fontSize=11, color=MUTED)
    labels = [layer.encode(text="label:N") for layer in (above, below)]
    return size(alt.layer(line, points, *labels).properties(title=title(text, subtitle)))


def affected_chart(df: pd.DataFrame, *, by: str, subtitle: str | None = None) -> alt.Chart:
    """Tracks fined per label (or distributor) under each policy, the most affected first."""
    text = f"{by.capitalize()}s most affected: tracks fined"
    if (
        df is None
        or df.empty
        or df["tracks_fined"].fillna(0).sum() + df["streams_removed"].fillna(0).sum() == 0
    ):
        return empty_chart(text)
    order = list(dict.fromkeys(df["policy_name"]))
    members = list(dict.fromkeys(df[by]))
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y(f"{by}:N", sort=members, title=None),
            yOffset=alt.YOffset("policy_name:N", sort=order),
            x=alt.X("tracks_fined:Q", title="Tracks fined", axis=count_axis(tickCount=6)),
            color=alt.Color("policy_name:N", title=None, scale=colour_scale(order), sort=order),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=by.capitalize()),
                alt.Tooltip("policy_name:N", title="Policy"),
                alt.Tooltip("tracks_fined:Q", title="Tracks fined", format=",.0f"),
                alt.Tooltip("streams_removed:Q", title="Streams removed", format=",.0f"),
            ],
        )
    )
    return size(chart.properties(title=title(text, subtitle)), height=max(220, 26 * len(members)))
