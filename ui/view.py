"""``show(view, ctx)``: draw one declared view on a page.

Its own settings, the headline, the chart (with its drill-down click), a short note, one
compact export menu and "Add to deck", all from the view's declaration. Each view runs in
its own ``st.fragment``: changing a view's own setting reruns only that view, not the page.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

import reports
from data_access.filters import Filters
from data_access.loaders.base import CACHE_TTL_S
from data_access.scope import Scope
from data_access.settings import resolve_url
from reports.view import View
from ui import drill, exports, notes, render, widgets
from ui.page import PageContext

Below = Callable[[pd.DataFrame, dict], None]
_RERUN = "_view_rerun_app"  # a drill click inside a fragment asks for a whole-page rerun


def own_params(view: View, ctx: PageContext) -> dict[str, str]:
    """Draw the view's own settings (not the page-level shared ones) and return every
    setting's value, shared ones from the page context."""
    own = [p for p in view.params if p.key not in ctx.params]
    values = dict(ctx.params)
    if own:
        cols = st.columns(len(own)) if len(own) > 1 else [st]
        for p, col in zip(own, cols, strict=True):
            idle = p.idle_when is not None and values.get(p.idle_when[0]) == p.idle_when[1]
            values[p.key] = widgets.param_widget(p, ctx.scope, where=col, disabled=idle)
    return reports.safe_params(view, {k: v for k, v in values.items() if k in _keys(view)})


def _keys(view: View) -> set[str]:
    return {p.key for p in view.params}


def show(
    view: View, ctx: PageContext, *, below: Below | None = None, above: Below | None = None
) -> None:
    """Draw ``view`` for this page's viewer and filters (``above`` / ``below``: the page's
    own pieces between the headline and the chart / under the chart)."""
    if view.needs_money and not ctx.scope.money:
        return  # a money chart for a viewer without the money right: not even a frame
    lacking = [i for i in view.needs if i in ctx.missing]
    if lacking:  # an input the warehouse does not map: one line instead of a view of zeros
        render.not_mapped(lacking[0], about=view.title)
        return
    _fragment(view.id, ctx, below, above)


def container_key(view_id: str) -> str:
    """The key of the container a view is drawn in (CSS class ``st-key-<key>``: a stable
    handle for browser tests and styles), e.g. ``view-overview-trend``."""
    return "view-" + view_id.replace(".", "-")


@st.fragment
def _fragment(view_id: str, ctx: PageContext, below: Below | None, above: Below | None) -> None:
    if st.session_state.pop(_RERUN, False):
        st.rerun()  # a click narrowed the global filters: the whole page must follow
    with st.container(key=container_key(view_id)):
        _draw(view_id, ctx, below, above)


def _draw(view_id: str, ctx: PageContext, below: Below | None, above: Below | None) -> None:
    view = reports.get(view_id)
    params = own_params(view, ctx)
    lacking = [i for i in view.needs_for(params) if i in ctx.missing]
    if lacking:  # these settings need an input the warehouse does not map
        render.not_mapped(lacking[0], about=view.title)
        return
    df = render.load(
        _frame, view.id, ctx.scope, ctx.filters, resolve_url(), tuple(sorted(params.items()))
    )
    empty = reports.is_empty(df)
    if not empty:  # an empty view says so once, in its message (with the view's name)
        st.markdown(f"**{render.plain(view.headline(df))}**")
    if above is not None:
        above(df, params)
    if empty:
        render.no_data(None, about=view.title)
        return
    chosen = view.drill_for(params)
    built = _built(
        view.id,
        df,
        repr(sorted(df.attrs.items())),
        ctx.context,
        ctx.events,
        tuple(sorted(params.items())),
        chosen is not None,
    )
    chart_key = f"view_{view.id}"
    if view.plotly:
        fig = built
        _lazy_plotly(view, fig, chart_key)
    else:
        fig = built.chart
        if chosen is not None:  # render.altair drops on_select if the figure defines none
            on_select = _picked(chart_key, chosen.field, chosen.kind)
            render.altair(built, key=chart_key, on_select=on_select)
        else:
            render.altair(built, key=chart_key)
    note = view.note_for(df, params)
    if note:
        st.caption(note)
    notes.below_chart(view, df, ctx)
    if below is not None:
        below(df, params)
    exports.view_menu(view, df, fig, ctx, params)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=512, show_spinner=False)
def _frame(
    view_id: str, scope: Scope, filters: Filters, url: str, params: tuple[tuple[str, str], ...]
) -> pd.DataFrame:
    """The view's frame, kept as long as the loaders keep theirs: what a view computes from
    its loaders' results (a decomposition, shares, flags) is done once per viewer scope,
    filters, warehouse and settings, not on every rerun. Keyed by the scope like every
    loader, so no viewer gets a frame made for another scope."""
    return reports.frame(reports.get(view_id), scope, filters, url, dict(params))


@st.cache_resource(max_entries=512, show_spinner=False)
def _built(
    view_id: str,
    df: pd.DataFrame,
    attrs: str,
    subtitle: str,
    events: pd.DataFrame | None,
    params: tuple[tuple[str, str], ...],
    interactive: bool,
):
    """The view's figure for this frame (a Plotly figure, or an Altair chart prepared for
    the screen), built once per distinct frame, settings and events: a rerun that shows
    the same data (a fresh tab, a filter set back, another view's own setting) reuses it
    instead of building and serialising the chart again. ``attrs``: the frame's attrs
    (some figures read them), which the frame's hash leaves out. Figures are never changed
    after they are built, and the key holds the data itself, so sharing them between
    sessions shares nothing a viewer could not see."""
    del attrs  # part of the key only
    view = reports.get(view_id)
    fig = reports.figure(
        view,
        df,
        subtitle=subtitle,
        events=events,
        params=dict(params),
        interactive=interactive,
    )
    return fig if view.plotly else render.prepare_altair(fig)


def diagram_key(view: View) -> str:
    return f"view_{view.id.replace('.', '_')}_diagram"


def _lazy_plotly(view: View, fig, chart_key: str) -> None:
    """A Plotly diagram (the Sankeys) behind an expander that runs its content only when
    open: Plotly's script (4.7 MB) is then fetched when someone asks for the diagram, not
    by every fresh tab (the page's table under it holds the same figures)."""
    box = st.expander(
        "Flow diagram", icon=":material/account_tree:", key=diagram_key(view), on_change="rerun"
    )
    if box.open:
        with box:
            render.plotly(fig, key=chart_key)


def _picked(chart_key: str, field: str, kind: str) -> Callable[[], None]:
    narrow = drill.pick(chart_key, field, kind)

    def callback() -> None:
        before = {k: st.session_state.get(k) for k in drill.FILTER_KEYS}
        narrow()
        if any(st.session_state.get(k) != v for k, v in before.items()):
            st.session_state[_RERUN] = True

    return callback
