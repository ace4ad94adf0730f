"""The opening every analysis page shares: access check, viewer scope, filters, context,
and the audit record of the view."""

from __future__ import annotations

from typing import NamedTuple

from data_access.filters import Filters, Options
from data_access.scope import Scope
from ui import audit, identity, state


class PageContext(NamedTuple):
    scope: Scope
    filters: Filters
    options: Options
    context: str  # the one-line filter context for captions and exports


def start_page(slug: str) -> PageContext:
    """Refuse (and stop, running no query) unless the viewer may open ``slug``; otherwise
    return what the page needs and record the view in the audit log."""
    # Through the module, so the viewer is looked up at call time (and can be patched).
    identity.access_guard(slug)
    scope = identity.current_scope()
    f = state.current_filters()
    opts = state.options()
    audit.record_view(slug, f)
    return PageContext(scope, f, opts, state.context_line(f, opts))
