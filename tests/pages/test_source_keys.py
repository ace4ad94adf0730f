"""A team's own keys open entity pages (``?key=…``, through key_map): on a warehouse built by
the input layer, a case uuid or a track URI is as good a link as the project's id, under the
same scope rule (an unknown and a forbidden key read alike)."""

from __future__ import annotations

import pytest

from data_access.scope import Scope
from tests.support.apptest import assert_clean, run_app, screen_text, view_as


@pytest.fixture(scope="module")
def inputs_url(tmp_path_factory) -> str:
    from data_access.demo.__main__ import build as demo_build

    path = tmp_path_factory.mktemp("source_keys") / "w.duckdb"
    demo_build(f"duckdb:///{path}", scale=0.03, seed=11, quiet=True)
    return f"duckdb:///{path}"


def test_a_case_opens_by_the_team_key(monkeypatch, inputs_url):
    at = run_app(monkeypatch, inputs_url, page="app_pages/case.py", params={"key": "C000000003"})
    assert_clean(at)
    assert at.query_params.get("id") == ["3"] or at.query_params.get("id") == "3"
    assert "Case 3" in screen_text(at)


def test_a_track_opens_by_the_team_key(monkeypatch, inputs_url):
    at = run_app(monkeypatch, inputs_url, page="app_pages/track.py", params={"key": "T000000007"})
    assert_clean(at)
    assert at.query_params.get("isrc")


@pytest.mark.parametrize("key", ["no-such-key", "C000000003'; DROP TABLE key_map --"])
def test_an_unknown_key_reads_like_a_forbidden_one(monkeypatch, inputs_url, key):
    at = run_app(monkeypatch, inputs_url, page="app_pages/case.py", params={"key": key})
    assert not at.exception
    assert "that you have access to" in screen_text(at)


def test_a_key_outside_the_viewer_scope_is_not_found(monkeypatch, inputs_url):
    view_as(monkeypatch, Scope(role="partner", labels=(10**6,)))
    at = run_app(monkeypatch, inputs_url, page="app_pages/label.py", params={"key": "L000000001"})
    assert not at.exception
    assert "No label L000000001 that you have access to" in screen_text(at).replace("\\", "")
