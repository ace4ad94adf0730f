"""What an alert rule and a subscription are, validated: every message says what to fix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from croniter import croniter

KINDS = {
    "value": "the latest value",
    "change_pct": "the change on the previous period, in %",
    "change_pp": "the change on the previous period, in percentage points",
    "anomaly": "the latest week's anomaly score (robust z, absolute)",
    "forecast": "the forecast total over the next weeks",
}
OPS = ("above", "below")
CHANNEL_TYPES = ("email", "slack", "webhook")
FORMATS = ("pptx", "png", "csv", "xlsx")
SUBSCRIPTION_KINDS = ("view", "deck")
MAX_WEEKS = 26
_TARGET = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_EMAIL = re.compile(r"^[^@\s,;<>]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$")


class RuleError(ValueError):
    """A rule, subscription, channel or schedule that cannot be used."""


def check_schedule(expr: object) -> str:
    """A five-field cron expression (UTC), e.g. ``0 8 * * MON``."""
    text = " ".join(str(expr or "").split())
    if len(text.split()) != 5 or not croniter.is_valid(text):
        raise RuleError(
            f"schedule {text[:60]!r} is not a cron expression: five fields, minute hour "
            "day-of-month month day-of-week, e.g. '0 8 * * MON' (every Monday at 08:00 UTC)"
        )
    return text


def last_due(expr: str, now: datetime) -> datetime:
    """The latest scheduled time at or before ``now`` (to the minute)."""
    at = now.replace(second=0, microsecond=0)
    it = croniter(expr, at)
    return at if croniter.match(expr, at) else it.get_prev(datetime)


def next_due(expr: str, now: datetime) -> datetime:
    return croniter(expr, now).get_next(datetime)


def check_channels(raw: object) -> list[dict[str, str]]:
    """Channels: ``{"type": "email", "to": "a@b.c"}``, ``{"type": "slack", "target":
    "ops"}`` or ``{"type": "webhook", "target": "name"}``. Webhook URLs are credentials: a
    target names one configured in the environment or secrets.toml, never a URL here."""
    if not isinstance(raw, list) or not raw:
        raise RuleError("give at least one channel (e-mail address or webhook target)")
    out = []
    for n, ch in enumerate(raw, start=1):
        if not isinstance(ch, Mapping) or ch.get("type") not in CHANNEL_TYPES:
            raise RuleError(f"channel #{n}: type must be one of {', '.join(CHANNEL_TYPES)}")
        if ch["type"] == "email":
            to = str(ch.get("to", "")).strip()
            if not _EMAIL.match(to):
                raise RuleError(f"channel #{n}: {to[:60]!r} is not an e-mail address")
            out.append({"type": "email", "to": to.lower()})
        else:
            target = str(ch.get("target", "")).strip()
            if "://" in target:
                raise RuleError(
                    f"channel #{n}: name a configured webhook target, not a URL (webhook URLs "
                    "are secrets: set FRAUD_WEBHOOK_<NAME> or [webhooks] in secrets.toml)"
                )
            if not _TARGET.match(target):
                raise RuleError(
                    f"channel #{n}: the webhook target must be a short name (letters, digits, "
                    "- or _)"
                )
            out.append({"type": ch["type"], "target": target.lower()})
    return out


def channel_key(ch: Mapping[str, str]) -> str:
    return f"{ch['type']}:{ch.get('to') or ch.get('target')}"


def _filters(raw: object) -> dict[str, list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise RuleError('filters must be a table of URL filters, e.g. {"market": ["SE"]}')
    from data_access.filters import URL_KEYS

    out = {}
    for k, v in raw.items():
        if k not in URL_KEYS:
            raise RuleError(f"unknown filter {str(k)[:40]!r} (filters: {', '.join(URL_KEYS)})")
        values = [v] if isinstance(v, str) else v
        if not isinstance(values, list | tuple) or not all(isinstance(x, str) for x in values):
            raise RuleError(f"filter {str(k)[:40]!r}: values must be text or lists of text")
        out[str(k)] = list(values)
    return out


def _params(raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise RuleError("params must be a table of the view's settings")
    return {str(k): str(v) for k, v in raw.items()}


def _name(raw: object) -> str:
    name = " ".join(str(raw or "").split())
    if not name or len(name) > 120:
        raise RuleError("give a name of 1 to 120 characters")
    return name


@dataclass(frozen=True)
class RuleSpec:
    name: str
    view: str
    metric: str
    kind: str
    op: str
    threshold: float
    schedule: str
    channels: list[dict[str, str]]
    filters: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    weeks: int | None = None
    remind_hours: int | None = None

    def condition_text(self) -> str:
        t = self.threshold
        if self.kind == "anomaly":
            return f"anomaly score at least {t:g}"
        if self.kind == "forecast":
            return f"forecast over the next {self.weeks} weeks {self.op} {t:,.0f}"
        if self.kind == "change_pct":
            return f"{'rises' if self.op == 'above' else 'falls'} more than {abs(t):g}%"
        if self.kind == "change_pp":
            return f"{'rises' if self.op == 'above' else 'falls'} more than {abs(t):g} pp"
        return f"{self.op} {t:g}"


def check_rule(raw: Mapping) -> RuleSpec:
    """Validate a rule as the form or the store gives it (the view must exist, its settings
    be allowed, the metric be one of its numeric columns is checked at evaluation)."""
    import reports

    if not isinstance(raw, Mapping):
        raise RuleError("a rule is a table of fields")
    name = _name(raw.get("name"))
    try:
        view = reports.get(str(raw.get("view", "")))
    except KeyError as err:
        raise RuleError(str(err.args[0])) from None
    try:
        params = reports.resolve_params(view, _params(raw.get("params")))
    except ValueError as err:
        raise RuleError(str(err)) from None
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        raise RuleError(f"condition kind {kind[:30]!r} is not one of {', '.join(KINDS)}")
    op = str(raw.get("op", "above"))
    if op not in OPS:
        raise RuleError("op must be above or below")
    metric = str(raw.get("metric", "")).strip()
    if not re.match(r"^[a-z_][a-z0-9_]{0,79}$", metric):
        raise RuleError("metric must be a column name of the view's data, e.g. detected_share")
    try:
        threshold = float(raw.get("threshold"))
    except (TypeError, ValueError):
        raise RuleError("threshold must be a number") from None
    if threshold != threshold or threshold in (float("inf"), float("-inf")):
        raise RuleError("threshold must be a finite number")
    weeks = raw.get("weeks")
    if kind == "forecast":
        try:
            weeks = int(weeks)
        except (TypeError, ValueError):
            raise RuleError("a forecast rule needs weeks (1 to 26)") from None
        if not 1 <= weeks <= MAX_WEEKS:
            raise RuleError("a forecast rule needs weeks (1 to 26)")
    else:
        weeks = None
    remind = raw.get("remind_hours")
    if remind in (None, "", 0):
        remind = None
    else:
        try:
            remind = int(remind)
        except (TypeError, ValueError):
            raise RuleError("remind_hours must be a whole number of hours") from None
        if not 1 <= remind <= 24 * 30:
            raise RuleError("remind_hours must be between 1 and 720")
    return RuleSpec(
        name=name,
        view=view.id,
        metric=metric,
        kind=kind,
        op=op,
        threshold=threshold,
        schedule=check_schedule(raw.get("schedule")),
        channels=check_channels(raw.get("channels")),
        filters=_filters(raw.get("filters")),
        params=params,
        weeks=weeks,
        remind_hours=remind,
    )


@dataclass(frozen=True)
class SubscriptionSpec:
    name: str
    kind: str
    schedule: str
    channels: list[dict[str, str]]
    formats: list[str]
    view: str | None = None
    spec: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


def check_subscription(raw: Mapping) -> SubscriptionSpec:
    import reports

    if not isinstance(raw, Mapping):
        raise RuleError("a subscription is a table of fields")
    name = _name(raw.get("name"))
    kind = str(raw.get("kind", ""))
    if kind not in SUBSCRIPTION_KINDS:
        raise RuleError("a subscription delivers a view or a deck (kind view or deck)")
    formats = raw.get("formats") or []
    if not isinstance(formats, list) or not formats or any(f not in FORMATS for f in formats):
        raise RuleError(f"formats must be a non-empty list out of {', '.join(FORMATS)}")
    formats = list(dict.fromkeys(formats))
    view = spec = None
    params: dict[str, str] = {}
    if kind == "view":
        try:
            v = reports.get(str(raw.get("view", "")))
        except KeyError as err:
            raise RuleError(str(err.args[0])) from None
        try:
            params = reports.resolve_params(v, _params(raw.get("params")))
        except ValueError as err:
            raise RuleError(str(err)) from None
        view = v.id
    else:
        spec = str(raw.get("spec") or "")
        if not spec.strip():
            raise RuleError("a deck subscription needs a deck spec (TOML, as decks/weekly.toml)")
        import tomllib

        try:
            tomllib.loads(spec)
        except tomllib.TOMLDecodeError as err:
            raise RuleError(f"the deck spec is not valid TOML: {err}") from None
        if formats != ["pptx"]:
            raise RuleError("a deck is delivered as pptx")
    return SubscriptionSpec(
        name=name,
        kind=kind,
        schedule=check_schedule(raw.get("schedule")),
        channels=check_channels(raw.get("channels")),
        formats=formats,
        view=view,
        spec=spec,
        filters=_filters(raw.get("filters")),
        params=params,
    )
