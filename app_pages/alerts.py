"""Alerts: rules on a view's metric and scheduled subscriptions; create, edit, pause, send a
test now, and the firing and delivery history. The runner (``python -m alerts run``,
scheduled by cron, a systemd timer or a Kubernetes CronJob) does the sending."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

import reports
from alerts import store
from alerts.evaluate import series_of
from alerts.model import KINDS, RuleError
from alerts.runner import Run, run_once
from data_access.filters import Filters
from data_access.settings import ROOT
from ui import render
from ui.page import start_page

log = logging.getLogger("fraud.alerts")
PAGE = "alerts"
ctx = start_page(PAGE)
viewer, scope = ctx.viewer, ctx.scope

st.title("Alerts & subscriptions")
st.caption(
    "An alert watches one number of a chart for a slice and tells you when it crosses a "
    "condition, and again when it is resolved; a subscription sends a chart or a deck on a "
    "schedule. Both are rendered with your own access and sent by the scheduled runner "
    "(`python -m alerts run`). Schedules are cron expressions in UTC."
)

views = [
    v
    for v in reports.REGISTRY.values()
    if viewer.may_open(v.page) and (scope.money or not v.needs_money)
]
by_name = {v.name: v for v in views}
# A new rule starts on the morning trend (a weekly series), where most rules are written.
DEFAULT_VIEW = "overview.trend"


def _first(names: list[str]) -> str:
    return next((n for n in names if by_name[n].id == DEFAULT_VIEW), names[0])


def _channels(prefix: str, current: list[dict] | None = None) -> list[dict]:
    current = current or []
    mails = ", ".join(c["to"] for c in current if c["type"] == "email")
    slack = next((c["target"] for c in current if c["type"] == "slack"), "")
    hook = next((c["target"] for c in current if c["type"] == "webhook"), "")
    c1, c2, c3 = st.columns(3)
    to = c1.text_input("E-mail to (comma separated)", value=mails, key=f"{prefix}_email")
    s = c2.text_input(
        "Slack target",
        value=slack,
        key=f"{prefix}_slack",
        help="The name of a configured incoming webhook (FRAUD_WEBHOOK_<NAME> or [webhooks] "
        "in secrets.toml); never the URL itself.",
    )
    h = c3.text_input("JSON webhook target", value=hook, key=f"{prefix}_hook")
    out = [{"type": "email", "to": a.strip()} for a in to.split(",") if a.strip()]
    out += [{"type": "slack", "target": s.strip()}] if s.strip() else []
    out += [{"type": "webhook", "target": h.strip()}] if h.strip() else []
    return out


def _params(view: reports.View, prefix: str, current: dict | None = None) -> dict[str, str]:
    values = reports.safe_params(view, current or {})
    if not view.params:
        return values
    cols = st.columns(len(view.params))
    for p, col in zip(view.params, cols, strict=True):
        values[p.key] = col.selectbox(
            p.label, p.choices, index=p.choices.index(values[p.key]), key=f"{prefix}_{p.key}"
        )
    return values


def _slice(prefix: str, current: dict | None) -> dict:
    here = ctx.filters.to_query_params(ctx.options)
    use = st.radio(
        "Slice",
        ["The sidebar's filters now", "As saved"]
        if current is not None
        else ["The sidebar's filters now"],
        horizontal=True,
        key=f"{prefix}_slice",
        help=f"Now: {ctx.context}",
    )
    return here if use.startswith("The sidebar") else dict(current or {})


def _done(action, ok: str) -> None:
    try:
        action()
    except RuleError as err:
        st.error(str(err), icon=":material/error:")
        return
    st.toast(ok, icon=":material/check:")
    st.rerun()


def _test_now(source: str, row_id: int) -> None:
    lines: list[str] = []
    key = "rule" if source == "rule" else "subscription"
    with st.spinner("Sending a test…"):
        run = run_once(Run(out=lines.append), test=True, **{key: row_id})
    (st.success if not run.failures else st.warning)(
        f"Test: {run.sent} sent, {run.failures} failed.", icon=":material/send:"
    )
    st.code("\n".join(lines) or "nothing to send", language=None)


def _history(source: str, row_id: int) -> None:
    c1, c2 = st.columns(2)
    ev = pd.DataFrame(store.history(source, row_id))
    c1.markdown("**Evaluations** (newest first)")
    if ev.empty:
        c1.caption("Not evaluated yet.")
    else:
        c1.dataframe(
            ev[["scheduled_for", "event", "value", "message", "test"]],
            hide_index=True,
            width="stretch",
        )
    dl = pd.DataFrame(store.delivery_log(source, row_id))
    c2.markdown("**Deliveries**")
    if dl.empty:
        c2.caption("Nothing sent yet.")
    else:
        c2.dataframe(
            dl[
                [
                    "created_at",
                    "event",
                    "channel_key",
                    "status",
                    "attempts",
                    "last_error",
                    "sent_at",
                ]
            ],
            hide_index=True,
            width="stretch",
        )


def _rows(source: str) -> list[dict]:
    try:
        return store.listing(source, viewer.user)
    except Exception:  # noqa: BLE001 - the store being down must not take the page down
        log.exception("alert store unreadable")
        st.error("The alert store cannot be read right now.", icon=":material/error:")
        return []


# -- alert rules ----------------------------------------------------------------------------


def rule_form(current: dict | None = None) -> None:
    prefix = f"alerts_rule_{current['id'] if current else 'new'}"
    names = list(by_name)
    start = next(
        (n for n, v in by_name.items() if current and v.id == current["view_id"]), _first(names)
    )
    name = st.text_input("Name", value=current["name"] if current else "", key=f"{prefix}_name")
    chosen = st.selectbox("Chart", names, index=names.index(start), key=f"{prefix}_view")
    view = by_name[chosen]
    params = _params(view, prefix, current["params"] if current else None)
    c1, c2, c3, c4 = st.columns(4)
    metric = c1.text_input(
        "Metric (a column of the chart's data)",
        value=current["metric"] if current else (view.metrics[0] if view.metrics else ""),
        key=f"{prefix}_metric",
        help="e.g. detected_share, detected_streams, exposure_eur",
    )
    kinds = list(KINDS)
    kind = c2.selectbox(
        "Condition",
        kinds,
        format_func=KINDS.get,
        index=kinds.index(current["kind"]) if current else 0,
        key=f"{prefix}_kind",
    )
    op = c3.selectbox(
        "Direction",
        ["above", "below"],
        index=["above", "below"].index(current["op"]) if current else 0,
        key=f"{prefix}_op",
        help="Changes: above = rises more than, below = falls more than the threshold.",
    )
    threshold = c4.number_input(
        "Threshold",
        value=float(current["threshold"]) if current else 0.0,
        key=f"{prefix}_t",
        help="In pp or % for changes, the score for anomalies, the budget for forecasts.",
    )
    c1, c2, c3 = st.columns(3)
    weeks = c1.number_input(
        "Forecast weeks",
        1,
        26,
        value=int(current["weeks"] or 4) if current else 4,
        key=f"{prefix}_weeks",
    )
    schedule = c2.text_input(
        "Schedule (cron, UTC)",
        value=current["schedule"] if current else "0 8 * * MON",
        key=f"{prefix}_cron",
    )
    remind = c3.number_input(
        "Remind every N hours while firing (0: never)",
        0,
        720,
        value=int(current["remind_hours"] or 0) if current else 0,
        key=f"{prefix}_remind",
    )
    filters = _slice(prefix, current["filters"] if current else None)
    chans = _channels(prefix, current["channels"] if current else None)
    raw = {
        "name": name,
        "view": view.id,
        "params": params,
        "filters": filters,
        "metric": metric,
        "kind": kind,
        "op": op,
        "threshold": threshold,
        "weeks": weeks,
        "schedule": schedule,
        "remind_hours": remind,
        "channels": chans,
    }
    if current is None:
        if st.button(
            "Create alert", key=f"{prefix}_save", type="primary", icon=":material/add_alert:"
        ):
            _done(lambda: _checked(raw) and store.create_rule(viewer, raw), "Alert created.")
    elif st.button("Save changes", key=f"{prefix}_save", type="primary", icon=":material/save:"):
        _done(
            lambda: _checked(raw) and store.update_rule(viewer, current["id"], raw),
            "Alert saved.",
        )


def _checked(raw: dict) -> bool:
    """The metric is a numeric column of the chart's data for this slice, read once now
    with the viewer's own scope, so a typo is said here and not by the runner later."""
    view = reports.get(raw["view"])
    f = Filters.from_query_params(raw["filters"], ctx.options)
    df = render.load(reports.frame, view, scope, f, None, reports.safe_params(view, raw["params"]))
    series_of(df, str(raw["metric"]).strip())
    return True


def manage(source: str, rows: list[dict], form) -> None:
    if not rows:
        st.info(f"You have no {source}s yet.", icon=":material/info:")
        return
    table = pd.DataFrame(rows)
    cols = [
        c
        for c in (
            "id",
            "name",
            "view_id",
            "kind",
            "schedule",
            "state",
            "paused",
            "last_value",
            "last_scheduled",
            "last_error",
        )
        if c in table
    ]
    st.dataframe(table[cols], hide_index=True, width="stretch")
    by_id = {r["id"]: r for r in rows}
    picked = st.selectbox(
        f"Manage a {source}",
        list(by_id),
        format_func=lambda i: f"#{i} {by_id[i]['name']}",
        key=f"alerts_{source}_pick",
    )
    row = by_id[picked]
    c1, c2, c3 = st.columns(3)
    paused = row["paused"]
    if c1.button(
        "Resume" if paused else "Pause",
        key=f"alerts_{source}_pause",
        icon=":material/play_arrow:" if paused else ":material/pause:",
    ):
        _done(
            lambda: store.set_paused(viewer, source, picked, not paused),
            "Resumed." if paused else "Paused.",
        )
    if c2.button("Send a test now", key=f"alerts_{source}_test", icon=":material/send:"):
        _test_now(source, picked)
    if c3.button("Delete", key=f"alerts_{source}_delete", icon=":material/delete:"):
        _done(lambda: store.remove(viewer, source, picked), "Deleted.")
    with st.expander("Edit"):
        form(row)
    _history(source, picked)


# -- subscriptions --------------------------------------------------------------------------


def subscription_form(current: dict | None = None) -> None:
    prefix = f"alerts_sub_{current['id'] if current else 'new'}"
    name = st.text_input("Name", value=current["name"] if current else "", key=f"{prefix}_name")
    kinds = ["view", "deck"]
    kind = st.radio(
        "Deliver",
        kinds,
        format_func={"view": "One chart", "deck": "A deck (TOML spec)"}.get,
        index=kinds.index(current["kind"]) if current else 0,
        horizontal=True,
        key=f"{prefix}_kind",
    )
    raw: dict = {"name": name, "kind": kind}
    if kind == "view":
        names = list(by_name)
        start = next(
            (n for n, v in by_name.items() if current and v.id == current.get("view_id")),
            _first(names),
        )
        view = by_name[st.selectbox("Chart", names, index=names.index(start), key=f"{prefix}_view")]
        raw["view"] = view.id
        raw["params"] = _params(view, prefix, current["params"] if current else None)
        raw["filters"] = _slice(prefix, current["filters"] if current else None)
        raw["formats"] = st.multiselect(
            "Attachments",
            ["png", "csv", "xlsx", "pptx"],
            default=(current["formats"] if current else ["png", "csv"]),
            key=f"{prefix}_formats",
        )
    else:
        weekly = (ROOT / "decks" / "weekly.toml").read_text(encoding="utf-8")
        raw["spec"] = st.text_area(
            "Deck spec (TOML, the format of decks/weekly.toml)",
            value=current["spec"] if current and current.get("spec") else weekly,
            height=240,
            key=f"{prefix}_spec",
        )
        raw["formats"] = ["pptx"]
    raw["schedule"] = st.text_input(
        "Schedule (cron, UTC)",
        value=current["schedule"] if current else "0 7 * * MON",
        key=f"{prefix}_cron",
    )
    raw["channels"] = _channels(prefix, current["channels"] if current else None)
    if current is None:
        if st.button(
            "Subscribe", key=f"{prefix}_save", type="primary", icon=":material/schedule_send:"
        ):
            _done(lambda: store.create_subscription(viewer, raw), "Subscription created.")
    elif st.button("Save changes", key=f"{prefix}_save", type="primary", icon=":material/save:"):
        _done(lambda: store.update_subscription(viewer, current["id"], raw), "Subscription saved.")


rules_tab, subs_tab = st.tabs(["Alert rules", "Subscriptions"])
with rules_tab:
    if not views:
        st.info("No chart is open to your role, so there is nothing to watch.")
    else:
        with st.expander("New alert", icon=":material/add_alert:", expanded=False):
            rule_form()
        manage("rule", _rows("rule"), rule_form)
with subs_tab:
    if not scope.exports:
        st.info(
            "Your role may not download exports, and a subscription delivers exports, so it "
            "cannot subscribe. Ask a dashboard administrator if you need one.",
            icon=":material/lock:",
        )
    elif views:
        with st.expander("New subscription", icon=":material/schedule_send:", expanded=False):
            subscription_form()
        manage(
            "subscription",
            _rows("subscription"),
            subscription_form,
        )
