"""The anomalous-weeks table shared by the Trends and Exposure pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.anomalies import attribute_anomalies
from analytics.format import plural
from analytics.metrics import METRICS
from charts.anomalies import anomaly_table

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
    fmt = "€%.0f" if money else "%,.0f"
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "week": st.column_config.DateColumn("Week of", format="DD MMM YYYY"),
            "value": st.column_config.NumberColumn(value_title, format=fmt),
            "expected": st.column_config.NumberColumn(
                "Expected", format=fmt, help="What the week's neighbours (or season) predict."
            ),
            "score": st.column_config.NumberColumn(
                "Score", format="%.1f", help=METRICS["anomaly_score"].definition
            ),
            "direction": st.column_config.TextColumn(
                "Rise or fall", help="Whether the week rose above or fell below what was expected."
            ),
            "market": st.column_config.TextColumn("Driving market", help=_DRIVER_HELP % "market"),
            "market_change": st.column_config.NumberColumn(
                "Market change", format=fmt, help=_CHANGE_HELP % "market"
            ),
            "label": st.column_config.TextColumn("Driving label", help=_DRIVER_HELP % "label"),
            "label_change": st.column_config.NumberColumn(
                "Label change", format=fmt, help=_CHANGE_HELP % "label"
            ),
        },
    )
    st.caption(
        f"{plural(int(flags['flagged'].sum()), 'week')} flagged at a threshold of "
        f"{threshold:.1f}.{note}"
    )
