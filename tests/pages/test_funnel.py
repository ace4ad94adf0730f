"""AppTest of the Funnel page: default and wide periods, empty selection, one day,
drill-down, the funnel_measure URL param, hostile URL values."""

from __future__ import annotations

import pytest

from tests.support import warehouse
from tests.support.apptest import assert_clean, run_app, screen_text
from ui.render import NO_DATA

PAGE = "app_pages/funnel.py"
WIDE = ["2025-06-01", "2026-11-29"]
TITLE = "Detection → validation → enforcement"


def test_default_view(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert [t.value for t in at.title] == [TITLE]
    assert at.metric or any(NO_DATA in i.value for i in at.info)


def test_wide_period_shows_numbers_tables_and_definitions(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WIDE})
    assert_clean(at)
    metrics = {m.label: m for m in at.metric}
    assert set(metrics) >= {
        "Detections",
        "Confirmed",
        "Enforced",
        "Precision",
        "Recall (estimated)",
    }
    assert metrics["Detections"].value not in ("0", "–")
    assert metrics["Precision"].value.endswith("%")
    assert all(m.proto.help for m in at.metric)
    stages, detectors = at.dataframe[0].value, at.dataframe[1].value
    assert list(stages["label"])[0] == "Detected" and stages["value"].iloc[0] > 0
    assert (stages["value"].diff().dropna() <= 0).all()
    assert len(detectors) >= 1 and detectors["precision"].between(0, 100).all()
    # The Sankey waits behind its expander (Plotly's script is fetched only when opened).
    assert not at.get("plotly_chart")
    assert "Flow diagram" in [e.label for e in at.expander]
    from reports import funnel as views
    from ui.view import diagram_key

    at.session_state[diagram_key(views.VIEWS[0])] = True
    at.run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1
    text = screen_text(at)
    assert "cannot be measured" in text and "contribution" in text


@pytest.fixture(scope="module")
def low_estimate_url(duck_url, tmp_path_factory) -> str:
    """The demo warehouse (a copy) whose estimate of artificial streams is 10% below the
    flagged streams in every fraud mart: recall reads above 100%."""
    path = tmp_path_factory.mktemp("low-estimate") / "low.duckdb"
    return warehouse.edited_copy(duck_url, path, warehouse.lower_estimate)


def test_recall_above_100_percent_says_why_where_it_is_shown(monkeypatch, low_estimate_url):
    at = run_app(monkeypatch, low_estimate_url, page=PAGE, params={"period": WIDE})
    assert_clean(at)
    recall = next(m for m in at.metric if m.label == "Recall (estimated)")
    assert float(recall.value.rstrip("%")) > 100  # the number is kept
    why = "the estimate of artificial streams is below the streams detectors flagged"
    captions = [c.value for c in at.caption]
    # Right under the tiles (the first caption after them), and under both recall charts.
    assert sum(why in c for c in captions) >= 3, captions
    assert any(c.startswith(":material/warning: Recall above 100%") for c in captions)
    assert "detectors flagged more streams than the estimate" in screen_text(at)


def test_empty_selection_says_no_data(monkeypatch, duck_url):
    # The first day of the data: no detection can have happened yet.
    at = run_app(
        monkeypatch,
        duck_url,
        page=PAGE,
        params={"period": ["2024-12-02", "2024-12-02"], "market": "IS"},
    )
    assert_clean(at)
    assert any(NO_DATA in i.value for i in at.info)
    assert not at.metric


def test_one_day_range(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": ["2026-03-10", "2026-03-10"]})
    assert_clean(at)
    assert at.title[0].value == TITLE


def test_drill_down_to_a_detector_and_back(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WIDE})
    detector = at.dataframe[1].value["detector"].iloc[0]
    # What drill.pick("funnel_detector_pick", "detector", "detector") does on a click.
    at.session_state["_drill_previous"] = {"detector": []}
    at.session_state["detector"] = [detector]
    at.run()
    assert_clean(at)
    assert list(at.dataframe[1].value["detector"]) == [detector]
    assert any(f"detectors {detector}" in c.value for c in at.caption)
    clear = [b for b in at.button if b.label == "Clear drill-down"]
    assert clear
    clear[0].click().run()
    assert_clean(at)
    assert len(at.dataframe[1].value) >= 1 and not at.session_state["detector"]


def test_week_drill_narrows_the_period(monkeypatch, duck_url):
    from datetime import date

    at = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WIDE})
    # What drill.pick("funnel_week_pick", "week_start", "week") does on a click.
    at.session_state["_drill_previous"] = {"period": None}
    at.session_state["period"] = (date(2026, 3, 2), date(2026, 3, 8))
    at.run()
    assert_clean(at)
    assert any("02 Mar 2026 – 08 Mar 2026" in c.value for c in at.caption)


@pytest.mark.parametrize("measure", ["streams", "eur"])
def test_measure_url_param_reproduces_the_view(monkeypatch, duck_url, measure):
    at = run_app(
        monkeypatch, duck_url, page=PAGE, params={"period": WIDE, "funnel_measure": measure}
    )
    assert_clean(at)
    assert at.radio(key="funnel_measure").value == measure
    count = run_app(monkeypatch, duck_url, page=PAGE, params={"period": WIDE})
    assert at.dataframe[0].value["value"].iloc[0] > count.dataframe[0].value["value"].iloc[0]


@pytest.mark.parametrize(
    "params",
    [
        {"funnel_measure": "'; DROP TABLE dim_label; --"},
        {"funnel_measure": "<script>alert(1)</script>"},
        {"funnel_measure": ["eur", "count", "x" * 5000]},
        {"detector": ["No such detector", "' OR 1=1 --"], "period": WIDE},
    ],
    ids=["sql", "html", "list", "unknown-detector"],
)
def test_hostile_query_params(monkeypatch, duck_url, params):
    at = run_app(monkeypatch, duck_url, page=PAGE, params=params)
    assert_clean(at)
    text = screen_text(at)
    assert "<script>" not in text and "DROP TABLE" not in text
    assert at.radio(key="funnel_measure").value in ("count", "streams", "eur")
