"""SQL expressions of the measures: each measure's SQL lives here and only here.

Human definitions (shown as help text) live in analytics.metrics under the same keys.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func

from data_access import schema as s

FEE_TYPE_CODE = "per_track_fee"


def total(value) -> ColumnElement:
    """SUM that reads 0, not NULL, over no rows."""
    return func.coalesce(func.sum(value), 0)


def added(parts) -> ColumnElement:
    """``parts[0] + parts[1] + ...``: one row's terms (a SUM adds rows up)."""
    parts = list(parts)
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def sum_if(cond, value=1) -> ColumnElement:
    """SUM of ``value`` over the rows where ``cond`` holds (a count by default), 0 over none."""
    return func.coalesce(func.sum(case((cond, value), else_=0)), 0)


def fraud_measures(cond, t=None) -> dict[str, ColumnElement]:
    """Measures over mart_daily_fraud (or ``t``, one of its rollups); ``cond`` selects the
    attributed rows (typology / detector filter) for numerators while ``streams`` stays the
    all-streams denominator."""
    m = (s.mart_daily_fraud if t is None else t).c
    return {
        "streams": total(m.streams),
        "detected_streams": sum_if(cond, m.flagged_streams),
        "confirmed_streams": sum_if(cond, m.confirmed_streams),
        "true_artificial_streams": sum_if(cond, m.true_artificial_streams),
        "royalty_eur": total(m.royalty_eur),
        "protected_eur": sum_if(cond, m.confirmed_royalty_eur),
        "at_risk_eur": sum_if(cond, m.at_risk_royalty_eur),
    }


def fee_outstanding(e=None) -> ColumnElement:
    """Per-track fees levied, not recovered and not reversed (EUR)."""
    e = e if e is not None else s.mart_daily_enforcement.c
    fee_id = (
        s.dim_enforcement_type.select()
        .with_only_columns(s.dim_enforcement_type.c.enforcement_type_id)
        .where(s.dim_enforcement_type.c.code == FEE_TYPE_CODE)
        .scalar_subquery()
    )
    return sum_if(e.enforcement_type_id == fee_id, e.amount_eur - e.recovered_eur - e.reversed_eur)
