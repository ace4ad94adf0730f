"""Builders behind the Data health page: row counts, freshness and integrity checks.

Every identifier comes from our MetaData (``TABLES``); a table name from anywhere else is
refused. Each check is a COUNT (one number) plus a bounded sample of at most
``SAMPLE_ROWS`` offending rows with key columns only. The checks scan facts: that is the
point of this page, and its loaders are cached with a TTL like every other loader.

``since``: check only the rows of facts and marts dated on or after that day (by the
table's FRESHNESS column): the window a daily load can break, cheap at any size. ``None``
checks every row (the whole history: seconds to minutes on a big warehouse).
Dimensions are always checked whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    Table,
    and_,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.sql import visitors

from data_access import schema as s
from data_access.dialect import as_date

SAMPLE_ROWS = 20
KINDS = {
    **{t.name: "dimension" for t in s.DIMENSIONS},
    **{t.name: "fact" for t in s.FACTS},
    **{t.name: "mart" for t in s.MARTS},
}
TABLES: dict[str, Table] = {t.name: t for t in (*s.DIMENSIONS, *s.FACTS, *s.MARTS)}

# The column that says how recent a table is (tables without one have no freshness).
FRESHNESS: dict[str, str] = {
    "dim_date": "date_key",
    "fact_streams_daily": "date_key",
    "fact_detection": "detected_at",
    "fact_review": "queued_at",
    "fact_enforcement": "applied_at",
    "fact_appeal": "filed_at",
    "fact_case": "opened_at",
    "fact_case_event": "event_at",
    **{t.name: "date_key" for t in s.MARTS},
}

_GRAIN_COLUMNS = ("date_key", "source", "device", "plan", "priority")


def table(name: str) -> Table:
    """A table of our schema by name; anything else is refused."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}")
    return TABLES[name]


def table_stats_query(name: str) -> Select:
    """Row count and newest date/timestamp of one table."""
    t = table(name)
    col = FRESHNESS.get(name)
    latest = func.max(t.c[col]) if col else null()
    return select(func.count().label("rows"), latest.label("latest")).select_from(t)


def key_columns(t: Table) -> list:
    """Columns that identify a row: the primary key, else the grain (date and ids)."""
    if t.primary_key.columns:
        return list(t.primary_key.columns)
    return [c for c in t.columns if c.name in _GRAIN_COLUMNS or c.name.endswith("_id")]


def in_window(t: Table, since: date | None):
    """Rows of ``t`` dated on or after ``since`` (always true for dimensions or None)."""
    if since is None or t.name not in FRESHNESS or KINDS.get(t.name) == "dimension":
        return true()
    col = t.c[FRESHNESS[t.name]]
    if isinstance(col.type, DateTime):
        return col >= datetime.combine(since, time.min)
    return col >= since


@dataclass(frozen=True)
class Check:
    key: str
    name: str
    meaning: str
    count: Select  # one row, one column: how many offending rows (0 = pass)
    sample: Select  # at most SAMPLE_ROWS offending rows, key columns only

    @property
    def reads(self) -> frozenset[str]:
        """The tables the check reads (it is skipped when one is absent or not mapped)."""
        return frozenset(
            el.name
            for stmt in (self.count, self.sample)
            for el in visitors.iterate(stmt)
            if isinstance(el, Table)
        )


# Orphan checks whose consequence is not an undercount: said in their own words.
_ORPHAN_WORDS = {
    ("fact_case", "priority"): (
        "Cases without a priority row: fact_case.priority → dim_priority",
        "Cases whose priority has no row in dim_priority: their SLA cannot be judged, so "
        "they are never counted as breaching it and show no SLA hours. Add the priority "
        "and its SLA hours to dim_priority.",
    ),
}


def _orphan_checks(since: date | None) -> list[Check]:
    out = []
    for t in (*s.DIMENSIONS, *s.FACTS):
        for fk in sorted(t.foreign_keys, key=lambda k: k.parent.name):
            col, target = fk.parent, fk.column
            ref = target.table.alias("ref")
            joined = t.outerjoin(ref, ref.c[target.name] == col)
            cond = (col.is_not(None), ref.c[target.name].is_(None), in_window(t, since))
            keys = [k for k in key_columns(t) if k is not col]
            name, meaning = _ORPHAN_WORDS.get(
                (t.name, col.name),
                (
                    f"Orphan keys: {t.name}.{col.name} → {target.table.name}",
                    f"Rows of {t.name} whose {col.name} has no row in {target.table.name}: "
                    "they vanish from joins, so totals by that dimension (and the marts) "
                    "undercount.",
                ),
            )
            out.append(
                Check(
                    key=f"orphan:{t.name}.{col.name}",
                    name=name,
                    meaning=meaning,
                    count=select(func.count()).select_from(joined).where(*cond),
                    sample=select(*keys, col).select_from(joined).where(*cond).limit(SAMPLE_ROWS),
                )
            )
    return out


def _measure_columns(t: Table) -> list:
    """Money and count columns that can never be negative."""
    out = []
    for c in t.columns:
        if c.primary_key or c.foreign_keys or c.name.endswith("_id"):
            continue
        if isinstance(c.type, Float):  # scores, rates
            continue
        if isinstance(c.type, (Numeric, BigInteger, Integer)):
            out.append(c)
    return out


def _negative_checks(since: date | None) -> list[Check]:
    out = []
    for t in s.FACTS:
        cols = _measure_columns(t)
        if not cols:
            continue
        cond = and_(or_(*(c < 0 for c in cols)), in_window(t, since))
        names = ", ".join(c.name for c in cols)
        out.append(
            Check(
                key=f"negative:{t.name}",
                name=f"Negative amounts: {t.name}",
                meaning=f"Rows of {t.name} with a negative value in {names}: amounts and "
                "stream counts cannot be negative; totals and rates built on them are wrong.",
                count=select(func.count()).select_from(t).where(cond),
                sample=select(*key_columns(t), *cols).where(cond).limit(SAMPLE_ROWS),
            )
        )
    return out


def _ordering_checks(since: date | None) -> list[Check]:
    f = s.fact_streams_daily
    keys = key_columns(f)
    pairs = (
        (
            "confirmed_gt_flagged",
            "Confirmed > flagged streams",
            f.c.confirmed_streams > f.c.flagged_streams,
            "Rows where more streams are confirmed artificial than were flagged: the "
            "confirmation could not have come from a detection; detected and confirmed "
            "shares are inconsistent.",
            (f.c.flagged_streams, f.c.confirmed_streams),
        ),
        (
            "flagged_gt_streams",
            "Flagged > all streams",
            f.c.flagged_streams > f.c.streams,
            "Rows where more streams are flagged than were played: detected shares above "
            "100% and inflated exposure.",
            (f.c.streams, f.c.flagged_streams),
        ),
    )
    return [
        Check(
            key=key,
            name=name,
            meaning=meaning,
            count=select(func.count()).select_from(f).where(cond, in_window(f, since)),
            sample=select(*keys, *cols).where(cond, in_window(f, since)).limit(SAMPLE_ROWS),
        )
        for key, name, cond, meaning, cols in pairs
    ]


def _gap_checks(since: date | None) -> list[Check]:
    d = s.dim_date
    out = []
    for t in (s.fact_streams_daily, s.mart_daily_fraud):
        lo = select(func.min(t.c.date_key)).scalar_subquery()
        hi = select(func.max(t.c.date_key)).scalar_subquery()
        missing = ~exists(select(literal(1)).where(t.c.date_key == d.c.date_key))
        cond = (d.c.date_key.between(lo, hi), missing)
        if since is not None:
            cond += (d.c.date_key >= since,)
        out.append(
            Check(
                key=f"gaps:{t.name}",
                name=f"Missing days: {t.name}",
                meaning=f"Days of dim_date between the first and last day of {t.name} with no "
                "row at all: a load failed or was skipped; daily and weekly totals dip.",
                count=select(func.count()).select_from(d).where(*cond),
                sample=select(d.c.date_key).where(*cond).order_by(d.c.date_key).limit(SAMPLE_ROWS),
            )
        )
    return out


def _sync_checks(since: date | None) -> list[Check]:
    fs, md = s.fact_streams_daily, s.mart_daily_fraud
    det, mdd = s.fact_detection, s.mart_daily_detection
    enf, mde = s.fact_enforcement, s.mart_daily_enforcement
    case_, mcd = s.fact_case, s.mart_case_daily
    specs = (
        ("streams", "Streams", fs, fs.c.date_key, fs.c.streams, md, md.c.streams),
        ("flagged", "Flagged streams", fs, fs.c.date_key, fs.c.flagged_streams, md,
         md.c.flagged_streams),
        ("detections", "Detections", det, as_date(det.c.detected_at), None, mdd,
         mdd.c.n_detected),
        ("enforcement", "Enforcement actions", enf, as_date(enf.c.applied_at), None, mde,
         mde.c.actions),
        ("cases", "Cases opened", case_, as_date(case_.c.opened_at), None, mcd,
         mcd.c.cases_opened),
    )  # fmt: skip
    out = []
    for key, label, fact, fact_day, fact_val, mart, mart_val in specs:
        fact_total = func.count() if fact_val is None else func.sum(fact_val)
        fwin, mwin = in_window(fact, since), in_window(mart, since)
        fact_sum = (
            select(func.coalesce(fact_total, 0)).select_from(fact).where(fwin).scalar_subquery()
        )
        mart_sum = select(func.coalesce(func.sum(mart_val), 0)).where(mwin).scalar_subquery()
        per_fact = (
            select(fact_day.label("d"), fact_total.label("v"))
            .select_from(fact)
            .where(fwin)
            .group_by(fact_day)
            .subquery("f")
        )
        per_mart = (
            select(mart.c.date_key.label("d"), func.sum(mart_val).label("v"))
            .where(mwin)
            .group_by(mart.c.date_key)
            .subquery("m")
        )
        fv, mv = func.coalesce(per_fact.c.v, 0), func.coalesce(per_mart.c.v, 0)
        out.append(
            Check(
                key=f"sync:{mart.name}.{key}",
                name=f"Mart in sync: {label.lower()} in {mart.name} vs {fact.name}",
                meaning=f"{label} summed in {mart.name} must equal {fact.name}. The count is "
                "the absolute difference: the pages (which read the mart) disagree with the "
                "facts; rebuild the marts (python -m data_access.marts).",
                count=select(func.abs(fact_sum - mart_sum)),
                sample=select(
                    func.coalesce(per_fact.c.d, per_mart.c.d).label("date_key"),
                    fv.label(f"{fact.name}"),
                    mv.label(f"{mart.name}"),
                )
                .select_from(per_fact.outerjoin(per_mart, per_fact.c.d == per_mart.c.d, full=True))
                .where(fv != mv)
                .order_by(func.coalesce(per_fact.c.d, per_mart.c.d))
                .limit(SAMPLE_ROWS),
            )
        )
    return out


def _future_checks(today: date, since: date | None) -> list[Check]:
    last_day = select(func.max(s.dim_date.c.date_key)).scalar_subquery()
    out = []
    for t in (*s.FACTS, *s.MARTS):
        cols = [c for c in t.columns if isinstance(c.type, (Date, DateTime))]
        if not cols:
            continue
        cond = and_(
            or_(
                *(as_date(c) > literal(today, Date()) for c in cols),
                *(as_date(c) > last_day for c in cols),
            ),
            in_window(t, since),
        )
        out.append(
            Check(
                key=f"future:{t.name}",
                name=f"Future dates: {t.name}",
                meaning=f"Rows of {t.name} dated after today or after the last day of "
                "dim_date: clock or load errors; they fall outside every period filter.",
                count=select(func.count()).select_from(t).where(cond),
                sample=select(*key_columns(t), *[c for c in cols if c not in key_columns(t)])
                .where(cond)
                .limit(SAMPLE_ROWS),
            )
        )
    return out


def health_checks(
    today: date, since: date | None = None, skip: frozenset[str] = frozenset()
) -> list[Check]:
    """Every integrity check, in the order the page lists them (rows dated from ``since``
    on, or every row), less those that read a table in ``skip`` (absent from the warehouse
    or holding an input it does not map)."""
    checks = [
        *_orphan_checks(since),
        *_negative_checks(since),
        *_ordering_checks(since),
        *_gap_checks(since),
        *_sync_checks(since),
        *_future_checks(today, since),
    ]
    return [c for c in checks if not c.reads & skip] if skip else checks
