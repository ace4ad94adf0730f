"""AppTest of notes on the time charts: add one on Fraud trends from the form under the
trend, see it in the chart's list and on Overview's trend; the author edits and deletes it,
another analyst cannot; a viewer without the right gets no form."""

from __future__ import annotations

from datetime import date

from appstore import notes
from tests.support.apptest import assert_clean, run_app

TRENDS = "app_pages/trends.py"
LEAD = "dev.lead@example.com"
ANA = "ana.analyst@example.com"
KEY = "note_trends_main"
SPRING = {"period": ["2026-02-01", "2026-04-30"]}
EVER = (date(2000, 1, 1), date(2100, 1, 1))


def _marks_text(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_add_on_trends_listed_under_the_chart_and_on_the_overview(monkeypatch, duck_url):
    monkeypatch.setenv("FRAUD_DEV_IDENTITY", LEAD)
    at = run_app(monkeypatch, duck_url, page=TRENDS)
    assert_clean(at)
    at.text_input(key=f"{KEY}_add_title").input("Norway dip explained")
    at.text_area(key=f"{KEY}_add_text").input("AI-content dilution campaign taken down.")
    at.text_input(key=f"{KEY}_add_link").input("https://wiki.example.com/incident/42")
    at.button(key=f"FormSubmitter:{KEY}_add-Save note").click()
    at.run()
    assert_clean(at)
    [note] = notes.notes_between(*EVER)
    assert note.author == LEAD and note.page == "trends" and note.slice == {}
    text = _marks_text(at)
    assert "Note: Norway dip explained" in text and "wiki.example.com" in text

    at.switch_page("app_pages/overview.py")
    at.run()
    assert_clean(at)
    assert "Norway dip explained" in _marks_text(at)


def test_author_edits_and_deletes_another_analyst_cannot_a_viewer_cannot_add(monkeypatch, duck_url):
    from data_access.access import Viewer
    from data_access.scope import Scope

    lead = Viewer(LEAD, "leadership", Scope(role="leadership"), ())
    note = notes.add_note(lead, day=date(2026, 3, 9), title="Lead's note", page="trends")
    monkeypatch.setenv("FRAUD_DEV_IDENTITY", ANA)
    at = run_app(monkeypatch, duck_url, page=TRENDS, params=SPRING)
    assert_clean(at)
    assert "Lead's note" in _marks_text(at)
    assert not [s for s in at.selectbox if s.key == f"{KEY}_pick"]  # not theirs to edit

    monkeypatch.setenv("FRAUD_DEV_IDENTITY", LEAD)
    at = run_app(monkeypatch, duck_url, page=TRENDS, params=SPRING)
    edit = f"{KEY}_edit_{note.id}"
    at.text_input(key=f"{edit}_title").input("Lead's note, revised")
    at.button(key=f"FormSubmitter:{edit}-Save changes").click()
    at.run()
    assert_clean(at)
    assert notes.get_note(note.id).title == "Lead's note, revised"
    assert "Lead's note, revised" in _marks_text(at)
    at.button(key=f"{KEY}_delete_{note.id}").click()
    at.run()
    assert_clean(at)
    assert notes.get_note(note.id) is None
    assert "Lead's note" not in _marks_text(at)

    monkeypatch.setenv("FRAUD_DEV_IDENTITY", "vic.viewer@example.com")
    at = run_app(monkeypatch, duck_url, page=TRENDS)
    assert_clean(at)
    assert not [t for t in at.text_input if t.key == f"{KEY}_add_title"]
