"""The anomalous-weeks table shared by the Trends and Exposure pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.anomalies import attribute_anomalies
from analytics.metrics import METRICS
from charts.anomalies import anomaly_table


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
            "market": st.column_config.TextColumn(
                "Driving market", help="The market that rose most above its own median."
            ),
            "market_increase": st.column_config.NumberColumn("Market increase", format=fmt),
            "label": st.column_config.TextColumn(
                "Driving label", help="The label that rose most above its own median."
            ),
            "label_increase": st.column_config.NumberColumn("Label increase", format=fmt),
        },
    )
    st.caption(
        f"{int(flags['flagged'].sum())} week(s) flagged at a threshold of {threshold:.1f}.{note}"
    )
