"""The application store: migrated on first use (SQLite and a real PostgreSQL), the migrated
schema equal to the declared one, saved views and deck drafts."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from appstore import db, saved
from appstore.schema import metadata


def test_first_use_migrates_and_matches_the_declared_schema(store_url):
    eng = db.engine(store_url)
    names = set(inspect(eng).get_table_names())
    assert set(metadata.tables) <= names
    assert db.VERSION_TABLE in names
    with eng.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": db.VERSION_TABLE})
        diff = compare_metadata(ctx, metadata)
    assert diff == []
    # A second process migrating the same store is a no-op.
    other = create_engine(store_url)
    db.migrate(other)
    other.dispose()


def test_saved_views_personal_shared_rename_delete(store_url):
    a = saved.save_view(
        owner="ana@example.com",
        name="  SE   weekly ",
        page="trends",
        query={"market": ["SE"], "trends_grain": "week"},
        url=store_url,
    )
    assert a.name == "SE weekly" and a.query == {"market": ["SE"], "trends_grain": ["week"]}
    saved.save_view(
        owner="ana@example.com",
        name="Team view",
        page="overview",
        query={},
        shared_role="viewer",
        url=store_url,
    )
    # Saving under the same name replaces.
    again = saved.save_view(
        owner="ana@example.com", name="SE weekly", page="trends", query={}, url=store_url
    )
    assert again.id == a.id and again.query == {}
    mine = saved.list_views("ana@example.com", "analyst", url=store_url)
    assert [v.name for v in mine] == ["SE weekly", "Team view"]
    other = saved.list_views("vic@example.com", "viewer", url=store_url)
    assert [v.name for v in other] == ["Team view"]
    assert saved.list_views("fin@example.com", "finance", url=store_url) == []

    with pytest.raises(saved.SavedViewError, match="Only the person"):
        saved.rename_view(a.id, "vic@example.com", "mine now", url=store_url)
    with pytest.raises(saved.SavedViewError, match="already have a view"):
        saved.rename_view(a.id, "ana@example.com", "Team view", url=store_url)
    saved.rename_view(a.id, "ana@example.com", "SE", url=store_url)
    assert saved.get_view(a.id, url=store_url).name == "SE"
    with pytest.raises(saved.SavedViewError, match="name"):
        saved.save_view(owner="x", name="  ", page="trends", query={}, url=store_url)
    with pytest.raises(saved.SavedViewError, match="Only the person"):
        saved.delete_view(a.id, "vic@example.com", url=store_url)
    saved.delete_view(a.id, "ana@example.com", url=store_url)
    assert saved.get_view(a.id, url=store_url) is None


def test_deck_drafts_survive_a_new_engine(store_url):
    items = [{"view": "trends.main", "filters": {"market": ["SE"]}, "params": {}}]
    saved.save_draft("ana@example.com", items, url=store_url)
    db._engines.pop(store_url).dispose()  # as after a restart
    assert saved.load_draft("ana@example.com", url=store_url) == items
    assert saved.load_draft("vic@example.com", url=store_url) == []
    saved.save_draft("ana@example.com", [], url=store_url)
    assert saved.load_draft("ana@example.com", url=store_url) == []
