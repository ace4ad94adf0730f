"""Overview and Exposure on a slice with streams but no money at risk (a market × typology
with no flagged streams and no enforcement): it crashed both pages with Streamlit's
"Selections are activated, but the provided chart spec does not have any selections
defined" (the "no data" placeholder lacked the click selection the page asked for) and
showed a red "↑ +0.0 pp" for a share that was 0 in both periods."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.apptest import assert_clean, run_app, screen_text


def _slice_without_money(url: str) -> tuple[str, str]:
    """(iso2, typology name): streams in the last 91 days, never a flagged stream, money at
    risk or enforcement action in that market for that typology (computed, not assumed)."""
    from data_access.engine import get_engine

    sql = text(
        "SELECT m.iso2, t.name FROM dim_market m CROSS JOIN dim_typology t "
        "WHERE m.market_id IN (SELECT market_id FROM mart_daily_fraud "
        "  WHERE date_key > (SELECT max(date_key) FROM mart_daily_fraud) - 91 AND streams > 0) "
        "AND NOT EXISTS (SELECT 1 FROM mart_daily_fraud f WHERE f.market_id = m.market_id "
        "  AND f.typology_id = t.typology_id "
        "  AND (f.flagged_streams > 0 OR f.at_risk_royalty_eur > 0)) "
        "AND NOT EXISTS (SELECT 1 FROM mart_daily_enforcement e WHERE e.market_id = m.market_id "
        "  AND e.typology_id = t.typology_id) "
        "ORDER BY m.iso2, t.name"
    )
    with get_engine(url).connect() as conn:
        row = conn.execute(sql).first()
    assert row, "the demo warehouse should have a market × typology without money"
    return row[0], row[1]


@pytest.mark.parametrize("page", ["overview", "exposure"])
def test_slice_with_streams_but_no_money_renders(monkeypatch, duck_url, page):
    iso2, typology = _slice_without_money(duck_url)
    at = run_app(
        monkeypatch, duck_url, page=f"app_pages/{page}.py",
        params={"market": iso2, "typology": typology}, timeout=120,
    )  # fmt: skip
    assert_clean(at)
    shown = screen_text(at)
    for word in ("NaN", "nan", "None", "inf", "typologys"):
        assert word not in shown.split(), f"{word!r} on screen"
    if page == "overview":
        streams = next(m for m in at.metric if m.label == "Streams")
        assert streams.value not in ("0", "–")
        share = next(m for m in at.metric if m.label == "Detected artificial share")
        assert share.value == "0.0%"
        assert not share.delta, "a 0 % share in both periods is no change: no delta"
