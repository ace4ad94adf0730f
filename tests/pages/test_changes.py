"""AppTest of "What changed": Overview's block (one sentence per headline metric, each
driver a link that applies it as a filter) and the Fraud trends decomposition tree."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlparse

from data_access.dimensions import KEYS as DIMENSIONS
from tests.support.apptest import assert_clean, run_app, screen_text, view_as

_LINK = re.compile(r'<a href="(\?[^"]*)" target="_self">([^<]+)</a>')


def _block(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("- ") and "week" in m.value)


def test_overview_says_what_changed_with_driver_links(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page="app_pages/overview.py", params={"trends_z": "3.0"})
    assert_clean(at)
    assert "What changed" in [h.value for h in at.subheader]
    block = _block(at)
    lines = block.splitlines()
    assert len(lines) == 9  # one per headline metric (this viewer sees money)
    assert lines[0].startswith("- Detected artificial streams ")
    said = re.sub(r"\\(.)", r"\1", lines[0])  # as read: Markdown escapes removed
    assert re.search(r"(fell|rose) [\d,]+(%|-fold) week over week \(", said)
    assert "None" not in block and "nan" not in block.lower()
    links = _LINK.findall(block)
    assert links
    kinds = set()
    for href, name in links:
        params = parse_qs(urlparse(html.unescape(href)).query)
        chosen = {k: v for k, v in params.items() if k in DIMENSIONS}
        assert len(chosen) == 1, href  # the driver, as a filter by its URL name
        ((kind, values),) = chosen.items()
        # Markets are linked by their iso2 code, the rest by name.
        assert values == [html.unescape(name)] or kind == "market"
        kinds.add(kind)
    assert len(kinds) >= 2


def test_overview_block_follows_the_comparison_and_hides_money(monkeypatch, duck_url):
    from data_access.scope import Scope

    view_as(monkeypatch, Scope(role="analyst", money=False))
    page = "app_pages/overview.py"
    at = run_app(monkeypatch, duck_url, page=page, params={"overview_vs": "year"})
    assert_clean(at)
    block = next(m.value for m in at.markdown if m.value.startswith("- ") and "a year" in m.value)
    assert "€" not in block and "Royalties protected" not in block
    assert len(block.splitlines()) == 7


def test_trends_decomposition_tree(monkeypatch, duck_url):
    at = run_app(
        monkeypatch,
        duck_url,
        page="app_pages/trends.py",
        params={
            "trends_tree_metric": "detected share",
            "trends_tree_vs": "period",
            "trends_tree_3": "label'; DROP TABLE dim_label; --",  # hostile: the default
        },
    )
    assert_clean(at)
    assert any("level 3 dimension in the link was not recognised" in w.value for w in at.warning)
    text = screen_text(at)
    assert "decomposition tree" in text
    headline = next(m.value for m in at.markdown if "largest drivers" in m.value)
    assert "Detected artificial share" in headline and "pp on the previous period" in headline
    tree = next(
        json.loads(c.proto.spec)
        for c in at.get("vega_lite_chart")
        if "Decomposition tree" in c.proto.spec
    )
    # Three levels: by market, the largest market by typology, then by label.
    levels = [part["title"]["text"] for part in tree["vconcat"]]
    assert len(levels) == 3 and levels[0].startswith("1. By market: ")
    assert levels[1].startswith("2. ") and ", by typology: " in levels[1]
    assert ", by label: " in levels[2] and " › " in levels[2]
