"""Alert rules and subscriptions end to end: a real SMTP server and a real HTTP server on
loopback receive what the runner sends, parsed back; idempotence, the firing / resolved
cycle, reminders, retry after a channel was down, scope isolation between two owners,
malformed rules and schedules rejected, a rule on a view that no longer exists reported."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

import reports
from alerts import evaluate, store
from alerts.model import RuleError, check_rule, check_subscription
from alerts.runner import Run, owner_viewer, run_once
from appstore.db import engine
from appstore.schema import alert_rules, deliveries, delivery_attempts, evaluations
from data_access import audit
from tests.support.servers import SMTP_PASSWORD, SMTP_USER, SmtpServer, WebhookServer

LEAD = "dev.lead@example.com"
T0 = datetime(2030, 1, 7, 8, 0)  # a Monday, long after any rule's creation


@pytest.fixture
def servers(monkeypatch):
    with SmtpServer() as smtp, WebhookServer() as hooks:
        monkeypatch.setenv("FRAUD_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FRAUD_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("FRAUD_SMTP_USER", SMTP_USER)
        monkeypatch.setenv("FRAUD_SMTP_PASSWORD", SMTP_PASSWORD)
        monkeypatch.setenv("FRAUD_SMTP_FROM", "alerts@example.com")
        monkeypatch.setenv("FRAUD_WEBHOOK_OPS", hooks.url("/slack"))
        monkeypatch.setenv("FRAUD_WEBHOOK_HOOK", hooks.url("/json"))
        yield smtp, hooks


def _run(duck_url, now, **kw):
    lines: list[str] = []
    run = run_once(Run(now=now, warehouse=duck_url, out=lines.append), **kw)
    run.lines = lines
    return run


def _se_share_rule(**over):
    rule = {
        "name": "SE detected share rises",
        "view": "trends.main",
        "params": {"trends_metric": "detected share", "trends_split": "none"},
        "filters": {"market": ["SE"]},
        "metric": "detected_share",
        "kind": "value",
        "op": "above",
        "threshold": -1,  # any share is above: fires
        "schedule": "* * * * *",
        "channels": [
            {"type": "email", "to": "ana@example.com"},
            {"type": "slack", "target": "ops"},
            {"type": "webhook", "target": "hook"},
        ],
    }
    return {**rule, **over}


def _parts(msg):
    return {(p.get_content_type(), p.get_filename(), p.get("Content-ID")): p for p in msg.walk()}


def test_rule_fires_to_email_slack_and_json_and_is_idempotent(
    servers, duck_url, store_url, monkeypatch
):
    monkeypatch.setenv("FRAUD_APP_STORE_URL", store_url)  # SQLite and PostgreSQL
    smtp, hooks = servers
    lead = owner_viewer(LEAD, duck_url)
    rule_id = store.create_rule(lead, _se_share_rule())
    run = _run(duck_url, T0)
    assert run.failures == 0, run.lines
    assert run.sent == 3, run.lines

    (msg,) = smtp.messages
    assert smtp.logins == [SMTP_USER]
    assert msg["To"] == "ana@example.com" and msg["Subject"] == "[Alert] SE detected share rises"
    html = msg.get_body(("html",)).get_content()
    view = reports.get("trends.main")
    assert "Detected artificial share: " in html and "(above -1)" in html
    assert reports.get("trends.main").headline.__name__  # the view's own headline, below
    assert "Detected artificial share" in msg.get_body(("plain",)).get_content()
    assert "http://localhost:8501/trends?" in html and "market=SE" in html
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert images and images[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    cid = images[0]["Content-ID"].strip("<>")
    assert f"cid:{cid}" in html

    (slack,) = hooks.bodies("/slack")
    assert slack["blocks"][0]["type"] == "header"
    assert "(above -1)" in slack["blocks"][1]["text"]["text"]
    assert slack["blocks"][2]["elements"][0]["url"].startswith("http://localhost:8501/trends?")
    (body,) = hooks.bodies("/json")
    assert body["event"] == "fired" and body["rule_id"] == rule_id and body["view"] == view.id
    assert body["metric"] == "detected_share" and isinstance(body["value"], float)
    # A rule on a headline metric says what drove its change (reports.changes).
    why = [line for line in body["lines"] if "week over week" in line]
    assert why and why[0].startswith("Detected artificial share "), body["lines"]

    # The same minute again, and a second runner: nothing is sent twice.
    again = _run(duck_url, T0 + timedelta(seconds=30))
    assert again.sent == 0 and len(smtp.messages) == 1 and len(hooks.received) == 2
    assert again.lines == []
    # Forced for this very minute (as a second runner holding the old row would): refused.
    forced = _run(duck_url, T0 + timedelta(seconds=40), rule=rule_id, force=True)
    assert forced.sent == 0 and any("already evaluated" in line for line in forced.lines)
    rule = store.get("rule", rule_id)
    assert rule["state"] == "firing" and rule["last_scheduled"] == T0

    # Credentials are nowhere in the store: not the SMTP password, not a webhook URL.
    from appstore.schema import metadata

    with engine().connect() as conn:
        dump = " ".join(
            str(tuple(row)) for t in metadata.sorted_tables for row in conn.execute(select(t))
        )
    assert "ana@example.com" in dump  # the dump is real
    assert SMTP_PASSWORD not in dump and hooks.url("/slack") not in dump
    assert hooks.url("/json") not in dump

    # Every delivery is in the audit log, with the owner.
    events = audit.load_events(action="deliver", user=LEAD)
    assert len(events) >= 3 and set(events["page"]) == {"alerts"}
    assert not audit.load_events(action="create", user=LEAD).empty


def test_firing_reminder_resolved_cycle(servers, duck_url):
    _, hooks = servers
    lead = owner_viewer(LEAD, duck_url)
    raw = _se_share_rule(channels=[{"type": "webhook", "target": "hook"}], remind_hours=1)
    rule_id = store.create_rule(lead, raw)
    events = []
    for minutes in (0, 1, 30, 61, 62):
        _run(duck_url, T0 + timedelta(minutes=minutes))
    events = [b["event"] for b in hooks.bodies("/json")]
    assert events == ["fired", "reminder"]
    # The condition no longer holds: resolved, notified once; then quiet.
    store.update_rule(lead, rule_id, {**raw, "threshold": 100})
    _run(duck_url, T0 + timedelta(minutes=63))
    _run(duck_url, T0 + timedelta(minutes=64))
    events = [b["event"] for b in hooks.bodies("/json")]
    assert events == ["fired", "reminder", "resolved"]
    history = [h["event"] for h in reversed(store.history("rule", rule_id))]
    assert history == ["fired", "firing", "firing", "reminder", "firing", "resolved", "ok"]
    assert store.get("rule", rule_id)["state"] == "resolved"
    # It can fire again.
    store.update_rule(lead, rule_id, raw)
    _run(duck_url, T0 + timedelta(minutes=65))
    assert [b["event"] for b in hooks.bodies("/json")][-1] == "fired"


def test_a_channel_that_was_down_gets_it_on_a_later_run(servers, duck_url, store_url, monkeypatch):
    monkeypatch.setenv("FRAUD_APP_STORE_URL", store_url)  # SQLite and PostgreSQL
    _, hooks = servers
    lead = owner_viewer(LEAD, duck_url)
    store.create_rule(lead, _se_share_rule(channels=[{"type": "slack", "target": "ops"}]))
    hooks.down = True
    first = _run(duck_url, T0)
    assert first.failures == 1 and first.sent == 0
    assert any("HTTP 503" in line for line in first.lines)
    # Too early for the backoff: not retried yet.
    hooks.down = False
    _run(duck_url, T0 + timedelta(minutes=2, seconds=10))
    assert hooks.bodies("/slack") == []
    later = _run(duck_url, T0 + timedelta(minutes=6))
    assert later.sent == 1 and len(hooks.bodies("/slack")) == 1
    with engine().connect() as conn:
        (d,) = conn.execute(select(deliveries)).mappings().all()
        attempts = conn.execute(select(delivery_attempts)).mappings().all()
    assert d["status"] == "sent" and d["attempts"] == 2
    assert [a["ok"] for a in attempts] == [False, True]
    assert "HTTP 503" in attempts[0]["error"]
    # The later evaluations of the still-firing rule sent nothing new.
    assert len(hooks.bodies("/slack")) == 1


def test_two_owners_same_rule_each_see_their_own_scope(servers, duck_url, monkeypatch, tmp_path):
    from data_access.settings import ROOT

    smtp, hooks = servers
    config = (ROOT / "config" / "access.toml").read_text(encoding="utf-8")
    import dataclasses

    from data_access.filters import Filters
    from data_access.loaders.options import load_options
    from data_access.scope import FULL

    opts = load_options(FULL, url=duck_url)
    f = Filters(start=opts.default_period()[0], end=opts.default_period()[1])
    view = reports.get("trends.main")
    busy = []
    for label_id, label_name in opts.labels:
        scope = dataclasses.replace(FULL, labels=(label_id,))
        df = reports.frame(view, scope, f, duck_url, {"trends_split": "none"})
        latest = df.dropna(subset=["streams"])["streams"].iloc[-1] if not df.empty else 0
        if latest > 0:
            busy.append(label_name)
        if len(busy) == 2:
            break
    first, second = busy
    config += f"""
[users."marbra@example.com"]
role = "analyst"
labels = [{first!r}]
money = false

[users."norval@example.com"]
role = "analyst"
labels = [{second!r}]
"""
    path = tmp_path / "access.toml"
    path.write_text(config, encoding="utf-8")
    monkeypatch.setenv("FRAUD_ACCESS_CONFIG", str(path))
    rule = {
        "name": "detected streams",
        "view": "trends.main",
        "params": {"trends_split": "none"},
        "metric": "streams",
        "kind": "value",
        "op": "above",
        "threshold": -1,
        "schedule": "0 8 * * MON",
        "channels": [{"type": "webhook", "target": "hook"}],
    }
    sub = {
        "name": "my enforcement",
        "kind": "view",
        "view": "cases.sla_weekly",
        "filters": {"period": ["2024-01-01", "2030-01-01"]},
        "formats": ["csv"],
        "schedule": "0 8 * * MON",
        "channels": [{"type": "email", "to": "me@example.com"}],
    }
    owners = [owner_viewer(u, duck_url) for u in ("marbra@example.com", "norval@example.com")]
    assert owners[0].scope.labels != owners[1].scope.labels
    for viewer in owners:
        store.create_rule(viewer, rule)
        store.create_subscription(viewer, sub)
    run = _run(duck_url, T0)
    assert run.failures == 0, run.lines
    values = {b["owner"]: b["value"] for b in hooks.bodies("/json")}
    view = reports.get("trends.main")
    from alerts.runner import _slice

    for viewer in owners:
        f, _ = _slice(viewer, {}, Run(warehouse=duck_url))
        own = reports.frame(view, viewer.scope, f, duck_url, {"trends_split": "none"})
        latest = float(own.dropna(subset=["streams"])["streams"].iloc[-1])
        assert values[viewer.user] == pytest.approx(latest)
    assert values["marbra@example.com"] != values["norval@example.com"]
    # Each owner's CSV: their own rows; money only for the owner with the money right.
    headers = {}
    for msg in smtp.messages:
        (part,) = [p for p in msg.walk() if (p.get_filename() or "").endswith(".csv")]
        data = part.get_content()
        text = data if isinstance(data, str) else data.decode("utf-8")
        headers[msg["To"]] = list(csv.reader(io.StringIO(text)))[0]
    assert len(smtp.messages) == 2
    money = [h for h in headers.values() if any(c.endswith("_eur") for c in h)]
    assert len(money) == 1


def test_subscription_delivers_png_and_pptx_and_the_weekly_deck(servers, duck_url):
    smtp, hooks = servers
    lead = owner_viewer(LEAD, duck_url)
    store.create_subscription(
        lead,
        {
            "name": "trend weekly",
            "kind": "view",
            "view": "overview.trend",
            "formats": ["png", "pptx", "xlsx"],
            "schedule": "0 8 * * MON",
            "channels": [
                {"type": "email", "to": "lead@example.com"},
                {"type": "slack", "target": "ops"},
            ],
        },
    )
    spec = (reports_root() / "decks" / "weekly.toml").read_text(encoding="utf-8")
    store.create_subscription(
        lead,
        {
            "name": "weekly deck",
            "kind": "deck",
            "spec": spec,
            "formats": ["pptx"],
            "schedule": "0 8 * * MON",
            "channels": [{"type": "email", "to": "lead@example.com"}],
        },
    )
    run = _run(duck_url, T0 + timedelta(minutes=3))
    assert run.failures == 0, run.lines
    assert len(smtp.messages) == 2
    by_subject = {m["Subject"]: m for m in smtp.messages}
    trend = by_subject["[Subscription] trend weekly"]
    names = sorted(p.get_filename() for p in trend.walk() if p.get_filename())
    assert [n.rsplit(".", 1)[1] for n in names] == ["png", "pptx", "xlsx"]
    from pptx import Presentation

    pptx = next(p for p in trend.walk() if (p.get_filename() or "").endswith(".pptx"))
    prs = Presentation(io.BytesIO(pptx.get_content()))
    assert len(prs.slides) == 3
    deck = by_subject["[Subscription] weekly deck"]
    part = next(p for p in deck.walk() if (p.get_filename() or "").endswith(".pptx"))
    slides = Presentation(io.BytesIO(part.get_content())).slides
    assert len(slides) == spec.count("[[views]]") + 2  # title, one per view, definitions
    (slack,) = hooks.bodies("/slack")
    assert "Files by e-mail" in str(slack["blocks"])
    # Not due again until next Monday.
    assert _run(duck_url, T0 + timedelta(hours=5)).sent == 0


def reports_root():
    from data_access.settings import ROOT

    return ROOT


def test_subscriptions_need_the_export_right(duck_url):
    viewer = owner_viewer("vic.viewer@example.com", duck_url)
    with pytest.raises(RuleError, match="export right"):
        store.create_subscription(
            viewer,
            {
                "name": "x",
                "kind": "view",
                "view": "overview.trend",
                "formats": ["csv"],
                "schedule": "0 8 * * *",
                "channels": [{"type": "email", "to": "v@example.com"}],
            },
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schedule": "every monday"}, "not a cron expression"),
        ({"schedule": "61 * * * *"}, "not a cron expression"),
        ({"view": "trends.gone"}, "unknown view 'trends.gone'"),
        ({"kind": "sometimes"}, "condition kind"),
        ({"threshold": "high"}, "threshold must be a number"),
        ({"params": {"trends_grain": "year"}}, "trends_grain of view 'trends.main' must be"),
        ({"channels": []}, "at least one channel"),
        ({"channels": [{"type": "email", "to": "not-an-address"}]}, "not an e-mail address"),
        (
            {"channels": [{"type": "slack", "target": "https://hooks.slack.com/x"}]},
            "not a URL",
        ),
        ({"kind": "forecast"}, "needs weeks"),
        ({"metric": "DROP TABLE"}, "metric must be a column name"),
        ({"filters": {"markets": ["SE"]}}, "unknown filter 'markets'"),
    ],
)
def test_malformed_rules_are_rejected_with_a_clear_message(change, message):
    with pytest.raises(RuleError, match=message):
        check_rule(_se_share_rule(**change))


def test_malformed_subscription():
    with pytest.raises(RuleError, match="not valid TOML"):
        check_subscription(
            {
                "name": "d",
                "kind": "deck",
                "spec": "[deck",
                "formats": ["pptx"],
                "schedule": "0 8 * * *",
                "channels": [{"type": "email", "to": "a@example.com"}],
            }
        )


def test_rule_on_a_view_that_no_longer_exists_is_reported(servers, duck_url):
    lead = owner_viewer(LEAD, duck_url)
    good = store.create_rule(lead, _se_share_rule(channels=[{"type": "webhook", "target": "hook"}]))
    now = datetime(2029, 1, 1)
    with engine().begin() as conn:
        gone = conn.execute(
            insert(alert_rules).values(
                owner=LEAD,
                name="old",
                view_id="trends.retired",
                params={},
                filters={},
                metric="x",
                kind="value",
                op="above",
                threshold=1,
                schedule="* * * * *",
                channels=[{"type": "webhook", "target": "hook"}],
                paused=False,
                state="ok",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
    run = _run(duck_url, T0)
    assert any(f"rule {gone} 'old': error: unknown view 'trends.retired'" in x for x in run.lines)
    assert run.failures == 1
    assert store.get("rule", gone)["last_error"].startswith("unknown view")
    assert store.history("rule", gone)[0]["event"] == "error"
    assert store.history("rule", good)[0]["event"] == "fired"  # the others still ran


def test_metric_not_in_the_view_is_reported(servers, duck_url):
    lead = owner_viewer(LEAD, duck_url)
    rule_id = store.create_rule(lead, _se_share_rule(metric="no_such_column"))
    run = _run(duck_url, T0)
    assert any("has no column 'no_such_column'" in x and "detected_share" in x for x in run.lines)
    assert store.get("rule", rule_id)["state"] == "ok"


def test_anomaly_and_forecast_rules(servers, duck_url, monkeypatch):
    _, hooks = servers
    monkeypatch.setattr(evaluate, "FORECAST_ORIGINS", 2)
    lead = owner_viewer(LEAD, duck_url)
    store.create_rule(
        lead,
        _se_share_rule(
            name="anomalous week",
            params={"trends_split": "none"},
            filters={},
            metric="detected_streams",
            kind="anomaly",
            threshold=0,
            channels=[{"type": "webhook", "target": "hook"}],
        ),
    )
    store.create_rule(
        lead,
        {
            "name": "exposure budget",
            "view": "exposure.parts",
            "metric": "exposure_eur",
            "kind": "forecast",
            "weeks": 4,
            "op": "above",
            "threshold": 1,
            "schedule": "* * * * *",
            "channels": [{"type": "webhook", "target": "hook"}],
        },
    )
    run = _run(duck_url, T0)
    assert run.failures == 0, run.lines
    bodies = {b["rule"]: b for b in hooks.bodies("/json")}
    assert "anomaly score" in bodies["anomalous week"]["lines"][0]
    assert "forecast over the next 4 weeks" in bodies["exposure budget"]["lines"][0]
    assert bodies["exposure budget"]["value"] > 1


def test_money_view_refused_for_an_owner_without_money(duck_url):
    legal = owner_viewer("legal.partner@example.com", duck_url)
    with pytest.raises(RuleError, match="may not open"):
        store.create_rule(legal, _se_share_rule())


def test_dry_run_and_cli(servers, duck_url, capsys):
    from alerts.__main__ import main

    _, hooks = servers
    lead = owner_viewer(LEAD, duck_url)
    rule_id = store.create_rule(
        lead, _se_share_rule(channels=[{"type": "webhook", "target": "hook"}])
    )
    code = main(["run", "--dry-run", "--url", duck_url, "--at", T0.isoformat()])
    out = capsys.readouterr().out
    assert code == 0 and "fired" in out and "webhook:hook" in out and "(dry run)" in out
    assert hooks.received == []
    with engine().connect() as conn:
        assert conn.execute(select(evaluations)).first() is None
    code = main(["run", "--rule", str(rule_id), "--now", "--url", duck_url])
    assert code == 0 and len(hooks.bodies("/json")) == 1
    code = main(["run", "--rule", str(rule_id), "--test", "--url", duck_url])
    assert code == 0 and hooks.bodies("/json")[-1]["event"] == "test"
    assert store.get("rule", rule_id)["state"] == "firing"
    assert main(["run", "--rule", "999", "--url", duck_url]) == 1


def test_change_in_pp_week_over_week():
    import pandas as pd

    from alerts.evaluate import judge

    spec = check_rule(_se_share_rule(kind="change_pp", threshold=1))
    weeks = pd.to_datetime(["2026-11-09", "2026-11-16", "2026-11-23"])
    rising = pd.DataFrame({"period": weeks, "detected_share": [0.2, 0.10, 0.115]})
    out = judge(spec, rising, label="Detected share")
    assert out.breached and out.value == pytest.approx(1.5)
    assert (
        out.text == "Detected share change on the previous period: +1.5 pp (rises more than 1 pp)"
    )
    small = rising.assign(detected_share=[0.2, 0.10, 0.105])
    assert not judge(spec, small, label="x").breached
    falls = check_rule(_se_share_rule(kind="change_pp", op="below", threshold=1))
    assert not judge(falls, rising, label="x").breached
    assert judge(falls, rising.assign(detected_share=[0.1, 0.2, 0.15]), label="x").breached
    pct = check_rule(_se_share_rule(kind="change_pct", threshold=10))
    assert judge(pct, rising, label="x").value == pytest.approx(15.0)
    split = pd.concat([rising.assign(series="a"), rising.assign(series="b")])
    with pytest.raises(RuleError, match="2 series per period"):
        judge(spec, split, label="x")


def test_email_over_starttls_with_auth(monkeypatch, tmp_path):
    from alerts import channels
    from tests.support.servers import self_signed

    cert, key = self_signed(tmp_path)
    with SmtpServer(tls=(cert, key)) as smtp:
        monkeypatch.setenv("FRAUD_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FRAUD_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("FRAUD_SMTP_USER", SMTP_USER)
        monkeypatch.setenv("FRAUD_SMTP_PASSWORD", SMTP_PASSWORD)
        message = {"subject": "s", "headline": "h", "lines": ["a"], "permalink": "http://x/y"}
        # Without STARTTLS the server refuses (it requires it): a DeliveryError, no secret.
        with pytest.raises(channels.DeliveryError) as refused:
            channels.send_email(message, [], to="a@example.com")
        assert SMTP_PASSWORD not in str(refused.value)
        monkeypatch.setenv("FRAUD_SMTP_STARTTLS", "true")
        # The server's certificate is not trusted without its CA.
        with pytest.raises(channels.DeliveryError, match="SSL"):
            channels.send_email(message, [], to="a@example.com")
        monkeypatch.setenv("FRAUD_SMTP_CAFILE", cert)
        channels.send_email(message, [("c.csv", b"a,b\r\n")], to="a@example.com")
    (msg,) = smtp.messages
    assert smtp.logins == [SMTP_USER]
    assert msg["Subject"] == "s" and [p.get_filename() for p in msg.iter_attachments()] == ["c.csv"]


def test_credentials_from_secrets_toml(monkeypatch, tmp_path):
    from alerts import channels

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[smtp]\nhost = "mail.example.com"\nport = 587\nstarttls = true\n'
        'user = "u"\npassword = "p"\n[webhooks]\nops = "https://hooks.example.com/x"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(channels, "SECRETS", secrets)
    for name in ("HOST", "PORT", "USER", "PASSWORD", "STARTTLS", "FROM", "CAFILE"):
        monkeypatch.delenv(f"FRAUD_SMTP_{name}", raising=False)
    monkeypatch.delenv("FRAUD_WEBHOOK_OPS", raising=False)
    conf = channels.smtp_settings()
    assert (conf.host, conf.port, conf.starttls, conf.user) == ("mail.example.com", 587, True, "u")
    assert channels.webhook_url("ops") == "https://hooks.example.com/x"
    monkeypatch.setenv("FRAUD_WEBHOOK_OPS", "https://env.example.com/y")  # env wins
    assert channels.webhook_url("ops") == "https://env.example.com/y"
    with pytest.raises(channels.DeliveryError, match="FRAUD_WEBHOOK_NOPE") as err:
        channels.webhook_url("nope")
    assert "https://" not in str(err.value)


def test_a_test_message_in_the_minute_of_a_forced_run_is_still_sent(servers, duck_url):
    from alerts.__main__ import main

    _, hooks = servers
    lead = owner_viewer(LEAD, duck_url)
    rule_id = store.create_rule(
        lead, _se_share_rule(channels=[{"type": "webhook", "target": "hook"}])
    )
    minute = T0.replace(second=0, microsecond=0).isoformat()  # the forced run's own key
    sent = len(hooks.bodies("/json"))
    assert main(["run", "--rule", str(rule_id), "--now", "--url", duck_url, "--at", minute]) == 0
    assert main(["run", "--rule", str(rule_id), "--test", "--url", duck_url, "--at", minute]) == 0
    assert [b["event"] for b in hooks.bodies("/json")[sent:]] == ["fired", "test"]
