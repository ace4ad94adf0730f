"""Rendering helpers shared by pages: KPI tiles, charts with context, readable failures."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import streamlit as st

from analytics import format as fmt
from analytics.metrics import INPUTS, METRICS, Tile
from charts import theme
from charts.common import selection_names
from data_access import availability
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


def tiles(
    items: list[Tile], scope: Scope, columns: int = 4, *, missing: frozenset[str] = frozenset()
) -> None:
    """KPI tiles; a tile whose metric needs an input in ``missing`` (the optional inputs
    the warehouse does not map) is left out, and one line says which input."""
    if not scope.money:  # no money tiles for viewers without the money right
        items = [t for t in items if t.metric.unit != "eur"]
    items, gone = without_unmapped(items, missing)
    _tile_row(items, columns)
    for name in gone:  # under the row: one line per input, where its tiles would be
        not_mapped(name)


def _tile_row(items: list[Tile], columns: int) -> None:
    if not items:
        return
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


def not_mapped(name: str, *, about: str | None = None) -> None:
    """The one line shown instead of a view or tiles that need the optional input ``name``,
    which the warehouse does not map (``about``: what is replaced, e.g. a view's title)."""
    text = availability.message(name)
    st.info(f"**{plain(about)}** · {text}" if about else text, icon=":material/link_off:")


def without_unmapped(items: list[Tile], missing) -> tuple[list[Tile], list[str]]:
    """``items`` less the tiles whose metric needs an input in ``missing``, and those
    inputs (each once, in order)."""
    gone = [i for t in items for i in INPUTS.get(t.metric.key, ()) if i in missing]
    kept = [t for t in items if not any(i in missing for i in INPUTS.get(t.metric.key, ()))]
    return kept, list(dict.fromkeys(gone))


def no_data(df: pd.DataFrame | None, *, about: str | None = None) -> bool:
    """Show the empty-selection message when there is nothing to draw (``about``: the name
    of what is empty, e.g. a view's title, written before the message)."""
    if df is None or df.empty:
        text = f"**{plain(about)}** · {NO_DATA}" if about else NO_DATA
        st.info(text, icon=":material/filter_list_off:")
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


def _selection_kwargs(defined: tuple[str, ...], kwargs: dict) -> dict:
    """Keep ``on_select`` only for selections the spec defines (``defined``): Streamlit
    raises on a spec without them (e.g. a builder's "no data" placeholder), which would
    crash the page."""
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


@dataclass(frozen=True)
class PreparedChart:
    """An Altair chart as drawn on screen (embed actions off) with what the draw call reads
    from its spec: the plot height plus chrome and legend rows, and its selections. Made
    once per figure (a view caches it), so a rerun does not serialise the chart to learn
    its size: Streamlit's own draw is then the only serialisation."""

    chart: object
    height: int | None
    selections: tuple[str, ...]


def prepare_altair(chart) -> PreparedChart:
    chart = theme.on_screen(chart)
    spec = _spec(chart)
    height = spec.get("height")
    return PreparedChart(
        chart=chart,
        height=int(height) + _CHART_CHROME_PX + theme.legend_height(spec)
        if isinstance(height, int | float)
        else None,
        selections=tuple(selection_names(spec)),
    )


def altair(chart, **kwargs):
    """``st.altair_chart`` in the app's way: the active Streamlit theme (light or dark), no
    image download outside the audited export menu, and the chart's own plot height.

    Streamlit shrinks a chart's height when it is drawn narrower than its spec (in a column)
    and takes a bottom legend's rows from the plot; giving the element an explicit height
    (plot + chrome + legend rows) keeps bar rows readable and the plot its size.
    ``chart``: an Altair chart or a :class:`PreparedChart`.
    """
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("theme", "streamlit")
    ready = chart if isinstance(chart, PreparedChart) else prepare_altair(chart)
    if kwargs.get("on_select") not in (None, "ignore"):
        kwargs = _selection_kwargs(ready.selections, kwargs)
    if "height" not in kwargs and ready.height is not None:
        kwargs["height"] = ready.height
    st.html(_HIDE_TOOLBAR_DOWNLOAD)
    return st.altair_chart(ready.chart, **kwargs)


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
_UNIT_FORMATS = {
    "count": "localized",
    "eur": "euro",
    "pct": "%.1f%%",
    "hours": "%.1f",
    "ratio": "%.2f",
    "id": "%d",
}
_WHOLE = frozenset({"count", "eur", "id"})
_DATE_FORMATS = {"date": "D MMM YYYY", "datetime": "YYYY-MM-DD HH:mm"}  # as the charts' axes
# Kinds of column that are not numbers: text, dates, a checkbox, a link.
KINDS = frozenset(_UNIT_FORMATS) | frozenset(_DATE_FORMATS) | {"text", "checkbox", "link"}


@dataclass(frozen=True)
class Column:
    """One table column: its label, kind (a metric unit — count, eur, pct, hours — or ratio,
    id, text, date, datetime, checkbox, link), help and the few options a kind takes.

    ``progress`` draws a pct column as a bar from 0 to 100%. A ``link`` column holds URLs
    and shows ``display_text``: fixed text, or a regular expression whose first group is cut
    out of the URL. A click opens the URL in a new tab (Streamlit's ``window.open``), so a
    relative one opens in the app: ``track?isrc=…`` resolves against the page's URL (and
    keeps a ``server.baseUrlPath``), ``/track?isrc=…`` against the server's root.
    """

    label: str
    kind: str = "text"
    help: str = ""
    format: str | None = None
    progress: bool = False
    display_text: str | None = None
    width: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.progress and self.kind != "pct":
            raise ValueError("a progress column is a pct column")


def column(metric: str, **overrides) -> Column:
    """The column of a metric of METRICS (label, unit, definition), with overrides
    (e.g. a shorter label, ``progress=True``)."""
    m = METRICS[metric]
    return Column(**{"label": m.label, "kind": m.unit, "help": m.definition, **overrides})


def link(label: str, display_text: str, help: str = "") -> Column:
    """A column of entity URLs shown as ``display_text`` (a regex group of the URL)."""
    return Column(label, "link", help, display_text=display_text)


def column_config(col: Column):
    """The ``st.column_config`` of one column."""
    cc, help_ = st.column_config, col.help or None
    if col.kind == "text":
        return cc.TextColumn(col.label, help=help_, width=col.width)
    if col.kind == "checkbox":
        return cc.CheckboxColumn(col.label, help=help_, width=col.width)
    if col.kind == "link":
        return cc.LinkColumn(col.label, help=help_, width=col.width, display_text=col.display_text)
    if col.kind == "date":
        return cc.DateColumn(col.label, help=help_, format=col.format or _DATE_FORMATS["date"])
    if col.kind == "datetime":
        return cc.DatetimeColumn(
            col.label, help=help_, format=col.format or _DATE_FORMATS["datetime"]
        )
    number_format = col.format or _UNIT_FORMATS[col.kind]
    if col.progress:
        return cc.ProgressColumn(
            col.label,
            help=help_,
            format=number_format,
            min_value=0.0,
            max_value=100.0,
            width=col.width,
        )
    # Counts and euros in whole units (Streamlit takes a column's decimals from its step).
    step = 1 if col.format is None and col.kind in _WHOLE else None
    return cc.NumberColumn(col.label, help=help_, format=number_format, width=col.width, step=step)


def _as_column(spec: str | tuple[str, str, str] | Column) -> Column:
    if isinstance(spec, Column):
        return spec
    if isinstance(spec, str):
        return column(spec)
    return Column(*spec)


def table_config(
    df: pd.DataFrame, columns: Mapping[str, str | tuple[str, str, str] | Column]
) -> tuple[pd.DataFrame, dict]:
    """The frame to show (its columns in ``columns``' order, shares x100) and its config."""
    config, shown = {}, []
    df = df.copy()
    for name, spec in columns.items():
        if name not in df.columns:
            continue
        col = _as_column(spec)
        shown.append(name)
        if col.kind == "pct":
            df[name] = df[name] * 100
        elif col.kind == "id" and _beyond_browser_numbers(df[name]):
            # A browser's numbers are exact up to 2**53 only: the table flagged an 18-digit
            # (BIGINT) id as unsafe. As text it reads exactly as the warehouse holds it.
            df[name] = df[name].map(_id_text)
            col = Column(col.label, "text", col.help, width=col.width)
        elif col.kind == "text" and df[name].isna().any():
            # A missing text reads as a dash, not as Streamlit's grey "None".
            df[name] = df[name].astype(object).where(df[name].notna(), "—")
        config[name] = column_config(col)
    return df[shown], config


_MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER


def _beyond_browser_numbers(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce")
    return bool((numbers.abs() > _MAX_SAFE_INTEGER).any())


def _id_text(value) -> str:
    if pd.isna(value):
        return "—"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def table(
    df: pd.DataFrame, columns: Mapping[str, str | tuple[str, str, str] | Column], **kwargs
) -> None:
    """A table whose column labels, number formats and help come from METRICS.

    ``columns`` maps each shown column to a metric key, to a ``Column`` (``column(key, …)``
    for a metric shown another way, ``link(…)`` for entity pages), or to (label, kind, help)
    for a column that is not a metric ("text" is a text column). Columns absent from the
    frame (money for a viewer without the right) are skipped.
    """
    shown, config = table_config(df, columns)
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(shown, column_config=config, **kwargs)
