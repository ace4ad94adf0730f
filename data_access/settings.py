"""Where the warehouse is: one URL, resolved env var -> secrets.toml -> embedded DuckDB.

Nothing else in the code knows a URL. The resolved URL never reaches the screen: use
``describe_url`` to say which warehouse is in use without its credentials.
"""

from __future__ import annotations

import os
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


def describe_url(url: str) -> str:
    """A credential- and path-free description, e.g. 'postgresql warehouse'."""
    try:
        u = make_url(url)
    except Exception:
        return "an unparseable warehouse URL"
    backend = u.get_backend_name()
    return f"{_BACKEND_NAMES.get(backend, backend)} warehouse"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file URL (the audit log, the application store)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
