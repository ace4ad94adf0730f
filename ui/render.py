"""Rendering helpers shared by pages: KPI tiles, charts with context, readable failures."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

import pandas as pd
import streamlit as st

from analytics import format as fmt
from analytics.metrics import Tile
from charts.common import selection_names
from data_access.loaders.base import WarehouseError
from ui.identity import current_scope

T = TypeVar("T")
NO_DATA = "No data for this selection. Widen the period or clear some filters."


def retry() -> None:
    st.cache_data.clear()


def show_warehouse_error(err: WarehouseError) -> None:
    st.error(f"{err.message}  \nReference: `{err.ref}`", icon=":material/cloud_off:")
    st.button("Retry", key=f"retry_{err.ref}", on_click=retry, icon=":material/refresh:")


@contextmanager
def guard():
    """Turn warehouse failures into a readable message (and stop this page's run)."""
    try:
        yield
    except WarehouseError as err:
        show_warehouse_error(err)
        st.stop()


def load(fn: Callable[..., T], *args, **kwargs) -> T:
    """Call a loader under a spinner; failures become a readable message and stop the page."""
    with guard(), st.spinner("Asking the warehouse…"):
        return fn(*args, **kwargs)


def tiles(items: list[Tile], columns: int = 4) -> None:
    if not current_scope().money:  # no money tiles for viewers without the money right
        items = [t for t in items if t.metric.unit != "eur"]
    cols = st.columns(columns)
    for i, tile in enumerate(items):
        m = tile.metric
        delta_text = fmt.delta(tile.delta, m.unit)
        # A change that rounds to nothing is no news: grey, without an arrow.
        moved = fmt.delta_moved(tile.delta, m.unit)
        colour = (
            "off"
            if m.higher_is_better is None or not moved
            else ("normal" if m.higher_is_better else "inverse")
        )
        with cols[i % columns]:
            st.metric(
                m.label,
                fmt.value(tile.value, m.unit),
                delta=delta_text,
                delta_color=colour,
                delta_arrow="auto" if moved else "off",
                help=f"{m.definition} Delta: vs the previous period of equal length.",
                border=True,
            )


def no_data(df: pd.DataFrame | None) -> bool:
    """Show the empty-selection message when there is nothing to draw."""
    if df is None or df.empty:
        st.info(NO_DATA, icon=":material/filter_list_off:")
        return True
    return False


def filter_notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        st.warning(note, icon=":material/link_off:")


def period_caption(f, opts, context: str) -> bool:
    """The page's context line and whether deltas compare with a fully covered previous
    period; returns that ``compare`` flag (False: the previous period starts before the data)."""
    compare = f.previous().start >= opts.min_date
    days = fmt.plural(f.days, "day")
    verb = "begins" if f.days == 1 else "begin"
    st.caption(
        f"{context} · compared with the previous {days}"
        if compare
        else f"{context} · no comparison: the previous {days} {verb} before the data does"
    )
    return compare


# Room around a chart's plot area: title and subtitle, the x axis and its title, padding.
_CHART_CHROME_PX = 120


def _selection_kwargs(chart, kwargs: dict) -> dict:
    """Keep ``on_select`` only for selections the spec defines: Streamlit raises on a spec
    without them (e.g. a builder's "no data" placeholder), which would crash the page."""
    defined = selection_names(chart)
    mode = kwargs.get("selection_mode")
    wanted = [mode] if isinstance(mode, str) else list(mode or defined)
    kept = [name for name in wanted if name in defined]
    out = dict(kwargs)
    if not kept:
        out.pop("on_select", None)
        out.pop("selection_mode", None)
    elif mode is not None:
        out["selection_mode"] = kept[0] if isinstance(mode, str) else kept
    return out


def altair(chart, **kwargs):
    """``st.altair_chart`` that keeps the chart's own height.

    Streamlit shrinks a chart's height when it is drawn narrower than its spec (in a column,
    or with a legend at the side), which squashes bar rows and overlaps their labels; giving
    the element an explicit height keeps the rows readable.
    """
    kwargs.setdefault("width", "stretch")
    if kwargs.get("on_select") not in (None, "ignore"):
        kwargs = _selection_kwargs(chart, kwargs)
    if "height" not in kwargs:
        height = chart.to_dict().get("height")
        if isinstance(height, int | float):
            kwargs["height"] = int(height) + _CHART_CHROME_PX
    return st.altair_chart(chart, **kwargs)
