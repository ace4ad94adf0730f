"""AppTest of the Overview page: default filters, empty selection, hostile URL values."""

from __future__ import annotations

import pytest

from tests.support.apptest import assert_clean, run_app, screen_text

PAGE = "app_pages/overview.py"


def test_default_view_shows_tiles_and_charts(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    labels = [m.label for m in at.metric]
    for expected in (
        "Streams",
        "Detected artificial share",
        "Streams removed",
        "Royalties protected",
        "Money at risk (exposure)",
        "Open cases",
        "SLA breach rate",
    ):
        assert expected in labels
    streams = next(m for m in at.metric if m.label == "Streams")
    assert streams.value not in ("–", "0")
    assert any("€" in m.value for m in at.metric if m.label == "Royalties protected")
    # Each tile explains its metric.
    assert all(m.proto.help for m in at.metric)


def _label_without_streams(url: str, since: str) -> str:
    """A label with no streams in the default period (computed, not assumed)."""
    from sqlalchemy import text

    from data_access.engine import get_engine

    sql = text(
        "SELECT l.name FROM dim_label l WHERE l.label_id NOT IN "
        "(SELECT label_id FROM mart_daily_fraud WHERE date_key >= :since) ORDER BY l.name"
    )
    with get_engine(url).connect() as conn:
        return conn.execute(sql, {"since": since}).scalars().first()


def test_empty_selection_says_no_data(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    name = _label_without_streams(duck_url, "2026-08-31")
    assert name, "the demo warehouse should have a label without recent streams"
    at.session_state["label"] = [name]
    at.run()
    assert_clean(at)
    assert any("No data for this selection" in i.value for i in at.info)
    assert not at.metric


@pytest.mark.parametrize(
    "params",
    [
        {"market": "' OR 1=1 --"},
        {"market": ["SE", "XX", "<script>alert(1)</script>"]},
        {"period": ["2026-11-01", "2026-01-01"]},
        {"period": ["9999-01-01", "9999-12-31"]},
        {"period": "not-a-date"},
        {"market": [f"M{i}" for i in range(10_000)]},
        {"label": ["'; DROP TABLE dim_label; --"], "typology": "bot_farm' --"},
    ],
    ids=[
        "sql-quote",
        "unknown-and-html",
        "reversed",
        "year-9999",
        "garbage-date",
        "10k-list",
        "sql-drop",
    ],
)
def test_hostile_query_params(monkeypatch, duck_url, params):
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    text = screen_text(at)
    assert "<script>" not in text and "DROP TABLE" not in text
    assert [m for m in at.metric if m.label == "Streams"], "the page still renders its tiles"


def test_unknown_values_are_explained(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"market": ["SE", "XX", "YY"]})
    assert_clean(at)
    assert any("unknown market codes" in w.value for w in at.warning)


def test_unreachable_warehouse_is_a_clear_message(monkeypatch, tmp_path):
    url = f"duckdb:///{tmp_path / 'missing' / 'nowhere.duckdb'}"
    at = run_app(monkeypatch, url)
    assert not at.exception
    text = screen_text(at)
    assert at.error, text
    assert "nowhere.duckdb" not in text and "duckdb:///" not in text


def test_no_deltas_when_previous_period_precedes_the_data(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": ["2025-01-01", "2025-06-30"]})
    assert_clean(at)
    assert any("no comparison" in c.value for c in at.caption)
    assert all(not m.delta for m in at.metric)


def test_markets_are_found_by_name_and_links_keep_their_codes(monkeypatch, duck_url):
    """The sidebar shows "SE · Sweden" (its search matches names as well as codes), while the
    URL keeps the codes links have always carried: market=SE."""
    at = run_app(monkeypatch, duck_url, params={"market": ["SE"]})
    assert_clean(at)
    markets = at.multiselect(key="market")
    assert markets.value == ["SE"] and "markets SE" in at.caption[0].value
    assert "SE · Sweden" in markets.options and "NO · Norway" in markets.options
    markets.set_value(["NO", "SE"]).run()
    assert at.query_params.get("market") == ["NO", "SE"]
    at.multiselect(key="market").set_value([]).run()
    assert "market" not in at.query_params
