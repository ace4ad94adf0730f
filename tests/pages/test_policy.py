"""AppTest of the Policy lab: the wide period with two candidates, hostile URL values, a
viewer without the money right, and a slice filter the replay cannot apply."""

from __future__ import annotations

from data_access.scope import Scope
from tests.support.apptest import assert_clean, run_app, screen_text, view_as

PAGE = "app_pages/policy.py"
WIDE = ["2025-09-01", "2026-11-29"]


def test_two_candidates_side_by_side(monkeypatch, duck_url):
    at = run_app(
        monkeypatch, duck_url, page=PAGE,
        params={"period": WIDE, "policy_n": "2", "policy_2_fee": "60", "policy_2_amount": "45"},
    )  # fmt: skip
    assert_clean(at)
    assert [t.value for t in at.title] == ["Policy lab"]
    table = at.dataframe[0].value
    assert list(table["policy"].str.split(":").str[0]) == ["Current", "Candidate 1", "Candidate 2"]
    assert "fee >80% · €15" in table["policy"].iloc[1]
    # A lower threshold never fines fewer track-months; a fee is tracks fined x amount.
    assert table["tracks_fined"].iloc[0] <= table["tracks_fined"].iloc[1]
    assert table["tracks_fined"].iloc[1] <= table["tracks_fined"].iloc[2]
    assert table["fees_eur"].iloc[2] == 45 * table["tracks_fined"].iloc[2]
    shown = screen_text(at)
    assert "ground truth" in shown
    assert "Frontier" in [h.value for h in at.subheader]


def test_hostile_values_fall_back_with_a_note(monkeypatch, duck_url):
    at = run_app(
        monkeypatch, duck_url, page=PAGE,
        params={
            "period": WIDE, "policy_n": "9", "policy_1_fee": "1; DROP TABLE dim_track",
            "policy_1_rule_auto": "<script>", "policy_sweep": "x" * 500,
        },
    )  # fmt: skip
    assert_clean(at)
    shown = screen_text(at)
    assert "was not recognised" in shown
    assert "DROP" not in shown and "<script>" not in shown
    table = at.dataframe[0].value
    assert len(table) == 2  # policy_n fell back to one candidate
    assert "fee >80%" in table["policy"].iloc[1]


def test_viewer_without_money_sees_counts_only(monkeypatch, duck_url):
    view_as(monkeypatch, Scope(role="analyst", money=False))
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WIDE, "market": "SE"})
    assert_clean(at)
    table = at.dataframe[0].value
    assert "tracks_fined" in table.columns
    assert not [c for df in at.dataframe for c in df.value.columns if str(c).endswith("_eur")]
    shown = screen_text(at)
    # Policy parameters (a fee of EUR 10) are not warehouse money; amounts measured are.
    assert "levies" not in shown and "at risk" not in shown and "EUR protected" not in shown
    assert "Frontier" not in [h.value for h in at.subheader]
    assert "market filter does not apply" in shown
