"""Charts of the Cases & escalations page (Altair; Plotly for the hand-off Sankey)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from charts.common import count_axis, date_x, empty_chart, event_layer, pct_axis, size, title
from charts.theme import FONT, MUTED, WIDTH, colour_scale, rgba, series_colours

PRIORITIES = ("P1", "P2", "P3", "P4")
_PRIORITY_SCALE = colour_scale(PRIORITIES)
WEEK_FIELD = "week_start"  # ISO date string: what a click on a week selects (drill kind "week")


def _order(series: pd.Series) -> list[str]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [str(c) for c in series.cat.categories]
    return sorted(str(v) for v in series.dropna().unique())


def _measures(df: pd.DataFrame) -> list[str]:
    """Counts, plus money when the frame carries it (viewers without money access don't)."""
    return ["cases", "exposure_eur"] if "exposure_eur" in df.columns else ["cases"]


def _money_tooltip(df: pd.DataFrame) -> list[alt.Tooltip]:
    if "exposure_eur" not in df.columns:
        return []
    return [alt.Tooltip("exposure_eur:Q", title="Exposure (EUR)", format=",.0f")]


def backlog_age_chart(df: pd.DataFrame, *, subtitle: str | None = None) -> alt.Chart:
    """Open cases at the period end by age bucket, stacked by priority."""
    text = "Open backlog by age and priority"
    if df is None or df.empty or df["cases"].fillna(0).sum() == 0:
        return empty_chart(text, "No case open at the end of the period")
    order = _order(df["age_bucket"])
    data = df.dropna(subset=["cases"]).copy()
    data["age_bucket"] = data["age_bucket"].astype(str)
    data = data.groupby(["age_bucket", "priority"], as_index=False)[_measures(data)].sum()
    return size(
        alt.Chart(data, title=title(text, subtitle))
        .mark_bar()
        .encode(
            x=alt.X("age_bucket:N", sort=order, title="Age at period end"),
            y=alt.Y("cases:Q", title="Open cases", axis=count_axis(tickMinStep=1)),
            color=alt.Color("priority:N", title="Priority", scale=_PRIORITY_SCALE),
            order=alt.Order("priority:N"),
            tooltip=[
                alt.Tooltip("age_bucket:N", title="Age"),
                alt.Tooltip("priority:N", title="Priority"),
                alt.Tooltip("cases:Q", title="Open cases", format=",.0f"),
                *_money_tooltip(data),
            ],
        ),
        width=WIDTH // 2,
        height=260,
    )


def backlog_team_chart(df: pd.DataFrame, *, subtitle: str | None = None) -> alt.Chart:
    """Open cases at the period end by owner team (Fraud Operations or a partner team)."""
    text = "Open backlog by owner team"
    if df is None or df.empty or df["cases"].fillna(0).sum() == 0:
        return empty_chart(text, "No case open at the end of the period")
    data = (
        df.dropna(subset=["cases"])
        .groupby(["owner_team", "priority"], as_index=False)[_measures(df)]
        .sum()
    )
    n = data["owner_team"].nunique()
    return size(
        alt.Chart(data, title=title(text, subtitle))
        .mark_bar()
        .encode(
            y=alt.Y("owner_team:N", sort="-x", title=None),
            x=alt.X("sum(cases):Q", title="Open cases", axis=count_axis(tickMinStep=1)),
            color=alt.Color("priority:N", title="Priority", scale=_PRIORITY_SCALE),
            order=alt.Order("priority:N"),
            tooltip=[
                alt.Tooltip("owner_team:N", title="Owner team"),
                alt.Tooltip("priority:N", title="Priority"),
                alt.Tooltip("cases:Q", title="Open cases", format=",.0f"),
                *_money_tooltip(data),
            ],
        ),
        width=WIDTH // 2,
        height=max(120, 28 * n),
    )


_STAGES = {
    "first_response": ("Time to first response vs SLA", "hours", 1.0, "first_response_sla_h"),
    "resolution": ("Time to resolution vs SLA", "days", 24.0, "resolution_sla_h"),
}


def response_time_chart(
    df: pd.DataFrame, *, stage: str = "first_response", subtitle: str | None = None
) -> alt.LayerChart | alt.Chart:
    """Median (bar) and p90 (tick) time per priority, with the priority's SLA as a marker."""
    if stage not in _STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    text, unit, divisor, sla_col = _STAGES[stage]
    cols = [f"{stage}_median_h", f"{stage}_p90_h", sla_col]
    if df is None or df.empty or df[cols[:2]].isna().all().all():
        return empty_chart(text)
    long = df[["priority", *cols]].melt(id_vars="priority", var_name="series", value_name="h")
    long["series"] = long["series"].map(
        {cols[0]: "Median", cols[1]: "90th percentile", sla_col: "SLA"}
    )
    long = long.dropna(subset=["h"])
    long["value"] = long["h"] / divisor
    colour = alt.Color(
        "series:N",
        title=None,
        scale=colour_scale(["Median", "90th percentile", "SLA"]),
    )
    base = alt.Chart(long).encode(
        y=alt.Y("priority:N", title="Priority", sort=list(PRIORITIES)),
        x=alt.X("value:Q", title=f"{unit.capitalize()} from opening"),
        color=colour,
        tooltip=[
            alt.Tooltip("priority:N", title="Priority"),
            alt.Tooltip("series:N", title="Measure"),
            alt.Tooltip("value:Q", title=unit.capitalize(), format=",.1f"),
        ],
    )
    bars = base.transform_filter(alt.datum.series == "Median").mark_bar(height=14)
    p90 = base.transform_filter(alt.datum.series == "90th percentile").mark_tick(
        thickness=3, size=22
    )
    sla = base.transform_filter(alt.datum.series == "SLA").mark_tick(
        thickness=3, size=30, strokeDash=[3, 2]
    )
    return size(
        alt.layer(bars, p90, sla).properties(title=title(text, subtitle)),
        width=WIDTH // 2,
        height=180,
    )


def sla_breach_chart(
    df: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    subtitle: str | None = None,
    selectable: bool = False,
) -> alt.LayerChart | alt.Chart:
    """Weekly SLA breach rates (either SLA, first response, resolution) of the cases due.

    Weeks with no case due yet have no rate and are left out; partial weeks (``complete``
    False: some cases' SLA windows were still open at the period end) are drawn as hollow,
    pale points labelled "partial" in the tooltip."""
    text = "SLA breach rate of cases opened, per week"
    series = {
        "sla_breach_rate": "Any SLA",
        "first_response_breach_rate": "First response",
        "resolution_breach_rate": "Resolution",
    }
    if df is None or df.empty or df[list(series)].isna().all().all():
        return empty_chart(text, selection="week_pick" if selectable else None)
    data = df.copy()
    data[WEEK_FIELD] = pd.to_datetime(data["week"]).dt.strftime("%Y-%m-%d")
    if "cases_due" not in data:
        data["cases_due"] = data["cases_opened"]
    complete = data["complete"] if "complete" in data else data["cases_due"] >= data["cases_opened"]
    data["status"] = complete.map({True: "complete", False: "partial: SLA windows still open"})
    long = data.melt(
        id_vars=["week", WEEK_FIELD, "cases_opened", "cases_due", "status"],
        value_vars=list(series),
        var_name="series",
        value_name="rate",
    ).dropna(subset=["rate"])
    long["series"] = long["series"].map(series)
    tooltip = [
        alt.Tooltip("week:T", title="Week of"),
        alt.Tooltip("series:N", title="SLA"),
        alt.Tooltip("rate:Q", title="Breach rate", format=".1%"),
        alt.Tooltip("cases_due:Q", title="Cases due", format=",.0f"),
        alt.Tooltip("cases_opened:Q", title="Cases opened", format=",.0f"),
        alt.Tooltip("status:N", title="Week"),
    ]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=colour_scale(series.values()),
    )
    base = alt.Chart(long).encode(
        x=date_x("week", long["week"], title="Week opened"),
        y=alt.Y("rate:Q", title="Breach rate", axis=pct_axis()),
        color=colour,
        tooltip=tooltip,
    )
    lines = base.mark_line(strokeWidth=2)
    full = alt.datum.status == "complete"
    points = base.mark_point(size=40, filled=True).encode(
        opacity=alt.condition(full, alt.value(1.0), alt.value(0.35)),
        shape=alt.condition(full, alt.value("circle"), alt.value("diamond")),
    )
    if selectable:
        pick = alt.selection_point(name="week_pick", fields=[WEEK_FIELD], on="click")
        points = points.add_params(pick)
    layers = [
        lines,
        points,
        *event_layer(events, "week", data["week"].min(), data["week"].max()),
    ]
    return size(alt.layer(*layers).properties(title=title(text, subtitle)))


def escalation_sankey_chart(df: pd.DataFrame, *, subtitle: str | None = None) -> go.Figure:
    """Hand-offs between teams in the period: from-team (left) to to-team (right)."""
    text = "Escalations between teams"
    heading = f"{text}<br><sup>{_escape(subtitle)}</sup>" if subtitle else text
    fig = go.Figure()
    data = None if df is None else df.dropna(subset=["handoffs"])
    if data is None or data.empty or data["handoffs"].sum() <= 0:
        fig.add_annotation(
            text="No hand-off between teams in this selection",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            font={"size": 14, "color": MUTED},
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    else:
        data = data[data["handoffs"] > 0]
        sources = sorted(data["from_team"].astype(str).unique())
        targets = sorted(data["to_team"].astype(str).unique())
        labels = [f"{t} (from)" for t in sources] + [f"{t} (to)" for t in targets]
        team_colour = series_colours(sources)
        colours = [team_colour[t] for t in sources]
        src_idx = {t: i for i, t in enumerate(sources)}
        dst_idx = {t: len(sources) + i for i, t in enumerate(targets)}
        money = (
            data["exposure_eur"].fillna(0).astype(float).tolist()
            if "exposure_eur" in data.columns
            else None
        )
        fig.add_trace(
            go.Sankey(
                arrangement="snap",
                node={
                    "label": labels,
                    "pad": 14,
                    "thickness": 16,
                    "color": colours + [MUTED] * len(targets),
                },
                link={
                    "source": [src_idx[str(v)] for v in data["from_team"]],
                    "target": [dst_idx[str(v)] for v in data["to_team"]],
                    "value": data["handoffs"].astype(float).tolist(),
                    # each hand-off in its from-team's colour, see-through: on light and
                    # dark backgrounds alike (Plotly's default grey glares on dark)
                    "color": [rgba(team_colour[str(v)], 0.4) for v in data["from_team"]],
                    "customdata": money,
                    "hovertemplate": "%{source.label} → %{target.label}<br>"
                    "%{value:,.0f} hand-offs"
                    + ("<br>exposure €%{customdata:,.0f}" if money else "")
                    + "<extra></extra>",
                },
            )
        )
    fig.update_layout(
        title={"text": heading, "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT, "size": 12},
        height=360,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


def _escape(text: str) -> str:
    """Plotly titles accept a little HTML: keep warehouse/filter text literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
