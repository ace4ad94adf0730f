"""AppTest of access control: per role the navigation, the refusal of forbidden pages by URL
(no query run), a partner's team-only cases, no export buttons for viewers, fail closed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from data_access.access import PAGE_SLUGS
from tests.support.apptest import assert_clean, run_app, screen_text

ROOT = Path(__file__).resolve().parents[2]
MONEY_VALUE = re.compile(r"€\s?-?\d|\d\s?€")  # an amount, not a definition naming EUR
LEAD = "dev.lead@example.com"
VIEWER = "vic.viewer@example.com"
PARTNER = "legal.partner@example.com"
FINANCE_PARTNER = "finance.partner@example.com"


def _as(monkeypatch, identity: str) -> None:
    monkeypatch.setenv("FRAUD_DEV_IDENTITY", identity)


def _nav(at: AppTest) -> set[str]:
    """Slugs of the file-backed pages st.navigation registered (refusal stand-ins have none)."""
    return {
        Path(str(info["script_path"])).stem
        for info in at._registered_pages.values()
        if info.get("script_path")
    }


def _count_queries(monkeypatch, *, clear: bool = True) -> list:
    """Record every warehouse connection the app opens (``clear``: empty the caches first, so
    a cached result cannot hide a query)."""
    import data_access.loaders.base as base

    calls: list = []
    real = base.get_engine

    def spy(url=None):
        calls.append(url)
        return real(url)

    monkeypatch.setattr(base, "get_engine", spy)
    import streamlit as st

    if clear:
        st.cache_data.clear()
    return calls


@pytest.mark.parametrize(
    "identity, pages",
    [
        (LEAD, set(PAGE_SLUGS) - {"deck"}),
        (
            VIEWER,
            {"overview", "trends", "funnel", "enforcement", "cases", "exposure"}
            | {"track", "label", "distributor", "case"},  # entity pages: hidden, by link
        ),
        (PARTNER, {"cases", "case"}),  # a case page: their team's cases only
    ],
    ids=["leadership", "viewer", "partner"],
)
def test_navigation_lists_the_roles_pages_only(monkeypatch, duck_url, identity, pages):
    _as(monkeypatch, identity)
    at = run_app(monkeypatch, duck_url)
    assert_clean(at)
    # The deck page is another engineer's: present for leadership once it exists.
    assert _nav(at) - {"deck"} == pages
    if identity == PARTNER:  # the first allowed page is the default
        assert at.title[0].value == "Cases & escalations"


def test_forbidden_page_by_url_is_refused_without_a_query(monkeypatch, duck_url):
    _as(monkeypatch, VIEWER)
    at = run_app(monkeypatch, duck_url)
    calls = _count_queries(monkeypatch, clear=False)  # app.py's options: cached by now
    at._page_hash = calc_hash("audit")  # what a direct /audit URL asks for
    at.run()
    assert_clean(at)
    assert any("do not have access" in e.value for e in at.error), screen_text(at)
    assert not at.dataframe and not at.metric
    assert calls == []


def test_page_guard_refuses_when_the_file_is_run_directly(monkeypatch, duck_url):
    """Defence in depth: a page file run on its own (e.g. Streamlit's legacy pages/ mode)."""
    _as(monkeypatch, VIEWER)
    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", duck_url)
    calls = _count_queries(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app_pages" / "audit.py"), default_timeout=30).run()
    assert_clean(at)
    assert any("do not have access" in e.value for e in at.error)
    assert calls == []


def test_unknown_identity_fails_closed_without_a_query(monkeypatch, duck_url):
    _as(monkeypatch, "mallory@example.com")
    calls = _count_queries(monkeypatch)
    at = run_app(monkeypatch, duck_url)
    assert_clean(at)
    assert any("no role" in e.value for e in at.error), screen_text(at)
    assert _nav(at) == set() and not at.metric
    assert calls == []
    # A direct URL to a page is refused the same way.
    at._page_hash = calc_hash("overview")
    at.run()
    assert_clean(at)
    assert at.error and not at.metric and calls == []


def test_invalid_access_config_locks_everyone_out(monkeypatch, duck_url, tmp_path):
    bad = tmp_path / "access.toml"
    bad.write_text('[roles.leadership]\npages = ["overview", "secret"]\n')
    monkeypatch.setenv("FRAUD_ACCESS_CONFIG", str(bad))
    at = run_app(monkeypatch, duck_url)
    assert_clean(at)
    assert any("access configuration is invalid" in e.value for e in at.error)
    assert not at.metric


def test_partner_sees_only_their_teams_cases(monkeypatch, duck_url, demo_frames):
    """Finance's partner (money granted in config) sees exactly Finance's cases."""
    teams = demo_frames["dim_team"].set_index("team_id")["code"]
    cases = demo_frames["fact_case"]
    expected = int((cases["owner_team_id"].map(teams) == "finance").sum())
    assert expected > 0, "the demo warehouse should have cases owned by Finance"
    _as(monkeypatch, FINANCE_PARTNER)
    at = run_app(monkeypatch, duck_url, params={"period": ["2024-12-02", "2026-11-29"]})
    assert_clean(at)
    assert any("owned by your team only" in c.value for c in at.caption)
    listed = next(df.value for df in at.dataframe if "owner_team" in df.value.columns)
    assert set(listed["owner_team"]) == {"Finance"}
    opened = next(m for m in at.metric if m.label == "Cases opened")
    assert opened.value == str(expected)


def test_partner_without_money_sees_no_money(monkeypatch, duck_url):
    _as(monkeypatch, PARTNER)
    at = run_app(monkeypatch, duck_url, params={"period": ["2024-12-02", "2026-11-29"]})
    assert_clean(at)
    text = screen_text(at)
    assert "€" not in text
    for df in at.dataframe:
        assert not [c for c in df.value.columns if "eur" in str(c).lower()]


def test_viewer_sees_no_export_buttons(monkeypatch, duck_url):
    _as(monkeypatch, VIEWER)
    at = run_app(monkeypatch, duck_url, page="app_pages/overview.py")
    assert_clean(at)
    assert [m for m in at.metric if m.label == "Streams"]
    assert len(at.get("popover")) == 0  # the Export menus
    lead = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    _as(monkeypatch, LEAD)
    lead.run()
    assert len(lead.get("popover")) >= 3


def test_no_money_viewer_sees_no_money_tiles(monkeypatch, duck_url, tmp_path):
    config = tmp_path / "access.toml"
    config.write_text(
        (ROOT / "config" / "access.toml").read_text()
        + '\n[users."nomoney@example.com"]\nrole = "viewer"\nmoney = false\n'
    )
    monkeypatch.setenv("FRAUD_ACCESS_CONFIG", str(config))
    _as(monkeypatch, "nomoney@example.com")
    at = run_app(monkeypatch, duck_url)
    assert_clean(at)
    labels = [m.label for m in at.metric]
    assert "Streams" in labels and "Open cases" in labels
    assert "Royalties protected" not in labels and "Money at risk (exposure)" not in labels
    assert all("€" not in m.value for m in at.metric)
    assert {"enforcement", "exposure"}.isdisjoint(_nav(at))
    # The other pages of the role render without money too.
    for page in ("trends", "funnel", "cases"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at)
        assert at.metric and not MONEY_VALUE.search(screen_text(at)), page
        for df in at.dataframe:
            assert not [c for c in df.value.columns if "eur" in str(c).lower()], page


def test_every_page_records_a_view(monkeypatch, duck_url, tmp_path):
    from data_access import audit

    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    monkeypatch.setenv("FRAUD_AUDIT_URL", url)
    _as(monkeypatch, LEAD)
    at = run_app(monkeypatch, duck_url)
    for slug in ("cases", "health", "audit"):
        at.switch_page(f"app_pages/{slug}.py")
        at.run()
        assert_clean(at)
    events = audit.load_events(url=url)
    assert {"overview", "cases", "health", "audit"} <= set(events["page"])
    assert set(events["user"]) == {LEAD} and set(events["role"]) == {"leadership"}
