"""Cases & escalations: the open backlog, response and resolution times against SLA, the
weekly SLA breach rate, hand-offs between teams, and the case list with the money involved."""

from __future__ import annotations

import math

import streamlit as st

from analytics import cases as kpi
from analytics.metrics import METRICS, Tile
from charts.cases import (
    response_time_chart,
)
from data_access.loaders.cases import (
    load_case_backlog,
    load_case_count,
    load_case_page,
    load_case_response_times,
    load_case_sla_weekly,
    load_escalation_flows,
)
from data_access.queries.cases import PAGE_SIZES, SORT_KEYS
from reports import cases as views
from ui import drill, exports, links, render
from ui.page import start_page
from ui.view import show

WEEK_CHART = "cases_week_chart"

ctx = start_page("cases")
scope, f, opts, context = ctx.scope, ctx.filters, ctx.options, ctx.context
backlog_age, backlog_team, sla_weekly, escalations = views.VIEWS

st.title("Cases & escalations")
if "cases" in ctx.missing:  # every view and tile of this page reads cases
    render.not_mapped("cases")
    st.stop()
st.caption(f"{context} · backlog as of the end of {f.end:%d %b %Y}")
drill.clear_button()
render.filter_notes(f.notes)
if f.detectors:
    st.caption(
        "The detector filter does not apply to cases: a case spans detections, so cases of "
        "every detector are shown."
    )
if scope.team is not None:
    st.caption("You see the cases owned by your team only.")

backlog = render.load(load_case_backlog, scope, f)
weekly = kpi.sla_breach_rates(render.load(load_case_sla_weekly, scope, f))
total = render.load(load_case_count, scope, f)
if backlog.empty and total == 0:
    render.no_data(None)
    st.stop()

totals = kpi.backlog_totals(backlog)
money = scope.money  # viewers without money access see counts and times only
if not money:
    backlog = backlog.drop(columns=["exposure_eur"], errors="ignore")
nan = float("nan")
render.tiles(
    [
        Tile(METRICS["open_cases"], totals["open_cases"], nan),
        *([Tile(METRICS["backlog_exposure_eur"], totals["backlog_exposure_eur"], nan)] * money),
        Tile(METRICS["cases_opened"], float(total), nan),
        Tile(METRICS["sla_breach_rate"], kpi.period_breach_rate(weekly), nan),
    ],
    scope,
    columns=4,
)

# --- open backlog --------------------------------------------------------------------------
st.subheader("Open backlog")
st.caption(f"{METRICS['case_age_h'].definition} Owner team: the team that owns the case now.")
if backlog.empty:
    st.info(f"No case was open at the end of {f.end:%d %b %Y}.", icon=":material/task_alt:")
else:
    left, right = st.columns(2)
    with left:
        show(backlog_age, ctx)
    with right:
        show(backlog_team, ctx)

# --- response and resolution times ---------------------------------------------------------
st.subheader("Time to first response and to resolution")
times = kpi.sla_compliance(render.load(load_case_response_times, scope, f))
if times.empty:
    st.info("No case was opened in this period.", icon=":material/filter_list_off:")
else:
    st.caption(
        f"Cases opened in the period. {METRICS['time_to_first_response_h'].definition} "
        f"{METRICS['time_to_resolution_h'].definition}"
    )
    first, resolution = (
        METRICS["time_to_first_response_h"].definition,
        METRICS["time_to_resolution_h"].definition,
    )
    no_sla = times.loc[times["first_response_sla_h"].isna(), "priority"].astype(str).tolist()
    if no_sla:
        st.warning(
            f"No SLA is known for priority {', '.join(no_sla)}: dim_priority has no row for "
            "it, so those cases are never counted as breaching an SLA (see Data health).",
            icon=":material/rule:",
        )
    render.table(
        times.assign(
            resolution_sla_d=times["resolution_sla_h"] / 24,
            resolution_median_d=times["resolution_median_h"] / 24,
            resolution_p90_d=times["resolution_p90_h"] / 24,
        ),
        {
            "priority": ("Priority", "text", ""),
            "cases": "cases_opened",
            "first_response_sla_h": ("First-response SLA (h)", "hours", ""),
            "first_response_median_h": ("First response median (h)", "hours", first),
            "first_response_p90_h": ("First response p90 (h)", "hours", first),
            "first_response_compliance": "first_response_compliance",
            "resolution_sla_d": ("Resolution SLA (d)", "hours", ""),
            "resolution_median_d": ("Resolution median (d)", "hours", resolution),
            "resolution_p90_d": ("Resolution p90 (d)", "hours", resolution),
            "resolution_compliance": "resolution_compliance",
        },
    )
    left, right = st.columns(2)
    for col, stage, heading in (
        (left, "first_response", "Time to first response vs SLA"),
        (right, "resolution", "Time to resolution vs SLA"),
    ):
        with col:
            times_fig = response_time_chart(times, stage=stage, subtitle=context)
            render.altair(times_fig, width="stretch")
            exports.render(
                exports.ChartExport(
                    key=f"cases_times_{stage}",
                    page="cases",
                    title=heading,
                    data=times,
                    chart=times_fig,
                    metrics=(
                        "time_to_first_response_h",
                        "time_to_resolution_h",
                        "first_response_compliance",
                        "resolution_compliance",
                    ),
                    percent=("first_response_compliance", "resolution_compliance"),
                ),
                ctx,
            )

# --- SLA breach rate over time -------------------------------------------------------------
st.subheader(
    "SLA breach rate",
    help=f"{METRICS['sla_breach_rate'].definition}\n\n"
    f"{METRICS['first_response_breach_rate'].definition}\n\n"
    f"{METRICS['resolution_breach_rate'].definition}",
)
st.caption(
    "Cases opened each week whose SLA windows had closed by the period end; pale diamonds "
    "mark weeks with cases still inside their window."
)
if weekly.empty:
    st.info("No case was opened in this period.", icon=":material/filter_list_off:")
else:
    show(sla_weekly, ctx)

# --- escalation flows ----------------------------------------------------------------------
st.subheader("Escalations between teams")
st.caption(METRICS["handoffs"].definition)
show(escalations, ctx)
events = "case_events" not in ctx.missing  # hand-offs are case events
flows = render.load(load_escalation_flows, scope, f) if events else None
if flows is not None and not flows.empty:
    render.table(
        flows,
        {
            "from_team": ("From team", "text", ""),
            "to_team": ("To team", "text", ""),
            "handoffs": "handoffs",
            "cases": ("Cases", "count", "Cases with at least one such hand-off."),
            "exposure_eur": ("Exposure (EUR)", "eur", "Exposure of the cases handed off (EUR)."),
        },
    )

# --- the case list -------------------------------------------------------------------------
st.subheader("Cases opened in the period")
if total == 0:
    st.info("No case was opened in this period.", icon=":material/filter_list_off:")
    st.stop()
c1, c2, c3 = st.columns(3)
sort = c1.selectbox(
    "Sort by",
    SORT_KEYS,
    key="cases_sort",
    bind="query-params",
)
direction = c2.selectbox(
    "Direction",
    ("desc", "asc"),
    key="cases_dir",
    bind="query-params",
)
page_size = c3.selectbox(
    "Rows per page", PAGE_SIZES, index=1, key="cases_page_size", bind="query-params"
)
sort = sort if sort in SORT_KEYS else "opened"
page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[1]
pages = max(1, math.ceil(total / page_size))
rows_slot = st.empty()
page = st.pagination(pages, key="cases_page", bind="query-params")
page = min(max(int(page or 1), 1), pages)
rows = render.load(load_case_page, scope, f, sort, direction != "asc", page, page_size)
if not money:
    rows = rows.drop(columns=["exposure_eur"], errors="ignore")
first = (page - 1) * page_size + 1
with rows_slot.container():
    st.caption(
        f"Cases {first:,}–{first + len(rows) - 1:,} of {total:,} (page {page} of {pages}). "
        "Status, first response and resolution as recorded today; age as of the period end."
    )
    render.table(
        links.add_link(rows, "case", "case_id", period=(f.start, f.end)),
        {
            "case_page": render.link("Open", "Open", "Opens the case's page."),
            "case_id": ("Case", "id", ""),
            "opened_at": ("Opened", "datetime", ""),
            "priority": ("Priority", "text", ""),
            "status": ("Status", "text", ""),
            "owner_team": ("Owner team", "text", ""),
            "typology": ("Typology", "text", ""),
            "market": ("Market", "text", ""),
            "label": ("Label", "text", ""),
            "exposure_eur": ("Exposure (EUR)", "eur", "Money at stake recorded on the case."),
            "first_response_h": render.column(
                "time_to_first_response_h", label="First response (h)"
            ),
            "resolution_h": render.column("time_to_resolution_h", label="Resolution (h)"),
            "age_h": render.column("case_age_h", label="Age (h)"),
            "sla_breached": render.column("sla_breach_rate", label="SLA breached", kind="checkbox"),
        },
    )
    exports.render(
        exports.ChartExport(
            key="cases_list",
            page="cases",
            title=f"Cases opened in the period (page {page} of {pages})",
            data=rows,
            metrics=("time_to_first_response_h", "time_to_resolution_h", "case_age_h"),
            money=("exposure_eur",),
            extra={"Sort": f"{sort} {direction}", "Page": f"{page} of {pages}"},
        ),
        ctx,
    )
