"""Loader of what the warehouse holds: its tables and the optional inputs it does not map
(``data_access.availability``), looked up once per warehouse and cache period."""

from __future__ import annotations

from data_access import availability
from data_access.loaders.base import cached, read


@cached
def load_tables(*, url: str) -> frozenset[str]:
    """The names of the warehouse's tables."""
    return read(availability.tables, url)


@cached
def load_not_mapped(*, url: str) -> frozenset[str]:
    """The optional inputs (appeals, cases, case_events, events) the warehouse does not map."""
    present = load_tables(url=url)
    return read(lambda conn: availability.not_mapped(conn, present), url)
