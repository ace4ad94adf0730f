"""Where the warehouse is: one URL, resolved env var -> secrets.toml -> embedded DuckDB.

Nothing else in the code knows a URL. The resolved URL never reaches the screen: use
``describe_url`` to say which warehouse is in use without its credentials.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "FRAUD_WAREHOUSE_URL"
DEFAULT_DUCKDB = ROOT / "data" / "warehouse.duckdb"
SECRETS = ROOT / ".streamlit" / "secrets.toml"
# Seconds a warehouse statement may run before it is cut off.
STATEMENT_TIMEOUT_S = float(os.environ.get("FRAUD_STATEMENT_TIMEOUT_S", "30"))


def default_url() -> str:
    return f"duckdb:///{DEFAULT_DUCKDB}"


def _secrets_url(path: Path = SECRETS) -> str | None:
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    url = data.get("connections", {}).get("warehouse", {}).get("url")
    return url if isinstance(url, str) and url.strip() else None


def resolve_url(secrets_path: Path = SECRETS) -> str:
    """The warehouse URL: $FRAUD_WAREHOUSE_URL, then [connections.warehouse] url, then
    the embedded DuckDB file."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    return _secrets_url(secrets_path) or default_url()


# What the sidebar calls a backend whose SQLAlchemy name is not what its users know it by:
# a ``hive://`` URL is a Spark Thrift server (PyHive's dialect), not Apache Hive.
_BACKEND_NAMES = {"duckdb": "embedded DuckDB", "hive": "Spark SQL"}


# ``-c search_path=fraud`` / ``--search_path=fraud`` in PostgreSQL's connection options
# (the last one wins, as in the server); a value ends at an unescaped blank.
_PG_SEARCH_PATH = re.compile(r"(?:-c\s*|--)search_path\s*=\s*((?:\\.|\S)+)")
# What the sidebar will print of a schema name: a plain identifier, nothing that could be
# read as markdown or carry anything else from the URL.
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")


def search_path(url: str) -> tuple[str, ...]:
    """The schemas the URL reads first: PostgreSQL's ``?options=-csearch_path%3D…``,
    DuckDB's ``?search_path=…``; () when it sets none (or the URL cannot be read)."""
    try:
        u = make_url(url)
    except Exception:
        return ()
    backend = u.get_backend_name()
    value = u.query.get("options" if backend == "postgresql" else "search_path")
    text = " ".join(value) if isinstance(value, tuple) else str(value or "")
    if backend == "postgresql":
        found = _PG_SEARCH_PATH.findall(text)
        text = found[-1].replace("\\", "") if found else ""
    elif backend != "duckdb":
        return ()
    names = (n.strip().strip('"') for n in text.split(","))
    return tuple(n for n in names if n)


def describe_url(url: str) -> str:
    """A credential-, host- and path-free description, e.g. 'postgresql warehouse', or
    'postgresql warehouse · schema fraud' when the URL sets a search_path."""
    try:
        u = make_url(url)
    except Exception:
        return "an unparseable warehouse URL"
    backend = u.get_backend_name()
    text = f"{_BACKEND_NAMES.get(backend, backend)} warehouse"
    schemas = search_path(url)
    if not schemas:
        return text
    if not all(_SCHEMA_NAME.fullmatch(n) for n in schemas):
        return f"{text} · its own schema"
    return f"{text} · {'schema' if len(schemas) == 1 else 'schemas'} {', '.join(schemas)}"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file URL (the audit log, the application store)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
