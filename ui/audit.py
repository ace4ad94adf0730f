"""Audit hooks for pages and exports: the current viewer + what they looked at or took."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data_access import audit
from data_access.access import Viewer
from data_access.dimensions import DIMENSIONS
from data_access.filters import Filters


def _params(f: Filters) -> dict:
    return {
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        **{d.attr: list(getattr(f, d.attr)) for d in DIMENSIONS},
    }


def current_page() -> str:
    try:
        return st.context.url.rsplit("/", 1)[-1].split("?")[0] or "overview"
    except Exception:
        return "unknown"


def record_view(viewer: Viewer, page: str, f: Filters) -> None:
    """One 'view' per page and filter combination per session (not per rerun)."""
    key = ("_audited", page, f)
    if st.session_state.get("_audit_last") == key:
        return
    st.session_state["_audit_last"] = key
    audit.record(user=viewer.user, role=viewer.role, action="view", page=page, filters=_params(f))


def audited(
    fetch: Callable[[], bytes],
    *,
    viewer: Viewer,
    item: str,
    fmt: str,
    f: Filters,
    rows: int | None = None,
    page: str | None = None,
) -> Callable[[], bytes]:
    """A download's data callable that also records the export when the bytes are made.

    Streamlit runs deferred download callables outside the script thread, after the click,
    so the viewer is captured now; recording there (rather than in an on_click rerun) means
    the click never races a rerun that would revoke the pending download.
    """
    user, role, where = viewer.user, viewer.role, page or current_page()
    params = _params(f)

    def fetch_and_record() -> bytes:
        data = fetch()
        audit.record(
            user=user,
            role=role,
            action="export",
            page=where,
            item=item,
            fmt=fmt,
            filters=params,
            rows=rows,
        )
        return data

    return fetch_and_record
