"""Who the viewer is and what they may see.

Without an ``[auth]`` section in secrets the app runs as a clearly labelled local
development identity with full scope (not for production).
"""

from __future__ import annotations

from data_access.scope import FULL, Scope

DEV_IDENTITY = "local developer (no login configured — not for production)"


def current_scope() -> Scope:
    return FULL


def current_user() -> str:
    return DEV_IDENTITY
