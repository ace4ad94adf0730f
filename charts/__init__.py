"""Pure chart builders: DataFrame -> Altair / Plotly figure, one theme, export helpers."""
