"""AppTest of the Deck builder: renders, adds views, offers the download, explains an empty
deck, and refuses nothing it should not (hostile URL values are dropped, not echoed)."""

from __future__ import annotations

from datetime import date

import reports as views
from tests.support.apptest import assert_clean, run_app, screen_text

PAGE = "app_pages/deck.py"
TREND = views.get("overview.trend").name
SANKEY = views.get("funnel.sankey").name


def _download(at):
    return [b for b in at.get("download_button") if b.proto.label.startswith("Download deck")]


def test_empty_deck_says_what_to_do(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert any(t.value == "Deck builder" for t in at.title)
    assert any("The deck is empty" in i.value for i in at.info)
    assert not _download(at)


def test_adding_views_offers_the_download(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    at.multiselect(key="deck_views").set_value([TREND, SANKEY])
    at.run()
    assert_clean(at)
    buttons = _download(at)
    assert buttons and "4 slides" in buttons[0].proto.label
    assert at.dataframe, "the slide order editor is shown"
    assert list(at.dataframe[0].value["slide"]) == [TREND, SANKEY]


def test_saved_view_from_an_export_menu_is_listed(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    at.session_state["deck_items"] = [
        {"view": "trends.main", "filters": {"market": ["SE"]}, "params": {"trends_grain": "month"}},
        {"view": "nope.unknown", "filters": {}, "params": {}},
        {"view": "trends.main", "filters": {}, "params": {"trends_grain": "'; DROP TABLE x"}},
    ]
    at.run()
    assert_clean(at)
    text = screen_text(at)
    assert "2 saved view(s) could not be used" in text
    assert "DROP TABLE" not in text
    assert _download(at) and "3 slides" in _download(at)[0].proto.label


def test_views_in_the_url_reproduce_the_deck(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"deck_views": [TREND, "<script>"]})
    assert_clean(at)
    assert at.multiselect(key="deck_views").value == [TREND]
    assert _download(at)


def test_add_to_deck_button_saves_the_view(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page="app_pages/overview.py", params={"market": "SE"})
    button = at.button(key="overview_trend_deck")
    button.click()
    at.run()
    assert_clean(at)
    saved = at.session_state["deck_items"]
    assert saved == [{"view": "overview.trend", "filters": {"market": ["SE"]}, "params": {}}]
    assert date.today()  # the page run completed
