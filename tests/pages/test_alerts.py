"""AppTest of the Alerts page: create an alert on the sidebar's slice ("detected share in SE
rises more than 1 pp week over week"), pause it, send a test now to a real local webhook,
see the history; subscribe to the weekly deck; malformed input refused on screen."""

from __future__ import annotations

import re

from alerts import store
from tests.support.apptest import assert_clean, run_app, screen_text
from tests.support.servers import WebhookServer

PAGE = "app_pages/alerts.py"
NEW = "alerts_rule_new"


def test_create_pause_and_test_an_alert(monkeypatch, duck_url):
    with WebhookServer() as hooks:
        monkeypatch.setenv("FRAUD_WEBHOOK_HOOK", hooks.url("/json"))
        at = run_app(monkeypatch, duck_url, page=PAGE, params={"market": ["SE"]})
        assert_clean(at)
        assert any(t.value == "Alerts & subscriptions" for t in at.title)
        at.text_input(key=f"{NEW}_name").input("SE share up 1 pp")
        at.selectbox(key=f"{NEW}_view").select(
            "Fraud trends · Fraud trend (split, per period bucket)"
        )
        at.run()
        at.selectbox(key=f"{NEW}_trends_metric").select("detected share")
        at.text_input(key=f"{NEW}_metric").input("detected_share")
        at.selectbox(key=f"{NEW}_kind").select("change_pp")
        at.number_input(key=f"{NEW}_t").set_value(1.0)
        at.text_input(key=f"{NEW}_email").input("ana@example.com")
        at.text_input(key=f"{NEW}_hook").input("hook")
        at.button(key=f"{NEW}_save").click()
        at.run()
        assert_clean(at)
        (rule,) = store.listing("rule", "dev.lead@example.com")
        assert rule["filters"] == {"market": ["SE"]}
        assert rule["params"]["trends_metric"] == "detected share"
        assert (rule["kind"], rule["op"], rule["threshold"]) == ("change_pp", "above", 1.0)
        assert rule["channels"] == [
            {"type": "email", "to": "ana@example.com"},
            {"type": "webhook", "target": "hook"},
        ]

        at.button(key="alerts_rule_pause").click()
        at.run()
        assert store.get("rule", rule["id"])["paused"] is True
        at.button(key="alerts_rule_test").click()
        at.run()
        assert_clean(at)
        (body,) = hooks.bodies("/json")
        assert body["event"] == "test" and "rises more than 1 pp" in body["condition"]
        # No SMTP server is configured here: the e-mail's failure is said, not hidden.
        assert "no SMTP server configured" in screen_text(at)
        frames = [df.value for df in at.dataframe if "event" in df.value]
        assert frames and frames[0]["event"].tolist()[:1] == ["test"]


def test_malformed_cron_is_refused_on_screen(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    at.text_input(key=f"{NEW}_name").input("bad")
    at.text_input(key=f"{NEW}_cron").input("every day")
    at.text_input(key=f"{NEW}_email").input("ana@example.com")
    at.button(key=f"{NEW}_save").click()
    at.run()
    assert_clean(at)
    assert any("not a cron expression" in e.value for e in at.error)
    assert store.listing("rule", "dev.lead@example.com") == []


def test_a_metric_the_chart_does_not_have_is_refused_on_screen(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    at.text_input(key=f"{NEW}_name").input("typo")
    at.text_input(key=f"{NEW}_metric").input("detected_sahre")
    at.text_input(key=f"{NEW}_email").input("ana@example.com")
    at.button(key=f"{NEW}_save").click()
    at.run()
    assert_clean(at)
    (error,) = [e.value for e in at.error]
    assert "no column 'detected_sahre'" in error and "detected_streams" in error
    assert store.listing("rule", "dev.lead@example.com") == []


def test_subscribe_to_the_weekly_deck(monkeypatch, duck_url):
    at = run_app(monkeypatch, duck_url, page=PAGE)
    new = "alerts_sub_new"
    at.text_input(key=f"{new}_name").input("Weekly deck")
    at.radio(key=f"{new}_kind").set_value("deck")
    at.run()
    assert "[deck]" in at.text_area(key=f"{new}_spec").value
    at.text_input(key=f"{new}_email").input("lead@example.com")
    at.button(key=f"{new}_save").click()
    at.run()
    assert_clean(at)
    (sub,) = store.listing("subscription", "dev.lead@example.com")
    assert sub["kind"] == "deck" and sub["formats"] == ["pptx"] and sub["schedule"] == "0 7 * * MON"


def test_viewer_without_exports_cannot_subscribe(monkeypatch, duck_url, tmp_path):
    from data_access.settings import ROOT

    text = (ROOT / "config" / "access.toml").read_text(encoding="utf-8")
    # The viewer role (its pages line follows [roles.viewer]) gets the Alerts page.
    text = re.sub(r"(\[roles\.viewer\][^\[]*?pages = \[[^\]]*)\]", r'\1, "alerts"]', text)
    assert '"case", "alerts"]' in text
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("FRAUD_ACCESS_CONFIG", str(path))
    monkeypatch.setenv("FRAUD_DEV_IDENTITY", "vic.viewer@example.com")
    at = run_app(monkeypatch, duck_url, page=PAGE)
    assert_clean(at)
    assert "cannot subscribe" in screen_text(at)


def test_done_means_from_the_page_to_local_servers(monkeypatch, duck_url):
    """The issue's walk-through: in the app, an alert "detected share in SE rises more than
    1 pp week over week" by e-mail and webhook, and a subscription to the weekly deck; the
    runner then evaluates the rule and delivers the deck to a real SMTP server, and a test
    of the rule reaches both the SMTP server and the webhook."""
    from datetime import datetime, timedelta

    from alerts.runner import Run, run_once
    from tests.support.servers import SMTP_PASSWORD, SMTP_USER, SmtpServer

    with SmtpServer() as smtp, WebhookServer() as hooks:
        for key, value in {
            "FRAUD_SMTP_HOST": "127.0.0.1",
            "FRAUD_SMTP_PORT": str(smtp.port),
            "FRAUD_SMTP_USER": SMTP_USER,
            "FRAUD_SMTP_PASSWORD": SMTP_PASSWORD,
            "FRAUD_WEBHOOK_HOOK": hooks.url("/json"),
        }.items():
            monkeypatch.setenv(key, value)
        at = run_app(monkeypatch, duck_url, page=PAGE, params={"market": ["SE"]})
        at.text_input(key=f"{NEW}_name").input("SE share up 1 pp")
        at.selectbox(key=f"{NEW}_view").select(
            "Fraud trends · Fraud trend (split, per period bucket)"
        )
        at.run()
        at.selectbox(key=f"{NEW}_trends_metric").select("detected share")
        at.text_input(key=f"{NEW}_metric").input("detected_share")
        at.selectbox(key=f"{NEW}_kind").select("change_pp")
        at.number_input(key=f"{NEW}_t").set_value(1.0)
        at.text_input(key=f"{NEW}_email").input("ana@example.com")
        at.text_input(key=f"{NEW}_hook").input("hook")
        at.button(key=f"{NEW}_save").click()
        at.run()
        new = "alerts_sub_new"
        at.text_input(key=f"{new}_name").input("Weekly deck")
        at.radio(key=f"{new}_kind").set_value("deck")
        at.run()
        at.text_input(key=f"{new}_email").input("lead@example.com")
        at.button(key=f"{new}_save").click()
        at.run()
        assert_clean(at)

        monday = datetime(2030, 1, 7, 8, 0)  # the rule's 08:00 and the deck's 07:00
        lines: list[str] = []
        run = run_once(Run(now=monday, warehouse=duck_url, out=lines.append))
        assert run.failures == 0, lines
        (rule,) = store.listing("rule", "dev.lead@example.com")
        assert store.history("rule", rule["id"])[0]["event"] in ("ok", "fired")
        deck = [m for m in smtp.messages if m["Subject"] == "[Subscription] Weekly deck"]
        assert len(deck) == 1
        assert [p.get_filename().rsplit(".", 1)[1] for p in deck[0].iter_attachments()] == ["pptx"]
        test = run_once(
            Run(now=monday + timedelta(minutes=1), warehouse=duck_url, out=lines.append),
            rule=rule["id"],
            test=True,
        )
        assert test.sent == 2, lines
        assert hooks.bodies("/json")[-1]["event"] == "test"
        assert any(m["Subject"] == "[Test] SE share up 1 pp" for m in smtp.messages)
