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


def value(x: float, unit: str) -> str:
    return {"eur": eur, "pct": pct, "hours": hours}.get(unit, compact)(x)
