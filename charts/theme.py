"""The one theme: a colour-blind-safe categorical palette (Okabe-Ito) and Altair defaults."""

from __future__ import annotations

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
EVENT_COLOUR = "#6B6B6B"
WIDTH = 720
HEIGHT = 320


@alt.theme.register("fraud", enable=True)
def fraud_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "range": {"category": list(PALETTE)},
            "title": {
                "anchor": "start",
                "fontSize": 15,
                "subtitleFontSize": 12,
                "subtitleColor": "#555555",
            },
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#E6E6E6"},
            # Category axes (labels, markets) show every name rather than every other one.
            "axisBand": {"labelOverlap": False, "labelLimit": 180},
            # Right, not bottom: Streamlit sizes a chart to its height, and a bottom legend
            # would squeeze the plot (bars and labels) to make room.
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "right"},
            "view": {"stroke": None},
            "background": "white",
        }
    }
