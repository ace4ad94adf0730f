"""Links to the entity pages (a track, a label, a distributor, a case): one URL rule, and
the table column that opens them. Relative URLs, so they work under any base path."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

KEYS = {"track": "isrc", "label": "id", "distributor": "id", "case": "id"}
# What a link cell shows: the key itself where it reads well (ISRC, case id).
SHOWN = {"track": r"isrc=([A-Z0-9]+)", "case": r"id=([0-9]+)"}


Period = tuple[date, date] | None


def entity_url(kind: str, key: object, period: Period = None, *, param: str = "") -> str:
    """``track?isrc=…``, ``label?id=…``, ``distributor?id=…``, ``case?id=…``; with the
    period (``&period=start&period=end``), since a link opens in a new session."""
    query = [(param or KEYS[kind], str(key))]
    if period is not None:
        query += [("period", d.isoformat()) for d in period]
    return f"{kind}?{urlencode(query)}"


def name_url(kind: str, name: object, period: Period = None) -> str:
    """``label?name=…`` / ``distributor?name=…``: for tables that hold the name only."""
    return entity_url(kind, name, period, param="name")


def add_link(
    df: pd.DataFrame,
    kind: str,
    key_col: str,
    *,
    column: str | None = None,
    by_name: bool = False,
    period: Period = None,
):
    """``df`` with a column of links to each row's entity page (``column``, default
    ``<kind>_page``), placed first; rows without a key get no link. ``by_name``: the key
    column holds the label's or distributor's name."""
    column = column or f"{kind}_page"
    url = name_url if by_name else entity_url
    links = df[key_col].map(lambda k: None if pd.isna(k) else url(kind, _plain_key(k), period))
    return df.assign(**{column: links})[[column, *[c for c in df.columns if c != column]]]


def _plain_key(key: object) -> str:
    return str(int(key)) if isinstance(key, float) and key.is_integer() else str(key)


def link_column(kind: str, label: str, *, help: str | None = None, text: str | None = None):
    """The column config of an ``add_link`` column (``text``: what every cell shows)."""
    return st.column_config.LinkColumn(
        label,
        display_text=text or SHOWN.get(kind, f"Open {kind}"),
        help=help or f"Opens the {kind}'s page.",
    )
