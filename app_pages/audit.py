"""Audit: who viewed or exported what, when, with which filters (leadership only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from analytics.metrics import METRICS
from data_access import audit as store
from ui import exports, render
from ui.page import start_page

ctx = start_page("audit")
scope = ctx.scope
f, opts = ctx.filters, ctx.options

ALL = "all"
EARLIEST = date(2020, 1, 1)

st.title("Audit log")
st.caption(
    "Every page view (once per page and filter combination per session) and every export, "
    "with the viewer, their role and the filters. Times in UTC. The global filters do not "
    "apply here: use the filters below."
)


def _facets(column: str) -> list[str]:
    try:
        return store.load_facets(column)
    except store.AuditUnavailable as err:
        st.error(f"{err}", icon=":material/cloud_off:")
        st.stop()


today = datetime.now(UTC).date()
c1, c2, c3, c4 = st.columns([1.4, 1.4, 1, 1])
period = c1.date_input(
    "Period",
    value=(today - timedelta(days=30), today),
    min_value=EARLIEST,
    max_value=today + timedelta(days=1),
    key="audit_period",
    bind="query-params",
)
user = c2.selectbox("Person", [ALL, *_facets("user")], key="audit_user", bind="query-params")
action = c3.selectbox(
    "Action", [ALL, *store.AUDIT_ACTIONS], key="audit_action", bind="query-params"
)
page = c4.selectbox("Page", [ALL, *_facets("page")], key="audit_page", bind="query-params")

if isinstance(period, date):
    period = (period, period)
period = tuple(period or ())
start, end = (period * 2)[:2] if period else (today - timedelta(days=30), today)
start, end = min(start, end), max(start, end)

try:
    events = store.load_events(
        since=datetime.combine(start, time.min),
        until=datetime.combine(end + timedelta(days=1), time.min),
        user=None if user in (None, ALL) else user,
        action=None if action in (None, ALL) else action,
        page=None if page in (None, ALL) else page,
    )
except store.AuditUnavailable as err:
    st.error(f"{err}", icon=":material/cloud_off:")
    st.stop()

shown = f"{start:%d %b %Y} – {end:%d %b %Y}"
st.caption(
    f"{shown} · person: {'all' if user == ALL else user} · action: {action} · "
    f"page: {'all' if page == ALL else page} · newest first, at most 5,000 events"
)
if render.no_data(events):
    st.stop()

m1, m2, m3 = st.columns(3)
for col, key, value in (
    (m1, "audit_events", len(events)),
    (m2, "audit_exports", int((events["action"] == "export").sum())),
    (m3, "audit_users", events["user"].nunique()),
):
    col.metric(METRICS[key].label, f"{value:,}", help=METRICS[key].definition, border=True)

table = events.drop(columns=["event_id"])
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "user": st.column_config.TextColumn("Person"),
        "role": st.column_config.TextColumn("Role"),
        "action": st.column_config.TextColumn("Action"),
        "page": st.column_config.TextColumn("Page"),
        "item": st.column_config.TextColumn("Chart or deck", help="The exported item's key."),
        "format": st.column_config.TextColumn("Format"),
        "filters": st.column_config.TextColumn("Filters", help="The filters in force (JSON)."),
        "row_count": st.column_config.NumberColumn(
            "Rows", format="%d", help="Rows in the exported data."
        ),
    },
)
exports.render(
    exports.ChartExport(
        key="audit_log",
        page="audit",
        title="Audit log",
        data=table,
        metrics=("audit_events", "audit_exports", "audit_users"),
        extra={
            "Audit period": f"{start:%Y-%m-%d} to {end:%Y-%m-%d}",
            "Person": user or ALL,
            "Action": action or ALL,
            "Page": page or ALL,
        },
    ),
    ctx,
)
