"""ui.render's chart helpers draw every on-screen chart in the app's way: Streamlit's active
theme, no image download outside the audited export menu (vega-embed actions off, the
Vega toolbar's own PNG download hidden, no Plotly modebar), and a legend's rows added to
the element height."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import theme
from charts.overview import weekly_trend_chart
from charts.trends import trend_chart
from ui import render


class _Recorder:
    def __init__(self):
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name):
        def record(*args, **kwargs):
            self.calls.append((name, args, kwargs))

        return record


def _weekly():
    w = pd.date_range("2025-03-03", periods=6, freq="7D")
    return pd.DataFrame({"week": w, "detected_streams": 5.0, "confirmed_streams": 2.0})


def test_altair_follows_the_theme_and_hides_the_toolbar_download(monkeypatch):
    st = _Recorder()
    monkeypatch.setattr(render, "st", st)
    render.altair(weekly_trend_chart(_weekly()), key="k")
    names = [c[0] for c in st.calls]
    assert names == ["html", "altair_chart"]
    css = st.calls[0][1][0]
    assert "Download as PNG" in css and "Copy Vega-Lite spec" in css and "display:none" in css
    _, (chart,), kwargs = st.calls[1]
    assert kwargs["theme"] == "streamlit" and kwargs["key"] == "k"
    spec = chart.to_dict()
    assert spec["usermeta"]["embedOptions"]["actions"] is False
    assert "background" not in spec and "background" not in spec["config"]
    # 2 legend entries: one row under the plot, added to the element's height
    assert kwargs["height"] == spec["height"] + 120 + theme.legend_height(spec)
    assert theme.legend_height(spec) > 0


def test_altair_without_a_legend_keeps_the_plot_height(monkeypatch):
    st = _Recorder()
    monkeypatch.setattr(render, "st", st)
    frame = pd.DataFrame(
        {"period": pd.date_range("2025-03-03", periods=4, freq="7D"), "series": "All"}
    ).assign(detected_streams=3.0)
    render.altair(trend_chart(frame))
    _, (chart,), kwargs = st.calls[-1]
    assert kwargs["height"] == chart.to_dict()["height"] + 120


def test_plotly_has_no_modebar_and_follows_the_theme(monkeypatch):
    st = _Recorder()
    monkeypatch.setattr(render, "st", st)
    render.plotly(go.Figure(), key="s", config={"displayModeBar": True, "scrollZoom": False})
    _, _, kwargs = st.calls[-1]
    assert kwargs["theme"] == "streamlit" and kwargs["width"] == "stretch"
    assert kwargs["config"]["displayModeBar"] is False  # a caller cannot switch it back on
    assert "toImage" in kwargs["config"]["modeBarButtonsToRemove"]
    assert kwargs["config"]["scrollZoom"] is False


def test_one_formatter_for_changes():
    from analytics import format as fmt

    assert fmt.pp(0.012, signed=True) == "+1.2 pp"
    assert fmt.change(0.074, 0.055, unit="pct") == "+1.9 pp"
    assert fmt.change(110, 100) == "+10.0%"
    assert fmt.change(90, 0) == "–" and fmt.change(float("nan"), 3) == "–"
