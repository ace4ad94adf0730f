"""Where the application store is, one engine per URL, migrated to head on first use."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine

from data_access.settings import ROOT, ensure_sqlite_dir

URL_ENV = "FRAUD_APP_STORE_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "appstore_version"  # not alembic_version: the store may share a database

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def store_url() -> str:
    """$FRAUD_APP_STORE_URL, else a SQLite file beside the audit log (data/app.sqlite)."""
    return os.environ.get(URL_ENV) or f"sqlite:///{ROOT / 'data' / 'app.sqlite'}"


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(eng: Engine, revision: str = "head") -> None:
    """Bring the store's schema to ``revision`` (idempotent)."""
    with eng.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def engine(url: str | None = None) -> Engine:
    """The store's engine for ``url`` (default: ``store_url()``), migrated on first use."""
    url = url or store_url()
    with _lock:
        if url not in _engines:
            ensure_sqlite_dir(url)
            eng = create_engine(url, pool_pre_ping=True)
            migrate(eng)
            _engines[url] = eng
        return _engines[url]
