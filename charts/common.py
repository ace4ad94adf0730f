"""Pieces shared by chart builders: titles with context, the events-and-notes layer, empty
charts."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import DATE_FORMAT, HEIGHT, MUTED, NOTE_COLOUR, WIDTH

# Event labels: at most this many rows of labels at the top of the plot; a label that finds
# no free row is left off (its rule and tooltip stay).
EVENT_LANES = 3
_LANE_PX = 12
_LABEL_LIMIT_PX = 150  # longer titles are cut with an ellipsis
_CHAR_PX = 5.6  # mean advance of a 10 px sans-serif character
# The narrowest width an event chart is drawn at on screen (one of two columns on a
# laptop): label rows are planned for it, so wider renderings only gain room.
EVENT_PLAN_WIDTH = 480
MAX_DATE_TICKS = 6


def title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined)


NO_DATA = "No data for this selection"


def empty_chart(text: str, message: str = NO_DATA, *, selection: str | None = None) -> alt.Chart:
    """A titled message in place of a chart.

    ``selection`` names the click selection the full chart would define: this message chart
    defines it too, so a page that draws the chart with ``on_select`` never meets a spec
    without the selection it asked for (Streamlit raises on that).
    """
    df = pd.DataFrame({"message": [message]})
    chart = (
        alt.Chart(df, title=title(text), width=WIDTH, height=80)
        .mark_text(size=14, color=MUTED)
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
    """Names of the selection parameters a chart (or its spec dict) defines, in any layer."""
    try:
        spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
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


# -- the date axis -------------------------------------------------------------------------


def date_ticks(dates, *, grain: str = "week", max_ticks: int = MAX_DATE_TICKS) -> list[dict]:
    """Tick values for a time axis: the first day of each week (Monday, as the marts'
    weeks) or of each month within the data's range, thinned to at most ``max_ticks``
    (every 2nd, 4th, 13th... week), as Vega-Lite DateTime objects (local dates, like the
    data)."""
    s = pd.to_datetime(pd.Series(list(dates)), errors="coerce").dropna()
    if s.empty:
        return []
    lo, hi = s.min().normalize(), s.max().normalize()
    if grain == "month":
        starts = pd.date_range(lo.to_period("M").start_time, hi, freq="MS")
        steps = (1, 2, 3, 6, 12, 24)
    else:
        starts = pd.date_range(lo - pd.Timedelta(days=lo.weekday()), hi, freq="W-MON")
        steps = (1, 2, 4, 8, 13, 26, 52, 104)
    starts = starts[starts >= lo]
    if len(starts) == 0:
        starts = pd.DatetimeIndex([lo])
    step = next((k for k in steps if -(-len(starts) // k) <= max_ticks), steps[-1])
    return [{"year": t.year, "month": t.month, "date": t.day} for t in starts[::step]]


def date_axis(dates, *, grain: str = "week", **kw) -> alt.Axis:
    """The one date axis: ticks on the week's (month's) first day, one label format."""
    return alt.Axis(
        values=date_ticks(dates, grain=grain),
        format=DATE_FORMAT,
        labelOverlap="greedy",
        labelAngle=0,
        **kw,
    )


def date_x(field: str, dates, *, title: str | None, grain: str = "week") -> alt.X:
    """``alt.X`` of a temporal ``field`` on the one date axis."""
    return alt.X(f"{field}:T", title=title, axis=date_axis(dates, grain=grain))


# -- events --------------------------------------------------------------------------------


def _label_px(text: str) -> float:
    return min(len(str(text)) * _CHAR_PX, _LABEL_LIMIT_PX) + 6


def plan_event_labels(
    dates: pd.Series,
    titles: pd.Series,
    start,
    end,
    *,
    width: int = EVENT_PLAN_WIDTH,
    short: pd.Series | None = None,
) -> pd.DataFrame:
    """Where each event's label goes: ``lane`` (0 = top row; None = left off for want of
    room), ``side`` ("left": the text runs right of the rule; "right": it runs left of
    it, near the right edge) and ``text``. Labels of one row never overlap at ``width``
    pixels. With ``short`` (the marks' numbers), a mark whose title finds no row gets its
    number in one more row below, joined to the number before it when they would touch
    ("4, 5, 6"), so every mark is named on the chart and the list under it says which."""
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    span = max((t1 - t0).total_seconds(), 1.0)
    order = sorted(range(len(dates)), key=lambda i: (pd.Timestamp(dates.iloc[i]), i))
    lane_end = [float("-inf")] * EVENT_LANES
    lanes: list[int | None] = [None] * len(dates)
    sides = ["left"] * len(dates)
    texts: list[str | None] = [None] * len(dates)

    def x_of(i: int) -> float:
        return (pd.Timestamp(dates.iloc[i]) - t0).total_seconds() / span * width

    def placed(x: float, text: str) -> tuple[str, float, float]:
        w = _label_px(text)
        side = "left" if x + w <= width else "right"
        return side, (x if side == "left" else x - w), w

    for i in order:
        side, left_px, w = placed(x_of(i), str(titles.iloc[i]))
        lane = next((k for k in range(EVENT_LANES) if left_px >= lane_end[k] + 4), None)
        if lane is not None:
            lanes[i], sides[i], texts[i] = lane, side, str(titles.iloc[i])
            lane_end[lane] = left_px + w
    if short is not None:
        row_end, head = float("-inf"), None  # the numbers' row
        for i in (i for i in order if lanes[i] is None):
            side, left_px, w = placed(x_of(i), str(short.iloc[i]))
            if head is not None and left_px < row_end + 4:
                texts[head] = f"{texts[head]}, {short.iloc[i]}"
                side, left_px, w = placed(x_of(head), texts[head])
                sides[head], row_end = side, left_px + w
                continue
            head = i
            lanes[i], sides[i], texts[i] = EVENT_LANES, side, str(short.iloc[i])
            row_end = left_px + w
    return pd.DataFrame({"lane": lanes, "side": sides, "text": texts}, index=dates.index)


def event_layer(
    events: pd.DataFrame | None, x_field: str, start, end, *, width: int = EVENT_PLAN_WIDTH
) -> list[alt.Chart]:
    """One layer for the warehouse's policy / detector events and the viewers' notes
    (appstore.notes.timeline) within [start, end]: dashed grey rules for events,
    solid ``NOTE_COLOUR`` rules for notes (a shaded band for a note over a period), each
    labelled "<number> <title>" in up to three rows; marks whose title finds no room get
    their numbers in a fourth row (see ``plan_event_labels``); the list under the chart
    and the tooltips give every title. Nothing prints over anything."""
    if events is None or events.empty:
        return []
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    ev = events.copy()
    ev["_on"] = pd.to_datetime(ev["event_date"])
    last = pd.to_datetime(ev["end_date"]) if "end_date" in ev else pd.Series(pd.NaT, ev.index)
    last = last.where(last > ev["_on"])  # only real periods
    inside = (ev["_on"] >= t0) & (ev["_on"] <= t1)
    reaches_in = last.notna() & (ev["_on"] < t0) & (last >= t0)
    ev = ev[inside | reaches_in]
    if ev.empty:
        return []
    ev = ev.assign(
        **{x_field: ev["_on"].clip(lower=t0), "_until": last[ev.index].clip(upper=t1)}
    ).reset_index(drop=True)
    numbered = "n" in ev
    ev["label"] = (ev["n"].astype(str) + " " + ev["title"]) if numbered else ev["title"]
    plan = plan_event_labels(
        ev[x_field],
        ev["label"],
        start,
        end,
        width=width,
        short=ev["n"].astype(str) if numbered else None,
    )
    ev = ev.assign(lane=plan["lane"], side=plan["side"], label=plan["text"])
    ev["note"] = ev["kind"].eq("note")
    tooltip = [alt.Tooltip("_on:T", title="Date"), "title:N", "description:N"]
    cols = [x_field, "_on", "title", "kind", "description"]
    layers: list[alt.Chart] = []
    bands = ev[ev["note"] & ev["_until"].notna()]
    if not bands.empty:
        layers.append(
            alt.Chart(bands[[*cols, "_until"]])
            .mark_rect(color=NOTE_COLOUR, opacity=0.12)
            .encode(x=f"{x_field}:T", x2="_until:T", tooltip=tooltip)
        )
    for is_note, rows in ev.groupby("note"):
        mark = (
            {"color": NOTE_COLOUR, "strokeWidth": 1.5}
            if is_note
            else {"color": MUTED, "strokeDash": [4, 3]}
        )
        layers.append(
            alt.Chart(rows[cols]).mark_rule(**mark).encode(x=f"{x_field}:T", tooltip=tooltip)
        )
    for (lane, side, is_note), rows in ev.dropna(subset=["lane"]).groupby(["lane", "side", "note"]):
        text = alt.Chart(rows[[x_field, "title", "label"]]).mark_text(
            align="left" if side == "left" else "right",
            dx=3 if side == "left" else -3,
            baseline="top",
            color=NOTE_COLOUR if is_note else MUTED,
            fontSize=10,
            fontWeight="bold" if is_note else "normal",
            angle=0,
            limit=_LABEL_LIMIT_PX,
        )
        layers.append(
            text.encode(x=f"{x_field}:T", y=alt.value(2 + int(lane) * _LANE_PX), text="label:N")
        )
    return layers


def size(chart: alt.Chart, width: int = WIDTH, height: int = HEIGHT) -> alt.Chart:
    return chart.properties(width=width, height=height)


def money_axis(**kw) -> alt.Axis:
    """EUR axis labels such as €3.4k (d3's '$' would print dollars)."""
    return alt.Axis(labelExpr="'€' + format(datum.value, '~s')", **kw)


def count_axis(**kw) -> alt.Axis:
    return alt.Axis(format="~s", **kw)


def pct_axis(**kw) -> alt.Axis:
    return alt.Axis(format=".1%", **kw)
