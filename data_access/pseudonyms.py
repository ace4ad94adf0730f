"""Pseudonymous, stable analyst ids for viewers without the personal-data right.

``pseudonym(reviewer_id)`` is a keyed hash (HMAC-SHA256) of the id: the same analyst gets
the same pseudonym on every page, export and run, and nobody without the key can turn one
back into the id (an unkeyed hash of a small integer would be reversed by trying them all).
The key: $FRAUD_PSEUDONYM_KEY, else ``[pseudonyms] key`` in .streamlit/secrets.toml, else a
random key generated once into data/pseudonym.key (readable by the app's user only).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tomllib
from functools import lru_cache
from pathlib import Path

from data_access.settings import ROOT, SECRETS

KEY_ENV = "FRAUD_PSEUDONYM_KEY"
KEY_FILE = ROOT / "data" / "pseudonym.key"
PREFIX = "Analyst "
log = logging.getLogger("fraud.pseudonyms")
_PROCESS_KEY = secrets.token_hex(32)


def _secrets_key(path: Path = SECRETS) -> str | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    key = data.get("pseudonyms", {}).get("key")
    return key if isinstance(key, str) and key.strip() else None


def _file_key(path: Path = KEY_FILE) -> str:
    try:
        return _read_or_create(path)
    except OSError:
        # A read-only data/ folder: pseudonyms stay stable for this process only.
        log.warning("pseudonym key file %s unusable: a key for this process only", path.name)
        return _PROCESS_KEY


def _read_or_create(path: Path) -> str:
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            fd = None  # another process created it first: read theirs
        if fd is not None:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=4)
def _key(env: str | None) -> bytes:
    return (env or _secrets_key() or _file_key()).encode("utf-8")


def key() -> bytes:
    return _key(os.environ.get(KEY_ENV, "").strip() or None)


def pseudonym(reviewer_id: object) -> str:
    """'Analyst 3F9A2C' for a reviewer id (stable for one key; empty for a missing id)."""
    if reviewer_id is None or str(reviewer_id) in ("", "nan", "<NA>", "None"):
        return ""
    digest = hmac.new(key(), str(int(reviewer_id)).encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:6].upper()
