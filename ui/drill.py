"""Drill-down from chart selections: a click narrows the global filters; "clear" restores.

Charts are drawn with ``on_select=pick(...)``; the callback runs before the next script run,
so it may set the sidebar widgets' state (bound to the URL) before they are created.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from data_access.filters import URL_KEYS

_PREV = "_drill_previous"
DAY_GRAIN = ("trends_grain", "day")  # (setting, value) a drill into one week switches on
FILTER_KEYS = URL_KEYS  # the global filters a drill-down may change and "clear" restores


def _remember() -> None:
    if _PREV not in st.session_state:
        keys = (*FILTER_KEYS, DAY_GRAIN[0])
        st.session_state[_PREV] = {k: st.session_state.get(k) for k in keys}


def selected_values(chart_key: str, field: str) -> list:
    """Values of ``field`` in the current selection of the chart with key ``chart_key``."""
    event = st.session_state.get(chart_key)
    if not event:
        return []
    selection = event.get("selection", {}) if hasattr(event, "get") else {}
    values = []
    for points in selection.values():
        if isinstance(points, list):
            values += [p.get(field) for p in points if isinstance(p, dict) and field in p]
    return [v for v in values if v is not None]


def pick(chart_key: str, field: str, kind: str) -> Callable[[], None]:
    """Callback: narrow global filter ``kind`` (market/label/...) to the clicked value(s).

    ``kind == 'week'`` narrows the period to the clicked week (field holds its start date).
    """

    def callback() -> None:
        values = selected_values(chart_key, field)
        if not values:
            return
        _remember()
        if kind == "week":
            start = as_date(values[0])
            if start is None:
                return
            set_period(start, start + timedelta(days=6))
            # One week by week is one point: the trend switches to its days.
            st.session_state[DAY_GRAIN[0]] = DAY_GRAIN[1]
        else:
            st.session_state[kind] = sorted({str(v) for v in values})

    return callback


def as_date(value) -> date | None:
    """A selected date: Vega-Lite sends temporal fields as epoch milliseconds, text as ISO."""
    try:
        if isinstance(value, (int, float)):
            return pd.Timestamp(int(value), unit="ms").date()
        return pd.Timestamp(str(value)[:10]).date()
    except (ValueError, OverflowError):
        return None


def set_period(start: date, end: date) -> None:
    st.session_state["period"] = (start, end)


def clear() -> None:
    previous = st.session_state.pop(_PREV, None) or {}
    for key, value in previous.items():
        if value is not None:
            st.session_state[key] = value
        elif key in ("period", DAY_GRAIN[0]):  # was at its default: let the widget default
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = []


def clear_button(where=st) -> None:
    """A visible way back after a drill-down; and, when the filters (a chart click, a "What
    changed" driver, the sidebar) narrow to one label or distributor, a way on to its page."""
    if _PREV in st.session_state:
        where.button(
            "Clear drill-down",
            on_click=clear,
            icon=":material/zoom_out:",
            key="drill_clear",
            type="primary",
        )
    entity_links(where)


ENTITY_KINDS = ("label", "distributor")  # filters whose single member has its own page


def entity_links(where=st) -> None:
    """A link to the page of the one label / distributor the filters hold (a new tab, with
    the period, as every entity link)."""
    from ui import links

    period = st.session_state.get("period")
    period = tuple(period) if isinstance(period, (tuple, list)) and len(period) == 2 else None
    for kind in ENTITY_KINDS:
        values = st.session_state.get(kind) or []
        if len(values) == 1:
            where.link_button(
                f"Open the {kind} page of {values[0]}",
                links.name_url(kind, values[0], period),
                icon=":material/open_in_new:",
            )
