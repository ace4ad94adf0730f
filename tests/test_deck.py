"""The PowerPoint deck: opened with python-pptx, its slides, native chart series, images and
permalinks are what was asked for; the CLI builds the committed sample spec and rejects bad
specs with a clear message and a non-zero exit."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

import reports as views
from analytics.metrics import METRICS
from data_access.filters import Filters
from data_access.loaders.options import load_options
from data_access.scope import FULL, Scope
from reports.deck import DeckItem, SpecError, build_deck, load_spec, permalink

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://dash.example:8501"
pytestmark = pytest.mark.filterwarnings("ignore:The kopts argument:UserWarning")


@pytest.fixture(scope="module")
def opts(duck_url):
    return load_options(FULL, url=duck_url)


@pytest.fixture(scope="module")
def items(opts):
    start, end = opts.default_period()
    f = Filters(start=start, end=end)
    se_de = Filters.from_query_params({"market": ["SE", "DE"]}, opts)
    assert not se_de.notes and se_de.markets == ("DE", "SE")
    return [
        DeckItem("overview.trend", f),  # native line
        DeckItem("trends.main", se_de, {"trends_grain": "month", "trends_split": "market"}),
        DeckItem("enforcement.by_type", f),  # native pie
        DeckItem("cases.backlog_age", f),  # native stacked column
        DeckItem("exposure.parts", f),  # native stacked area
        DeckItem("funnel.sankey", se_de, {"funnel_measure": "streams"}),  # Plotly image
        DeckItem("exposure.fan", f, {"exposure_horizon": "8"}),  # Altair image (fan chart)
    ]


@pytest.fixture(scope="module")
def deck(items, opts, duck_url):
    saved, views.exposure.FAN_ORIGINS = (
        views.exposure.FAN_ORIGINS,
        4,
    )  # keep the forecast's backtest quick
    try:
        data = build_deck(
            items,
            title="Weekly review",
            author="Ops analytics",
            url=duck_url,
            as_of=opts.max_date,
            base_url=BASE,
            options=opts,
        )
        frames = [
            views.frame(views.get(i.view), FULL, i.filters, duck_url, i.params) for i in items
        ]
    finally:
        views.exposure.FAN_ORIGINS = saved
    return Presentation(io.BytesIO(data)), frames


def _shape(slide, name):
    return next((s for s in slide.shapes if s.name == name), None)


def test_slide_count_and_titles(deck, items):
    prs, frames = deck
    slides = list(prs.slides)
    assert len(slides) == 1 + len(items) + 1
    assert slides[0].shapes.title.text == "Weekly review"
    subtitle = slides[0].placeholders[1].text_frame.text
    assert "Author: Ops analytics" in subtitle and "Period:" in subtitle and "Filters:" in subtitle
    for slide, item, df in zip(slides[1:-1], items, frames, strict=True):
        assert slide.shapes.title.text == views.get(item.view).headline(df)
    assert slides[-1].shapes.title.text == "Definitions and data sources"
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=1e-3)


def test_native_chart_series_equal_the_source_data(deck, items):
    prs, frames = deck
    slides = list(prs.slides)[1:-1]

    def chart(i):
        shape = _shape(slides[i], "Native chart")
        assert shape is not None and shape.has_chart, items[i].view
        return shape.chart

    def values(series):
        return [None if v is None else pytest.approx(v) for v in series.values]

    trend = frames[0]
    by_name = {s.name: s for s in chart(0).plots[0].series}
    assert list(by_name) == ["Detected (flagged)", "Confirmed"]
    assert values(by_name["Detected (flagged)"]) == trend["detected_streams"].tolist()
    assert values(by_name["Confirmed"]) == trend["confirmed_streams"].tolist()
    assert list(chart(0).plots[0].categories) == trend["week"].dt.strftime("%Y-%m-%d").tolist()

    split = frames[1].pivot_table(
        index="period", columns="series", values="detected_streams", aggfunc="sum"
    )
    got = {s.name: list(s.values) for s in chart(1).plots[0].series}
    assert set(got) == set(split.columns)
    for name, col in split.items():
        assert got[name] == [None if pd.isna(v) else pytest.approx(v) for v in col]

    pie = chart(2)
    assert list(pie.plots[0].series[0].values) == frames[2]["actions"].tolist()
    assert list(pie.plots[0].categories) == frames[2]["enforcement_type"].tolist()

    backlog = frames[3].groupby("priority")["cases"].sum()
    stacked = {s.name: sum(v or 0 for v in s.values) for s in chart(3).plots[0].series}
    assert stacked == pytest.approx(backlog.to_dict())

    area = {s.name: list(s.values) for s in chart(4).plots[0].series}
    assert area["Royalties at risk"] == pytest.approx(frames[4]["at_risk_eur"].tolist())


def test_images_for_sankey_and_fan(deck):
    prs, _ = deck
    slides = list(prs.slides)[1:-1]
    for i in (5, 6):
        pic = _shape(slides[i], "Chart image")
        if pic is None and i == 5:  # no Chromium: the slide says how to get one
            assert "Chromium" in " ".join(
                s.text_frame.text for s in slides[i].shapes if s.has_text_frame
            )
            continue
        assert pic is not None and pic.shape_type == MSO_SHAPE_TYPE.PICTURE
        img = Image.open(io.BytesIO(pic.image.blob))
        assert img.format == "PNG" and img.width >= 1000


def test_footnotes_define_metrics_and_permalinks_reproduce_filters(deck, items, opts):
    prs, _ = deck
    for slide, item in zip(list(prs.slides)[1:-1], items, strict=True):
        view = views.get(item.view)
        foot = _shape(slide, "Footnote")
        text = foot.text_frame.text
        assert METRICS[view.metrics[0]].definition in text
        assert f"Data as of {opts.max_date:%d %b %Y}" in text
        links = [
            r.hyperlink.address
            for p in foot.text_frame.paragraphs
            for r in p.runs
            if r.hyperlink.address
        ]
        assert len(links) == 1 and links[0] in text
        parts = urlsplit(links[0])
        assert f"{parts.scheme}://{parts.netloc}" == BASE
        assert parts.path == "/" + view.url_path
        query = parse_qs(parts.query)
        back = Filters.from_query_params(query, opts)
        assert back == item.filters and not back.notes
        for key, value in views.resolve_params(view, item.params).items():
            assert query[key] == [value]


def test_closing_slide_lists_definitions_and_sources(deck, items):
    prs, _ = deck
    text = " ".join(s.text_frame.text for s in list(prs.slides)[-1].shapes if s.has_text_frame)
    assert "embedded DuckDB warehouse" in text and "duckdb:///" not in text
    assert "mart_daily_fraud" in text and "fact_case" in text
    for item in items:
        for key in views.get(item.view).metrics:
            assert METRICS[key].label in text


def test_permalink_of_default_view_has_no_query(opts):
    start, end = opts.default_period()
    link = permalink(BASE + "/", views.get("overview.trend"), Filters(start, end), opts, {})
    assert link == BASE + "/"


def test_money_views_are_refused_without_the_money_right(opts, duck_url):
    start, end = opts.default_period()
    with pytest.raises(PermissionError):
        build_deck(
            [DeckItem("exposure.parts", Filters(start, end))],
            title="t",
            url=duck_url,
            as_of=opts.max_date,
            scope=Scope(role="partner", money=False),
            options=opts,
        )
    assert all(not v.needs_money for v in views.available(Scope(role="x", money=False)))


@pytest.mark.parametrize(
    "spec, message",
    [
        ('[[views]]\nview = "nope.chart"', "unknown view"),
        ('[[views]]\nview = "overview.trend"\nfilters = { market = ["\' OR 1=1 --"] }', "unknown"),
        ('[[views]]\nview = "overview.trend"\nfilters = { period = ["2026-11-01", "x"] }', "date"),
        ('[[views]]\nview = "overview.trend"\nfilters = { colour = ["red"] }', "unknown filter"),
        ('[[views]]\nview = "overview.trend"\nfilters = { label = ["x; DROP TABLE"] }', "label"),
        ('[[views]]\nview = "trends.main"\nparams = { trends_grain = "decade" }', "trends_grain"),
        ('[[views]]\nview = "trends.main"\nparams = { trends_split = "1; --" }', "trends_split"),
        ('[[views]]\nview = "funnel.sankey"\nparams = { other = "x" }', "no setting"),
        ("[deck]\ntitle = 1", "[deck]"),
        ("not toml [", "not valid TOML"),
        ("[deck]\ntitle = 'x'", "no [[views]]"),
    ],
)
def test_bad_specs_are_rejected_with_a_clear_message(spec, message, opts):
    with pytest.raises(SpecError, match=None) as err:
        load_spec(spec, opts)
    assert message in str(err.value)


def test_sample_spec_parses(opts):
    title, author, items = load_spec((ROOT / "decks" / "weekly.toml").read_text(), opts)
    assert title and items and all(v.view in views.REGISTRY for v in items)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reports.deck", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_builds_the_sample_spec(duck_url, tmp_path, opts):
    out = tmp_path / "weekly.pptx"
    done = _cli("--spec", "decks/weekly.toml", "--out", str(out), "--url", duck_url)
    assert done.returncode == 0, done.stderr[-2000:]
    _, _, spec_items = load_spec((ROOT / "decks" / "weekly.toml").read_text(), opts)
    prs = Presentation(str(out))
    assert len(prs.slides) == len(spec_items) + 2
    assert "Traceback" not in done.stderr


def test_cli_rejects_a_bad_spec(duck_url, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('[[views]]\nview = "overview.trend"\nfilters = { market = ["XX"] }\n')
    done = _cli("--spec", str(spec), "--out", str(tmp_path / "x.pptx"), "--url", duck_url)
    assert done.returncode == 2
    assert "unknown market code" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.pptx").exists()


@pytest.mark.parametrize("view_id", sorted(views.REGISTRY))
def test_every_view_copes_with_an_empty_selection(view_id, opts, duck_url):
    start, end = opts.default_period()
    nothing = Filters(start=start, end=end, labels=(-1,))  # no such label: no rows anywhere
    view = views.get(view_id)
    df = views.frame(view, FULL, nothing, duck_url)
    headline = view.headline(df)
    assert isinstance(headline, str) and headline and "nan" not in headline.lower()
    fig = views.figure(view, df, subtitle="empty")
    assert fig.to_dict()
    native = view.native_for(views.resolve_params(view, {}))
    if native:
        cats, series = views.native_data(native, df)
        assert all(len(values) == len(cats) for _, values in series)


def test_views_give_the_same_data_on_every_warehouse(warehouse_url, duck_url, opts):
    """The registry reads through the portable loaders: PostgreSQL agrees with DuckDB."""
    f = Filters.from_query_params({"market": ["SE", "DE"]}, opts)
    saved, views.exposure.FAN_ORIGINS = views.exposure.FAN_ORIGINS, 2
    try:
        for view_id in ("overview.trend", "enforcement.by_type", "cases.sla_weekly"):
            view = views.get(view_id)
            got = views.frame(view, FULL, f, warehouse_url)
            want = views.frame(view, FULL, f, duck_url)
            assert view.headline(got) == view.headline(want)
            native = view.native_for({})
            assert views.native_data(native, got) == views.native_data(native, want)
    finally:
        views.exposure.FAN_ORIGINS = saved


def test_readme_lists_every_view():
    """The README's list of deck views is the registry's (a new view is documented)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [v for v in views.REGISTRY if f"`{v}`" not in text]
    assert not missing, missing
