"""Who may see what: parse config/access.toml and turn an identity into a ``Viewer``.

Pure (no Streamlit): the UI passes in the identity (OIDC e-mail or the dev identity) and a
function that resolves label / distributor NAMES to ids; this module answers with the
viewer's row-level ``Scope`` and the page slugs they may open. Everything fails closed: an
unknown identity, an unknown role, a scoped role without a scope, or an unreadable config
gives the role ``none`` (no page, no query).
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from data_access.scope import Scope
from data_access.settings import ROOT

log = logging.getLogger("fraud.access")

CONFIG_ENV = "FRAUD_ACCESS_CONFIG"
DEV_IDENTITY_ENV = "FRAUD_DEV_IDENTITY"
DEFAULT_CONFIG = ROOT / "config" / "access.toml"

# Every page of the app (app.py url_paths), in navigation order.
PAGE_SLUGS = (
    "overview",
    "trends",
    "funnel",
    "enforcement",
    "cases",
    "exposure",
    "ops",
    "policy",
    "deck",
    "health",
    "audit",
    "alerts",
    "track",
    "label",
    "distributor",
    "case",
)
MONEY_PAGES = frozenset({"enforcement", "exposure", "deck"})  # money views
EXPORT_PAGES = frozenset({"deck"})  # the page is an export
FULL_SCOPE_PAGES = frozenset({"health", "audit"})  # they read every row
NO_ROLE = "none"

Resolver = Callable[[tuple[str, ...], tuple[str, ...]], tuple[tuple[int, ...], tuple[int, ...]]]


class AccessConfigError(ValueError):
    """The access config is missing or invalid (the message says where)."""


@dataclass(frozen=True)
class Role:
    name: str
    pages: tuple[str, ...]
    money: bool = False
    exports: bool = False
    personal: bool = False
    annotate: bool = False  # may add notes to the time charts
    scoped: bool = False  # users must carry a team / labels / distributors
    description: str = ""


@dataclass(frozen=True)
class User:
    identity: str
    role: str
    team: str | None = None
    labels: tuple[str, ...] | None = None
    distributors: tuple[str, ...] | None = None
    money: bool | None = None
    exports: bool | None = None
    annotate: bool | None = None


@dataclass(frozen=True)
class AccessConfig:
    roles: Mapping[str, Role]
    users: Mapping[str, User]
    dev_identity: str | None = None


@dataclass(frozen=True)
class Viewer:
    """The signed-in person: who, which role, what rows (``scope``), which pages."""

    user: str
    role: str
    scope: Scope
    pages: tuple[str, ...] = ()
    reason: str = ""  # why access is refused (role none), said to the person

    def may_open(self, slug: str) -> bool:
        return slug in self.pages


NO_SCOPE = Scope(
    role=NO_ROLE,
    labels=(),
    distributors=(),
    team=None,
    money=False,
    exports=False,
    personal=False,
    annotate=False,
)


def nobody(user: str, reason: str) -> Viewer:
    """The fail-closed viewer: no page, nothing in scope."""
    return Viewer(user=user, role=NO_ROLE, scope=NO_SCOPE, pages=(), reason=reason)


# -- parsing --------------------------------------------------------------------------------


def _bool(value, where: str, default: bool | None = None) -> bool | None:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise AccessConfigError(f"{where}: expected true or false")
    return value


def _names(value, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise AccessConfigError(f"{where}: expected a list of names")
    return tuple(v.strip() for v in value)


def parse_config(data: Mapping) -> AccessConfig:
    """Validate the parsed TOML; raise ``AccessConfigError`` on anything unexpected."""
    roles: dict[str, Role] = {}
    for name, spec in (data.get("roles") or {}).items():
        where = f"roles.{name}"
        if name == NO_ROLE:
            raise AccessConfigError(f"{where}: '{NO_ROLE}' is built in and cannot be defined")
        if not isinstance(spec, Mapping):
            raise AccessConfigError(f"{where}: expected a table")
        pages = spec.get("pages", [])
        if not isinstance(pages, list) or any(p not in PAGE_SLUGS for p in pages):
            raise AccessConfigError(f"{where}.pages: expected page slugs out of {PAGE_SLUGS}")
        roles[name] = Role(
            name=name,
            pages=tuple(p for p in PAGE_SLUGS if p in pages),
            money=_bool(spec.get("money"), f"{where}.money", False),
            exports=_bool(spec.get("exports"), f"{where}.exports", False),
            personal=_bool(spec.get("personal"), f"{where}.personal", False),
            annotate=_bool(spec.get("annotate"), f"{where}.annotate", False),
            scoped=_bool(spec.get("scoped"), f"{where}.scoped", False),
            description=str(spec.get("description", "")),
        )
    users: dict[str, User] = {}
    for identity, spec in (data.get("users") or {}).items():
        where = f"users.{identity!r}"
        if not isinstance(spec, Mapping) or not isinstance(spec.get("role"), str):
            raise AccessConfigError(f"{where}: expected a table with a role")
        team = spec.get("team")
        if team is not None and (not isinstance(team, str) or not team.strip()):
            raise AccessConfigError(f"{where}.team: expected a team code")
        key = normalise(identity)
        users[key] = User(
            identity=key,
            role=spec["role"],
            team=team.strip() if team else None,
            labels=_names(spec.get("labels"), f"{where}.labels"),
            distributors=_names(spec.get("distributors"), f"{where}.distributors"),
            money=_bool(spec.get("money"), f"{where}.money"),
            exports=_bool(spec.get("exports"), f"{where}.exports"),
            annotate=_bool(spec.get("annotate"), f"{where}.annotate"),
        )
    dev = (data.get("dev") or {}).get("identity")
    if dev is not None and not isinstance(dev, str):
        raise AccessConfigError("dev.identity: expected an e-mail address")
    return AccessConfig(roles=roles, users=users, dev_identity=normalise(dev) if dev else None)


def normalise(identity: str | None) -> str:
    return (identity or "").strip().lower()


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


_cache: dict[tuple[str, float], AccessConfig] = {}


def load_config(path: Path | None = None) -> AccessConfig:
    """The parsed config (re-read when the file changes). Raises ``AccessConfigError``."""
    path = path or config_path()
    try:
        stamp = (str(path), path.stat().st_mtime)
    except OSError as exc:
        raise AccessConfigError(f"access config not found: {path.name}") from exc
    if stamp not in _cache:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise AccessConfigError(f"access config unreadable: {exc}") from exc
        _cache.clear()
        _cache[stamp] = parse_config(data)
    return _cache[stamp]


def dev_identity(config: AccessConfig) -> str:
    """The local development identity: $FRAUD_DEV_IDENTITY, else [dev] identity."""
    return normalise(os.environ.get(DEV_IDENTITY_ENV)) or config.dev_identity or ""


# -- identity -> viewer ---------------------------------------------------------------------


def allowed_pages(role: Role, scope: Scope) -> tuple[str, ...]:
    """The role's pages minus those the scope's rights do not cover."""
    pages = []
    for slug in role.pages:
        if slug in MONEY_PAGES and not scope.money:
            continue
        if slug in EXPORT_PAGES and not scope.exports:
            continue
        if slug in FULL_SCOPE_PAGES and not scope.unrestricted:
            continue
        pages.append(slug)
    return tuple(pages)


def viewer_for(identity: str | None, config: AccessConfig, resolve: Resolver) -> Viewer:
    """Resolve ``identity`` to a Viewer; anything unknown or incomplete fails closed."""
    who = normalise(identity)
    if not who:
        return nobody("anonymous", "You are not signed in.")
    user = config.users.get(who)
    if user is None:
        log.warning("access refused: unknown identity")
        return nobody(who, "Your account has no role in this dashboard.")
    role = config.roles.get(user.role)
    if role is None:
        log.warning("access refused: user has undefined role %r", user.role)
        return nobody(who, "Your account's role is not defined.")
    has_scope = user.team is not None or user.labels is not None or user.distributors is not None
    if role.scoped and not has_scope:
        log.warning("access refused: scoped role %r without a team/labels/distributors", role.name)
        return nobody(who, "Your account has no team or portfolio assigned.")
    labels = distributors = None
    if user.labels is not None or user.distributors is not None:
        label_ids, distributor_ids = resolve(user.labels or (), user.distributors or ())
        labels = label_ids if user.labels is not None else None
        distributors = distributor_ids if user.distributors is not None else None
    scope = Scope(
        role=role.name,
        labels=labels,
        distributors=distributors,
        team=user.team,
        money=role.money if user.money is None else user.money,
        exports=role.exports if user.exports is None else user.exports,
        personal=role.personal,
        annotate=role.annotate if user.annotate is None else user.annotate,
    )
    pages = allowed_pages(role, scope)
    if not pages:
        return nobody(who, "Your role gives access to no page.")
    return Viewer(user=who, role=role.name, scope=scope, pages=pages)


@dataclass(frozen=True)
class Columns:
    """Which result columns are money / personal data (dropped by the loader layer)."""

    money_exact: frozenset[str] = field(default_factory=lambda: frozenset({"eur"}))
    money_suffix: str = "_eur"
    money_prefix: str = "eur_"
    personal_words: tuple[str, ...] = ("reviewer", "email", "account_id")

    def is_money(self, name: str) -> bool:
        return (
            name in self.money_exact
            or name.endswith(self.money_suffix)
            or name.startswith(self.money_prefix)
        )

    def is_personal(self, name: str) -> bool:
        return any(w in name for w in self.personal_words)


COLUMNS = Columns()


def hidden_columns(columns, scope: Scope) -> list[str]:
    """Columns of a result the scope may not see (money without the money right, personal
    data without the personal right)."""
    out = []
    for col in columns:
        name = str(col).lower()
        if (not scope.money and COLUMNS.is_money(name)) or (
            not scope.personal and COLUMNS.is_personal(name)
        ):
            out.append(col)
    return out
