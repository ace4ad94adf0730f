"""Loaders of the Data health page: table stats and integrity checks (unrestricted viewers
only: the checks read every row of the warehouse).

Tables absent from the warehouse, or holding an optional input it does not map
(data_access.availability), are not read: their stats say so and the checks that read
them are left out, so the rest is still checked."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data_access import availability
from data_access.loaders.availability import load_not_mapped, load_tables
from data_access.loaders.base import cached, run
from data_access.queries import health as q
from data_access.scope import Scope


def _require_unrestricted(scope: Scope) -> None:
    if not scope.unrestricted:
        raise PermissionError("data health is available to unrestricted viewers only")


def unread(url: str) -> dict[str, str]:
    """Tables of the schema not read here -> why: 'not mapped' (an optional input the
    warehouse does not map) or 'missing' (absent)."""
    present, unmapped = load_tables(url=url), load_not_mapped(url=url)
    out = {}
    for name in q.KINDS:
        if availability.TABLE_INPUT.get(name) in unmapped:
            out[name] = "not mapped"
        elif name not in present:
            out[name] = "missing"
    return out


@cached
def load_table_stats(scope: Scope, *, url: str) -> pd.DataFrame:
    """One row per table of the schema: table, kind, rows, latest (datetime or NaT), state
    ('' when read, else 'not mapped' or 'missing': rows and latest then unknown)."""
    _require_unrestricted(scope)
    skipped = unread(url)
    rows = []
    for name, kind in q.KINDS.items():
        if name in skipped:
            rows.append(
                {"table": name, "kind": kind, "rows": float("nan"), "latest": pd.NaT}
                | {"state": skipped[name]}
            )
            continue
        df = run(q.table_stats_query(name), url)
        rows.append(
            {
                "table": name,
                "kind": kind,
                "rows": float(df.loc[0, "rows"]),
                "latest": pd.to_datetime(df.loc[0, "latest"]),
                "state": "",
            }
        )
    out = pd.DataFrame(rows)
    out["latest"] = pd.to_datetime(out["latest"])
    return out


@cached
def load_health_checks(
    scope: Scope, today: date, since: date | None = None, *, url: str
) -> pd.DataFrame:
    """One row per check: key, check, meaning, offending (float), status (pass / fail).
    ``since``: only rows dated from that day on (None: every row). Checks that read a table
    not read here (``unread``) are left out."""
    _require_unrestricted(scope)
    rows = []
    for check in q.health_checks(today, since, frozenset(unread(url))):
        df = run(check.count, url)
        n = pd.to_numeric(df.iloc[0, 0], errors="coerce") if not df.empty else 0
        n = 0.0 if pd.isna(n) else float(n)
        rows.append(
            {
                "key": check.key,
                "check": check.name,
                "meaning": check.meaning,
                "offending": n,
                "status": "pass" if n == 0 else "fail",
            }
        )
    return pd.DataFrame(rows, columns=["key", "check", "meaning", "offending", "status"])


@cached
def load_health_sample(
    scope: Scope, key: str, today: date, since: date | None = None, *, url: str
) -> pd.DataFrame:
    """At most SAMPLE_ROWS offending rows (key columns only) of the check ``key``."""
    _require_unrestricted(scope)
    checks = {c.key: c for c in q.health_checks(today, since, frozenset(unread(url)))}
    if key not in checks:
        raise ValueError(f"unknown check {key!r}")
    return run(checks[key].sample, url).head(q.SAMPLE_ROWS)
