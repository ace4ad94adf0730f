"""What a viewer may see: the row-level scope every query builder and cached loader takes.

A ``Scope`` is part of every cache key (it is a plain hashable value), so one viewer's rows
are never served to another. ``None`` in a restriction means "no restriction"; an empty
tuple means "nothing". Roles and the identity -> scope mapping live in config/access.toml
(read by data_access.access).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    role: str
    labels: tuple[int, ...] | None = None  # label ids this viewer may see
    distributors: tuple[int, ...] | None = None
    team: str | None = None  # partner team code: only cases owned by / handed to it
    money: bool = True  # may see money columns
    exports: bool = True  # may download exports
    personal: bool = True  # may see personal data fields (reviewer ids)
    annotate: bool = True  # may add notes to the time charts (appstore.notes)

    @property
    def unrestricted(self) -> bool:
        return self.labels is None and self.distributors is None and self.team is None


FULL = Scope(role="leadership")
