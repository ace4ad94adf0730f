"""Every page renders on a warehouse without its optional inputs (appeals, events, cases,
case events): a view or tile that needs one is replaced by one line naming the input and
its docs, never a zero, a blocked page or a traceback. Real DuckDB copies of the demo
warehouse, their marts rebuilt as `python -m data_access.marts` would."""

from __future__ import annotations

import pytest

from reports.pages import PAGES
from tests.support.apptest import assert_clean, run_app, screen_text
from tests.support.warehouse import copy_without, with_marts

APPEALS = "Appeals are not mapped in this warehouse: see docs/INPUTS.md#appeals"
CASES = "Cases are not mapped in this warehouse: see docs/INPUTS.md#cases"
BLOCKED = "A table the dashboard needs is missing"
ANALYSIS = [p.slug for p in PAGES if not p.hidden and p.slug != "audit"]
ENTITIES = ("track", "label", "distributor", "case")
WHOLE = ["2024-12-02", "2026-11-29"]


@pytest.fixture(scope="module")
def no_appeals_url(duck_url, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("no_appeals") / "w.duckdb"
    return with_marts(copy_without(duck_url, path, drop=("fact_appeal", "dim_event")))


@pytest.fixture(scope="module")
def no_cases_url(duck_url, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("no_cases") / "w.duckdb"
    return with_marts(copy_without(duck_url, path, drop=("fact_case_event", "fact_case")))


@pytest.fixture(scope="module")
def no_case_events_url(duck_url, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("no_case_events") / "w.duckdb"
    return with_marts(copy_without(duck_url, path, drop=("fact_case_event",)))


def _page(slug: str) -> str:
    return f"app_pages/{slug}.py"


@pytest.mark.parametrize("slug", ANALYSIS)
def test_every_page_renders_without_appeals_and_events(monkeypatch, no_appeals_url, slug):
    at = run_app(monkeypatch, no_appeals_url, page=_page(slug))
    assert_clean(at)
    text = screen_text(at)
    assert BLOCKED not in text
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("slug", ANALYSIS)
def test_every_page_renders_without_cases(monkeypatch, no_cases_url, slug):
    at = run_app(monkeypatch, no_cases_url, page=_page(slug))
    assert_clean(at)
    text = screen_text(at)
    assert BLOCKED not in text
    assert not at.error, [e.value for e in at.error]


def _infos(at) -> list[str]:
    return [i.value for i in at.info]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_enforcement_replaces_the_appeal_tiles_by_one_line(monkeypatch, no_appeals_url):
    at = run_app(monkeypatch, no_appeals_url, page=_page("enforcement"))
    assert_clean(at)
    assert _infos(at).count(APPEALS) == 1
    metrics = _metrics(at)
    assert "Enforcement actions" in metrics  # the rest of the page is there
    assert not {"Appeal rate", "Overturn rate"} & set(metrics)
    assert "0.0%" not in metrics.values()
    offenders = next(d.value for d in at.dataframe if "confirmed_detections" in d.value)
    assert len(offenders) and "appeal_rate" not in offenders.columns


def test_the_funnel_ends_at_enforcement_without_appeals(monkeypatch, no_appeals_url):
    at = run_app(monkeypatch, no_appeals_url, page=_page("funnel"))
    assert_clean(at)
    stages = next(d.value for d in at.dataframe if "label" in d.value and "value" in d.value)
    assert list(stages["label"]) == ["Detected", "Reviewed", "Confirmed", "Enforced"]
    assert [i for i in _infos(at) if "docs/INPUTS.md" in i] == [
        f"**Appealed and upheld on appeal** · {APPEALS}"
    ]


def test_the_cases_page_is_one_line_without_cases(monkeypatch, no_cases_url):
    at = run_app(monkeypatch, no_cases_url, page=_page("cases"))
    assert_clean(at)
    assert _infos(at) == [CASES]
    assert not at.metric and not at.dataframe


def test_overview_replaces_the_case_tiles_by_one_line(monkeypatch, no_cases_url):
    at = run_app(monkeypatch, no_cases_url, page=_page("overview"))
    assert_clean(at)
    assert _infos(at).count(CASES) == 1
    metrics = _metrics(at)
    assert "Streams" in metrics
    assert not {"Open cases", "SLA breach rate"} & set(metrics)


def test_meta_inputs_unmaps_a_table_that_exists(monkeypatch, duck_url, tmp_path):
    url = copy_without(duck_url, tmp_path / "w.duckdb", meta={"appeals": False})
    at = run_app(monkeypatch, url, page=_page("enforcement"))
    assert_clean(at)
    assert _infos(at).count(APPEALS) == 1
    assert "Appeal rate" not in _metrics(at)


@pytest.fixture(scope="module")
def entity_keys(demo_frames) -> dict[str, dict[str, str]]:
    det = demo_frames["fact_detection"]
    track_id = int(det["track_id"].value_counts().idxmax())
    tracks = demo_frames["dim_track"].set_index("track_id")
    return {
        "track": {"isrc": tracks.loc[track_id, "isrc"]},
        "label": {"id": str(int(tracks.loc[track_id, "label_id"]))},
        "distributor": {"id": str(int(demo_frames["dim_label"]["distributor_id"].iloc[0]))},
        "case": {"id": str(int(demo_frames["fact_case"]["case_id"].iloc[0]))},
    }


@pytest.mark.parametrize("slug", ENTITIES)
@pytest.mark.parametrize("which", ["no_appeals_url", "no_cases_url"])
def test_entity_pages_render_without_optional_inputs(
    monkeypatch, request, entity_keys, slug, which
):
    url = request.getfixturevalue(which)
    at = run_app(monkeypatch, url, page=_page(slug), params={"period": WHOLE, **entity_keys[slug]})
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    wanted = APPEALS if which == "no_appeals_url" else CASES
    if not (slug == "case" and which == "no_appeals_url"):  # a case has no appeals section
        assert any(wanted in i.value for i in at.info)


def test_a_setting_that_needs_an_unmapped_input_gets_the_line(monkeypatch, no_cases_url):
    at = run_app(
        monkeypatch,
        no_cases_url,
        page=_page("trends"),
        params={"trends_tree_metric": "cases opened"},
    )
    assert_clean(at)
    assert f"**Decomposition tree of the change** · {CASES}" in _infos(at)
    assert not any("No data for this selection" in i for i in _infos(at))


@pytest.mark.parametrize("slug", [*ANALYSIS, "case"])
def test_every_page_renders_without_case_events(monkeypatch, no_case_events_url, demo_frames, slug):
    params = {"id": str(int(demo_frames["fact_case"]["case_id"].iloc[0]))} if slug == "case" else {}
    at = run_app(monkeypatch, no_case_events_url, page=_page(slug), params=params)
    assert_clean(at)
    assert BLOCKED not in screen_text(at)
    assert not at.error, [e.value for e in at.error]


def test_the_search_works_without_cases(no_cases_url):
    from data_access.loaders.entities import load_search
    from data_access.scope import FULL

    hits = load_search(FULL, "12", url=no_cases_url)  # digits: would look for case 12 too
    assert "case" not in set(hits["kind"])
    assert not load_search(FULL, "a", url=no_cases_url).empty  # titles and names still found
