"""Which optional inputs a warehouse does not map (pure reads; no Streamlit).

A team pointing the app at its own warehouse maps its tables to the app's inputs
(docs/INPUTS.md). Four inputs are optional, each filling one star table; an input is *not
mapped* when that table is absent from the warehouse, or when ``meta_inputs`` (written by
the input layer; absent from the demo and hand-built warehouses) has a row for it with
``mapped = false``. A view or tile that needs an unmapped input says so in one line
(``message``) instead of showing zeros; without events, charts simply carry no event marks.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, column, false, inspect, select, table

# Optional input -> the star table it fills.
OPTIONAL: dict[str, str] = {
    "appeals": "fact_appeal",
    "cases": "fact_case",
    "case_events": "fact_case_event",
    "events": "dim_event",
}
# Every table that holds an input's rows: its star table and the marts built only from it.
TABLE_INPUT: dict[str, str] = {
    **{t: i for i, t in OPTIONAL.items()},
    "mart_appeal": "appeals",
    "mart_case_daily": "cases",
}
NAMES = {"appeals": "Appeals", "cases": "Cases", "case_events": "Case events", "events": "Events"}
DOCS = "docs/INPUTS.md"
META_TABLE = "meta_inputs"
_meta = table(META_TABLE, column("input"), column("mapped"))


def tables(conn: Connection) -> frozenset[str]:
    """The names of the tables (and views) in the warehouse's default schema."""
    found = inspect(conn)
    try:
        views = found.get_view_names()
    except NotImplementedError:  # a dialect that cannot list views: tables only
        views = []
    return frozenset(found.get_table_names()) | frozenset(views)


def not_mapped(conn: Connection, present: Iterable[str] | None = None) -> frozenset[str]:
    """The optional inputs this warehouse does not map (``present``: its table names, when
    already known)."""
    have = frozenset(tables(conn) if present is None else present)
    out = {i for i, t in OPTIONAL.items() if t not in have}
    if META_TABLE in have:
        rows = conn.execute(select(_meta.c.input).where(_meta.c.mapped == false())).scalars()
        out |= {str(r).strip() for r in rows if str(r).strip() in OPTIONAL}
    return frozenset(out)


def why(name: str, present: Iterable[str]) -> str:
    """Why ``name`` is not mapped: its table is absent, or meta_inputs says so."""
    star = OPTIONAL[name]
    if star not in set(present):
        return f"{star} is absent"
    return f"meta_inputs has {name} with mapped = false"


def inputs_of(tables_read: Iterable[str]) -> tuple[str, ...]:
    """The optional inputs whose rows ``tables_read`` hold, in OPTIONAL's order."""
    wanted = {TABLE_INPUT[t] for t in tables_read if t in TABLE_INPUT}
    return tuple(i for i in OPTIONAL if i in wanted)


def message(name: str) -> str:
    """The one line shown where a view or tile needs an unmapped input."""
    return f"{NAMES[name]} are not mapped in this warehouse: see {DOCS}#{name}"
