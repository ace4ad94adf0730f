"""Alerts and subscriptions: rules on a view's metric and scheduled deliveries of a view or
a deck, evaluated by ``python -m alerts run`` (from cron, a systemd timer or a Kubernetes
CronJob; no loop of our own), sent by e-mail, Slack-compatible and JSON webhooks.

An alert or a subscription names a view, its settings and a slice exactly as a link does;
it is rendered with its owner's scope, never more. Rules and subscriptions live in the
application store (appstore); credentials only in the environment or secrets.toml.
"""
