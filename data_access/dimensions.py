"""The six slicers of the dashboard, described once: their URL name (also the sidebar
widget's key), the ``Filters`` field, the words people read, and the dimension columns.

Filters, their URL round-trip, the sidebar, drill-down, the audit record and the context
line all iterate over ``DIMENSIONS`` instead of listing the slicers again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    key: str  # URL name and sidebar widget key ("market")
    attr: str  # the Filters field holding the chosen values ("markets")
    label: str  # the sidebar's label ("Markets")
    plural: str  # "markets", "typologies"
    table: str  # the dimension table
    id_column: str  # what Filters hold and queries bind (iso2 codes, integer ids)
    name_column: str  # what people read and URLs carry
    note_noun: str  # how a note about an unusable URL value names one ("market code")
    # How a fact or mart row is narrowed to the chosen values: by ``id_column`` where the
    # table has it, else through ``lookup`` (a table mapping id_column to ``key_column``).
    key_column: str = ""
    lookup: str | None = None
    # Typology and detector slice flagged rows only: a table without the column (cases), or
    # a denominator over all streams, is not narrowed by them.
    attributed: bool = False

    @property
    def note_plural(self) -> str:
        return self.plural if self.note_noun == self.key else f"{self.note_noun}s"

    @property
    def by_name(self) -> bool:
        """URLs and widgets carry names that map to ids (labels, ...), not the id itself."""
        return self.id_column != self.name_column


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "market",
        "markets",
        "Markets",
        "markets",
        "dim_market",
        "iso2",
        "iso2",
        "market code",
        key_column="market_id",
        lookup="dim_market",
    ),
    Dimension(
        "region",
        "regions",
        "Regions",
        "regions",
        "dim_market",
        "region",
        "region",
        "region",
        key_column="market_id",
        lookup="dim_market",
    ),
    Dimension(
        "label",
        "labels",
        "Labels",
        "labels",
        "dim_label",
        "label_id",
        "name",
        "label",
        key_column="label_id",
    ),
    Dimension(
        "distributor",
        "distributors",
        "Distributors",
        "distributors",
        "dim_distributor",
        "distributor_id",
        "name",
        "distributor",
        key_column="label_id",
        lookup="dim_label",  # a table without distributor_id reaches it through its label
    ),
    Dimension(
        "typology",
        "typologies",
        "Typologies",
        "typologies",
        "dim_typology",
        "typology_id",
        "name",
        "typology",
        key_column="typology_id",
        attributed=True,
    ),
    Dimension(
        "detector",
        "detectors",
        "Detectors",
        "detectors",
        "dim_detector",
        "detector_id",
        "name",
        "detector",
        key_column="detector_id",
        attributed=True,
    ),
)
BY_KEY = {d.key: d for d in DIMENSIONS}
KEYS = tuple(d.key for d in DIMENSIONS)
