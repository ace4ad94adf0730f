"""The dashboard's views, declared once per page (reports/<page>.py), without Streamlit.

``REGISTRY`` holds every view in page order; the pages draw them (``ui.view.show``), the
Deck builder and ``python -m reports.deck`` rebuild them, and their settings are the URL
allow-list. To add a chart: declare a ``View`` in its page's module, add it to that module's
``VIEWS``, and call ``show(view, ctx)`` where the page should draw it.
"""

from __future__ import annotations

from data_access.scope import Scope
from reports import cases, enforcement, entities, exposure, funnel, ops, overview, policy, trends
from reports.view import (
    COUNT_FORMAT,
    MONEY_FORMAT,
    PCT_FORMAT,
    Drill,
    FigureContext,
    Native,
    Param,
    Registry,
    View,
    figure,
    frame,
    is_empty,
    money_columns,
    native_data,
    resolve_params,
    safe_params,
)

_REGISTRY = Registry()
for _module in (overview, trends, funnel, enforcement, cases, exposure, ops, policy):
    _REGISTRY.add(*_module.VIEWS)
REGISTRY = dict(_REGISTRY.views)  # the pages' views: the deck's list, the URL allow-list
# The entity pages' views take an entity's key (reports/entities.py): found by id (pages,
# "Add to deck", the deck CLI) but not listed for the deck builder or alerts.
_REGISTRY.add(*entities.VIEWS)
get = _REGISTRY.get


def available(scope: Scope) -> list[View]:
    """The views this viewer may put in a deck (money charts need the money right)."""
    return [v for v in REGISTRY.values() if scope.money or not v.needs_money]


def url_keys() -> frozenset[str]:
    """Every page setting a link may carry (the URL allow-list beyond the global filters)."""
    return frozenset(p.key for v in REGISTRY.values() for p in v.params)


__all__ = [
    "COUNT_FORMAT",
    "MONEY_FORMAT",
    "PCT_FORMAT",
    "REGISTRY",
    "Drill",
    "FigureContext",
    "Native",
    "Param",
    "View",
    "available",
    "figure",
    "frame",
    "get",
    "is_empty",
    "money_columns",
    "native_data",
    "resolve_params",
    "safe_params",
    "url_keys",
]
