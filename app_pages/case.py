"""A case's page (``/case?id=…``): what it is about and its timeline (opened, first
response, hand-offs between teams, escalation, resolution) against its SLA. A partner opens
only the cases of their team; any other id reads like an unknown one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import format as fmt
from data_access.loaders.entities import load_case
from reports.entities import CASE_VIEW, not_an_id, parse_id
from ui import entity, links, render
from ui.page import start_page
from ui.view import show

ctx = start_page("case")
if "cases" in ctx.missing:
    st.title("Case")
    render.not_mapped("cases")
    st.stop()
entity.follow_source_key(ctx, "case")  # ?key=<your own key>
raw = entity.raw_key("id", "case")
case_id = parse_id(raw)
if case_id is None:
    entity.stop(not_an_id("case"))
case = render.load(load_case, ctx.scope, case_id)
if case.empty:
    entity.not_found("case", str(case_id))
row = case.iloc[0]
PERIOD = (ctx.filters.start, ctx.filters.end)  # links open in a new session
st.title(f"Case {case_id}")


def _link(kind: str, key, name) -> str:
    if key is None or pd.isna(key):
        return "–"
    return f"[{render.plain(name)}]({links.entity_url(kind, _key(key), PERIOD)})"


def _key(key) -> object:
    return int(key) if isinstance(key, int | float) else key


facts = [
    f"**{row['priority']}** · {render.plain(row['status'])} · origin {render.plain(row['origin'])}",
    f"owner team {render.plain(row['owner_team'])}",
    f"typology {render.plain(row['typology'])}",
    f"market {render.plain(row['market'])} · {render.plain(row['market_name'])}",
]
if ctx.scope.team is None:  # a partner sees the case, not the catalogue's pages
    facts += [
        f"label {_link('label', row['label_id'], row['label'])}",
        f"distributor {_link('distributor', row['distributor_id'], row['distributor'])}",
    ]
    if isinstance(row["isrc"], str):
        facts.append(f"track {_link('track', row['isrc'], row['title'])} ({row['isrc']})")
if "exposure_eur" in case.columns:
    facts.append(f"exposure {fmt.eur(row['exposure_eur'])}")
st.markdown(" · ".join(facts))
st.caption(
    f"Opened {row['opened_at']:%d %b %Y %H:%M}. SLA of {row['priority']}: first response "
    f"within {fmt.hours(row['first_response_sla_hours'])}, resolution within "
    f"{fmt.hours(row['resolution_sla_hours'])}; still-open steps are judged at the end of "
    f"the sidebar's period ({ctx.filters.end:%d %b %Y})."
)


def _steps(df: pd.DataFrame, params: dict) -> None:
    sla = df.attrs.get("sla")
    if sla is not None:
        render.table(
            sla.assign(status=sla["status"].str.capitalize()),
            {
                "stage": ("SLA", "text", ""),
                "hours": ("Hours taken (or so far)", "hours", ""),
                "sla_hours": ("SLA (h)", "hours", ""),
                "status": ("Status", "text", "met / breached / running / overdue"),
            },
        )
    steps = df.copy()
    steps.attrs = {}  # the SLA rows travel in attrs; the table shows the steps
    st.dataframe(
        steps,
        hide_index=True,
        width="stretch",
        column_config={
            "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "step": "Step",
            "team": "Team holding the case",
            "detail": "Detail",
        },
    )


show(CASE_VIEW, ctx.with_params({"id": str(case_id)}), below=_steps)
