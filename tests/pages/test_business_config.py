"""The business configuration at start: a wrong file stops the app with every problem named
(no page computed on defaults, no traceback); a valid one reaches the pages that use it."""

from __future__ import annotations

from data_access.inputs import business
from tests.support.apptest import LEAK_MARKERS, run_app, screen_text


def test_a_wrong_configuration_is_named_instead_of_any_page(monkeypatch, duck_url, tmp_path):
    bad = tmp_path / "business.toml"
    bad.write_text('[vocabularies.verdict]\nfraud = "guilty"\n[policy]\nfee_eur = -5\n')
    monkeypatch.setenv(business.ENV_VAR, str(bad))
    at = run_app(monkeypatch, duck_url)
    shown = screen_text(at).replace("\\", "")  # the markdown source: escapes dropped
    assert not at.exception
    assert "business configuration (business.toml) is not valid" in shown
    assert "'fraud' = 'guilty'" in shown and "fee_eur must be at least 0" in shown
    assert not any(m in shown for m in LEAK_MARKERS)
    assert not at.metric  # no page ran


def test_the_policy_lab_says_its_current_policy_comes_from_the_configuration(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page="app_pages/policy.py")
    assert not at.exception
    assert "From the business configuration" in screen_text(at)
