"""Pure chart builders: DataFrame -> Altair / Plotly figure, one theme, export helpers."""

from charts import altair_speed

altair_speed.install()
