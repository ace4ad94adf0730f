"""Loader behind sign-in: a viewer's configured label / distributor names -> ids."""

from __future__ import annotations

from data_access.loaders.base import cached, run
from data_access.queries import access as q


@cached
def load_scope_ids(
    labels: tuple[str, ...], distributors: tuple[str, ...], *, url: str
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(label ids, distributor ids) of the names that exist; unknown names grant nothing."""
    if not labels and not distributors:
        return (), ()
    df = run(q.scope_ids_query(tuple(labels), tuple(distributors)), url)
    ids = {
        kind: tuple(sorted(int(i) for i in df.loc[df["kind"] == kind, "id"]))
        for kind in ("label", "distributor")
    }
    return ids["label"], ids["distributor"]
