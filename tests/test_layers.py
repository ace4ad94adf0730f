"""The rooms' import rules, read from the source: charts/, analytics/, reports/, appstore/
and alerts/ never import Streamlit; charts/ and analytics/ never reach the warehouse (no
loaders, no engine); pages never build SQL; nothing imports the app's own pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _files(room: str) -> list[Path]:
    return sorted((ROOT / room).rglob("*.py"))


RULES = {
    "charts": ("streamlit", "data_access.loaders", "data_access.engine", "reports", "ui"),
    "analytics": ("streamlit", "data_access", "charts", "reports", "ui"),
    "reports": ("streamlit", "ui", "app_pages"),
    # The store and the alert runner run from cron: no Streamlit, no UI.
    "appstore": ("streamlit", "ui", "app_pages", "alerts"),
    "alerts": ("streamlit", "ui", "app_pages"),
    "data_access/queries": ("streamlit",),
    "app_pages": ("sqlalchemy", "data_access.queries.common", "data_access.engine"),
}


@pytest.mark.parametrize("room", sorted(RULES))
def test_room_does_not_import_what_it_must_not(room):
    banned = RULES[room]
    offenders = [
        (str(p.relative_to(ROOT)), name)
        for p in _files(room)
        for name in _imports(p)
        if any(name == b or name.startswith(b + ".") for b in banned)
    ]
    assert not offenders, offenders
