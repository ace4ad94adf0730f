"""What the entity pages (track, label, distributor, case) share: reading the key from the
link, the one message for an unknown or forbidden key, the tiles, the views and the case
list with links."""

from __future__ import annotations

from typing import NoReturn

import pandas as pd
import streamlit as st

from analytics.entities import entity_totals
from analytics.metrics import METRICS, Tile
from data_access.loaders import entities as le
from data_access.queries.entities import Entity
from reports import entities as views
from ui import exports, links, render
from ui.page import PageContext
from ui.view import show

NAN = float("nan")
EXAMPLES = {"isrc": "QZA002500001", "id": "42"}


def stop(message: str, icon: str = ":material/search_off:") -> NoReturn:
    st.warning(message, icon=icon)
    st.caption("Use the search box in the sidebar to find a track, label, distributor or case.")
    st.stop()
    raise AssertionError("unreachable")


def follow_source_key(ctx: PageContext, kind: str) -> None:
    """``?key=…``: the team's own key of the entity (a uuid, a URI: key_map, written by the
    input layer) opens its page, looked up under the viewer's scope like the search; an
    unknown or forbidden key reads the same. The link is rewritten to the project's key."""
    values = st.query_params.get_all("key")
    if not values:
        return
    text = str(values[-1]).strip()[:200]
    hits = render.load(le.load_search, ctx.scope, text) if text else pd.DataFrame()
    mine = (
        hits[(hits["kind"] == kind) & hits["detail"].str.startswith("your key ")]
        if len(hits)
        else hits
    )
    if mine.empty:
        not_found(kind, text)
    del st.query_params["key"]
    st.query_params["isrc" if kind == "track" else "id"] = str(mine["key"].iloc[0])
    st.rerun()


def raw_key(name: str, what: str) -> str:
    """The link's ``name`` parameter; stops with a clear message when it is missing."""
    values = st.query_params.get_all(name)
    if not values or not str(values[-1]).strip():
        stop(f"This link names no {what}: add ?{name}=… (e.g. ?{name}={EXAMPLES[name]}).")
    return str(values[-1])


def by_id_or_name(ctx: PageContext, kind: str, loader) -> pd.Series:
    """A label or distributor from ``?id=…`` (or ``?name=…``, case-insensitive), looked up
    under the viewer's scope; stops with one message for malformed, unknown or forbidden."""
    qp = st.query_params
    if qp.get("name") and not qp.get("id"):
        name = str(qp.get("name"))[:200].strip()
        df, shown = render.load(loader, ctx.scope, None, name), name[:60]
    else:
        key = views.parse_id(raw_key("id", kind))
        if key is None:
            stop(views.not_an_id(kind))
        df, shown = render.load(loader, ctx.scope, key), str(key)
    if df.empty:
        not_found(kind, shown)
    return df.iloc[0]


def not_found(what: str, key: str) -> NoReturn:
    """The same words for a key that does not exist and one the viewer may not see."""
    stop(f"No {what} {render.plain(key)} that you have access to.")


def sidebar_period_caption(ctx: PageContext) -> None:
    st.caption(
        f"{ctx.filters.start:%d %b %Y} – {ctx.filters.end:%d %b %Y} (the sidebar's period; "
        "the other sidebar filters do not apply on this page)"
    )


def sections(ctx: PageContext, kind: str, entity: Entity, key: dict[str, str]) -> None:
    """Tiles, then streams, detections, reviews, enforcement, appeals and cases."""
    ctx = ctx.with_params(key)
    scope, f = ctx.scope, ctx.filters
    streams = render.load(le.load_entity_streams, scope, entity, f)
    detections = render.load(le.load_entity_detections, scope, entity, f)
    enforcement = render.load(le.load_entity_enforcement, scope, entity, f)
    t = entity_totals(streams, detections, enforcement)
    tiles = [
        Tile(METRICS["streams"], t["streams"], NAN),
        Tile(METRICS["detected_share"], t["detected_share"], NAN),
        Tile(METRICS["detections"], t["detections"], NAN),
        Tile(METRICS["enforcement_actions"], t["enforcement_actions"], NAN),
        Tile(METRICS["reversed_actions"], t["reversed_actions"], NAN),
    ]
    if "withheld_eur" in t:  # money tiles (render.tiles drops them without the right)
        tiles[4:4] = [
            Tile(METRICS[k], t[k], NAN) for k in ("withheld_eur", "fees_levied_eur", "reversed_eur")
        ]
    render.tiles(tiles, scope, columns=4)
    by = {v.id.split(".", 1)[1]: v for v in views.VIEWS if v.page == kind}
    show(by["streams"], ctx)
    left, right = st.columns(2)
    with left:
        show(by["detections"], ctx)
    with right:
        show(by["reviews"], ctx)
    show(by["enforcement"], ctx, below=_enforcement_table)
    show(by["appeals"], ctx, below=_appeals_table)
    cases(ctx, entity)


def _enforcement_table(df: pd.DataFrame, params: dict) -> None:
    render.table(
        df,
        {
            "enforcement_type": ("Type", "text", ""),  # type_code: for the tiles only
            "actions": "enforcement_actions",
            "streams_removed": "streams_removed",
            "amount_eur": ("Withheld or levied (EUR)", "eur", "Royalties withheld and fees."),
            "recovered_eur": "fees_recovered_eur",
            "reversed": "reversed_actions",
            "reversed_eur": "reversed_eur",
        },
    )


def _appeals_table(df: pd.DataFrame, params: dict) -> None:
    render.table(
        df,
        {
            "outcome": ("Outcome", "text", ""),
            "appeals": ("Appeals", "count", "Appeals filed in the period."),
            "amount_restored_eur": ("Restored (EUR)", "eur", "Money restored after appeal."),
            "median_decide_h": ("Median hours to decide", "hours", ""),
        },
    )


def cases(ctx: PageContext, entity: Entity) -> None:
    """The entity's cases active in the period, each linking to its page."""
    st.subheader("Cases")
    if "cases" in ctx.missing:
        render.not_mapped("cases")
        return
    df = render.load(le.load_entity_cases, ctx.scope, entity, ctx.filters)
    if df.empty:
        st.info("No case of this entity was open in the period.", icon=":material/task_alt:")
        return
    st.caption(f"{len(df)} case(s) open at some time in the period (newest first, at most 50).")
    period = (ctx.filters.start, ctx.filters.end)
    table = links.add_link(df, "case", "case_id", period=period).drop(columns="case_id")
    # An open case has no resolution time: the cell says so (not "None").
    resolved = pd.to_datetime(table["resolved_at"]).dt.strftime("%Y-%m-%d %H:%M")
    render.table(
        table.assign(resolved_at=resolved.fillna("still open")),
        {
            "case_page": render.link("Case", links.SHOWN["case"], "Opens the case's page."),
            "opened_at": ("Opened", "datetime", ""),
            "priority": ("Priority", "text", ""),
            "status": ("Status", "text", ""),
            "owner_team": ("Owner team", "text", ""),
            "typology": ("Typology", "text", ""),
            "resolved_at": ("Resolved", "text", ""),
            "exposure_eur": ("Exposure (EUR)", "eur", "Money at stake recorded on the case."),
        },
    )
    exports.render(
        exports.ChartExport(
            key=f"{ctx.page}_cases",
            page=ctx.page,
            title="Cases",
            data=df,
            metrics=(),
            money=("exposure_eur",),
        ),
        ctx,
    )
