"""The opening every analysis page shares: access check, the viewer, filters, context, the
audit record of the view, and the page-level settings shared by several of its views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd
import streamlit as st

import reports
from data_access.access import Viewer
from data_access.filters import Filters, Options
from data_access.loaders.availability import load_not_mapped
from data_access.loaders.options import load_events
from data_access.scope import Scope
from reports.view import Param
from ui import audit, identity, notes, render, state, widgets


class PageContext(NamedTuple):
    """What a page and its views need, looked up once per run and passed explicitly."""

    viewer: Viewer
    filters: Filters
    options: Options
    context: str  # the one-line filter context for captions and exports
    page: str
    events: pd.DataFrame | None = None  # warehouse events + notes (ui.annotations)
    params: Mapping[str, str] = {}  # page-level settings shared by several views
    # Optional inputs the warehouse does not map (data_access.availability).
    missing: frozenset[str] = frozenset()

    @property
    def scope(self) -> Scope:
        return self.viewer.scope

    def with_params(self, params: Mapping[str, str]) -> PageContext:
        return self._replace(params={**self.params, **params})


def start_page(slug: str) -> PageContext:
    """Refuse (and stop, running no query) unless the viewer may open ``slug``; otherwise
    return what the page needs and record the view in the audit log."""
    # Through the module, so the viewer is looked up at call time (and can be patched).
    identity.access_guard(slug)
    viewer = identity.current_viewer()
    opts = state.options(viewer.scope)
    f = state.current_filters(opts)
    audit.record_view(viewer, slug, f)
    explain_link(slug)
    missing = render.load(load_not_mapped)
    # Without mapped events the charts simply carry no event marks (notes still show).
    events = None if "events" in missing else render.load(load_events)
    timeline = notes.page_timeline(viewer, f, opts, events)
    context = state.context_line(f, opts)
    return PageContext(viewer, f, opts, context, slug, timeline, missing=missing)


def controls(ctx: PageContext, params: tuple[Param, ...], *, where=st) -> PageContext:
    """Draw the page-level settings (shared by several views) in one row; the context
    returned carries their values."""
    cols = where.columns(len(params)) if len(params) > 1 else [where]
    values = {
        p.key: widgets.param_widget(p, ctx.scope, where=col)
        for p, col in zip(params, cols, strict=True)
    }
    return ctx.with_params(values)


def explain_link(slug: str) -> None:
    """Once per session and page: say (without echoing them) which of the page's link
    settings could not be used; the widgets show their defaults instead."""
    seen = f"_link_explained_{slug}"
    if seen in st.session_state:
        return
    st.session_state[seen] = True
    params = {p.key: p for v in reports.REGISTRY.values() if v.page == slug for p in v.params}
    for key, p in params.items():
        raw = st.query_params.get_all(key)
        if p.pattern:
            continue  # an entity page's key: the page itself says what is wrong with it
        if raw and any(not p.accepts(value) for value in raw):
            st.warning(
                f"The {p.called} in the link was not recognised; showing the default instead.",
                icon=":material/link_off:",
            )
