"""The export menu under each chart: PNG/SVG/PDF of the figure, CSV/XLSX of its data.

Bytes are built only when a button is clicked (Streamlit's deferred downloads) and are
cached by the figure's content, so a page run never renders images it does not need and a
second click costs nothing. Viewers without the export right see no buttons.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from analytics.metrics import METRICS
from charts import export
from data_access.filters import Filters, Options
from reports.view import View, money_columns
from ui import audit, notes

if TYPE_CHECKING:
    from ui.page import PageContext

log = logging.getLogger("fraud.export")


@dataclass(frozen=True)
class ChartExport:
    """Everything needed to export one chart: its figure, its data, what it is."""

    key: str  # unique per page, e.g. "overview_trend"
    page: str  # page slug for file names, e.g. "overview"
    title: str
    data: pd.DataFrame
    chart: object = None  # Altair chart
    figure: object = None  # Plotly figure (Sankey, fan charts)
    metrics: tuple[str, ...] = ()  # keys of METRICS used, for the definitions sheet
    money: tuple[str, ...] = ()
    percent: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)
    view: str | None = None  # id of a declared view (reports): offers "Add to deck"
    view_params: Mapping[str, str] = field(default_factory=dict)  # the page's own settings
    marks: pd.DataFrame | None = None  # the events and notes on the chart (XLSX sheet)


DECK_KEY = "deck_items"  # session list of saved views for the Deck builder


def add_to_deck(view: str, f: Filters, opts: Options, params: Mapping[str, str]) -> None:
    """Save the view with these filters and page settings for the Deck builder."""
    items = list(st.session_state.get(DECK_KEY, []))
    item = {
        "view": view,
        "filters": f.to_query_params(opts),
        "params": {k: str(v) for k, v in params.items()},
    }
    if item not in items:
        items.append(item)
    st.session_state[DECK_KEY] = items
    from ui.saved_views import keep_draft  # here: saved_views imports this module

    keep_draft(items)  # in the store too: the draft survives a reload
    st.toast("Added to the deck (Deck builder page).", icon=":material/slideshow:")


@lru_cache(maxsize=64)
def _altair_bytes(spec_json: str, fmt: str) -> bytes:
    return export.altair_image(json.loads(spec_json), fmt)


@st.cache_resource(show_spinner=False)
def _kaleido_server() -> bool:
    """One long-lived browser for Plotly exports per process."""
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    return True


@lru_cache(maxsize=32)
def _plotly_bytes(fig_json: str, fmt: str, title: str, context: str, as_of) -> bytes:
    import plotly.io as pio

    return export.plotly_image(
        pio.from_json(fig_json), fmt, title=title, context=context, as_of=as_of
    )


@lru_cache(maxsize=16)
def _deck_bytes(spec_json: str, url: str, scope, opts: Options) -> bytes:
    """The deck for a JSON spec (cached: a second click on the same deck costs nothing)."""
    from reports.deck import DeckItem, build_deck

    spec = json.loads(spec_json)
    items = [
        DeckItem(i["view"], Filters.from_query_params(i["filters"], opts), i["params"])
        for i in spec["items"]
    ]
    return build_deck(
        items,
        title=spec["title"],
        author=spec["author"],
        url=url,
        as_of=opts.max_date,
        base_url=spec["base_url"],
        scope=scope,
        options=opts,
    )


def deck_bytes(
    items: list[dict], *, title: str, author: str, base_url: str, url: str, scope, opts: Options
) -> bytes:
    """Build (or reuse) the .pptx of saved-view dicts {view, filters (URL form), params}."""
    spec = {"items": items, "title": title, "author": author, "base_url": base_url}
    return _deck_bytes(json.dumps(spec, sort_keys=True), url, scope, opts)


def context_of(f: Filters, opts: Options, context: str) -> dict[str, str]:
    """The filter context written into exports (and the XLSX 'About' sheet)."""
    return {
        "Period": f"{f.start:%Y-%m-%d} to {f.end:%Y-%m-%d}",
        "Filters": context,
        "Data as of": f"{opts.max_date:%Y-%m-%d}",
        "Exported": export.now_stamp(),
    }


def view_menu(view: View, df: pd.DataFrame, fig, ctx: PageContext, params: Mapping[str, str]):
    """The export menu of a declared view: its frame, its figure, its definitions."""
    settings = {view.param(k).label: v for k, v in params.items()}
    render(
        ChartExport(
            key=view.id.replace(".", "_"),
            page=view.page,
            title=view.title,
            data=df,
            chart=None if view.plotly else fig,
            figure=fig if view.plotly else None,
            metrics=view.metrics,
            money=money_columns(df),
            percent=view.percent,
            extra=settings,
            view=view.id,
            view_params=params,
            marks=notes.export_frame(notes.marks_for(df, ctx)),
        ),
        ctx,
    )


def _altair_image(chart, fmt: str, title: str, context: str, as_of) -> bytes:
    """Image bytes of a chart with its context written in (made when the button is clicked:
    a page run never serialises figures nobody exports)."""
    spec = export.with_context(chart, title=title, context=context, as_of=as_of)
    return _altair_bytes(json.dumps(spec, sort_keys=True, default=str), fmt)


def render(item: ChartExport, ctx: PageContext, *, where=st) -> None:
    """A compact 'Export' popover with the five downloads (nothing for non-exporters)."""
    scope, f, opts = ctx.scope, ctx.filters, ctx.options
    if not scope.exports:
        return
    context = ctx.context
    meta = context_of(f, opts, context)
    definitions = {METRICS[k].label: METRICS[k].definition for k in item.metrics if k in METRICS}

    def name(ext: str) -> str:
        return export.file_name(item.page, end=f.end, markets=f.markets, suffix=item.key, ext=ext)

    def audited(fetch: Callable[[], bytes], fmt: str) -> Callable[[], bytes]:
        return audit.audited(
            fetch, viewer=ctx.viewer, item=item.key, fmt=fmt, f=f, rows=len(item.data)
        )

    with where.popover("Export", icon=":material/download:"):
        if item.chart is not None:
            for fmt in export.IMAGE_FORMATS:
                st.download_button(
                    f"{fmt.upper()} image",
                    data=audited(
                        partial(_altair_image, item.chart, fmt, item.title, context, opts.max_date),
                        fmt,
                    ),
                    file_name=name(fmt),
                    mime=export.MIME[fmt],
                    key=f"{item.key}_{fmt}",
                    on_click="ignore",  # audited when the bytes are made
                    icon=":material/image:",
                )
        elif item.figure is not None:
            if export.plotly_export_available():
                figure = item.figure

                def plotly_data(fmt: str) -> bytes:
                    _kaleido_server()
                    fig_json = figure.to_json()
                    return _plotly_bytes(fig_json, fmt, item.title, context, opts.max_date)

                for fmt in export.IMAGE_FORMATS:
                    st.download_button(
                        f"{fmt.upper()} image",
                        data=audited(partial(plotly_data, fmt), fmt),
                        file_name=name(fmt),
                        mime=export.MIME[fmt],
                        key=f"{item.key}_{fmt}",
                        on_click="ignore",  # audited when the bytes are made
                        icon=":material/image:",
                    )
            else:
                st.caption(
                    "Image export of this figure needs Chrome or Chromium on the server "
                    "(`apt-get install chromium`). Data exports below work without it."
                )
        data = item.data
        st.download_button(
            "CSV data",
            data=audited(partial(export.csv_bytes, data), "csv"),
            file_name=name("csv"),
            mime=export.MIME["csv"],
            key=f"{item.key}_csv",
            on_click="ignore",  # audited when the bytes are made
            icon=":material/table:",
        )
        st.download_button(
            "XLSX data",
            data=audited(
                partial(
                    export.xlsx_bytes,
                    data,
                    title=item.title,
                    context={**meta, **item.extra},
                    definitions=definitions,
                    money=item.money,
                    percent=item.percent,
                    marks=item.marks,
                ),
                "xlsx",
            ),
            file_name=name("xlsx"),
            mime=export.MIME["xlsx"],
            key=f"{item.key}_xlsx",
            on_click="ignore",  # audited when the bytes are made
            icon=":material/grid_on:",
        )
        if item.view:
            st.button(
                "Add to deck",
                key=f"{item.key}_deck",
                on_click=add_to_deck,
                args=(item.view, f, opts, dict(item.view_params)),
                icon=":material/slideshow:",
                help="Save this chart with its current filters for the Deck builder.",
            )
