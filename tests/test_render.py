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


def _tracks():
    return pd.DataFrame(
        {
            "isrc": ["SE1234567890", "DE0987654321"],
            "url": ["/track?isrc=SE1234567890", "/track?isrc=DE0987654321"],
            "week": pd.to_datetime(["2025-03-03", "2025-03-10"]),
            "streams": [1200.0, 30.0],
            "detected_share": [0.25, 0.5],
            "exposure_eur": [10.5, 2.0],
            "chosen": [True, False],
        }
    )


def test_table_takes_labels_formats_and_help_from_metrics():
    from analytics.metrics import METRICS

    shown, config = render.table_config(
        _tracks(),
        {
            "week": ("Week of", "date", ""),
            "streams": "streams",
            "detected_share": "detected_share",
            "exposure_eur": render.column("exposure_eur", label="Exposure"),
            "absent_eur": "exposure_eur",  # not in the frame (no money right): skipped
        },
    )
    assert list(shown.columns) == ["week", "streams", "detected_share", "exposure_eur"]
    assert config["streams"]["label"] == METRICS["streams"].label
    assert config["streams"]["help"] == METRICS["streams"].definition
    assert config["streams"]["type_config"]["format"] == "localized"
    assert config["exposure_eur"]["label"] == "Exposure"
    assert config["exposure_eur"]["type_config"]["format"] == "euro"
    # whole streams and euros: Streamlit takes the shown decimals from the step
    assert config["streams"]["type_config"]["step"] == 1
    assert config["exposure_eur"]["type_config"]["step"] == 1
    assert config["week"]["type_config"]["type"] == "date"
    assert config["week"]["type_config"]["format"] == "D MMM YYYY"
    # shares are shown as percentages, in the shown copy only
    assert shown["detected_share"].tolist() == [25.0, 50.0]
    assert config["detected_share"]["type_config"]["format"] == "%.1f%%"


def test_ids_beyond_a_browsers_numbers_are_shown_as_text():
    """An 18-digit case id (a warehouse's BIGINT) is shown digit for digit, as text; small
    ids stay numbers (sorted as numbers)."""
    big = 123_456_789_012_345_678
    shown, config = render.table_config(
        pd.DataFrame({"case_id": [big, 7]}), {"case_id": ("Case", "id", "")}
    )
    assert shown["case_id"].tolist() == [str(big), "7"]
    assert config["case_id"]["type_config"]["type"] == "text"
    shown, config = render.table_config(
        pd.DataFrame({"case_id": [2**53 - 1, 7]}), {"case_id": ("Case", "id", "")}
    )
    assert shown["case_id"].tolist() == [2**53 - 1, 7]
    assert config["case_id"]["type_config"]["type"] == "number"


def test_progress_checkbox_and_link_columns():
    frame = _tracks()
    shown, config = render.table_config(
        frame,
        {
            "url": render.link("Track", r"isrc=(.*)$", "Open the track's page."),
            "detected_share": render.column("detected_share", progress=True),
            "chosen": ("Chosen", "checkbox", ""),
        },
    )
    assert list(shown.columns) == ["url", "detected_share", "chosen"]
    progress = config["detected_share"]["type_config"]
    assert progress["type"] == "progress"
    assert (progress["min_value"], progress["max_value"]) == (0.0, 100.0)
    assert shown["detected_share"].max() <= progress["max_value"]
    assert frame["detected_share"].tolist() == [0.25, 0.5]  # the caller's frame is untouched
    link = config["url"]["type_config"]
    assert link["type"] == "link" and link["display_text"] == r"isrc=(.*)$"
    assert config["url"]["help"] == "Open the track's page."
    assert shown["url"].iloc[0] == "/track?isrc=SE1234567890"  # relative URL kept as is
    assert config["chosen"]["type_config"]["type"] == "checkbox"


def test_a_column_kind_is_checked():
    import pytest

    with pytest.raises(ValueError, match="unknown column kind"):
        render.Column("Streams", "percent")
    with pytest.raises(ValueError, match="progress"):
        render.column("streams", progress=True)


def test_table_draws_one_dataframe_with_its_config(monkeypatch):
    import streamlit

    st = _Recorder()
    st.column_config = streamlit.column_config
    monkeypatch.setattr(render, "st", st)
    render.table(_tracks(), {"isrc": ("ISRC", "text", ""), "streams": "streams"})
    [(name, (shown,), kwargs)] = st.calls
    assert name == "dataframe" and list(shown.columns) == ["isrc", "streams"]
    assert kwargs["hide_index"] is True and kwargs["width"] == "stretch"
    assert set(kwargs["column_config"]) == {"isrc", "streams"}
