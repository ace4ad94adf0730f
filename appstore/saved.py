"""Saved views and deck drafts: a view is a page + URL params under a name, personal or
shared with a role. Opening one is following its link, so the opener's own scope applies:
nothing of the author's rights is stored or reused."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from appstore.db import engine
from appstore.schema import deck_drafts, saved_views

NAME_MAX = 120
QUERY_MAX_KEYS = 40
QUERY_MAX_VALUES = 200
_PAGE = re.compile(r"^[a-z_]{1,60}$")


class SavedViewError(ValueError):
    """A name or link that cannot be saved; the message says why."""


@dataclass(frozen=True)
class SavedView:
    id: int
    owner: str
    name: str
    page: str
    query: dict[str, list[str]]
    shared_role: str | None

    @property
    def personal(self) -> bool:
        return self.shared_role is None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise SavedViewError("Give the view a name.")
    if len(name) > NAME_MAX:
        raise SavedViewError(f"A name has at most {NAME_MAX} characters.")
    return name


def clean_query(query: Mapping[str, object]) -> dict[str, list[str]]:
    """URL params as key -> list of text (what st.query_params and urlencode use)."""
    out: dict[str, list[str]] = {}
    for key, value in dict(query).items():
        values = value if isinstance(value, list | tuple) else [value]
        out[str(key)[:60]] = [str(v)[:200] for v in values][:QUERY_MAX_VALUES]
    if len(out) > QUERY_MAX_KEYS:
        raise SavedViewError("This link carries too many settings to save.")
    return out


def _row(r) -> SavedView:
    return SavedView(r.id, r.owner, r.name, r.page, dict(r.query or {}), r.shared_role)


def save_view(
    *,
    owner: str,
    name: str,
    page: str,
    query: Mapping[str, object],
    shared_role: str | None = None,
    url: str | None = None,
) -> SavedView:
    """Save (or, under the same name, replace) one of ``owner``'s views."""
    name = clean_name(name)
    if not _PAGE.match(page):
        raise SavedViewError("Unknown page.")
    values = {
        "page": page,
        "query": clean_query(query),
        "shared_role": shared_role or None,
        "updated_at": utcnow(),
    }
    t = saved_views.c
    with engine(url).begin() as conn:
        done = conn.execute(
            update(saved_views).where(t.owner == owner, t.name == name).values(**values)
        ).rowcount
        if not done:
            conn.execute(
                insert(saved_views).values(
                    owner=owner, name=name, created_at=values["updated_at"], **values
                )
            )
        row = conn.execute(select(saved_views).where(t.owner == owner, t.name == name)).one()
    return _row(row)


def list_views(user: str, role: str, *, url: str | None = None) -> list[SavedView]:
    """``user``'s own views and the views shared with ``role``, by name."""
    t = saved_views.c
    q = (
        select(saved_views)
        .where(or_(t.owner == user, and_(t.shared_role.is_not(None), t.shared_role == role)))
        .order_by(t.name, t.id)
    )
    with engine(url).connect() as conn:
        return [_row(r) for r in conn.execute(q)]


def get_view(view_id: int, *, url: str | None = None) -> SavedView | None:
    with engine(url).connect() as conn:
        row = conn.execute(select(saved_views).where(saved_views.c.id == view_id)).first()
    return _row(row) if row else None


def rename_view(view_id: int, owner: str, name: str, *, url: str | None = None) -> None:
    """Rename one of ``owner``'s views (another person's shared view cannot be renamed)."""
    name = clean_name(name)
    t = saved_views.c
    try:
        with engine(url).begin() as conn:
            done = conn.execute(
                update(saved_views)
                .where(t.id == view_id, t.owner == owner)
                .values(name=name, updated_at=utcnow())
            ).rowcount
    except IntegrityError:
        raise SavedViewError(f"You already have a view called {name!r}.") from None
    if not done:
        raise SavedViewError("Only the person who saved a view can rename it.")


def delete_view(view_id: int, owner: str, *, url: str | None = None) -> None:
    t = saved_views.c
    with engine(url).begin() as conn:
        done = conn.execute(delete(saved_views).where(t.id == view_id, t.owner == owner)).rowcount
    if not done:
        raise SavedViewError("Only the person who saved a view can delete it.")


# -- deck drafts ----------------------------------------------------------------------------


def load_draft(owner: str, *, url: str | None = None) -> list[dict]:
    with engine(url).connect() as conn:
        items = conn.execute(
            select(deck_drafts.c["items"]).where(deck_drafts.c.owner == owner)
        ).scalar()
    return list(items or [])


def save_draft(owner: str, items: list[dict], *, url: str | None = None) -> None:
    """Replace ``owner``'s draft (an empty list deletes it)."""
    t = deck_drafts.c
    with engine(url).begin() as conn:
        conn.execute(delete(deck_drafts).where(t.owner == owner))
        if items:
            conn.execute(
                insert(deck_drafts).values(owner=owner, items=list(items), updated_at=utcnow())
            )
