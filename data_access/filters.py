"""The global slicers as one frozen, validated value object, and its URL form.

``Filters`` holds ids and codes (what the queries bind); ``Options`` holds the allow-lists
read from the dimension tables and maps the names shown in widgets and URLs to ids.
Unknown values are dropped with a note, never passed to SQL; absurd or reversed date
ranges are replaced with the default period and a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from data_access.dimensions import DIMENSIONS, KEYS

MAX_ITEMS = 500  # per list in a URL; more is refused (and noted), not truncated silently
MAX_TEXT = 120  # longest single URL value we look at
DEFAULT_DAYS = 91  # 13 weeks

# URL keys of the global filters; pages add their own keys with their page name as prefix.
URL_KEYS = ("period", *KEYS)


@dataclass(frozen=True)
class Options:
    """Allow-lists from the warehouse's dimensions (name -> id where names are shown)."""

    min_date: date
    max_date: date
    markets: tuple[tuple[str, str], ...]  # (iso2, name)
    regions: tuple[str, ...]
    labels: tuple[tuple[int, str], ...]
    distributors: tuple[tuple[int, str], ...]
    detectors: tuple[tuple[int, str], ...]
    typologies: tuple[tuple[int, str], ...]
    market_regions: tuple[tuple[str, str], ...] = ()  # (iso2, region)

    def names(self, kind: str) -> list[str]:
        if kind == "market":
            return [iso for iso, _ in self.markets]
        if kind == "region":
            return list(self.regions)
        return [name for _, name in getattr(self, _PLURAL[kind])]

    def id_of(self, kind: str) -> dict[str, int]:
        return {name: i for i, name in getattr(self, _PLURAL[kind])}

    def name_of(self, kind: str) -> dict[int, str]:
        return dict(getattr(self, _PLURAL[kind]))

    def default_period(self) -> tuple[date, date]:
        return max(self.min_date, self.max_date - timedelta(days=DEFAULT_DAYS - 1)), self.max_date


_PLURAL = {d.key: d.attr for d in DIMENSIONS if d.by_name}


@dataclass(frozen=True)
class Filters:
    """The global slicers. Empty tuples mean 'all'."""

    start: date
    end: date
    markets: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    labels: tuple[int, ...] = ()
    distributors: tuple[int, ...] = ()
    detectors: tuple[int, ...] = ()
    typologies: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("the period starts after it ends")
        for name in (d.attr for d in DIMENSIONS):
            values = getattr(self, name)
            if len(values) > MAX_ITEMS:
                raise ValueError(f"too many {name} selected (at most {MAX_ITEMS})")
            object.__setattr__(self, name, tuple(sorted(set(values))))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The same slice over the period of equal length just before this one."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    def narrowed(self, **changes) -> Filters:
        return replace(self, **changes)

    # -- URL form -------------------------------------------------------------------------

    def to_query_params(self, options: Options) -> dict[str, list[str]]:
        """URL params in the widgets' own form (names, repeated keys); defaults omitted."""
        out: dict[str, list[str]] = {}
        if (self.start, self.end) != options.default_period():
            out["period"] = [self.start.isoformat(), self.end.isoformat()]
        for d in DIMENSIONS:
            values = getattr(self, d.attr)
            if values and d.by_name:
                names = options.name_of(d.key)
                out[d.key] = [names[v] for v in values if v in names]
            elif values:
                out[d.key] = list(values)
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, Iterable[str] | str], options: Options):
        """Validated Filters from raw URL params; anything unusable is dropped with a note."""
        notes: list[str] = []

        def values(key: str) -> list[str]:
            raw = params.get(key, [])
            raw = [raw] if isinstance(raw, str) else list(raw)
            if len(raw) > MAX_ITEMS:
                notes.append(
                    f"The link lists {len(raw):,} values for '{key}'; at most "
                    f"{MAX_ITEMS} are allowed, so that filter was ignored."
                )
                return []
            return [v.strip() for v in raw if isinstance(v, str) and len(v) <= MAX_TEXT]

        def pick(d, allowed: Mapping[str, object] | list[str]) -> list:
            got = values(d.key)
            ok = [v for v in got if v in allowed]
            if len(ok) < len(got):
                n = len(got) - len(ok)
                noun = d.note_noun if n == 1 else d.note_plural
                notes.append(
                    f"{n} unknown {noun} in the link {'was' if n == 1 else 'were'} ignored."
                )
            if isinstance(allowed, Mapping):
                return [allowed[v] for v in ok]
            return ok

        start, end = cls._period(values("period"), options, notes)
        chosen = {
            d.attr: tuple(pick(d, options.id_of(d.key) if d.by_name else options.names(d.key)))
            for d in DIMENSIONS
        }
        return cls(start=start, end=end, notes=tuple(notes), **chosen)

    @staticmethod
    def _period(raw: list[str], options: Options, notes: list[str]) -> tuple[date, date]:
        default = options.default_period()
        if not raw:
            return default
        try:
            parsed = [date.fromisoformat(v) for v in raw]
        except ValueError:
            notes.append("The period in the link is not a valid date; showing the default.")
            return default
        start, end = (parsed[0], parsed[-1]) if len(parsed) > 1 else (parsed[0], parsed[0])
        return validate_period(start, end, options, notes)


def validate_period(start: date, end: date, options: Options, notes: list[str]):
    """Clamp a period to the data; reversed or disjoint periods fall back to the default."""
    default = options.default_period()
    if start > end:
        notes.append("The period ends before it starts; showing the default period.")
        return default
    if end < options.min_date or start > options.max_date:
        notes.append(
            f"The period is outside the data ({options.min_date:%d %b %Y} to "
            f"{options.max_date:%d %b %Y}); showing the default period."
        )
        return default
    clamped = max(start, options.min_date), min(end, options.max_date)
    if clamped != (start, end):
        notes.append("The period was clamped to the dates the warehouse holds.")
    return clamped


def context_line(f: Filters, opts: Options) -> str:
    """A one-line description of the filter context, for captions, exports and decks."""
    parts = [f"{f.start:%d %b %Y} – {f.end:%d %b %Y}"]
    for d in DIMENSIONS:
        values = getattr(f, d.attr)
        if not values:
            continue
        if not d.by_name:
            shown, limit = list(values), 6 if d.key == "market" else len(values)
            parts.append(
                f"{d.plural} " + ", ".join(shown[:limit]) + ("…" if len(shown) > limit else "")
            )
            continue
        names = opts.name_of(d.key)
        shown = [names.get(v, "?") for v in values[:3]]
        more = f" +{len(values) - 3}" if len(values) > 3 else ""
        parts.append(f"{d.plural} " + ", ".join(shown) + more)
    return " · ".join(parts)
