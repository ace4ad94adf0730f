"""The anomalous-weeks table shared by the Trends and Exposure pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.anomalies import attribute_anomalies
from analytics.format import plural
from charts.anomalies import anomaly_table
from ui import render

_DRIVER_HELP = (
    "In a week that rose, the %s that rose most above its own median; in a week that fell, "
    "the one that fell most below it."
)
_CHANGE_HELP = "The driving %s's value that week minus its own median (negative: a fall)."


def render_table(
    flags: pd.DataFrame,
    *,
    by_market: pd.DataFrame,
    by_label: pd.DataFrame,
    value_title: str,
    money: bool,
    threshold: float,
    note: str = "",
) -> None:
    """Flagged weeks, most anomalous first, with the market and label that drove each."""
    table = anomaly_table(
        flags,
        {
            "market": attribute_anomalies(flags, by_market),
            "label": attribute_anomalies(flags, by_label),
        },
    )
    unit = "eur" if money else "count"
    render.table(
        table,
        {
            "week": ("Week of", "date", ""),
            "value": (value_title, unit, ""),
            "expected": ("Expected", unit, "What the week's neighbours (or season) predict."),
            "score": render.column("anomaly_score", label="Score", format="%.1f"),
            "direction": (
                "Rise or fall",
                "text",
                "Whether the week rose above or fell below what was expected.",
            ),
            "market": ("Driving market", "text", _DRIVER_HELP % "market"),
            "market_change": ("Market change", unit, _CHANGE_HELP % "market"),
            "label": ("Driving label", "text", _DRIVER_HELP % "label"),
            "label_change": ("Label change", unit, _CHANGE_HELP % "label"),
        },
    )
    st.caption(
        f"{plural(int(flags['flagged'].sum()), 'week')} flagged at a threshold of "
        f"{threshold:.1f}.{note}"
    )
