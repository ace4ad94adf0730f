"""Pure pandas / statsmodels: metric definitions, KPI arithmetic, forecasts, anomalies."""
