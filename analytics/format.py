"""How numbers read on screen: 1.2M streams, €3.4k, 5.3% (one decimal)."""

from __future__ import annotations

import math

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _valid(x) -> bool:
    try:
        return x is not None and not math.isnan(float(x)) and not math.isinf(float(x))
    except (TypeError, ValueError):
        return False


def compact(x: float, digits: int = 1) -> str:
    """12_345 -> '12.3k'; 1_200_000 -> '1.2M'; 950 -> '950'."""
    if not _valid(x):
        return "–"
    x = float(x)
    sign = "-" if x < 0 else ""
    a = abs(x)
    for factor, suffix in _SUFFIXES:
        if a >= factor:
            return f"{sign}{a / factor:.{digits}f}{suffix}"
    return f"{sign}{a:.0f}" if a >= 10 or a == int(a) else f"{sign}{a:.{digits}f}"


def eur(x: float) -> str:
    """Money always says its currency: '€3.4k'."""
    if not _valid(x):
        return "–"
    return ("-€" if float(x) < 0 else "€") + compact(abs(float(x)))


def pct(x: float, *, signed: bool = False) -> str:
    """A ratio (0.053) as '5.3%'."""
    if not _valid(x):
        return "–"
    return f"{float(x) * 100:+.1f}%" if signed else f"{float(x) * 100:.1f}%"


def pp(x: float, *, signed: bool = False) -> str:
    """A difference of two ratios (0.012) in percentage points: '+1.2 pp'."""
    if not _valid(x):
        return "–"
    return f"{float(x) * 100:+.1f} pp" if signed else f"{float(x) * 100:.1f} pp"


def change(cur: float, prev: float, *, unit: str = "count") -> str:
    """How ``cur`` moved from ``prev``: '+1.2 pp' for ratios (unit "pct"), else the relative
    change '+5.3%'; '–' when there is nothing to compare with (a zero or missing ``prev``)."""
    if not (_valid(cur) and _valid(prev)):
        return "–"
    if unit == "pct":
        return pp(float(cur) - float(prev), signed=True)
    if float(prev) == 0:
        return "–"
    return pct((float(cur) - float(prev)) / abs(float(prev)), signed=True)


def hours(x: float) -> str:
    if not _valid(x):
        return "–"
    x = float(x)
    return f"{x:.1f} h" if x < 48 else f"{x / 24:.1f} d"


def _delta_suffix(unit: str) -> str:
    """Rates change in percentage points, everything else in percent."""
    return " pp" if unit == "pct" else "%"


def delta_moved(d: float | None, unit: str = "count") -> bool:
    """Whether a tile's delta changes its shown digit (0.04 pp is no change on screen)."""
    return _valid(d) and round(float(d) * 100, 1) != 0


def delta(d: float | None, unit: str) -> str | None:
    """A tile's delta: '+1.2 pp' for rates, '-16.6%' for counts and money; None (show no
    delta) when missing, NaN or infinite; '0.0 pp' / '0.0%' without a sign for no change."""
    if not _valid(d):
        return None
    suffix = _delta_suffix(unit)
    if not delta_moved(d, unit):
        return f"0.0{suffix}"
    return f"{float(d) * 100:+.1f}{suffix}"


def value(x: float, unit: str) -> str:
    return {"eur": eur, "pct": pct, "hours": hours}.get(unit, compact)(x)


def plural_of(noun: str) -> str:
    """English plural of a dashboard noun: day -> days, typology -> typologies, match ->
    matches (never 'typologys')."""
    if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def noun_for(n: float, noun: str, many: str | None = None) -> str:
    """``noun`` in the form that goes with ``n``: 1 day, 0 days, 2 days, 1.5 days."""
    one = _valid(n) and float(n) in (1.0, -1.0)
    return noun if one else (many or plural_of(noun))


def plural(n: float, noun: str, many: str | None = None) -> str:
    """A count and its noun: '1 day', '91 days', '3 typologies', '1,204 cases'; a missing
    count reads '–', never 'nan days'."""
    if not _valid(n):
        return f"– {many or plural_of(noun)}"
    x = float(n)
    shown = f"{x:,.0f}" if x == int(x) else f"{x:,.1f}"
    return f"{shown} {noun_for(x, noun, many)}"
