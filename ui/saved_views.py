"""The sidebar's "Saved views" section, and the Deck builder's draft kept in the store.

A saved view is the current page and its URL (global filters and page settings) under a
name, for oneself or shared with a role. Opening one follows that link: the filters are
applied to the opener's own scope, so a shared view never shows more than the opener may
see. The deck draft ("Add to deck") is written to the store per person and read back at
the start of a session, so it survives reloads and restarts.
"""

from __future__ import annotations

import logging
from datetime import date

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.errors import StreamlitAPIException

from appstore import saved
from data_access import audit
from data_access.access import AccessConfigError, Viewer, load_config
from data_access.dimensions import DIMENSIONS
from reports import REGISTRY
from reports.pages import PAGES, page_info
from ui import exports

log = logging.getLogger("fraud.saved_views")

_OPEN = "_saved_view_open"  # (page, query) to open: set by the click, acted on in the body
_DRAFT_LOADED = "_deck_draft_loaded"
ONLY_ME = "Only me"
NUMERIC_SLIDERS = {p.key: p for v in REGISTRY.values() for p in v.params if p.widget == "slider"}


def current_query(viewer: Viewer, slug: str) -> dict[str, list[str]]:
    """The page's link as the widgets hold it now: global filters in URL form and the page's
    settings that differ from their defaults, over any other key the URL carries."""
    from data_access.filters import URL_KEYS
    from ui import state, widgets

    qp = st.query_params
    query = {k: qp.get_all(k) for k in qp if k not in URL_KEYS}
    opts = state.options(viewer.scope)
    query.update(state.current_filters(opts).to_query_params(opts))
    for p in {p.key: p for v in REGISTRY.values() if v.page == slug for p in v.params}.values():
        value = widgets._choice_of(st.session_state.get(p.key), p.choices)
        query.pop(p.key, None)
        if value is not None and value != p.initial:
            query[p.key] = [value]
    return query


def _widget_value(key: str, values: list[str]):
    """What the keyed widget holds for a URL value (dates, name lists, slider numbers)."""
    if key == "period":
        days = [date.fromisoformat(v) for v in values[:2]]
        return (days[0], days[-1]) if days else None
    if any(d.key == key for d in DIMENSIONS):
        return list(values)
    value = values[-1] if values else None
    p = NUMERIC_SLIDERS.get(key)
    if p is not None and value is not None:
        try:
            n = float(value)
        except ValueError:
            return None
        return int(n) if n.is_integer() else n
    return value


def _apply(query: dict[str, list[str]]) -> None:
    """Set the filter and setting widgets to the saved link's values; the others go back to
    their defaults (a saved view without a market filter means all markets)."""
    for key in _widget_keys():
        if key in query:
            try:
                value = _widget_value(key, query[key])
            except ValueError:
                value = None
            if value is not None:
                st.session_state[key] = value
                continue
        if any(d.key == key for d in DIMENSIONS):
            st.session_state[key] = []
        else:
            st.session_state.pop(key, None)


def _all_params():
    return [p for v in REGISTRY.values() for p in v.params]


def _roles() -> list[str]:
    try:
        return sorted(load_config().roles)
    except AccessConfigError:
        return []


def sidebar(viewer: Viewer, slug: str) -> None:
    """The section (called from app.py on every page, before the page runs)."""
    if not viewer.pages:
        return
    restore_draft(viewer)
    with st.sidebar.expander("Saved views", icon=":material/bookmark:"):
        try:
            _section(viewer, slug)
        except SQLAlchemyError:
            log.exception("saved views unavailable")
            st.caption("Saved views are unavailable right now.")


def _open(viewer: Viewer, view_id: int) -> None:
    """The Open click (a callback: it runs before any widget exists, so it may set them)."""
    try:
        view = saved.get_view(view_id)
    except SQLAlchemyError:
        log.exception("saved view %s unreadable", view_id)
        return
    visible = view is not None and (view.owner == viewer.user or view.shared_role == viewer.role)
    if not visible or not viewer.may_open(view.page):
        st.session_state[_OPEN] = ("", {})
        return
    _apply(view.query)
    st.session_state[_OPEN] = (view.page, view.query)


def follow_pending() -> None:
    """After an Open click, go to the saved view's page. Called by app.py before the
    filter widgets exist: Streamlit may not change the URL while they are bound to it."""
    pending = st.session_state.pop(_OPEN, None)
    if pending is None:
        return
    page, query = pending
    if not page:
        st.sidebar.warning("That saved view cannot be opened.", icon=":material/block:")
        return
    # The filters and settings are bound widgets, already set by the click; the link goes
    # along too, so the address bar shows the whole view (Streamlit refuses to set a bound
    # key through the URL, hence the bindings are dropped first: the new page rebinds).
    _unbind_url()
    try:
        st.switch_page(f"app_pages/{page}.py", query_params=query or None)
    except StreamlitAPIException:
        log.warning("opening a saved view without its link")
        st.switch_page(f"app_pages/{page}.py")


def _unbind_url() -> None:
    """Drop the URL's params and their widget bindings before switching page: st.switch_page
    clears and sets the URL, which Streamlit refuses while a param is bound to a widget (the
    filters always are). The new page's widgets bind again as they are created. This
    reaches into Streamlit's query-params state: no public API does it."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    try:
        with ctx.session_state.query_params() as qp:
            for widget_id in list(qp._bindings_by_widget):
                qp.unbind_widget(widget_id)
            qp.clear_with_no_forward_msg(preserve_embed=True)
    except AttributeError:  # another Streamlit: switch_page may refuse; we fall back
        log.warning("cannot reset the URL before opening a saved view")


def _widget_keys() -> set[str]:
    return {"period", *(d.key for d in DIMENSIONS), *(p.key for p in _all_params())}


def _label(v: saved.SavedView, viewer: Viewer) -> str:
    where = page_info(v.page).title if v.page in {p.slug for p in PAGES} else v.page
    who = "" if v.owner == viewer.user else f" · shared by {v.owner}"
    shared = f" · shared with {v.shared_role}" if v.shared_role and v.owner == viewer.user else ""
    return f"{v.name} ({where}{who}{shared})"


def _section(viewer: Viewer, slug: str) -> None:
    views = [v for v in saved.list_views(viewer.user, viewer.role) if viewer.may_open(v.page)]
    if views:
        by_id = {v.id: v for v in views}
        chosen = st.selectbox(
            "Open a saved view",
            options=list(by_id),
            format_func=lambda i: _label(by_id[i], viewer),
            index=None,
            placeholder="Choose a view",
            key="saved_view_pick",
        )
        if chosen is not None:
            st.button(
                "Open view",
                key="saved_view_open",
                on_click=_open,
                args=(viewer, chosen),
                icon=":material/open_in_new:",
            )
            view = by_id[chosen]
            if view.owner == viewer.user:
                new = st.text_input("Rename to", key="saved_view_new_name", max_chars=120)
                c1, c2 = st.columns(2)
                if c1.button("Rename", key="saved_view_rename") and new:
                    _guarded(lambda: saved.rename_view(view.id, viewer.user, new))
                if c2.button("Delete", key="saved_view_delete", icon=":material/delete:"):
                    _guarded(lambda: saved.delete_view(view.id, viewer.user))
    else:
        st.caption("No saved views yet.")
    if not viewer.may_open(slug):
        return
    name = st.text_input("Save this page as", key="saved_view_name", max_chars=120)
    audience = st.selectbox(
        "Visible to",
        [ONLY_ME, *(f"Role {r}" for r in _roles())],
        key="saved_view_audience",
    )
    if st.button("Save view", key="saved_view_save", icon=":material/bookmark_add:"):
        role = None if audience == ONLY_ME else audience.removeprefix("Role ")

        def save() -> None:
            view = saved.save_view(
                owner=viewer.user,
                name=name,
                page=slug,
                query=current_query(viewer, slug),
                shared_role=role,
            )
            audit.record(
                user=viewer.user,
                role=viewer.role,
                action="create",
                page=slug,
                item=f"saved view {view.id}: {view.name}"[:120],
                filters={**view.query, "shared_with": view.shared_role or "only me"},
            )

        _guarded(save, done=f"Saved “{' '.join(name.split())}”.")


def _guarded(action, done: str | None = None) -> None:
    try:
        action()
    except saved.SavedViewError as err:
        st.warning(str(err), icon=":material/warning:")
        return
    if done:
        st.toast(done, icon=":material/bookmark:")
    st.rerun()


# -- the deck draft -------------------------------------------------------------------------


def restore_draft(viewer: Viewer) -> None:
    """Once per session: the person's saved deck draft into the Deck builder's list."""
    if st.session_state.get(_DRAFT_LOADED):
        return
    st.session_state[_DRAFT_LOADED] = True
    try:
        items = saved.load_draft(viewer.user)
    except SQLAlchemyError:
        log.exception("deck draft unreadable")
        return
    if items and not st.session_state.get(exports.DECK_KEY):
        st.session_state[exports.DECK_KEY] = items


def keep_draft(items: list[dict]) -> None:
    """Write the draft to the store (called by "Add to deck" and "Forget saved views")."""
    from ui.identity import current_viewer

    try:
        saved.save_draft(current_viewer().user, items)
    except SQLAlchemyError:
        log.exception("deck draft not saved")
        st.toast("The deck could not be saved for later; it stays for this session.")


def forget_draft() -> None:
    st.session_state.pop(exports.DECK_KEY, None)
    keep_draft([])
