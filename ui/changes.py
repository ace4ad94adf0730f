"""Overview's "What changed" block: one sentence per headline metric, each driver a link
that opens the page with that driver applied as a filter (its URL name, from the Dimension
table, and the current filters kept)."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from analytics import changes as ch
from ui import render
from ui.page import PageContext


def link_maker(ctx: PageContext, extra: dict[str, str] | None = None):
    """(link function for analytics.changes.sentence, the links it made): the function
    puts a token in the sentence, so the sentence can be escaped before the links go in."""
    base = ctx.filters.to_query_params(ctx.options)
    made: dict[str, str] = {}

    def link(dimension: str, member: str, text: str) -> str:
        params = {**base, dimension: [member], **{k: [v] for k, v in (extra or {}).items()}}
        token = f"\0{len(made)}\0"
        # An HTML link, so it opens here (Markdown links open a new tab): the page reloads
        # with the driver's filter. Names are escaped; the query string is urlencoded.
        href = html.escape(f"?{urlencode(params, doseq=True)}")
        made[token] = f'<a href="{href}" target="_self">{html.escape(text)}</a>'
        return token

    return link, made


def linked_sentences(ctx: PageContext, df: pd.DataFrame, comparison: str) -> list[str]:
    """The block's sentences as Markdown, names escaped, drivers linked (from the view's
    frame: its summaries are said again with links, nothing is recomputed)."""
    link, made = link_maker(ctx, {"overview_vs": comparison} if comparison != "week" else {})
    out = []
    for s in df.attrs.get("summaries", ()):
        # Names are escaped for Markdown and for HTML (the block allows HTML for its links):
        # no warehouse text is read as markup.
        md = html.escape(render.plain(ch.sentence(s, comparison, link=link)), quote=False)
        for token, markdown in made.items():
            md = md.replace(token, markdown)
        out.append(md)
    return out


def render_block(ctx: PageContext, df: pd.DataFrame, params: dict) -> None:
    """Above the view's chart: the sentences (``ui.view.show``'s ``above`` hook)."""
    lines = linked_sentences(ctx, df, params["overview_vs"])
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines), unsafe_allow_html=True)
