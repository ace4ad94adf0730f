"""Altair builds a channel from a shorthand (``x="week:T"``) through ``SchemaBase.from_dict``,
which in Altair 6.3 first hashes every one of its ~570 schema classes (a ``json.dumps`` of
each) to find the class to build: about 5 ms per channel, every time, so a page of charts
spent a quarter of a second of its run in it (profiled). The table does not change once
Altair is imported; this keeps one converter per set of wrapper classes instead of building
it on every call. Answers are unchanged (tests/test_charts_theme.py round-trips every
view's spec through it). Upstream: vega/altair#3547 (a draft with the same idea).

Installed on import of ``charts`` (``install()`` is idempotent); if a future Altair no longer
has the private pieces this relies on, nothing is patched and charts are only slower.
"""

from __future__ import annotations

from typing import Any

from altair.utils import schemapi

_MARK = "_fraud_cached_converter"


def install() -> bool:
    """Patch ``SchemaBase.from_dict`` to reuse its converter; True when it is (now) patched."""
    base = getattr(schemapi, "SchemaBase", None)
    converter_type = getattr(schemapi, "_FromDict", None)
    if base is None or converter_type is None or not hasattr(base, "_default_wrapper_classes"):
        return False
    if getattr(base.from_dict, _MARK, False):
        return True
    # One converter per class asking (its wrapper classes are every SchemaBase subclass,
    # all defined when Altair is imported).
    converters: dict[type, Any] = {}

    def from_dict(cls, dct, validate: bool = True):
        if validate:
            cls.validate(dct)
        converter = converters.get(cls)
        if converter is None:
            converter = converters[cls] = converter_type(tuple(cls._default_wrapper_classes()))
        return converter.from_dict(dct, cls)

    from_dict.__doc__ = base.from_dict.__doc__
    setattr(from_dict, _MARK, True)
    base.from_dict = classmethod(from_dict)
    return True
