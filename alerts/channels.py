"""Sending: e-mail over SMTP (STARTTLS, auth; HTML with the chart inline, files attached),
Slack-compatible incoming webhooks (blocks) and generic JSON webhooks.

Credentials come from the environment or .streamlit/secrets.toml, never from the store:
``FRAUD_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_STARTTLS``, ``_FROM``,
``_CAFILE`` (or an ``[smtp]`` table), and a webhook target ``ops`` is ``FRAUD_WEBHOOK_OPS``
(or ``ops = ...`` under ``[webhooks]``). Errors never carry a URL or a password.
"""

from __future__ import annotations

import html
import os
import smtplib
import ssl
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import httpx

from data_access.settings import SECRETS

MIME = {
    "png": ("image", "png"),
    "csv": ("text", "csv"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("application", "vnd.openxmlformats-officedocument.presentationml.presentation"),
}
TIMEOUT_S = float(os.environ.get("FRAUD_ALERT_SEND_TIMEOUT_S", "20"))


class DeliveryError(RuntimeError):
    """A channel could not take the message (retried on a later run)."""


def _secrets() -> dict:
    try:
        return tomllib.loads(SECRETS.read_text(encoding="utf-8")) if SECRETS.is_file() else {}
    except (OSError, tomllib.TOMLDecodeError):
        return {}


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "fraud-insights@localhost"
    cafile: str | None = None  # a private CA for the server's certificate


def smtp_settings() -> Smtp:
    conf = _secrets().get("smtp", {}) if isinstance(_secrets().get("smtp"), dict) else {}

    def get(name: str, default=None):
        return os.environ.get(f"FRAUD_SMTP_{name.upper()}") or conf.get(name, default)

    host = get("host")
    if not host:
        raise DeliveryError("no SMTP server configured (FRAUD_SMTP_HOST or [smtp] host)")
    starttls = str(get("starttls", "false")).lower() in ("1", "true", "yes")
    return Smtp(
        host=str(host),
        port=int(get("port", 25)),
        user=get("user"),
        password=get("password"),
        starttls=starttls,
        sender=str(get("from", "fraud-insights@localhost")),
        cafile=get("cafile"),
    )


def webhook_url(target: str) -> str:
    env = "FRAUD_WEBHOOK_" + target.upper().replace("-", "_")
    url = os.environ.get(env) or (_secrets().get("webhooks") or {}).get(target)
    if not url:
        raise DeliveryError(f"webhook target {target!r} is not configured ({env})")
    return str(url)


# -- e-mail ---------------------------------------------------------------------------------


def email_message(
    message: Mapping, files: Sequence[tuple[str, bytes]], *, to: str, sender: str
) -> EmailMessage:
    """Plain text and HTML (headline, value vs condition, the chart inline, the permalink);
    every file attached, the first PNG also shown inline."""
    msg = EmailMessage()
    msg["Subject"] = str(message["subject"])[:200]
    msg["From"] = sender
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain="fraud-insights")
    lines = [str(x) for x in message.get("lines", [])]
    link = str(message.get("permalink") or "")
    text = "\n".join([str(message["headline"]), "", *lines, "", link]).strip() + "\n"
    msg.set_content(text)
    png = next((data for name, data in files if name.endswith(".png")), None)
    cid = make_msgid(domain="fraud-insights")
    esc = html.escape
    body = [f"<h2>{esc(str(message['headline']))}</h2>"]
    body += [f"<p>{esc(line)}</p>" for line in lines]
    if png is not None:
        body.append(f'<p><img src="cid:{cid[1:-1]}" alt="the chart" style="max-width:100%"></p>')
    if link:
        body.append(f'<p><a href="{esc(link, quote=True)}">Open the view in Fraud insights</a></p>')
    msg.add_alternative("<html><body>" + "".join(body) + "</body></html>", subtype="html")
    if png is not None:
        msg.get_payload()[1].add_related(png, "image", "png", cid=cid)
    for name, data in files:
        maintype, subtype = MIME.get(name.rsplit(".", 1)[-1], ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def send_email(message: Mapping, files: Sequence[tuple[str, bytes]], *, to: str) -> None:
    conf = smtp_settings()
    msg = email_message(message, files, to=to, sender=conf.sender)
    try:
        with smtplib.SMTP(conf.host, conf.port, timeout=TIMEOUT_S) as smtp:
            smtp.ehlo()
            if conf.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=conf.cafile))
                smtp.ehlo()
            if conf.user:
                smtp.login(conf.user, conf.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as err:
        raise DeliveryError(f"SMTP {conf.host}:{conf.port}: {type(err).__name__}") from None


# -- webhooks -------------------------------------------------------------------------------


def slack_payload(message: Mapping) -> dict:
    headline = str(message["headline"])
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "\n".join(map(str, message.get("lines", [])))},
        },
    ]
    if message.get("permalink"):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open the view"},
                        "url": str(message["permalink"]),
                    }
                ],
            }
        )
    if message.get("files"):
        names = ", ".join(message["files"])
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Files by e-mail: {names}"}],
            }
        )
    return {"text": f"{message['subject']}: {headline}"[:3000], "blocks": blocks}


def json_payload(message: Mapping) -> dict:
    return {k: message[k] for k in message}


def post(target: str, payload: dict) -> None:
    url = webhook_url(target)
    try:
        response = httpx.post(url, json=payload, timeout=TIMEOUT_S)
    except httpx.HTTPError as err:
        raise DeliveryError(f"webhook {target}: {type(err).__name__}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"webhook {target}: HTTP {response.status_code}")


def send(channel: Mapping, message: Mapping, files: Sequence[tuple[str, bytes]]) -> None:
    """Deliver ``message`` to one channel; raise DeliveryError when it does not take it."""
    if channel["type"] == "email":
        send_email(message, files, to=channel["to"])
    elif channel["type"] == "slack":
        post(channel["target"], slack_payload(message))
    elif channel["type"] == "webhook":
        post(channel["target"], json_payload(message))
    else:
        raise DeliveryError(f"unknown channel type {channel['type']!r}")
