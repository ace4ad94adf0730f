"""The one theme: charts on screen follow Streamlit's light or dark theme (no white card,
no text colour that one of the two backgrounds swallows), printed figures stay dark on
white, one colour per series name in the app and the deck, one date axis, legends under
the plot, and event labels that never print over each other."""

from __future__ import annotations

import io

import altair as alt
import pandas as pd
import pytest
from lxml import etree
from pptx import Presentation
from pptx.util import Inches

import reports as views
from charts import cases, common, enforcement, export, overview, theme, trends
from charts.theme import (
    DARK_BACKGROUND,
    DATE_FORMAT,
    LIGHT_BACKGROUND,
    OTHER,
    PALETTE,
    PRINT_TEXT,
    colour_scale,
    legend_height,
    repeated,
    series_colours,
)
from reports import deck


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _weeks(n=8, start="2025-03-03"):
    return pd.date_range(start, periods=n, freq="7D")


def _weekly() -> pd.DataFrame:
    w = _weeks()
    return pd.DataFrame(
        {"week": w, "detected_streams": range(10, 18), "confirmed_streams": range(1, 9)}
    )


EVENTS = pd.DataFrame(
    {
        "event_date": pd.to_datetime(["2025-03-10", "2025-03-11", "2025-03-12", "2025-04-14"]),
        "kind": ["detector", "policy", "policy", "policy"],
        "title": ["Sentinel ML v2 launched", "Fee policy", "Takedown rule", "Later"],
        "description": ["a", "b", "c", "d"],
    }
)


def _walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _colours_in(spec: dict) -> set[str]:
    """Every colour a spec states outright for text and backgrounds."""
    found = set()
    for node in _walk(spec):
        for key in ("background", "color", "labelColor", "titleColor", "subtitleColor"):
            value = node.get(key)
            if isinstance(value, str) and value.startswith("#"):
                found.add((key, value.upper()))
    return found


# -- on screen -------------------------------------------------------------------------------


def test_the_registered_theme_leaves_background_and_text_to_streamlit():
    config = theme.fraud_theme()["config"]
    assert "background" not in config
    assert not any(k.endswith("Color") for k in config.get("axis", {}))
    assert not any(k.endswith("Color") for k in config.get("legend", {}))
    # Streamlit's theme colours the title but leaves the subtitle at Vega's black
    assert config["title"].get("subtitleColor") == theme.MUTED


def test_on_screen_spec_has_no_white_card_and_readable_text_on_both_themes():
    chart = overview.weekly_trend_chart(_weekly(), events=EVENTS, subtitle="SE")
    spec = theme.on_screen(chart).to_dict()
    assert "background" not in spec and "background" not in spec.get("config", {})
    stated = _colours_in(spec)
    assert stated, "the event labels state their colour"
    for key, colour in stated:
        if key == "color" and colour in {c.upper() for c in PALETTE}:
            continue  # series colours: graphics, not text
        assert contrast(colour, LIGHT_BACKGROUND) >= 4.0, (key, colour)
        assert contrast(colour, DARK_BACKGROUND) >= 4.0, (key, colour)


def test_muted_text_reads_on_white_and_on_dark():
    for colour in (theme.MUTED, theme.EVENT_COLOUR):
        assert contrast(colour, LIGHT_BACKGROUND) >= 4.0
        assert contrast(colour, DARK_BACKGROUND) >= 4.0
    empty = common.empty_chart("x").to_dict()
    assert empty["mark"]["color"] == theme.MUTED


def test_embed_actions_menu_is_off_on_screen():
    spec = theme.on_screen(overview.weekly_trend_chart(_weekly())).to_dict()
    assert spec["usermeta"]["embedOptions"]["actions"] is False


def test_plotly_figures_leave_the_background_to_the_theme():
    flows = pd.DataFrame({"source": ["Detected"], "target": ["Reviewed"], "value": [10.0]})
    from charts.funnel import funnel_sankey_chart

    for fig in (
        funnel_sankey_chart(flows),
        cases.escalation_sankey_chart(
            pd.DataFrame({"from_team": ["Fraud Operations"], "to_team": ["Legal"], "handoffs": [3]})
        ),
    ):
        layout = fig.to_dict()["layout"]
        assert "paper_bgcolor" not in layout and "plot_bgcolor" not in layout
    assert theme.PLOTLY_SCREEN_CONFIG["displayModeBar"] is False
    assert "toImage" in theme.PLOTLY_SCREEN_CONFIG["modeBarButtonsToRemove"]


# -- printed ---------------------------------------------------------------------------------


def test_exported_spec_is_dark_on_white():
    chart = overview.weekly_trend_chart(_weekly(), events=EVENTS)
    spec = export.with_context(chart, title="t", context="c", as_of=pd.Timestamp("2025-05-01"))
    assert spec["background"] == "#FFFFFF"
    cfg = spec["config"]
    assert cfg["axis"]["labelColor"] == PRINT_TEXT and cfg["legend"]["labelColor"] == PRINT_TEXT
    assert spec["title"]["color"] == PRINT_TEXT
    assert contrast(PRINT_TEXT, "#FFFFFF") >= 7
    # the screen config (fonts, legend placement) is kept under the print colours
    assert cfg["legend"]["orient"] == "bottom"


def test_exported_plotly_image_is_printed_on_white(monkeypatch):
    import plotly.graph_objects as go

    seen = {}

    def fake_to_image(self, **kw):
        seen["layout"] = self.layout
        return b"png"

    monkeypatch.setattr(go.Figure, "to_image", fake_to_image)
    export.plotly_image(
        go.Figure(), "png", title="t", context="c", as_of=pd.Timestamp("2025-01-01")
    )
    assert seen["layout"].paper_bgcolor == "white" and seen["layout"].font.color == PRINT_TEXT


# -- one colour per series -------------------------------------------------------------------


def test_fixed_series_keep_their_colour_and_other_is_grey():
    a = series_colours(["Confirmed", "Detected (flagged)"])
    b = series_colours(["Detected (flagged)", "Confirmed", "Other"])
    assert a["Confirmed"] == b["Confirmed"] == PALETTE[0]
    assert a["Detected (flagged)"] == b["Detected (flagged)"] == PALETTE[1]
    assert b[OTHER] == PALETTE[-1]
    assert series_colours(["P1", "P2", "P3", "P4"]) == series_colours(["P4", "P3", "P2", "P1"])


def test_free_names_get_distinct_colours_whatever_their_order():
    names = ["Sweden", "Norway", "Germany", "France", "Other"]
    a, b = series_colours(names), series_colours(list(reversed(names)))
    assert a == b
    assert len(set(a.values())) == len(names)
    assert PALETTE[-1] not in {a[n] for n in names if n != OTHER}
    many = [f"M{i}" for i in range(9)]
    assert len(repeated(many)) == 2 and not repeated(names)


def test_colour_scale_lists_the_domain_in_the_given_order():
    scale = colour_scale(["Warning", "Takedown"]).to_dict()
    assert scale["domain"] == ["Warning", "Takedown"]
    assert scale["range"] == [series_colours(["Warning"])["Warning"], PALETTE[3]]


def _scale_colours(spec: dict) -> dict[str, str]:
    for node in _walk(spec):
        colour = node.get("color") if isinstance(node.get("color"), dict) else None
        if colour and isinstance(colour.get("scale"), dict) and "domain" in colour["scale"]:
            return dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True))
    raise AssertionError("no colour scale in the spec")


def _deck_colours(native: views.Native, cats, series) -> dict[str, str]:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    deck._native_chart(slide, native, cats, series, (Inches(0), Inches(0), Inches(8), Inches(4)))
    buf = io.BytesIO()
    prs.save(buf)
    prs = Presentation(io.BytesIO(buf.getvalue()))
    chart = next(s for s in prs.slides[0].shapes if s.has_chart).chart
    xml = etree.fromstring(chart.part.blob)
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    ns["a"] = "http://schemas.openxmlformats.org/drawingml/2006/main"
    out = {}
    if native.kind == "pie":
        for dpt, cat in zip(xml.iterfind(".//c:ser/c:dPt", ns), cats, strict=True):
            out[cat] = "#" + dpt.find(".//a:srgbClr", ns).get("val")
        return out
    for ser in xml.iterfind(".//c:ser", ns):
        name = ser.find("c:tx//c:v", ns).text
        out[name] = "#" + ser.find("c:spPr//a:srgbClr", ns).get("val")
    return out


def test_same_series_same_colour_in_the_app_and_in_the_deck():
    # enforcement types: the app's stacked bars vs the deck's pie, listed in another order
    share = pd.DataFrame(
        {"enforcement_type": ["Warning", "Takedown", "Stream removal"], "actions": [5, 3, 9]}
    )
    app = _scale_colours(enforcement.actions_share_chart(share).to_dict())
    slide = _deck_colours(
        views.Native("pie", "enforcement_type", series=(("actions", "Actions"),)),
        ["Stream removal", "Takedown", "Warning"],
        [("Actions", [9.0, 3.0, 5.0])],
    )
    assert {k: v.upper() for k, v in app.items()} == {k: v.upper() for k, v in slide.items()}

    # a split trend: series ranked by total on screen, alphabetical in the deck's pivot
    rows = [
        {"period": w, "series": s, "detected_streams": float(v)}
        for w in _weeks(3)
        for s, v in (("Sweden", 30), ("Norway", 20), ("Denmark", 10), (OTHER, 5))
    ]
    frame = pd.DataFrame(rows)
    app = _scale_colours(trends.trend_chart(frame, split="market").to_dict())
    order = sorted(frame["series"].unique())
    slide = _deck_colours(
        views.Native("line", "period", pivot=("series", "detected_streams")),
        ["w1", "w2", "w3"],
        [(name, [1.0, 2.0, 3.0]) for name in order],
    )
    assert {k: v.upper() for k, v in app.items()} == {k: v.upper() for k, v in slide.items()}
    assert slide[OTHER].upper() == PALETTE[-1]

    # case priorities in both
    backlog = pd.DataFrame(
        {
            "age_bucket": ["<1d", "<1d", "1-3d"],
            "priority": ["P1", "P3", "P2"],
            "cases": [2, 3, 4],
        }
    )
    app = _scale_colours(cases.backlog_age_chart(backlog).to_dict())
    slide = _deck_colours(
        views.Native("column", "age_bucket", pivot=("priority", "cases"), stacked=True),
        ["<1d", "1-3d"],
        [("P1", [2.0, 0.0]), ("P2", [0.0, 4.0]), ("P3", [3.0, 0.0])],
    )
    assert all(app[p].upper() == slide[p].upper() for p in slide)


# -- one date axis ---------------------------------------------------------------------------


def test_week_ticks_fall_on_mondays_and_are_thinned():
    ticks = common.date_ticks(pd.date_range("2025-01-06", periods=52, freq="7D"))
    assert 2 <= len(ticks) <= common.MAX_DATE_TICKS
    days = [pd.Timestamp(t["year"], t["month"], t["date"]) for t in ticks]
    assert all(d.weekday() == 0 for d in days)
    daily = common.date_ticks(pd.date_range("2025-01-01", "2025-01-31", freq="D"))
    assert all(pd.Timestamp(t["year"], t["month"], t["date"]).weekday() == 0 for t in daily)
    monthly = common.date_ticks(pd.date_range("2025-01-01", periods=6, freq="MS"), grain="month")
    assert [t["date"] for t in monthly] == [1] * len(monthly)


def _time_axes(spec: dict):
    for node in _walk(spec):
        x = node.get("x") if isinstance(node.get("x"), dict) else None
        if x and x.get("type") == "temporal" and "axis" in x:
            yield x["axis"]


TIME_CHARTS = [
    overview.weekly_trend_chart(_weekly()),
    trends.trend_chart(
        pd.DataFrame({"period": _weeks(), "series": "All", "detected_streams": 1.0})
    ),
    enforcement.actions_by_type_chart(
        pd.DataFrame({"week": _weeks(), "enforcement_type": "Warning", "actions": 2})
    ),
]


@pytest.mark.parametrize("chart", TIME_CHARTS, ids=["overview", "trends", "enforcement"])
def test_time_charts_share_one_date_axis(chart):
    axes = list(_time_axes(chart.to_dict()))
    assert axes
    for axis in axes:
        assert axis["format"] == DATE_FORMAT
        for t in axis["values"]:
            assert pd.Timestamp(t["year"], t["month"], t["date"]).weekday() == 0
    assert theme.fraud_theme()["config"]["timeFormat"] == DATE_FORMAT


# -- legends and event labels ----------------------------------------------------------------


def test_legends_sit_under_the_plot_and_their_rows_are_counted():
    legend = theme.fraud_theme()["config"]["legend"]
    assert legend["orient"] == "bottom" and legend["labelLimit"] <= 200
    rows = [
        {"period": w, "series": f"S{i}", "detected_streams": 1.0}
        for w in _weeks(2)
        for i in range(6)
    ]
    spec = trends.trend_chart(pd.DataFrame(rows), split="market").to_dict()
    assert legend_height(spec) == 2 * 20 + theme._LEGEND_PAD_PX  # 6 entries in rows of 4
    assert legend_height(trends.trend_chart(pd.DataFrame(rows)).to_dict()) == 0  # no legend


def _label_layers(chart: alt.LayerChart) -> list[dict]:
    return [
        layer
        for layer in chart.to_dict()["layer"]
        if isinstance(layer.get("mark"), dict) and layer["mark"].get("type") == "text"
    ]


def test_event_labels_close_in_time_get_distinct_rows():
    chart = overview.weekly_trend_chart(_weekly(), events=EVENTS)
    layers = _label_layers(chart)
    placed = []
    for layer in layers:
        y = layer["encoding"]["y"]["value"]
        data = chart.to_dict()["datasets"][layer["data"]["name"]]
        placed += [(row["title"], y) for row in data]
    close = {t: y for t, y in placed if t != "Later"}
    assert len(close) == 3 and len(set(close.values())) == 3  # three rows, none overprinted
    assert dict(placed)["Later"] == min(close.values())  # far away: back on the top row


def test_label_plan_never_overlaps_within_a_row_and_drops_what_does_not_fit():
    dates = pd.Series(pd.to_datetime(["2025-03-10"] * 5))
    titles = pd.Series([f"Event number {i}" for i in range(5)])
    plan = common.plan_event_labels(dates, titles, "2025-03-01", "2025-06-01")
    lanes = plan["lane"].tolist()
    assert sorted(x for x in lanes if x is not None and x == x) == [0, 1, 2]
    assert plan["lane"].isna().sum() == 2  # no fourth row: left off, rule and tooltip stay
    late = common.plan_event_labels(
        pd.Series(pd.to_datetime(["2025-05-31"])),
        pd.Series(["At the edge"]),
        "2025-03-01",
        "2025-06-01",
    )
    assert late["side"].iloc[0] == "right"  # runs left of its rule instead of off the plot


# -- the cached Altair converter (charts/altair_speed.py) ------------------------------------


@pytest.mark.parametrize(
    "chart",
    [
        *TIME_CHARTS,
        alt.layer(
            overview.weekly_trend_chart(_weekly()),
            *common.event_layer(EVENTS, "week", "2025-03-01", "2025-05-01"),
        ),
    ],
    ids=["overview", "trends", "enforcement", "events"],
)
def test_the_cached_converter_builds_what_a_fresh_one_builds(chart):
    from altair.utils import schemapi

    from charts import altair_speed

    assert altair_speed.install()  # installed on import of charts: idempotent
    assert getattr(schemapi.SchemaBase.from_dict, "_fraud_cached_converter", False)
    spec = chart.to_dict()
    fresh = schemapi._FromDict(tuple(type(chart)._default_wrapper_classes()))
    rebuilt = type(chart).from_dict(spec)  # through the cached converter
    assert rebuilt.to_dict() == fresh.from_dict(spec, type(chart)).to_dict() == spec
    # A shorthand channel (the path the cache speeds up) still parses to the same encoding.
    again = alt.Chart(pd.DataFrame({"d": _weeks(), "n": 1})).mark_line().encode(x="d:T", y="n:Q")
    assert again.to_dict()["encoding"] == {
        "x": {"field": "d", "type": "temporal"},
        "y": {"field": "n", "type": "quantitative"},
    }
