"""Rendering helpers shared by pages: KPI tiles, charts with context, readable failures."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from typing import TypeVar

import pandas as pd
import streamlit as st

from analytics import format as fmt
from analytics.metrics import METRICS, Tile
from charts import theme
from charts.common import selection_names
from data_access.loaders.base import WarehouseError
from data_access.scope import Scope

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


def tiles(items: list[Tile], scope: Scope, columns: int = 4) -> None:
    if not scope.money:  # no money tiles for viewers without the money right
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
# Streamlit 1.67 puts a "Download as PNG" button in every Vega-Lite chart's toolbar (and,
# on localhost, "Copy Vega-Lite spec", data included) and has no option to leave them out;
# both would bypass the audited export menu, so they are hidden. Fullscreen stays.
_HIDE_TOOLBAR_DOWNLOAD = (
    "<style>"
    "[data-testid='stElementToolbarButton']:has(button[aria-label^='Download as PNG']),"
    "[data-testid='stElementToolbarButton']:has(button[aria-label^='Copy Vega-Lite spec'])"
    "{display:none !important}</style>"
)


def _selection_kwargs(spec: dict, kwargs: dict) -> dict:
    """Keep ``on_select`` only for selections the spec defines: Streamlit raises on a spec
    without them (e.g. a builder's "no data" placeholder), which would crash the page."""
    defined = selection_names(spec)
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
    """``st.altair_chart`` in the app's way: the active Streamlit theme (light or dark), no
    image download outside the audited export menu, and the chart's own plot height.

    Streamlit shrinks a chart's height when it is drawn narrower than its spec (in a column)
    and takes a bottom legend's rows from the plot; giving the element an explicit height
    (plot + chrome + legend rows) keeps bar rows readable and the plot its size.
    """
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("theme", "streamlit")
    chart = theme.on_screen(chart)
    spec = _spec(chart)  # serialised once here (Streamlit serialises it once more to draw it)
    if kwargs.get("on_select") not in (None, "ignore"):
        kwargs = _selection_kwargs(spec, kwargs)
    if "height" not in kwargs:
        height = spec.get("height")
        if isinstance(height, int | float):
            kwargs["height"] = int(height) + _CHART_CHROME_PX + theme.legend_height(spec)
    st.html(_HIDE_TOOLBAR_DOWNLOAD)
    return st.altair_chart(chart, **kwargs)


def _spec(chart) -> dict:
    # Unvalidated: Streamlit validates once when it draws the chart; this only reads sizes.
    return chart.to_dict(validate=False)


def plotly(fig, **kwargs):
    """``st.plotly_chart`` in the app's way: the active Streamlit theme and no modebar (its
    camera button would download an image outside the audited export menu)."""
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("theme", "streamlit")
    kwargs["config"] = {**(kwargs.get("config") or {}), **theme.PLOTLY_SCREEN_CONFIG}
    return st.plotly_chart(fig, **kwargs)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def plain(text: str) -> str:
    """Text (which may hold warehouse names) shown through markdown as written."""
    return _MARKDOWN.sub(r"\\\1", str(text))


# Streamlit number formats per metric unit: one formatter for every table.
# Shares are shown as 5.3% (one decimal, as in tiles and charts): the table holds them x100.
_UNIT_FORMATS = {"count": "localized", "eur": "euro", "pct": "%.1f%%", "hours": "%.1f"}


def table(df: pd.DataFrame, columns: Mapping[str, str | tuple[str, str, str]], **kwargs) -> None:
    """A table whose column labels, number formats and help come from METRICS.

    ``columns`` maps each shown column to a metric key, or to (label, unit, help) for a
    column that is not a metric ("text" is a text column). Columns absent from the frame
    (money for a viewer without the right) are skipped.
    """
    config, shown = {}, []
    df = df.copy()
    for col, spec in columns.items():
        if col not in df.columns:
            continue
        if isinstance(spec, str):
            m = METRICS[spec]
            label, unit, help_ = m.label, m.unit, m.definition
        else:
            label, unit, help_ = spec
        shown.append(col)
        if unit == "pct":
            df[col] = df[col] * 100
        if unit == "text":
            config[col] = st.column_config.TextColumn(label, help=help_ or None)
        elif unit == "link":  # a relative URL (ui.links), e.g. an entity's page
            config[col] = st.column_config.LinkColumn(label, display_text="Open", help=help_)
        else:
            config[col] = st.column_config.NumberColumn(
                label, format=_UNIT_FORMATS.get(unit, "localized"), help=help_ or None
            )
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(df[shown], column_config=config, **kwargs)
