"""The one theme: a colour-blind-safe categorical palette (Okabe-Ito), one colour per series
name, one date format, and Altair defaults that read on Streamlit's light and dark themes.

On screen the chart takes its background, text and grid colours from the active Streamlit
theme (``st.altair_chart(theme="streamlit")``), so the registered Altair theme sets none of
them. Exported images and slides are printed on white: ``PRINT_CONFIG`` adds the white
background and dark text there (charts/export.py).
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt

# Okabe & Ito (2008), safe for the common colour-vision deficiencies; ordered for contrast.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#999999",  # grey ("other")
)
SEQUENTIAL = "blues"
DIVERGING = "blueorange"
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
# Text and rules drawn by the chart builders themselves (event labels, "no data" notes, the
# expected line): one mid grey with about 4.3:1 contrast on white and on Streamlit's dark
# background (#0E1117) alike, so it needs no per-theme variant.
MUTED = "#7A7A7A"
EVENT_COLOUR = MUTED
# Viewers' notes (appstore.notes) on the same layer: a reddish purple with the same
# 4:1 contrast on white and on the dark background.
NOTE_COLOUR = "#B0629A"
LIGHT_BACKGROUND = "#FFFFFF"
DARK_BACKGROUND = "#0E1117"  # Streamlit's dark theme background
# Printed figures (PNG/SVG/PDF, slides): dark text on white.
PRINT_TEXT = "#333333"
PRINT_SUBTITLE = "#555555"
PRINT_GRID = "#E6E6E6"
WIDTH = 720
HEIGHT = 320
# One date format for every time axis and tooltip ("6 Jan 2025"); d3-time-format.
DATE_FORMAT = "%-d %b %Y"
# Legends sit under the plot in rows of this many entries (see ui.render: the element
# grows by the legend's rows, so the plot keeps its width and its height).
LEGEND_COLUMNS = 4
LEGEND_LABEL_LIMIT = 160

OTHER = "Other"
OTHER_COLOUR = PALETTE[-1]
_CYCLE = PALETTE[:-1]  # grey is kept for "Other"

# Series that mean the same thing on every chart and slide keep one colour. Names not
# listed here (markets, labels, detectors, teams, typologies) get the free colours of the
# chart in alphabetical order: the same set of names gets the same colours in the app, in
# an image and in the deck, whatever order each of them lists the series in.
SERIES_COLOURS: dict[str, str] = {
    OTHER: OTHER_COLOUR,
    # detected vs confirmed
    "Detected (flagged)": PALETTE[1],
    "Detected": PALETTE[1],
    "Detected artificial streams": PALETTE[1],
    "Detected artificial share": PALETTE[1],
    "Confirmed": PALETTE[0],
    "Confirmed artificial streams": PALETTE[0],
    "Confirmed artificial share": PALETTE[0],
    # this period vs the previous one; history vs forecast; as is vs scenario
    "Current period": PALETTE[0],
    "Previous period": OTHER_COLOUR,
    "Actual": PALETTE[0],
    "Forecast": PALETTE[5],
    "Expected": OTHER_COLOUR,
    "Expected (EUR)": OTHER_COLOUR,
    "As is": OTHER_COLOUR,
    "Scenario": PALETTE[2],
    # case priorities
    "P1": PALETTE[5],
    "P2": PALETTE[1],
    "P3": PALETTE[0],
    "P4": PALETTE[4],
    # enforcement types (dim_enforcement_type)
    "Stream removal": PALETTE[0],
    "Royalty withholding": PALETTE[1],
    "Per-track fee": PALETTE[2],
    "Takedown": PALETTE[3],
    "Account suspension": PALETTE[4],
    "Warning": PALETTE[5],
    # money series
    "Royalties withheld": PALETTE[0],
    "Fees levied": PALETTE[1],
    "Fees recovered": PALETTE[2],
    "Reversed after appeal": PALETTE[5],
    "Royalties at risk": PALETTE[0],
    "Fees outstanding": PALETTE[1],
    # case service levels
    "Any SLA": PALETTE[0],
    "First response": PALETTE[1],
    "Resolution": PALETTE[2],
    "Median": PALETTE[0],
    "90th percentile": PALETTE[1],
    "SLA": PALETTE[5],
    # SLA status of open cases; model vs observed (Operations plan)
    "Past SLA": PALETTE[5],
    "Over half its SLA used": PALETTE[1],
    "Within SLA": PALETTE[2],
    "Model": PALETTE[5],
    "Observed": PALETTE[0],
}


def series_colours(names: Iterable[object]) -> dict[str, str]:
    """One colour per series name, used by every chart builder and by the deck.

    Fixed names (``SERIES_COLOURS``) keep their colour unless an earlier fixed name of the
    same chart already holds it; "Other" is grey; every other name takes the next colour
    no other series of the chart uses, in alphabetical order of the names. Past seven
    series, colours repeat (see ``repeated``; line charts dash the repeats).
    """
    unique = list(dict.fromkeys(str(n) for n in names))
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in unique:
        colour = SERIES_COLOURS.get(name)
        if colour is not None and (colour not in used or name == OTHER):
            out[name] = colour
            used.add(colour)
    free = [c for c in _CYCLE if c not in used] or list(_CYCLE)
    rest = sorted(n for n in unique if n not in out)
    for i, name in enumerate(rest):
        out[name] = free[i % len(free)]
    return out


def repeated(names: Iterable[object]) -> set[str]:
    """The names whose colour another series of the same chart already has."""
    colours = series_colours(names)
    seen: dict[str, str] = {}
    twice = set()
    for name in sorted(colours, key=lambda n: (n not in SERIES_COLOURS, n)):
        colour = colours[name]
        if colour in seen:
            twice.add(name)
        seen.setdefault(colour, name)
    return twice


def colour_scale(domain: Iterable[object]) -> alt.Scale:
    """An Altair colour scale giving each name of ``domain`` (in that order) its colour."""
    names = [str(n) for n in dict.fromkeys(domain)]
    colours = series_colours(names)
    return alt.Scale(domain=names, range=[colours[n] for n in names])


def rgba(hex_colour: str, alpha: float) -> str:
    """'#0072B2', 0.35 -> 'rgba(0,114,178,0.35)' (Plotly link colours)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def colour_of(name: str) -> str:
    """The colour of a chart that draws one series (a single-measure bar chart)."""
    return series_colours([name])[name]


# Added to a spec that leaves the app as a file or a slide: white paper, dark ink.
PRINT_CONFIG: dict = {
    "background": LIGHT_BACKGROUND,
    "title": {"color": PRINT_TEXT, "subtitleColor": PRINT_SUBTITLE},
    "axis": {
        "labelColor": PRINT_TEXT,
        "titleColor": PRINT_TEXT,
        "gridColor": PRINT_GRID,
        "domainColor": "#888888",
        "tickColor": "#888888",
    },
    "legend": {"labelColor": PRINT_TEXT, "titleColor": PRINT_TEXT},
    "header": {"labelColor": PRINT_TEXT, "titleColor": PRINT_TEXT},
}


@alt.theme.register("fraud", enable=True)
def fraud_theme() -> alt.theme.ThemeConfig:
    # No background, text or grid colour: on screen those come from the active Streamlit
    # theme (light or dark); exports add PRINT_CONFIG. The one exception is the subtitle,
    # which Streamlit's theme leaves at Vega's black: the grey that reads on both.
    return {
        "config": {
            "font": FONT,
            "range": {"category": list(PALETTE)},
            "title": {
                "anchor": "start",
                "fontSize": 15,
                "subtitleFontSize": 12,
                "subtitleColor": MUTED,
            },
            "axis": {"labelFontSize": 11, "titleFontSize": 12},
            # Category axes (labels, markets) show every name rather than every other one.
            "axisBand": {"labelOverlap": False, "labelLimit": 180},
            # Under the plot, in rows: a legend at the side takes its width from the plot,
            # which squeezes narrow charts in two columns; ui.render adds the rows' height.
            "legend": {
                "labelFontSize": 11,
                "titleFontSize": 12,
                "orient": "bottom",
                "direction": "horizontal",
                "columns": LEGEND_COLUMNS,
                "labelLimit": LEGEND_LABEL_LIMIT,
            },
            "timeFormat": DATE_FORMAT,  # tooltips and text of dates
            "view": {"stroke": None},
        }
    }


# -- on screen ----------------------------------------------------------------------------

# vega-embed's own actions menu (Save as PNG/SVG, View source, Open in editor) bypasses the
# audited export: off in every on-screen spec. (Streamlit 1.67 already embeds with its own
# toolbar instead of that menu; the flag keeps it off wherever the spec is embedded.)
SCREEN_USERMETA = {"embedOptions": {"actions": False}}
# Plotly's modebar: no camera (image download) and no logo; nothing else is useful on the
# figures we draw, so the bar is off.
PLOTLY_SCREEN_CONFIG = {
    "displayModeBar": False,
    "displaylogo": False,
    "modeBarButtonsToRemove": ["toImage"],
}
_LEGEND_ROW_PX = 20
# Beyond its rows a bottom legend takes its offset from the axis title and its padding:
# ~40 px in Chromium (measured on the Operations plan's half-width charts, whose plots
# were squeezed by that much when only 10 px were counted).
_LEGEND_PAD_PX = 40
_GRADIENT_LEGEND_PX = 46


def on_screen(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart as drawn in the app: the embed actions menu switched off."""
    return chart.properties(usermeta=SCREEN_USERMETA)


def legend_height(spec: dict) -> int:
    """Pixels a bottom/top legend adds under (over) the plot of a Vega-Lite ``spec``: rows
    of ``LEGEND_COLUMNS`` entries for a categorical colour, a strip for a gradient."""
    best = 0
    for enc in _encodings(spec):
        colour = enc.get("color")
        if not isinstance(colour, dict) or "field" not in colour:
            continue
        legend = colour.get("legend", {})
        if legend is None:
            continue
        orient = (legend or {}).get("orient", "bottom")
        if orient not in ("bottom", "top"):
            continue
        if colour.get("type") == "quantitative":
            best = max(best, _GRADIENT_LEGEND_PX)
            continue
        domain = (colour.get("scale") or {}).get("domain")
        entries = len(domain) if isinstance(domain, list) else LEGEND_COLUMNS
        columns = (legend or {}).get("columns", LEGEND_COLUMNS)
        rows = -(-entries // max(int(columns), 1))
        best = max(best, rows * _LEGEND_ROW_PX + _LEGEND_PAD_PX)
    return best


def _encodings(spec: dict):
    if isinstance(spec.get("encoding"), dict):
        yield spec["encoding"]
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for sub in spec.get(key, []) or []:
            if isinstance(sub, dict):
                yield from _encodings(sub)
