"""AppTest of the sidebar's saved views: save the current page with its filters, open it
from another page, share it with a role, and the deck draft surviving a new session."""

from __future__ import annotations

from appstore import saved
from tests.support.apptest import assert_clean, run_app

TRENDS = "app_pages/trends.py"


def _save(at, name: str, audience: str | None = None):
    at.text_input(key="saved_view_name").input(name)
    if audience:
        at.selectbox(key="saved_view_audience").select(audience)
    at.button(key="saved_view_save").click()
    at.run()
    return at


def test_save_a_view_and_open_it_from_another_page(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=TRENDS, params={"market": ["SE"]})
    assert at.session_state["market"] == ["SE"]
    at.radio(key="trends_grain").set_value("month")
    at.run()
    _save(at, "SE monthly")
    assert_clean(at)
    views = saved.list_views("dev.lead@example.com", "leadership")
    assert [(v.name, v.page) for v in views] == [("SE monthly", "trends")]
    assert views[0].query["market"] == ["SE"]
    assert views[0].query["trends_grain"] == ["month"]
    from data_access import audit

    saves = audit.load_events(action="create", page="trends")
    assert "saved view" in saves["item"].iloc[0] and "SE monthly" in saves["item"].iloc[0]

    # A new session on the Overview, no filters: open the saved view.
    at = run_app(monkeypatch, duck_url)
    assert at.session_state["market"] == []
    at.selectbox(key="saved_view_pick").select(views[0].id)
    at.run()
    at.button(key="saved_view_open").click()
    at.run()
    assert_clean(at)
    assert at.session_state["market"] == ["SE"]
    assert at.session_state["trends_grain"] == "month"
    assert at.query_params.get("market") in ("SE", ["SE"])
    assert any("Fraud trends" in t.value for t in at.title)


def test_a_shared_view_is_listed_for_the_role_and_opens_with_the_openers_scope(
    monkeypatch, duck_url
):
    saved.save_view(
        owner="dev.lead@example.com",
        name="Shared SE",
        page="trends",
        query={"market": ["SE"]},
        shared_role="analyst",
    )
    saved.save_view(owner="dev.lead@example.com", name="Private", page="trends", query={})
    monkeypatch.setenv("FRAUD_DEV_IDENTITY", "ana.analyst@example.com")
    at = run_app(monkeypatch, duck_url)
    box = at.selectbox(key="saved_view_pick")
    assert [o for o in box.options if "Private" in o] == []
    shared = next(v for v in saved.list_views("ana.analyst@example.com", "analyst"))
    box.select(shared.id)
    at.run()
    # Someone else's view: open only, no rename or delete.
    assert not [b for b in at.button if b.key in ("saved_view_rename", "saved_view_delete")]
    at.button(key="saved_view_open").click()
    at.run()
    assert_clean(at)
    assert at.session_state["market"] == ["SE"]


def test_empty_name_is_refused_with_a_message(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url)
    _save(at, "   ")
    assert any("name" in w.value for w in at.warning)
    assert saved.list_views("dev.lead@example.com", "leadership") == []


def test_deck_draft_survives_a_new_session(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page="app_pages/overview.py")
    deck_buttons = [b for b in at.button if b.key and b.key.endswith("_deck")]
    assert deck_buttons
    deck_buttons[0].click()
    at.run()
    assert saved.load_draft("dev.lead@example.com")
    at = run_app(monkeypatch, duck_url, page="app_pages/deck.py")
    assert_clean(at)
    assert at.session_state["deck_items"] == saved.load_draft("dev.lead@example.com")
    at.button(key="deck_forget").click()
    at.run()
    assert saved.load_draft("dev.lead@example.com") == []


def test_open_from_a_page_whose_link_carries_filters(monkeypatch, duck_url):
    view = saved.save_view(
        owner="dev.lead@example.com", name="DE overview", page="overview", query={"market": "DE"}
    )
    at = run_app(monkeypatch, duck_url, page=TRENDS, params={"market": ["SE"], "label": []})
    at.selectbox(key="saved_view_pick").select(view.id)
    at.run()
    at.button(key="saved_view_open").click()
    at.run()
    assert_clean(at)
    assert at.session_state["market"] == ["DE"]
    assert not any("Fraud trends" in t.value for t in at.title)


def test_rename_and_delete_from_the_sidebar(monkeypatch, duck_url):
    view = saved.save_view(owner="dev.lead@example.com", name="Old", page="trends", query={})
    at = run_app(monkeypatch, duck_url)
    at.selectbox(key="saved_view_pick").select(view.id)
    at.run()
    at.text_input(key="saved_view_new_name").input("New name")
    at.button(key="saved_view_rename").click()
    at.run()
    assert_clean(at)
    assert saved.get_view(view.id).name == "New name"
    assert any("New name" in o for o in at.selectbox(key="saved_view_pick").options)
    at.selectbox(key="saved_view_pick").select(view.id)
    at.run()
    at.button(key="saved_view_delete").click()
    at.run()
    assert_clean(at)
    assert saved.get_view(view.id) is None
    assert any("No saved views yet" in c.value for c in at.caption)
