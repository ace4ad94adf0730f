"""Data health: can I trust the numbers? Freshness and row counts of every table, and
integrity checks (orphan keys, negative amounts, impossible stream counts, missing days,
marts out of sync with the facts, future dates) that fail loudly, and the input checks of
the mapping (python -m data_access.inputs check) with the fix for each finding."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from analytics import format as fmt
from analytics.health import STALE_AFTER_DAYS, findings, freshness, newest
from analytics.metrics import METRICS
from data_access.inputs import contract
from data_access.loaders.availability import load_tables
from data_access.loaders.health import load_health_checks, load_health_sample, load_table_stats
from data_access.loaders.inputs import load_input_findings
from ui import exports, render
from ui.page import start_page

ctx = start_page("health")
scope = ctx.scope
st.title("Data health")
if not scope.unrestricted:
    st.info(
        "Data health is not available for your role: its checks read the rows of the whole "
        "warehouse, beyond what your access covers. Ask a dashboard administrator.",
        icon=":material/lock:",
    )
    st.stop()

today = date.today()
raw = render.load(load_table_stats, scope)
stats = freshness(raw, today)
latest = newest(raw, today)  # the newest day in the facts (not the calendar, not a future day)

# Integrity checks read the rows of facts and marts: by default the last week of data (what
# a daily load can break, fast at any size); the whole history on request.
WINDOWS = {"Last 7 days": 7, "Last 28 days": 28, "Last 91 days": 91, "Full history": None}
DEFAULT_WINDOW = "Last 7 days"
window = st.segmented_control(
    "Rows checked",
    tuple(WINDOWS),
    default=DEFAULT_WINDOW,
    key="health_window",
    bind="query-params",
    help="Integrity checks cover the rows of facts and marts dated in this window, counted "
    "back from the newest data. Dimensions are always checked whole. Full history reads "
    "every row of the warehouse: on a large warehouse that takes minutes.",
)
window = window if window in WINDOWS else DEFAULT_WINDOW
days = WINDOWS[window]
since = (latest.date() - timedelta(days=days - 1)) if days and latest is not None else None
covered = (
    f"rows dated from {since:%d %b %Y} (the last {days} days of data)"
    if since is not None
    else "every row"
)
st.caption(
    f"Whole warehouse, as of today ({today:%d %b %Y}); integrity checks cover {covered}. The "
    "global filters (period, market, label, …) do not apply on this page. Results are cached "
    "for 10 minutes."
)
checks = render.load(load_health_checks, scope, today, since)

failed = checks[checks["status"] == "fail"]
c1, c2, c3 = st.columns(3)
c1.metric(
    "Checks failing",
    f"{len(failed)} of {len(checks)}",
    help=METRICS["offending_rows"].definition,
    border=True,
)
c2.metric(
    "Newest data",
    f"{latest:%d %b %Y}" if latest is not None else "–",
    help="The newest day in the facts (streams, detections, reviews, actions, appeals, "
    "cases), not after today: the calendar (dim_date) and the marts do not count.",
    border=True,
)
# Never negative: a date after today is a finding of its own, not a lag.
lag_today = max((today - latest.date()).days, 0) if latest is not None else None
c3.metric(
    "Behind today",
    fmt.plural(lag_today, "day") if lag_today is not None else "–",
    help=METRICS["lag_days"].definition,
    border=True,
)

for name in sorted(ctx.missing):  # optional inputs: their tables' checks are left out
    render.not_mapped(name)
for row in stats[stats["status"] == "missing"].itertuples():
    fix = (
        "rebuild the marts (python -m data_access.marts)"
        if row.kind == "mart"
        else "map it (docs/INPUTS.md)"
    )
    st.error(
        f"{row.table} is missing from the warehouse: the checks that read it are left out; {fix}.",
        icon=":material/error:",
    )
for sentence in findings(raw, today):
    st.warning(sentence, icon=":material/event_busy:")
if failed.empty:
    st.success(f"All {len(checks)} integrity checks pass.", icon=":material/verified:")
for row in failed.itertuples():
    st.error(
        f"{row.check}: {fmt.compact(row.offending)} offending "
        f"{'(difference)' if row.key.startswith('sync:') else 'rows'}. {row.meaning}",
        icon=":material/error:",
    )
if lag_today is not None and lag_today > STALE_AFTER_DAYS:
    st.warning(
        f"The newest data is {fmt.plural(lag_today, 'day')} old: loads may have stopped.",
        icon=":material/schedule:",
    )

# --- freshness and row counts --------------------------------------------------------------
st.subheader("Freshness and row counts")
lagging = stats[stats["status"] == "lagging"]
if not lagging.empty:
    st.warning(
        "Trailing the newest data: "
        + ", ".join(
            f"{r.table} ({fmt.plural(round(r.lag_newest_days), 'day')})"
            for r in lagging.itertuples()
        )
        + ". Sparse event tables can trail legitimately; daily tables should not.",
        icon=":material/schedule:",
    )
# Tables without a date column have no "newest" or lag: a dash, never a grey "None".
shown = stats[["table", "kind", "rows", "latest", "lag_today_days", "lag_newest_days", "status"]]
shown = shown.assign(
    latest=[f"{v:%d %b %Y %H:%M}" if pd.notna(v) else "—" for v in shown["latest"]],
    **{
        c: [f"{round(v):,}" if pd.notna(v) else "—" for v in shown[c]]
        for c in ("lag_today_days", "lag_newest_days")
    },
)
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        "table": "Table",
        "kind": "Kind",
        "rows": st.column_config.NumberColumn(
            "Rows", format="localized", help=METRICS["table_rows"].definition
        ),
        "latest": st.column_config.TextColumn("Newest"),
        "lag_today_days": st.column_config.TextColumn(
            "Days behind today", help=METRICS["lag_days"].definition
        ),
        "lag_newest_days": st.column_config.TextColumn(
            "Days behind newest data", help=METRICS["lag_days"].definition
        ),
        "status": "Status",
    },
)
WHOLE = {
    "Scope": "whole warehouse (the global filters do not apply)",
    "As of": f"{today}",
    "Rows checked": covered,
}
exports.render(
    exports.ChartExport(
        key="health_tables",
        page="health",
        title="Freshness and row counts",
        data=stats,
        metrics=("table_rows", "lag_days"),
        extra=WHOLE,
    ),
    ctx,
)

# --- integrity checks ----------------------------------------------------------------------
st.subheader("Integrity checks")
st.dataframe(
    checks[["check", "status", "offending", "meaning"]],
    hide_index=True,
    width="stretch",
    column_config={
        "check": st.column_config.TextColumn("Check", width="medium"),
        "status": "Status",
        "offending": st.column_config.NumberColumn(
            "Offending", format="localized", help=METRICS["offending_rows"].definition
        ),
        "meaning": st.column_config.TextColumn("What it means", width="large"),
    },
)
exports.render(
    exports.ChartExport(
        key="health_checks",
        page="health",
        title="Integrity checks",
        data=checks,
        metrics=("offending_rows",),
        extra=WHOLE,
    ),
    ctx,
)
for row in failed.itertuples():
    sample = render.load(load_health_sample, scope, row.key, today, since)
    with st.expander(f"Sample: {row.check} (up to 20 rows)"):
        st.dataframe(sample, hide_index=True, width="stretch")

# --- input checks: the team's mapping, as `python -m data_access.inputs check` sees it ----
st.subheader("Input checks")
relations = {i.relation for i in contract.INPUTS} & render.load(load_tables)
if not relations:
    st.caption(
        "This warehouse was not built through the input layer (it holds no in_<input> "
        "relation), so there is no mapping to check. docs/INPUTS.md describes the inputs."
    )
    st.stop()
st.caption(
    "The inputs the star schema is built from (the in_<input> views of your mapping, or the "
    "demo's tables), checked against the contract in docs/INPUTS.md: structure first, then "
    "keys, references, vocabularies, currencies, dates and consistency. Each finding says "
    "what to change. Every row of every input is read: on a large warehouse this takes a "
    "while the first time (then cached for 10 minutes)."
)
found = render.load(load_input_findings, scope)
serious = found[found["severity"].isin(("error", "warning"))]
if serious.empty:
    st.success(f"No errors or warnings in {len(relations)} inputs.", icon=":material/verified:")
for row in serious.itertuples():
    where = f"{row.input}.{row.column}" if row.column else row.input
    examples = f" (e.g. {row.examples})" if row.examples else ""
    text = (
        f"**{render.plain(where)}** · {render.plain(row.problem)}"
        f"{render.plain(examples)}  \n{render.plain(row.fix)}"
    )
    if row.severity == "error":
        st.error(text, icon=":material/error:")
    else:
        st.warning(text, icon=":material/warning:")
with st.expander(f"Every finding, notes included ({len(found)})"):
    st.dataframe(
        found[["input", "column", "severity", "problem", "count", "examples", "fix"]],
        hide_index=True,
        width="stretch",
        column_config={
            "count": st.column_config.NumberColumn("Rows", format="localized"),
            "problem": st.column_config.TextColumn("Problem", width="large"),
            "fix": st.column_config.TextColumn("Fix", width="large"),
        },
    )
