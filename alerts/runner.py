"""One pass of the runner: evaluate every due rule and subscription once, deliver, retry.

Idempotent: an evaluation is keyed by (rule or subscription, scheduled time) in the store,
so a second run in the same minute (or a second runner) finds it done and sends nothing.
A delivery that fails stays in the store and is retried with backoff by later runs; every
attempt is recorded. Each rule and subscription is rendered with its owner's scope (from
config/access.toml), never more, and every delivery is written to the audit log.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

import reports
from alerts import channels
from alerts.evaluate import Outcome, judge
from alerts.model import (
    RuleError,
    RuleSpec,
    channel_key,
    check_rule,
    check_subscription,
    last_due,
)
from alerts.store import utcnow
from appstore.db import engine
from appstore.schema import alert_rules, deliveries, delivery_attempts, evaluations, subscriptions
from data_access import audit
from data_access.access import AccessConfigError, Viewer, load_config, viewer_for
from data_access.filters import Filters, Options, context_line

log = logging.getLogger("fraud.alerts")

MAX_ATTEMPTS = 8
SENDING_LEASE = timedelta(minutes=15)  # a delivery claimed by a runner that died is retried


def backoff(attempts: int) -> timedelta:
    """5, 10, 20, 40 minutes ... at most 6 hours after the n-th failed attempt."""
    return timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 360))


@dataclass
class Run:
    """What one pass does: where the warehouse and the store are, the clock, the mode."""

    now: datetime = field(default_factory=utcnow)
    dry_run: bool = False
    warehouse: str | None = None
    store: str | None = None
    base_url: str | None = None
    out: Callable[[str], None] = print
    failures: int = 0
    sent: int = 0

    def say(self, line: str) -> None:
        self.out(line)


# -- who the owner is -----------------------------------------------------------------------


def owner_viewer(owner: str, warehouse: str | None) -> Viewer:
    """The owner's Viewer from config/access.toml (fails closed: an owner without a role
    gets nothing rendered)."""
    from data_access.loaders.access import load_scope_ids

    try:
        config = load_config()
    except AccessConfigError as err:
        raise RuleError(f"the access config is invalid: {err}") from None
    viewer = viewer_for(owner, config, lambda lab, dis: load_scope_ids(lab, dis, url=warehouse))
    if not viewer.pages:
        raise RuleError(f"owner {owner} has no access any more ({viewer.reason})")
    return viewer


def _check_view(viewer: Viewer, view: reports.View) -> None:
    if not viewer.may_open(view.page):
        raise RuleError(f"owner {viewer.user} may not open the page of view {view.id!r}")
    if view.needs_money and not viewer.scope.money:
        raise RuleError(f"view {view.id!r} shows money, which owner {viewer.user} may not see")


def _options(viewer: Viewer, warehouse: str | None) -> Options:
    from data_access.loaders.options import load_options

    return load_options(viewer.scope, url=warehouse)


def _base_url(run: Run) -> str:
    import os

    from reports.deck import DEFAULT_BASE_URL

    return run.base_url or os.environ.get("FRAUD_BASE_URL") or DEFAULT_BASE_URL


def _slice(viewer: Viewer, raw: Mapping, run: Run) -> tuple[Filters, Options]:
    opts = _options(viewer, run.warehouse)
    # Notes (a period clamped to the data, an unknown market dropped) do not stop a rule:
    # the slice is what the same link would show today.
    f = Filters.from_query_params(raw or {}, opts)
    for note in f.notes:
        log.info("slice note: %s", note)
    return f, opts


# -- due or not -----------------------------------------------------------------------------


def _floor(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _due_now(
    row: Mapping, source: str, name: str, run: Run, *, force: bool, test: bool
) -> datetime | None:
    """The time this run evaluates ``row`` for, or None (paused, not due, or already done:
    one evaluation per scheduled time, so a second run in the same minute sends nothing)."""
    if row["paused"] and not (force or test):
        return None
    if test:
        # A test message is sent whenever asked: it never stands for a scheduled time, so it
        # takes the next free second (a forced run in the same minute holds :00, which a test
        # at hh:mm:00 would otherwise collide with and skip as "already evaluated").
        at = run.now.replace(microsecond=0)
        while _evaluated(row["id"], source, at, run):
            at += timedelta(seconds=1)
        return at
    at = _floor(run.now) if force else None
    at = at or due_at(row, run.now)
    if at is None:
        return None
    if _evaluated(row["id"], source, at, run):
        done = "evaluated" if source == "rule" else "delivered"
        run.say(f"{name}: already {done} for {at:%Y-%m-%d %H:%M}; nothing to do")
        return None
    return at


def due_at(row: Mapping, now: datetime) -> datetime | None:
    """The scheduled time to evaluate now, or None: the latest cron time at or before
    ``now``, if it is after the last one evaluated and not before the row was created."""
    try:
        at = last_due(row["schedule"], now)
    except (ValueError, KeyError):
        return _floor(now)  # an unusable schedule: evaluated now, so its error is reported
    if at < _floor(row["created_at"]):
        return None
    if row.get("last_scheduled") is not None and at <= row["last_scheduled"]:
        return None
    return at


# -- rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    event: str  # fired / reminder / resolved / firing / ok / test
    notify: bool
    state: str


def decide(row: Mapping, outcome: Outcome, at: datetime, *, test: bool = False) -> Decision:
    """ok -> firing (notify) -> resolved (notify); a reminder every remind_hours while
    firing; nothing else is sent."""
    state = row.get("state") or "ok"
    if test:
        return Decision("test", True, state)
    if outcome.breached:
        if state != "firing":
            return Decision("fired", True, "firing")
        remind = row.get("remind_hours")
        last = row.get("last_notified_at")
        if remind and (last is None or at - last >= timedelta(hours=remind)):
            return Decision("reminder", True, "firing")
        return Decision("firing", False, "firing")
    if state == "firing":
        return Decision("resolved", True, "resolved")
    return Decision("ok", False, state if state == "resolved" else "ok")


def _rule_spec(row: Mapping) -> RuleSpec:
    raw = dict(row)
    raw["view"] = row["view_id"]
    return check_rule(raw)


def evaluate_rule(row: Mapping, run: Run, *, force: bool = False, test: bool = False) -> None:
    name = f"rule {row['id']} {row['name']!r}"
    at = _due_now(row, "rule", name, run, force=force, test=test)
    if at is None:
        return
    try:
        spec = _rule_spec(row)
        view = reports.get(spec.view)
        viewer = owner_viewer(row["owner"], run.warehouse)
        _check_view(viewer, view)
        f, opts = _slice(viewer, spec.filters, run)
        df = reports.frame(view, viewer.scope, f, run.warehouse, spec.params)
        label = _metric_label(spec.metric)
        outcome = judge(spec, df, label=label)
    except (RuleError, KeyError, ValueError, PermissionError) as err:
        message = str(err.args[0] if isinstance(err, KeyError) else err)
        _record_error(row, "rule", at, message, run)
        run.say(f"{name}: error: {message}")
        return
    decision = decide(row, outcome, at, test=test)
    files: list[tuple[str, bytes]] = []
    message = {}
    if decision.notify:
        message = _rule_message(row, spec, view, viewer, df, f, opts, outcome, decision, at, run)
        files = _png(view, df, f, opts, spec.params, f"{view.page}-{row['id']}")
    targets = ", ".join(channel_key(c) for c in spec.channels) if decision.notify else "nobody"
    run.say(f"{name}: {decision.event} · {outcome.text} → {targets}")
    if run.dry_run:
        return
    changes = {"last_value": outcome.value, "last_error": None}
    if not test:
        changes.update(state=decision.state, last_scheduled=at)
        if decision.event == "fired":
            changes["firing_since"] = at
        if decision.notify:
            changes["last_notified_at"] = at
    evaluation = _commit(
        "rule",
        row,
        at,
        decision.event,
        decision.state,
        outcome.value,
        outcome.text,
        changes,
        spec.channels if decision.notify else [],
        message,
        files,
        run,
        test=test,
    )
    if evaluation is None:
        run.say(f"{name}: evaluated meanwhile by another run; nothing sent")
        return
    deliver_pending(run, evaluation_id=evaluation)


def _metric_label(metric: str) -> str:
    from analytics.metrics import METRICS

    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ").capitalize()


def _rule_message(row, spec, view, viewer, df, f, opts, outcome, decision, at, run) -> dict:
    from reports.changes import driver_sentence
    from reports.deck import permalink

    words = {
        "fired": "Alert",
        "reminder": "Still firing",
        "resolved": "Resolved",
        "test": "Test",
    }
    link = permalink(_base_url(run), view, f, opts, spec.params)
    # A rule on a headline metric says what drove the change (week over week).
    why = ""
    if decision.event in ("fired", "reminder", "test"):
        why = driver_sentence(viewer.scope, f, run.warehouse, spec.metric)
    return {
        "kind": "alert",
        "subject": f"[{words.get(decision.event, decision.event)}] {row['name']}",
        "headline": view.headline(df),
        "lines": [
            outcome.text,
            *([why] if why else []),
            f"{view.name} · {context_line(f, opts)}",
            f"Data as of {opts.max_date:%d %b %Y} · evaluated for {at:%d %b %Y %H:%M} UTC",
        ],
        "permalink": link,
        "event": decision.event,
        "rule": row["name"],
        "rule_id": row["id"],
        "view": view.id,
        "metric": spec.metric,
        "value": outcome.value,
        "condition": spec.condition_text(),
        "state": decision.state,
        "scheduled_for": at.isoformat(),
        "owner": row["owner"],
    }


def _png(view, df, f, opts, params, stem: str) -> list[tuple[str, bytes]]:
    from reports.deck import figure_png

    if reports.is_empty(df):
        return []
    try:
        png = figure_png(
            view,
            df,
            context=context_line(f, opts),
            as_of=opts.max_date,
            params=params,
            events=None,
        )
    except Exception:  # noqa: BLE001 - no image is better than no alert
        log.exception("chart image of %s failed", view.id)
        return []
    return [(f"{stem}.png", png)]


# -- subscriptions --------------------------------------------------------------------------


def run_subscription(row: Mapping, run: Run, *, force: bool = False, test: bool = False) -> None:
    name = f"subscription {row['id']} {row['name']!r}"
    at = _due_now(row, "subscription", name, run, force=force, test=test)
    if at is None:
        return
    try:
        raw = dict(row)
        raw["view"] = row["view_id"]
        spec = check_subscription(raw)
        viewer = owner_viewer(row["owner"], run.warehouse)
        if not viewer.scope.exports:
            raise RuleError(f"owner {viewer.user} no longer has the export right")
        message, files = _subscription_content(row, spec, viewer, at, run)
    except (RuleError, KeyError, ValueError, PermissionError) as err:
        message = str(err.args[0] if isinstance(err, KeyError) else err)
        _record_error(row, "subscription", at, message, run)
        run.say(f"{name}: error: {message}")
        return
    targets = ", ".join(channel_key(c) for c in spec.channels)
    names = ", ".join(n for n, _ in files)
    run.say(f"{name}: {message['headline']} [{names}] → {targets}")
    if run.dry_run:
        return
    changes = {"last_error": None} if test else {"last_scheduled": at, "last_error": None}
    evaluation = _commit(
        "subscription",
        row,
        at,
        "test" if test else "delivered",
        None,
        None,
        message["headline"],
        changes,
        spec.channels,
        message,
        files,
        run,
        test=test,
    )
    if evaluation is None:
        run.say(f"{name}: delivered meanwhile by another run; nothing sent")
        return
    deliver_pending(run, evaluation_id=evaluation)


def _subscription_content(row, spec, viewer: Viewer, at: datetime, run: Run):
    from charts import export
    from reports.deck import DeckItem, SpecError, build_deck, load_spec, permalink

    opts = _options(viewer, run.warehouse)
    base = _base_url(run)
    stem = f"{row['name'][:40]}-{at:%Y%m%d}".replace(" ", "-").replace("/", "-")
    files: list[tuple[str, bytes]] = []
    if spec.kind == "deck":
        try:
            title, author, items = load_spec(spec.spec, opts)
        except SpecError as err:
            raise RuleError(f"the deck spec: {err}") from None
        for item in items:
            _check_view(viewer, reports.get(item.view))
        pptx = build_deck(
            items,
            title=title,
            author=author,
            url=run.warehouse or _warehouse(),
            as_of=opts.max_date,
            base_url=base,
            scope=viewer.scope,
            options=opts,
        )
        files.append((f"{stem}.pptx", pptx))
        headline, link = f"{title}: {len(items) + 2} slides", base
        lines = [f"Data as of {opts.max_date:%d %b %Y}", f"Author: {author or '–'}"]
    else:
        view = reports.get(spec.view)
        _check_view(viewer, view)
        f, _ = _slice(viewer, spec.filters, run)
        df = reports.frame(view, viewer.scope, f, run.warehouse, spec.params)
        context = context_line(f, opts)
        for fmt in spec.formats:
            if fmt == "png":
                files += _png(view, df, f, opts, spec.params, stem)
            elif fmt == "csv":
                files.append((f"{stem}.csv", export.csv_bytes(df)))
            elif fmt == "xlsx":
                files.append((f"{stem}.xlsx", _xlsx(view, df, f, opts, context)))
            elif fmt == "pptx":
                pptx = build_deck(
                    [DeckItem(view.id, f, spec.params)],
                    title=row["name"],
                    url=run.warehouse or _warehouse(),
                    as_of=opts.max_date,
                    base_url=base,
                    scope=viewer.scope,
                    options=opts,
                )
                files.append((f"{stem}.pptx", pptx))
        headline, link = view.headline(df), permalink(base, view, f, opts, spec.params)
        lines = [f"{view.name} · {context}", f"Data as of {opts.max_date:%d %b %Y}"]
    message = {
        "kind": "subscription",
        "subject": f"[Subscription] {row['name']}",
        "headline": headline,
        "lines": lines,
        "permalink": link,
        "event": "delivered",
        "subscription": row["name"],
        "subscription_id": row["id"],
        "scheduled_for": at.isoformat(),
        "owner": row["owner"],
        "files": [n for n, _ in files],
    }
    return message, files


def _xlsx(view, df, f, opts, context) -> bytes:
    from analytics.metrics import METRICS
    from charts import export

    return export.xlsx_bytes(
        df,
        title=view.title,
        context={
            "Period": f"{f.start:%Y-%m-%d} to {f.end:%Y-%m-%d}",
            "Filters": context,
            "Data as of": f"{opts.max_date:%Y-%m-%d}",
        },
        definitions={METRICS[k].label: METRICS[k].definition for k in view.metrics if k in METRICS},
        money=reports.money_columns(df),
        percent=view.percent,
    )


def _warehouse() -> str:
    from data_access.settings import resolve_url

    return resolve_url()


# -- the store ------------------------------------------------------------------------------


def _evaluated(source_id: int, source: str, at: datetime, run: Run) -> bool:
    t = evaluations.c
    with engine(run.store).connect() as conn:
        found = conn.execute(
            select(t.id).where(t.source == source, t.source_id == source_id, t.scheduled_for == at)
        ).first()
    return found is not None


def _record_error(row: Mapping, source: str, at: datetime, message: str, run: Run) -> None:
    run.failures += 1
    if run.dry_run:
        return
    table = alert_rules if source == "rule" else subscriptions
    try:
        with engine(run.store).begin() as conn:
            conn.execute(
                insert(evaluations).values(
                    source=source,
                    source_id=row["id"],
                    scheduled_for=at,
                    evaluated_at=utcnow(),
                    event="error",
                    state=row.get("state"),
                    message=message[:1000],
                )
            )
            conn.execute(
                update(table)
                .where(table.c.id == row["id"])
                .values(last_error=message[:500], last_scheduled=at)
            )
    except IntegrityError:
        pass  # another run recorded this time already


def _commit(
    source, row, at, event, state, value, text, changes, chans, message, files, run, *, test
) -> int | None:
    """Record the evaluation, the row's new state and one pending delivery per channel in
    one transaction; None when another run recorded this scheduled time first."""
    table = alert_rules if source == "rule" else subscriptions
    packed = _pack(files) if files else None
    try:
        with engine(run.store).begin() as conn:
            evaluation = conn.execute(
                insert(evaluations).values(
                    source=source,
                    source_id=row["id"],
                    scheduled_for=at,
                    evaluated_at=utcnow(),
                    test=test,
                    value=value,
                    event=event,
                    state=state,
                    message=text[:1000],
                )
            ).inserted_primary_key[0]
            conn.execute(update(table).where(table.c.id == row["id"]).values(**changes))
            for ch in chans:
                conn.execute(
                    insert(deliveries).values(
                        evaluation_id=evaluation,
                        source=source,
                        source_id=row["id"],
                        owner=row["owner"],
                        event=event,
                        channel=dict(ch),
                        channel_key=channel_key(ch)[:240],
                        status="pending",
                        attempts=0,
                        next_attempt_at=run.now,
                        message=message,
                        attachments=packed if ch["type"] == "email" else None,
                        created_at=utcnow(),
                    )
                )
    except IntegrityError:
        return None
    return int(evaluation)


def _pack(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return buf.getvalue()


def unpack(blob: bytes | None) -> list[tuple[str, bytes]]:
    if not blob:
        return []
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return [(n, z.read(n)) for n in z.namelist()]


# -- delivering -----------------------------------------------------------------------------


def deliver_pending(run: Run, *, evaluation_id: int | None = None) -> None:
    """Try every delivery that is due (new, failed and past its backoff, or claimed by a
    runner that died), once."""
    t = deliveries.c
    q = select(deliveries).where(
        t.status.in_(("pending", "failed", "sending")),
        or_(t.next_attempt_at.is_(None), t.next_attempt_at <= run.now),
    )
    if evaluation_id is not None:
        q = q.where(t.evaluation_id == evaluation_id)
    with engine(run.store).connect() as conn:
        rows = [dict(r) for r in conn.execute(q.order_by(t.id)).mappings()]
    for row in rows:
        if run.dry_run:
            run.say(f"  would retry delivery {row['id']} to {row['channel_key']}")
            continue
        _attempt(row, run)


def _attempt(row: dict, run: Run) -> None:
    t = deliveries.c
    # Claim it: a second runner at the same time finds it taken and leaves it.
    with engine(run.store).begin() as conn:
        claimed = conn.execute(
            update(deliveries)
            .where(t.id == row["id"], t.status == row["status"], t.attempts == row["attempts"])
            .values(status="sending", next_attempt_at=run.now + SENDING_LEASE)
        ).rowcount
    if not claimed:
        return
    attempts = row["attempts"] + 1
    error = None
    try:
        channels.send(row["channel"], row["message"], unpack(row["attachments"]))
    except channels.DeliveryError as err:
        error = str(err)[:500]
    except Exception as err:  # noqa: BLE001 - a bug in one channel must not stop the run
        log.exception("delivery %s failed", row["id"])
        error = f"unexpected {type(err).__name__}"
    now = utcnow()
    if error is None:
        values = {"status": "sent", "sent_at": now, "attempts": attempts, "last_error": None}
        run.sent += 1
        run.say(f"  → {row['channel_key']}: sent")
    else:
        run.failures += 1
        gave_up = attempts >= MAX_ATTEMPTS
        values = {
            "status": "gave_up" if gave_up else "failed",
            "attempts": attempts,
            "last_error": error,
            "next_attempt_at": None if gave_up else run.now + backoff(attempts),
        }
        run.say(
            f"  → {row['channel_key']}: failed ({error}); "
            + ("gave up" if gave_up else f"retry after {values['next_attempt_at']:%H:%M} UTC")
        )
    with engine(run.store).begin() as conn:
        conn.execute(update(deliveries).where(t.id == row["id"]).values(**values))
        conn.execute(
            insert(delivery_attempts).values(
                delivery_id=row["id"], at=now, ok=error is None, error=error
            )
        )
    if error is None:
        audit.record(
            user=row["owner"],
            role=_role_of(row["owner"]),
            action="deliver",
            page="alerts",
            item=f"{row['source']} {row['source_id']} {row['event']}"[:120],
            fmt=row["channel"]["type"],
            filters={"channel": row["channel_key"]},
        )


def _role_of(owner: str) -> str:
    try:
        user = load_config().users.get(owner)
    except AccessConfigError:
        return "none"
    return user.role if user else "none"


# -- the pass -------------------------------------------------------------------------------


def run_once(
    run: Run,
    *,
    rule: int | None = None,
    subscription: int | None = None,
    force: bool = False,
    test: bool = False,
) -> Run:
    """Evaluate what is due (or only ``rule`` / ``subscription``; ``force``: now, whatever
    the schedule; ``test``: send the current state without changing it), then retry."""
    only = rule is not None or subscription is not None
    with engine(run.store).connect() as conn:
        rules = [
            dict(r) for r in conn.execute(select(alert_rules).order_by(alert_rules.c.id)).mappings()
        ]
        subs = [
            dict(r)
            for r in conn.execute(select(subscriptions).order_by(subscriptions.c.id)).mappings()
        ]
    if only:
        rules = [r for r in rules if r["id"] == rule]
        subs = [s for s in subs if s["id"] == subscription]
        if not rules and not subs:
            which = f"rule {rule}" if rule is not None else f"subscription {subscription}"
            run.say(f"{which}: no such rule or subscription")
            run.failures += 1
            return run
    for row in rules:
        try:
            evaluate_rule(row, run, force=force, test=test)
        except Exception:  # noqa: BLE001 - one broken rule must not stop the others
            log.exception("rule %s crashed", row["id"])
            _record_error(row, "rule", _floor(run.now), "internal error (see the log)", run)
            run.say(f"rule {row['id']} {row['name']!r}: internal error (see the log)")
    for row in subs:
        try:
            run_subscription(row, run, force=force, test=test)
        except Exception:  # noqa: BLE001
            log.exception("subscription %s crashed", row["id"])
            _record_error(row, "subscription", _floor(run.now), "internal error", run)
            run.say(f"subscription {row['id']} {row['name']!r}: internal error (see the log)")
    if not test:
        deliver_pending(run)
    return run
