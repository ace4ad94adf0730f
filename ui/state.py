"""The global filters: sidebar widgets bound to the URL, and the one typed accessor pages use.

Widget keys are the URL keys (``period``, ``market``, ...), so a copied link reproduces
the view. Values come back from Streamlit already restricted to the widget's options; the
raw URL is also checked once so that dropped values are explained, not silently lost.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from data_access.dimensions import DIMENSIONS
from data_access.filters import MAX_ITEMS, Filters, Options, validate_period
from data_access.filters import context_line as context_line  # re-exported for pages
from data_access.loaders.options import load_options
from data_access.scope import Scope
from ui.identity import current_scope


def options(scope: Scope | None = None) -> Options:
    return load_options(scope if scope is not None else current_scope())


def _raw_params() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp}


def render_sidebar(opts: Options) -> None:
    """Create the global filter widgets (called from app.py on every page)."""
    raw = _raw_params()
    if "_filter_notes" not in st.session_state:
        # The first look at the URL: say what was unusable in it.
        st.session_state["_filter_notes"] = Filters.from_query_params(raw, opts).notes
    st.sidebar.header("Filters")
    st.sidebar.date_input(
        "Period",
        value=opts.default_period(),
        min_value=opts.min_date,
        max_value=opts.max_date,
        key="period",
        bind="query-params",
        help="Inclusive. The previous period of equal length is used for deltas.",
    )
    names = dict(opts.markets)
    if MARKET not in st.session_state:  # the session's first run: the link's market codes
        st.session_state[MARKET] = [v for v in raw.get(MARKET, []) if v in names]
    for d in DIMENSIONS:
        market = d.key == MARKET
        st.sidebar.multiselect(
            d.label,
            options=opts.names(d.key),
            key=d.key,
            # Markets read "SE · Sweden", so they can be found by name as well as code. A
            # bound multiselect would write those labels into the URL; links keep the codes,
            # so the market filter is kept in the URL by hand (below).
            bind=None if market else "query-params",
            format_func=(lambda iso: f"{iso} · {names.get(iso, iso)}") if market else str,
            max_selections=MAX_ITEMS,
            placeholder="All",
            # Substring matching, and no "select all matches" for Enter to pick.
            filter_mode="contains",
            select_all=False,
        )
    _keep_markets_in_url(st.session_state.get(MARKET) or [])
    if any(st.session_state.get(d.key) for d in DIMENSIONS):
        st.sidebar.button("Clear filters", on_click=clear_filters, icon=":material/filter_alt_off:")


MARKET = "market"


def _keep_markets_in_url(codes: list[str]) -> None:
    """The URL holds the chosen market codes (market=SE&market=DE), as links always did."""
    if list(st.query_params.get_all(MARKET)) == list(codes):
        return
    if codes:
        st.query_params[MARKET] = list(codes)
    else:
        del st.query_params[MARKET]


def clear_filters() -> None:
    for d in DIMENSIONS:
        st.session_state[d.key] = []


def current_filters(opts: Options | None = None) -> Filters:
    """The validated global filters of this run (what every page reads)."""
    opts = opts or options()
    notes = list(st.session_state.get("_filter_notes", ()))
    period = st.session_state.get("period", opts.default_period())
    if isinstance(period, date):
        period = (period, period)
    period = tuple(period) if period else ()
    if len(period) == 1:  # a range being picked: first day chosen, second not yet
        period = (period[0], period[0])
    start, end = period if len(period) == 2 else opts.default_period()
    start, end = validate_period(start, end, opts, notes)

    def ids(d) -> tuple:
        chosen = st.session_state.get(d.key) or []
        if not d.by_name:
            allowed = set(opts.names(d.key))
            return tuple(v for v in chosen if v in allowed)
        mapping = opts.id_of(d.key)
        return tuple(mapping[v] for v in chosen if v in mapping)

    return Filters(
        start=start,
        end=end,
        notes=tuple(dict.fromkeys(notes)),
        **{d.attr: ids(d) for d in DIMENSIONS},
    )
