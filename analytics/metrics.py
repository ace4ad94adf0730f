"""Every metric's definition, in one place: key, label, unit, and the sentence shown as help.

The SQL of each measure lives in data_access.queries.measures under the same names; the
arithmetic that combines measures (shares, rates, exposure) lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # count / eur / pct / hours
    definition: str
    higher_is_better: bool | None = None


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("streams", "Streams", "count", "All streams in the period and slice.", None),
        Metric(
            "detected_share",
            "Detected artificial share",
            "pct",
            "Streams flagged by a detector ÷ all streams. Typology and detector filters narrow "
            "the flagged streams only; the denominator is always all streams of the slice.",
            False,
        ),
        Metric(
            "detected_streams",
            "Detected artificial streams",
            "count",
            "Streams flagged as artificial by any detector (before analyst review).",
        ),
        Metric(
            "confirmed_streams",
            "Confirmed artificial streams",
            "count",
            "Flagged streams an analyst confirmed as artificial; they are removed from royalty "
            "calculation and charts.",
        ),
        Metric(
            "confirmed_share",
            "Confirmed artificial share",
            "pct",
            "Confirmed artificial streams ÷ all streams.",
            False,
        ),
        Metric(
            "streams_removed",
            "Streams removed",
            "count",
            "Confirmed artificial streams removed from royalty calculation (100% of confirmed).",
            True,
        ),
        Metric(
            "protected_eur",
            "Royalties protected",
            "eur",
            "Prevented dilution: confirmed streams removed before payout × the market's payout "
            "per stream (EUR; the payout is [payout.market] of config/business.toml when the input "
            "layer builds the warehouse).",
            True,
        ),
        Metric(
            "exposure_eur",
            "Money at risk (exposure)",
            "eur",
            "Royalties on estimated artificial streams not yet removed (× the market's payout "
            "per stream: [payout.market] of config/business.toml) plus per-track fees "
            "levied but not yet recovered or reversed (EUR).",
            False,
        ),
        Metric(
            "open_cases",
            "Open cases",
            "count",
            "Cases opened but not resolved at the end of the period.",
            False,
        ),
        Metric(
            "sla_breach_rate",
            "SLA breach rate",
            "pct",
            "Cases that missed their priority's first-response or resolution SLA ÷ cases due: "
            "cases opened in the period whose SLA windows had both closed by the period's end "
            "(or the data's, if earlier). A case opened two days before the end with a 10-day "
            "SLA cannot have breached yet, so it is left out rather than counted as met; the "
            "previous period is judged at its own end.",
            False,
        ),
        # --- cases & escalations ---
        Metric(
            "backlog_exposure_eur",
            "Money in open cases",
            "eur",
            "Exposure (EUR) recorded on the cases still open at the end of the period.",
            False,
        ),
        Metric(
            "cases_opened",
            "Cases opened",
            "count",
            "Cases opened in the period and slice (the detector filter does not apply: cases "
            "span detections).",
        ),
        Metric(
            "case_age_h",
            "Age of open cases",
            "hours",
            "Time from opening to the end of the period for cases still open then; buckets "
            "<1 d, 1–3 d, 3–7 d, 7–30 d, >30 d.",
            False,
        ),
        Metric(
            "time_to_first_response_h",
            "Time to first response",
            "hours",
            "Hours from opening to the first response, over cases opened in the period that "
            "have one: median and 90th percentile, per priority, against the priority's "
            "first-response SLA.",
            False,
        ),
        Metric(
            "time_to_resolution_h",
            "Time to resolution",
            "hours",
            "Hours from opening to resolution, over cases opened in the period that are "
            "resolved: median and 90th percentile, per priority, against the priority's "
            "resolution SLA.",
            False,
        ),
        Metric(
            "first_response_compliance",
            "First-response SLA met",
            "pct",
            "Cases responded to within their priority's first-response SLA ÷ cases with a "
            "first response (cases opened in the period).",
            True,
        ),
        Metric(
            "resolution_compliance",
            "Resolution SLA met",
            "pct",
            "Cases resolved within their priority's resolution SLA ÷ resolved cases (cases "
            "opened in the period).",
            True,
        ),
        Metric(
            "first_response_breach_rate",
            "First-response SLA breach rate",
            "pct",
            "Cases that missed (or, still waiting, have passed) their first-response SLA ÷ "
            "cases due (SLA windows closed by the period's end).",
            False,
        ),
        Metric(
            "resolution_breach_rate",
            "Resolution SLA breach rate",
            "pct",
            "Cases that missed (or, still unresolved, have passed) their resolution SLA ÷ "
            "cases due (SLA windows closed by the period's end).",
            False,
        ),
        Metric(
            "handoffs",
            "Hand-offs",
            "count",
            "Escalation events in the period that passed a case from one team to another "
            "(Fraud Operations or a partner team), over cases in the slice.",
        ),
        # --- data health ---
        Metric(
            "table_rows",
            "Rows",
            "count",
            "Rows in the warehouse table right now (not filtered).",
        ),
        Metric(
            "lag_days",
            "Lag (days)",
            "count",
            "Days between the table's newest date or timestamp and today, and between it and "
            "the newest data in the whole warehouse.",
            False,
        ),
        Metric(
            "offending_rows",
            "Offending rows",
            "count",
            "Rows a data-health check found in breach (for mart/fact sync checks: the "
            "absolute difference of the totals). 0 means the check passes.",
            False,
        ),
        # --- trends & top tracks ---
        Metric(
            "enforcement_actions",
            "Enforcement actions",
            "count",
            "Enforcement actions on the track applied in the period (removals, withholdings, "
            "fees, takedowns...), in the slice's markets.",
        ),
        Metric(
            "reversed_actions",
            "Reversed actions",
            "count",
            "Of those enforcement actions, the ones reversed (typically after a successful "
            "appeal).",
            False,
        ),
        # --- funnel page (detection -> validation -> enforcement) ---------------------
        Metric(
            "detections",
            "Detections",
            "count",
            "Detections raised in the period (by detection date): one track × market flagged "
            "by one detector. Their streams are the streams flagged; their money the flagged "
            "streams × the market's payout per stream (EUR; [payout.market] of "
            "config/business.toml).",
        ),
        Metric(
            "funnel_stage",
            "Funnel stage",
            "count",
            "Detections of the period that reached the stage: reviewed (an analyst decided), "
            "confirmed, enforced (at least one action), appealed (at least one appeal), "
            "upheld on appeal (an appeal decided in the platform's favour). Streams and money: "
            "flagged up to 'reviewed', confirmed streams from 'confirmed' on.",
        ),
        Metric(
            "stage_conversion",
            "Conversion from previous stage",
            "pct",
            "The stage's detections (or streams, or EUR) ÷ the previous stage's.",
        ),
        Metric(
            "conversion_from_detection",
            "Conversion from detection",
            "pct",
            "The stage's detections (or streams, or EUR) ÷ all detections of the period.",
        ),
        Metric(
            "false_positives",
            "False positives",
            "count",
            "Detections an analyst rejected as false positives.",
            False,
        ),
        Metric(
            "detector_precision",
            "Precision",
            "pct",
            "Confirmed detections ÷ reviewed detections (pending reviews excluded; "
            "insufficient evidence and escalations count as not confirmed).",
            True,
        ),
        Metric(
            "time_to_detect",
            "Time to detect",
            "hours",
            "From the start of the fraudulent activity to the detection (median and p90 over "
            "the detector's detections of the period).",
            False,
        ),
        Metric(
            "time_to_validate",
            "Time to validate",
            "hours",
            "From the detection entering the review queue to the analyst's decision (median "
            "and p90 over decided reviews; pending reviews excluded).",
            False,
        ),
        Metric(
            "recall",
            "Recall (estimated)",
            "pct",
            "Flagged streams ÷ estimated artificial streams of the slice, by stream date. The "
            "estimate is the warehouse's true_artificial_streams (ground truth in the demo, a "
            "model's estimate in production); flagged streams include later false positives. "
            "Typology and detector filters narrow the flagged streams only. Above 100%: the "
            "estimate of artificial streams is below the flagged streams (check the estimate).",
            True,
        ),
        Metric(
            "recall_contribution",
            "Contribution to recall",
            "pct",
            "A detector's (or typology's) flagged streams ÷ all estimated artificial streams "
            "of the slice; the contributions add up to the overall recall. Per-detector recall "
            "itself cannot be measured: missed artificial streams carry no detector or "
            "typology.",
            True,
        ),
        # --- enforcement page --------------------------------------------------------
        Metric(
            "actions_applied",
            "Enforcement actions",
            "count",
            "Actions applied in the period (stream removal, royalty withholding, per-track "
            "fee, takedown, account suspension, warning), by application date.",
        ),
        Metric(
            "withheld_eur",
            "Royalties withheld",
            "eur",
            "Royalties withheld by royalty-withholding actions applied in the period (EUR).",
            True,
        ),
        Metric(
            "fees_levied_eur",
            "Fees levied",
            "eur",
            "Per-track fees (EUR 10 per track with >90% artificial streams) charged to labels "
            "and distributors by actions applied in the period (EUR).",
            True,
        ),
        Metric(
            "fees_recovered_eur",
            "Fees recovered",
            "eur",
            "Part of those per-track fees actually collected (EUR).",
            True,
        ),
        Metric(
            "reversed_eur",
            "Reversed after appeal",
            "eur",
            "Money of actions applied in the period that were reversed after a successful "
            "appeal (EUR).",
            False,
        ),
        Metric(
            "appeal_rate",
            "Appeal rate",
            "pct",
            "Appeals ÷ appealable actions (stream removal, royalty withholding, per-track fee, "
            "takedown) applied in the period; suspensions and warnings are not appealable.",
            None,
        ),
        Metric(
            "overturn_rate",
            "Overturn rate",
            "pct",
            "Appeals overturned ÷ appeals decided, for appeals against actions applied in the "
            "period.",
            False,
        ),
        Metric(
            "appeal_decision_time",
            "Time to decide appeals",
            "hours",
            "From an appeal being filed to its decision (median and p90 over decided appeals "
            "against actions applied in the period).",
            False,
        ),
        Metric(
            "action_weeks",
            "Weeks with actions",
            "count",
            "Distinct ISO weeks of the period in which the label or distributor had at least "
            "one enforcement action: the 'repeat' evidence.",
            False,
        ),
        Metric(
            "confirmed_streams_share",
            "Share of confirmed streams",
            "pct",
            "The label's or distributor's confirmed artificial streams ÷ all confirmed "
            "artificial streams of the slice (detections of the period).",
        ),
        # --- exposure forecast, scenarios, anomalies ------------------------------------
        Metric(
            "exposure_forecast_eur",
            "Forecast exposure",
            "eur",
            "Sum of the chosen model's weekly point forecasts of exposure (EUR) over the "
            "horizon, from the last complete week on or before the period's end. Bands are "
            "per-week 80% and 95% prediction intervals.",
            False,
        ),
        Metric(
            "forecast_mae",
            "Backtest MAE",
            "eur",
            "Mean absolute error (EUR per week) of a model's forecasts in a rolling-origin "
            "backtest: refitted at each of the last 12 weekly origins, forecasting the "
            "horizon each time.",
            False,
        ),
        Metric(
            "forecast_mase",
            "Backtest MASE",
            "count",
            "Backtest MAE ÷ the in-sample MAE of a one-week naive forecast (last value); "
            "below 1 beats the naive forecast one week ahead.",
            False,
        ),
        Metric(
            "interval_coverage",
            "Interval coverage",
            "pct",
            "Share of backtest actuals that fell inside the model's 80% (95%) prediction "
            "interval; near 80% (95%) means honest intervals.",
        ),
        Metric(
            "scenario_delta_eur",
            "Scenario change",
            "eur",
            "Forecast exposure under the scenario minus the forecast as is, over the horizon "
            "(EUR); the formula is shown with the sliders.",
            False,
        ),
        Metric(
            "anomaly_score",
            "Anomaly score",
            "count",
            "Robust z-score of the week's residual after a robust STL decomposition (trend + "
            "52-week season): 0.6745 × (residual − median) ÷ median absolute deviation. Weeks "
            "at or above the threshold are flagged.",
        ),
        Metric(
            "audit_events",
            "Audit events",
            "count",
            "Page views and exports recorded in the audit log for the chosen period and "
            "filters (a view is recorded once per page and filter combination per session).",
        ),
        Metric(
            "audit_exports",
            "Exports",
            "count",
            "Downloads (images, CSV/XLSX data, decks) recorded in the audit log for the chosen "
            "period and filters.",
        ),
        Metric(
            "audit_users",
            "People",
            "count",
            "Distinct signed-in identities with at least one audit event in the selection.",
        ),
        # -- Operations plan (review queue, team, staffing) -----------------------------
        Metric(
            "review_arrivals",
            "Detections arriving",
            "count",
            "Detections queued for analyst review in the week (one review per detection).",
        ),
        Metric("reviews_decided", "Reviews decided", "count", "Reviews decided in the week."),
        Metric(
            "review_queue",
            "Open reviews",
            "count",
            "Reviews queued but not decided at the end of the week (the period's last day for "
            "a week the period cuts short).",
            False,
        ),
        Metric(
            "review_waiting",
            "Reviews not started",
            "count",
            "Open reviews that no analyst had started at the end of the week.",
            False,
        ),
        Metric(
            "review_queue_age_h",
            "Age of open reviews",
            "hours",
            "Hours from queueing to the end of the week, for reviews still open then.",
            False,
        ),
        Metric(
            "time_in_queue_h",
            "Time in queue",
            "hours",
            "Hours from queueing to an analyst starting the review (reviews queued in the "
            "period; median and 90th percentile).",
            False,
        ),
        Metric(
            "time_in_review_h",
            "Time in review",
            "hours",
            "Hours from an analyst starting the review to the decision (median and 90th "
            "percentile).",
            False,
        ),
        Metric(
            "reviews_per_analyst_week",
            "Reviews per analyst-week",
            "count",
            "Reviews an analyst decided ÷ the weeks in which they decided at least one.",
        ),
        Metric(
            "analyst_confirm_rate",
            "Confirm rate",
            "pct",
            "Reviews an analyst decided as confirmed ÷ all the reviews they decided.",
        ),
        Metric(
            "sla_attainment",
            "SLA attainment",
            "pct",
            "Share of reviews decided within the SLA hours of being queued, over reviews whose "
            "SLA window had closed (undecided ones past it count as misses). The model's "
            "figure: Erlang C wait for an analyst plus the previous quarter's delays.",
            True,
        ),
        Metric(
            "analysts_needed",
            "Analysts needed",
            "count",
            "The fewest analysts (40 h a week each) whose Erlang C queue, plus the last "
            "quarter's review delays, keeps the SLA for the week's forecast detections.",
        ),
    )
}


def ratio(a, b):
    """a ÷ b as floats, NaN where b is 0 or missing (never inf): every share and rate."""
    a = pd.to_numeric(pd.Series(a), errors="coerce").astype(float)
    b = pd.to_numeric(pd.Series(b), errors="coerce").astype(float)
    return (a.to_numpy() / b.where(b != 0).to_numpy()).astype(float)


def derive(df: pd.DataFrame) -> pd.DataFrame:
    """Add the derived metrics to a frame of measures (any index: periods, weeks...)."""
    out = df.copy()
    cols = set(out.columns)
    if {"detected_streams", "streams"} <= cols:
        out["detected_share"] = ratio(out["detected_streams"], out["streams"])
    if {"confirmed_streams", "streams"} <= cols:
        out["confirmed_share"] = ratio(out["confirmed_streams"], out["streams"])
    if {"at_risk_eur", "fees_outstanding_eur"} <= cols:
        out["exposure_eur"] = out["at_risk_eur"] + out["fees_outstanding_eur"]
    if {"sla_breaches", "cases_due"} <= cols:
        out["sla_breach_rate"] = ratio(out["sla_breaches"], out["cases_due"])
    elif {"sla_breaches", "cases_opened"} <= cols:
        out["sla_breach_rate"] = ratio(out["sla_breaches"], out["cases_opened"])
    return out


# Metrics that exist only with an optional input of the warehouse (docs/INPUTS.md): a tile
# of one is replaced by a line naming the input when the warehouse does not map it.
INPUTS: dict[str, tuple[str, ...]] = {
    "open_cases": ("cases",),
    "backlog_exposure_eur": ("cases",),
    "cases_opened": ("cases",),
    "sla_breach_rate": ("cases",),
    "appeal_rate": ("appeals",),
    "overturn_rate": ("appeals",),
    "appeal_decision_time": ("appeals",),
}


@dataclass(frozen=True)
class Tile:
    metric: Metric
    value: float
    previous: float

    @property
    def delta(self) -> float | None:
        """Relative change for counts and money; percentage points for rates."""
        if pd.isna(self.value) or pd.isna(self.previous):
            return None
        if self.value == 0 and self.previous == 0:
            return None  # nothing in either period (e.g. a 0 % share of a slice without fraud)
        if self.metric.unit == "pct":
            return self.value - self.previous
        if self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)


def tiles(periods: pd.DataFrame, keys: list[str], *, compare: bool = True) -> list[Tile]:
    """KPI tiles from a frame indexed by period ('current', 'previous').

    ``compare=False`` (the previous period is not fully covered by data) drops the deltas
    rather than showing a misleading change.
    """
    d = derive(periods)
    out = []
    for key in keys:
        if key not in d.columns and METRICS[key].unit == "eur":
            continue  # money columns are dropped for viewers without the money right
        if key not in d.columns and key in INPUTS:
            # An optional input the warehouse does not map: no value (render.tiles says so).
            out.append(Tile(METRICS[key], float("nan"), float("nan")))
            continue
        cur = d.loc["current", key] if "current" in d.index else float("nan")
        prev = d.loc["previous", key] if compare and "previous" in d.index else float("nan")
        out.append(Tile(METRICS[key], float(cur), float(prev)))
    return out


def _register_policy_metrics() -> None:
    from analytics.policy import POLICY_METRICS

    METRICS.update({m.key: m for m in POLICY_METRICS if m.key not in METRICS})


_register_policy_metrics()
