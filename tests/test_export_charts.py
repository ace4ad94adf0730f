"""Every chart builder's figure exports to PNG, SVG and PDF: the PNG decodes, is deck-sized
(2x) and not blank. Builders are discovered by introspection (public ``*_chart`` functions
in charts/*.py), so a new builder without an entry in FACTORIES fails this suite."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

import charts
import reports as views
from charts import export
from data_access.filters import Filters
from data_access.loaders.cases import load_case_response_times
from data_access.loaders.options import load_events, load_options
from data_access.scope import FULL
from tests.support.components import require_component

AS_OF = date(2026, 11, 29)
# kaleido's long-lived browser ignores per-call options; plotly says so on every export.
pytestmark = pytest.mark.filterwarnings("ignore:The kopts argument:UserWarning")


def discover() -> dict[str, Callable]:
    found = {}
    for mod in pkgutil.iter_modules(charts.__path__):
        module = importlib.import_module(f"charts.{mod.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            public = name.endswith("_chart") and not name.startswith("_")
            if public and fn.__module__ == module.__name__:
                found[f"{mod.name}.{name}"] = fn
    return found


BUILDERS = discover()


@pytest.fixture(scope="module")
def ctx(duck_url, demo_frames):
    """Real frames: every registry view's data on the demo warehouse, plus a few extras."""
    opts = load_options(FULL, url=duck_url)
    start, end = opts.default_period()
    f = Filters(start=start, end=end)
    events = load_events(url=duck_url)
    saved, views.exposure.FAN_ORIGINS = (
        views.exposure.FAN_ORIGINS,
        4,
    )  # the forecast's backtest: keep it quick
    try:
        frames = {v: views.frame(views.get(v), FULL, f, duck_url) for v in views.REGISTRY}
    finally:
        views.exposure.FAN_ORIGINS = saved
    # The entity pages' views (not in REGISTRY: they take an entity's key).
    det, events_ = demo_frames["fact_detection"], demo_frames["fact_case_event"]
    label = str(int(det["label_id"].value_counts().idxmax()))
    case = str(int(events_.loc[events_["event_type"] == "handoff", "case_id"].iloc[0]))
    keyed = {
        "label.streams": {"id": label},
        "label.detections": {"id": label},
        "case.timeline": {"id": case},
    }
    for view_id, params in keyed.items():
        frames[view_id] = views.frame(views.get(view_id), FULL, f, duck_url, params)
    from analytics.cases import sla_compliance

    frames["times"] = sla_compliance(load_case_response_times(FULL, f, url=duck_url))
    return {"frames": frames, "events": events, "params": keyed}


@pytest.fixture(scope="module")
def kaleido_server():
    """One browser for the module's Plotly exports, stopped at the end."""
    import kaleido

    started = []

    def start():
        if not started:
            kaleido.start_sync_server(silence_warnings=True)
            started.append(True)

    yield start
    if started:
        kaleido.stop_sync_server(silence_warnings=True)


def _view(view_id: str):
    def build(c):
        v, params = views.get(view_id), c["params"].get(view_id)
        frame = c["frames"][view_id]
        return views.figure(v, frame, subtitle="SE · test", events=c["events"], params=params)

    return build


def _weeks(n: int = 10) -> pd.Series:
    return pd.Series(pd.date_range("2026-09-07", periods=n, freq="7D"))


FACTORIES: dict[str, Callable] = {
    "overview.weekly_trend_chart": _view("overview.trend"),
    "changes.change_bars_chart": _view("overview.changes"),
    "changes.tree_chart": _view("trends.change_tree"),
    "overview.top_bar_chart": _view("overview.top_markets"),
    "trends.trend_chart": _view("trends.main"),
    "trends.overlay_chart": _view("trends.vs_previous"),
    "trends.heatmap_chart": _view("trends.heatmap"),
    "funnel.funnel_sankey_chart": _view("funnel.sankey"),
    "funnel.detector_precision_chart": _view("funnel.detector_precision"),
    "funnel.precision_trend_chart": _view("funnel.precision_trend"),
    "funnel.recall_contribution_chart": _view("funnel.recall_typology"),
    "funnel.volume_chart": lambda c: charts.funnel.volume_chart(
        c["frames"]["funnel.detector_precision"], subtitle="test"
    ),
    "enforcement.actions_by_type_chart": _view("enforcement.weekly_actions"),
    "enforcement.money_trend_chart": _view("enforcement.money"),
    "enforcement.offenders_chart": _view("enforcement.offenders"),
    "enforcement.actions_share_chart": _view("enforcement.by_type"),
    "cases.backlog_age_chart": _view("cases.backlog_age"),
    "cases.backlog_team_chart": _view("cases.backlog_team"),
    "cases.sla_breach_chart": _view("cases.sla_weekly"),
    "cases.escalation_sankey_chart": _view("cases.escalations"),
    "cases.response_time_chart": lambda c: charts.cases.response_time_chart(
        c["frames"]["times"], stage="resolution", subtitle="test"
    ),
    "exposure.fan_chart": _view("exposure.fan"),
    "exposure.exposure_parts_chart": _view("exposure.parts"),
    "exposure.scenario_chart": lambda c: charts.exposure.scenario_chart(
        pd.DataFrame(
            {
                "week": _weeks(),
                "baseline": np.linspace(100, 200, 10),
                "mean": np.linspace(90, 150, 10),
            }
        ),
        subtitle="test",
    ),
    "exposure.market_forecast_chart": lambda c: charts.exposure.market_forecast_chart(
        pd.DataFrame(
            {
                "key": ["SE", "DE", "FR"],
                "group": ["Sweden", "Germany", "France"],
                "forecast_eur": [1200.0, 800.0, 150.0],
                "model": ["ETS"] * 3,
            }
        ),
        subtitle="test",
    ),
    "anomalies.anomaly_chart": _view("exposure.anomalies"),
    "common.empty_chart": lambda c: charts.common.empty_chart("Nothing to show"),
    "entities.entity_streams_chart": _view("label.streams"),
    "entities.breakdown_chart": _view("label.detections"),
    "entities.case_timeline_chart": _view("case.timeline"),
    "ops.weekly_lines_chart": _view("ops.flow"),
    "ops.bars_chart": _view("ops.times"),
    "policy.compare_chart": _view("policy.compare"),
    "policy.frontier_chart": _view("policy.frontier"),
    "policy.affected_chart": _view("policy.affected"),
}


def test_every_builder_is_covered():
    missing = sorted(set(BUILDERS) - set(FACTORIES))
    assert not missing, f"add these chart builders to FACTORIES: {missing}"
    assert len(BUILDERS) >= 20


def _png_ok(data: bytes, *, min_width: int, std_floor: float) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.format == "PNG"
    assert img.width >= min_width, (img.width, min_width)
    pixels = np.asarray(img.convert("L"), dtype=float)
    assert pixels.std() > std_floor, f"image looks blank (std {pixels.std():.1f})"
    return img


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_builder_exports_png_svg_pdf(name, ctx, kaleido_server):
    fig = FACTORIES[name](ctx)
    title, context = "Export test: " + name, "SE, DE · 31 Aug 2026 – 29 Nov 2026"
    blank_ok = name == "common.empty_chart"
    if isinstance(fig, alt.TopLevelMixin):
        spec = export.with_context(fig, title=title, context=context, as_of=AS_OF)
        declared = spec.get("width") if isinstance(spec.get("width"), int) else 200
        png = export.altair_image(spec, "png")
        _png_ok(png, min_width=max(600, 2 * declared), std_floor=1.0 if blank_ok else 5.0)
        svg = export.altair_image(spec, "svg").decode()
        assert "<svg" in svg and title in svg and "Data as of 29 Nov 2026" in svg
        assert export.altair_image(spec, "pdf").startswith(b"%PDF")
        return
    if not export.plotly_export_available():
        require_component(
            "chromium", "Plotly image export needs Chromium (apt-get install chromium)"
        )
    kaleido_server()
    png = export.plotly_image(fig, "png", title=title, context=context, as_of=AS_OF)
    _png_ok(png, min_width=2000, std_floor=5.0)  # 1100 px at 2x
    svg = export.plotly_image(fig, "svg", title=title, context=context, as_of=AS_OF).decode()
    assert "<svg" in svg and "Export test" in svg
    pdf = export.plotly_image(fig, "pdf", title=title, context=context, as_of=AS_OF)
    assert pdf.startswith(b"%PDF")


def test_exported_png_uses_the_theme_colours(ctx):
    fig = FACTORIES["overview.top_bar_chart"](ctx)
    spec = export.with_context(fig, title="t", context="c", as_of=AS_OF)
    img = Image.open(io.BytesIO(export.altair_image(spec, "png"))).convert("RGB")
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert (0x00, 0x72, 0xB2) in colours  # the palette's first colour fills the bars
