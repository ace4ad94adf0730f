"""Who the viewer is, what they may see, and the page guard.

With an ``[auth]`` section in secrets the viewer signs in through OpenID Connect
(``st.login``; identity = the e-mail claim of ``st.user``). Without it the app runs as the
local development identity from config/access.toml (``[dev] identity``, overridable with
``FRAUD_DEV_IDENTITY``), labelled as such in the sidebar: not for production.
The identity -> role / scope / pages mapping is data_access.access over config/access.toml;
anything unknown fails closed (role ``none``: a "no access" page and no query).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import NoReturn

import streamlit as st

from data_access.access import (
    AccessConfigError,
    Viewer,
    dev_identity,
    load_config,
    nobody,
    viewer_for,
)
from data_access.loaders.access import load_scope_ids
from data_access.scope import Scope

log = logging.getLogger("fraud.access")

DEV_LABEL = "local development identity (no login configured — not for production)"
REFUSED = "You do not have access to this page."


def auth_configured() -> bool:
    """True when secrets hold an ``[auth]`` section (OIDC sign-in)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local development
        return False


def current_identity() -> str | None:
    """The signed-in e-mail (OIDC), or the dev identity; None when not signed in."""
    if auth_configured():
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email")
        return str(email) if email else None
    try:
        return dev_identity(load_config())
    except AccessConfigError:
        return None


def current_viewer() -> Viewer:
    """The viewer of this session (fails closed on any doubt)."""
    identity = current_identity()
    try:
        config = load_config()
    except AccessConfigError:
        log.exception("access config invalid: everyone is refused until it is fixed")
        return nobody(
            identity or "anonymous",
            "The dashboard's access configuration is invalid. Ask a dashboard administrator.",
        )
    return viewer_for(identity, config, load_scope_ids)


def current_scope() -> Scope:
    return current_viewer().scope


def single_page(body: Callable[[], None], title: str = "Fraud insights") -> NoReturn:
    """Run ``body`` as the app's only page, then stop.

    Every run must call ``st.navigation``: a run that stops before it would leave Streamlit
    in its legacy ``pages/`` directory mode, listing (and running) every page file.
    """
    st.navigation(
        [st.Page(body, title=title, url_path="start", default=True)], position="hidden"
    ).run()
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises; this keeps type checkers honest


def login_gate() -> None:
    """With OIDC configured, a sign-in screen for viewers not signed in (no query runs)."""
    if auth_configured() and not st.user.is_logged_in:

        def sign_in() -> None:
            st.title("Fraud insights")
            st.info("Sign in to see the fraud dashboard.", icon=":material/lock:")
            st.button("Log in", on_click=st.login, icon=":material/login:", type="primary")

        single_page(sign_in)


def _plain(text: str) -> str:
    """Text safe inside a markdown caption: markdown and HTML characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$])", r"\\\1", text)


def sidebar_identity(viewer: Viewer) -> None:
    """Who is signed in, in the sidebar; the dev identity says it is not for production."""
    who = f"{_plain(viewer.user)} · role {_plain(viewer.role)}"
    if auth_configured():
        st.sidebar.caption(f"Signed in as {who}")
        st.sidebar.button("Log out", on_click=st.logout, icon=":material/logout:")
    else:
        st.sidebar.caption(f"Signed in as {who}  \n:orange[{DEV_LABEL}]")


def refuse(viewer: Viewer | None = None, title: str | None = None) -> None:
    """The refusal screen: says why, runs no query."""
    viewer = viewer or current_viewer()
    if title:
        st.title(title)
    if not viewer.pages:
        st.error(
            f"{viewer.reason or 'You have no access to this dashboard.'} "
            "Ask a dashboard administrator for a role.",
            icon=":material/block:",
        )
    else:
        st.error(
            f"{REFUSED} Your role ({viewer.role}) does not include it; use the pages in the "
            "navigation menu.",
            icon=":material/block:",
        )
    st.caption(f"Signed in as {_plain(viewer.user)}")


def access_guard(slug: str) -> None:
    """First line of every page: stop (no query) unless the viewer may open ``slug``."""
    viewer = current_viewer()
    if not viewer.may_open(slug):
        log.warning("page %s refused for role %s", slug, viewer.role)
        refuse(viewer)
        st.stop()


def page_slug(page) -> str:
    """The url_path slug of an ``st.Page`` (the default page's is inferred from its file)."""
    return getattr(page, "_url_path", "") or page.url_path or "overview"


def navigation(pages: Sequence, viewer: Viewer) -> list:
    """The pages for ``st.navigation``: the allowed ones, visible; every other page replaced
    by a hidden page that only says "no access" (so a direct URL is refused, not run)."""
    allowed = [p for p in pages if page_slug(p) in viewer.pages]
    if not allowed:  # role none: one visible "no access" page

        def no_access() -> None:
            refuse(viewer, "Fraud insights")

        allowed = [st.Page(no_access, title="No access", url_path="no-access", default=True)]
    refused = []
    for p in pages:
        slug = page_slug(p)
        if slug in viewer.pages:
            continue

        def refusal(title=p.title) -> None:
            refuse(viewer, title)

        refusal.__name__ = f"refused_{slug}"
        refused.append(st.Page(refusal, title=p.title, url_path=slug, visibility="hidden"))
    return allowed + refused
