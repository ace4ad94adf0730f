"""The checks: a team's ``in_<input>`` relations tested against the contract, in the warehouse.

Structural checks first (the input is there, its required columns are there, every value can
be read as its column's type), then, for each input whose structure holds, the logical ones:
keys unique and filled, references that resolve, words the configuration maps, currencies
with a rate, markets that are configured, no future timestamps or absurdly old dates, no
negative counts or money, counts and times in order, and how often each optional column is
filled. Every check is an aggregate the warehouse computes (one statement per input for the
row checks, one for its key, one per reference); examples (at most three) are fetched only
for what was found. Identifiers come from the contract only, values are bound parameters.

A finding says what is wrong, how many rows, three examples and one sentence of fix: in the
team's ``<input>.sql`` or in ``config/business.toml``. ``python -m data_access.inputs check``
prints them (exit 0: no error or warning, 1: findings, 2: warehouse or configuration
unreadable).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from data_access.demo.reference import MARKETS
from data_access.dialect import one_of, try_cast
from data_access.inputs import business as biz
from data_access.inputs.contract import (
    BOOLEAN,
    DATE,
    INPUTS,
    INTEGER,
    NUMBER,
    TEXT,
    TIMESTAMP,
    VOCABULARIES,
    Input,
)

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
CONFIG = "config/business.toml"
DOCS = "docs/INPUTS.md"
# A timestamp this far past now is still "now" (clocks and loading delays); dates: a day.
FUTURE_TOLERANCE = timedelta(hours=1)
OLDEST = date(2000, 1, 1)  # activity before this is a parsing default leaking in
OLDEST_RELEASE = date(1900, 1, 1)  # release dates go back further
NOT_IN_FUTURE_EXEMPT = {("catalogue", "release_date")}  # pre-releases are announced
EXAMPLES = 3
# The markets an iso2 column may hold: the configured markets' codes.
MARKET_CODES = tuple(sorted(m[0] for m in MARKETS if re.fullmatch(r"[A-Z]{2}", m[0])))
# Counts and times that must come in order: (lower, higher, severity) per input. Streams:
# confirmed <= flagged <= streams. Flagged <= the estimate of all artificial streams is a
# note only: a row's flagged streams may include organic ones (the demo's simulation flags
# whole rows: 146 of its 2,251 flagged rows exceed their artificial streams), and recall
# reads above 100% only where that holds.
ORDER: dict[str, tuple[tuple[str, str, str], ...]] = {
    "streams": (
        ("confirmed_streams", "flagged_streams", ERROR),
        ("flagged_streams", "streams", ERROR),
        ("flagged_streams", "estimated_artificial_streams", INFO),
    ),
    "reviews": (("queued_at", "decided_at", ERROR),),
    "cases": (("opened_at", "resolved_at", ERROR),),
    "appeals": (("filed_at", "decided_at", ERROR),),
}
# A hint for the fix sentence only (the configuration is never guessed).
_VERDICT_HINTS = {
    "fraud": "confirmed",
    "fraudulent": "confirmed",
    "confirmed_fraud": "confirmed",
    "legit": "false_positive",
    "legitimate": "false_positive",
    "clean": "false_positive",
    "not_fraud": "false_positive",
    "no_fraud": "false_positive",
    "open": "pending",
    "queued": "pending",
    "new": "pending",
}


@dataclass(frozen=True)
class Finding:
    """One thing the checks found (or noted) about an input."""

    input: str
    column: str
    severity: str  # error / warning / info
    problem: str  # a sentence
    count: int = 0  # rows (or keys) concerned
    examples: tuple[str, ...] = ()  # at most three, as text
    fix: str = ""  # one sentence: what to change, in <input>.sql or config/business.toml
    check: str = ""  # which check: input, column, type, key, reference, vocabulary, ...
    filled: float | None = None  # optional columns: the share of rows that have a value


def _rows(n: int, what: str = "row") -> str:
    return f"{n:,} {what}" if n == 1 else f"{n:,} {what}s"


def _pct(share: float) -> str:
    text = f"{share * 100:.1f}".removesuffix(".0")
    if text == "100" and share < 1:
        text = "99.9"
    if text == "0" and share > 0:
        text = "0.1"
    return f"{text}%"


def _text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return f"{float(value):g}"
    if isinstance(value, str) and (not value or value != value.strip()):
        return json.dumps(value)  # an empty word, or spaces around it, made visible
    return str(value)


# --- what the warehouse holds --------------------------------------------------------------


def _kind(type_: sa.types.TypeEngine) -> str:
    """The contract type a warehouse column's type already is ("" when unknown)."""
    for cls, kind in (
        (sa.Boolean, BOOLEAN),
        (sa.Integer, INTEGER),
        (sa.Numeric, NUMBER),
        (sa.Float, NUMBER),
        (sa.DateTime, TIMESTAMP),
        (sa.Date, DATE),
        (sa.String, TEXT),
    ):
        if isinstance(type_, cls):
            return kind
    return ""


_READS_AS = {
    TEXT: {TEXT},
    INTEGER: {INTEGER, NUMBER},
    NUMBER: {INTEGER, NUMBER},
    DATE: {DATE, TIMESTAMP},
    TIMESTAMP: {DATE, TIMESTAMP},
    BOOLEAN: {BOOLEAN},
}


@dataclass(frozen=True)
class Relation:
    """An input as the warehouse holds it: its contract columns found (contract name ->
    the warehouse's spelling) and the kind of each one's type."""

    input: Input
    names: dict[str, str]
    kinds: dict[str, str] = field(default_factory=dict)
    relation: str = ""  # the warehouse's spelling of in_<input> (default: the contract's)

    @cached_property
    def table(self) -> sa.TableClause:
        # One object per relation: columns taken from two copies would be a cross join.
        name = self.relation or self.input.relation
        return sa.table(name, *(sa.column(n) for n in self.names.values()))

    def has(self, name: str) -> bool:
        return name in self.names

    def col(self, name: str, table: sa.TableClause | None = None) -> ColumnElement:
        return (table if table is not None else self.table).c[self.names[name]]

    def needs_cast(self, name: str) -> bool:
        """The column's type is not one that reads as its contract type (text always does)."""
        want = self.input.column(name).type
        return want != TEXT and self.kinds.get(name, "") not in _READS_AS[want]

    def value(self, name: str, table: sa.TableClause | None = None) -> ColumnElement:
        """The column as its contract type (NULL where it cannot be read)."""
        col = self.col(name, table)
        return try_cast(col, self.input.column(name).type) if self.needs_cast(name) else col

    def text(self, name: str, table: sa.TableClause | None = None) -> ColumnElement:
        col = self.col(name, table)
        return col if self.kinds.get(name) == TEXT else sa.cast(col, sa.String)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(k for k in self.input.key if self.has(k))


def discover(conn: Connection) -> dict[str, Relation]:
    """The inputs the warehouse holds (tables or views named ``in_<input>``, in any case:
    names are matched to the contract's, so only contract names become identifiers)."""
    insp = sa.inspect(conn)
    names = list(insp.get_table_names()) + list(insp.get_view_names())
    with contextlib.suppress(NotImplementedError, AttributeError):
        names += list(insp.get_materialized_view_names())
    by_lower = {n.lower(): n for n in names}
    found: dict[str, Relation] = {}
    for inp in INPUTS:
        actual = by_lower.get(inp.relation)
        if actual is None:
            continue
        cols = {c["name"].lower(): c for c in insp.get_columns(actual)}
        contract = {c.name for c in inp.columns}
        names_, kinds = {}, {}
        for name in contract:
            c = cols.get(name)
            if c is not None:
                names_[name] = c["name"]
                kinds[name] = _kind(c["type"])
        ordered = {c.name: names_[c.name] for c in inp.columns if c.name in names_}
        found[inp.name] = Relation(inp, ordered, kinds, actual)
    return found


# --- probes: one condition on rows, counted in the input's one aggregate -------------------


@dataclass(frozen=True)
class Probe:
    check: str
    column: str
    severity: str
    when: ColumnElement  # the offending rows
    problem: str  # "{rows}" is replaced by "3 rows"
    fix: str  # "{word}" / "{guess}": the most frequent offending value and a guess for it
    shown: tuple[ColumnElement, ...]  # what the examples show
    by_value: bool = False  # examples: the most frequent values (else: the first rows' keys)
    labels: tuple[str, ...] = ()  # the shown values' names in row examples (default: column)


def _sql(inp: Input) -> str:
    return f"`{inp.name}.sql`"


def type_probes(rel: Relation) -> list[Probe]:
    """Values that cannot be read as their column's type (columns typed otherwise)."""
    out = []
    for name in rel.names:
        if not rel.needs_cast(name):
            continue
        want = rel.input.column(name).type
        col = rel.col(name)
        out.append(
            Probe(
                "type",
                name,
                ERROR,
                sa.and_(col.is_not(None), try_cast(col, want).is_(None)),
                f"{{rows}} cannot be read as {want}.",
                f"Convert `{name}` to {'an' if want[0] in 'aeiou' else 'a'} {want} in "
                f"{_sql(rel.input)} (parse your format there).",
                (rel.text(name),),
                by_value=True,
            )
        )
    return out


def logical_probes(rel: Relation, business: biz.Business, now: datetime) -> list[Probe]:
    """Row checks of an input whose structure holds."""
    inp, out = rel.input, []
    sql = _sql(inp)
    today = now.date()
    for c in inp.columns:
        if not rel.has(c.name):
            continue
        col, value = rel.col(c.name), rel.value(c.name)
        if c.required:
            in_key = c.name in inp.key
            out.append(
                Probe(
                    "null",
                    c.name,
                    ERROR if in_key else WARNING,
                    col.is_(None),
                    f"{{rows}} {{have}} no {c.name}"
                    + (" (part of the key)." if in_key else " (a required column)."),
                    f"Fill `{c.name}` in {sql}, or leave such rows out there.",
                    (),
                )
            )
        if c.vocabulary:
            words = sorted(business.mapping(c.vocabulary))
            text = sa.func.lower(sa.func.trim(rel.text(c.name)))
            out.append(
                Probe(
                    "vocabulary",
                    c.name,
                    ERROR,
                    sa.and_(col.is_not(None), ~one_of(text, words)),
                    f"{{rows}} {{have}} a {c.name} that is not a word of the {c.vocabulary} "
                    "vocabulary nor mapped to one.",
                    f'add `{{word}} = "{{guess}}"` under [vocabularies.{c.vocabulary}] in '
                    f"{CONFIG} (ours: {', '.join(VOCABULARIES[c.vocabulary])}), "
                    f"or translate the word in {sql}.",
                    (rel.text(c.name),),
                    by_value=True,
                )
            )
        elif c.allowed == "iso2":
            bad = ~one_of(col, MARKET_CODES)
            out.append(
                Probe(
                    "market",
                    c.name,
                    WARNING,
                    sa.or_(col.is_(None), bad) if c.required else sa.and_(col.is_not(None), bad),
                    "{rows} {have} a market that is not a configured market's ISO 3166-1 "
                    "alpha-2 code (kept out of market slices).",
                    f"Map market names and other spellings to two-letter codes in {sql}.",
                    (rel.text(c.name),),
                    by_value=True,
                )
            )
        elif c.allowed == "currency":
            text = sa.func.upper(sa.func.trim(rel.text(c.name)))
            out.append(
                Probe(
                    "currency",
                    c.name,
                    ERROR,
                    sa.and_(col.is_not(None), ~one_of(text, sorted(business.fx))),
                    "{rows} {have} a currency without an exchange rate in [fx].",
                    f"add `{{word}} = <EUR per unit>` under [fx] in {CONFIG}, or fix the code "
                    f"in {sql}.",
                    (rel.text(c.name),),
                    by_value=True,
                )
            )
        elif c.allowed == ">= 0":
            out.append(
                Probe(
                    "negative",
                    c.name,
                    ERROR,
                    value < 0,
                    f"{{rows}} {{have}} a negative {c.name}.",
                    f"Make `{c.name}` zero or more in {sql} (a reversal is its own row or "
                    "date, not a negative value).",
                    (value,),
                )
            )
        elif c.allowed == "0..1":
            out.append(
                Probe(
                    "range",
                    c.name,
                    ERROR,
                    sa.or_(value < 0, value > 1),
                    f"{{rows}} {{have}} a {c.name} outside 0 to 1.",
                    f"Scale `{c.name}` to 0–1 in {sql}.",
                    (value,),
                )
            )
        if c.type in (DATE, TIMESTAMP):
            if c.type == DATE:
                latest: date | datetime = today + timedelta(days=1)
            else:
                latest = now + FUTURE_TOLERANCE
            if (inp.name, c.name) not in NOT_IN_FUTURE_EXEMPT:
                out.append(
                    Probe(
                        "future",
                        c.name,
                        ERROR,
                        value > sa.bindparam(None, latest),
                        f"{{rows}} {{have}} a {c.name} in the future.",
                        f"Check the time zone and the parsing of `{c.name}` in {sql} "
                        "(timestamps are UTC).",
                        (value,),
                    )
                )
            oldest = OLDEST_RELEASE if c.name == "release_date" else OLDEST
            floor: date | datetime = oldest
            if c.type == TIMESTAMP:
                floor = datetime.combine(oldest, datetime.min.time())
            out.append(
                Probe(
                    "old",
                    c.name,
                    WARNING,
                    value < sa.bindparam(None, floor),
                    f"{{rows}} {{have}} a {c.name} before {oldest.isoformat()}.",
                    f"Check the parsing of `{c.name}` in {sql}: a default date may be leaking "
                    "in (leave it NULL instead).",
                    (value,),
                )
            )
    pairs = list(ORDER.get(inp.name, ()))
    if inp.name == "streams" and not rel.has("flagged_streams"):
        pairs.append(("confirmed_streams", "streams", ERROR))
    for low, high, severity in pairs:
        if not (rel.has(low) and rel.has(high)):
            continue
        a, b = rel.value(low), rel.value(high)
        timed = inp.column(low).type == TIMESTAMP
        problem = (
            f"{{rows}} {{have}} {high} before {low}."
            if timed
            else f"{{rows}} {{have}} {low} above {high}."
        )
        out.append(
            Probe(
                "order",
                high if timed else low,
                severity,
                a > b,
                problem,
                (
                    f"Recall reads above 100% on these rows; if `{high}` should cover every "
                    f"flagged stream, check how it is computed in {sql}."
                )
                if severity == INFO
                else f"Check how `{low}` and `{high}` are computed in {sql}: "
                + (
                    f"{high} cannot come before {low}." if timed else f"{low} cannot exceed {high}."
                ),
                (a, b),
                labels=(low, high),
            )
        )
    return out


# Constants written into the SQL, not bound: a warehouse folds them (bound, each CASE of a
# wide aggregate carries two parameters per row).
_ONE, _ZERO = sa.literal_column("1"), sa.literal_column("0")


def aggregate_query(rel: Relation, probes: list[Probe], *, fill: bool = True) -> sa.Select:
    """One row: the input's row count, each probe's count of offending rows (p0, p1, …) and,
    with ``fill``, each column's count of values (f_<column>)."""
    cols: list[ColumnElement] = [sa.func.count().label("n_rows")]
    for i, p in enumerate(probes):
        cols.append(
            sa.func.coalesce(sa.func.sum(sa.case((p.when, _ONE), else_=_ZERO)), _ZERO).label(
                f"p{i}"
            )
        )
    if fill:
        for j, name in enumerate(rel.names):
            cols.append(sa.func.count(rel.col(name)).label(f"f{j}"))
    return sa.select(*cols).select_from(rel.table)


def examples_query(rel: Relation, probe: Probe) -> sa.Select:
    """At most three examples of a probe's offending rows: its most frequent values, or the
    keys (and shown values) of the first rows."""
    if probe.by_value:
        (shown,) = probe.shown
        n = sa.func.count().label("n")
        return (
            sa.select(shown.label("v"), n)
            .where(probe.when)
            .group_by(shown)
            .order_by(n.desc(), shown)
            .limit(EXAMPLES)
        )
    keys = [rel.col(k) for k in rel.key]
    shown = [s.label(f"s{i}") for i, s in enumerate(probe.shown)]
    return (
        sa.select(*(k.label(f"k{i}") for i, k in enumerate(keys)), *shown)
        .where(probe.when)
        .order_by(*keys)
        .limit(EXAMPLES)
    )


def duplicates_query(rel: Relation) -> sa.Select:
    """The three most repeated keys, each with its rows (n), the number of repeated keys
    (keys) and the rows they hold (rows). Rows with a NULL key part are left to the null
    check."""
    t = rel.table
    keys = [rel.col(k, t) for k in rel.key]
    required = [rel.col(k, t) for k in rel.key if rel.input.column(k).required]
    n = sa.func.count().label("n")
    grouped = (
        sa.select(*(k.label(f"k{i}") for i, k in enumerate(keys)), n)
        .where(*(k.is_not(None) for k in required))
        .group_by(*keys)
        .having(sa.func.count() > 1)
        .subquery("d")
    )
    kcols = [grouped.c[f"k{i}"] for i in range(len(keys))]
    return (
        sa.select(
            *kcols,
            grouped.c.n,
            sa.func.count().over().label("keys"),
            sa.func.sum(grouped.c.n).over().label("rows"),
        )
        .order_by(grouped.c.n.desc(), *kcols)
        .limit(EXAMPLES)
    )


def orphans_query(child: Relation, column: str, targets: list[tuple[Relation, str]]) -> sa.Select:
    """The three most frequent values of ``child.column`` that no target (relation, column)
    holds, each with its rows (n), the number of such values (keys) and their rows (rows)."""
    c = child.table.alias("c")
    # Keys typed alike are compared as they are (the warehouse may use its indexes); keys
    # typed differently (a number and a text) as text.
    same = all(child.kinds.get(column) == t.kinds.get(tc) for t, tc in targets)
    cv = child.col(column, c) if same else child.text(column, c)
    missing = []
    for i, (target, tcol) in enumerate(targets):
        p = target.table.alias(f"p{i}")
        pv = target.col(tcol, p) if same else target.text(tcol, p)
        missing.append(~sa.select(sa.literal(1)).select_from(p).where(pv == cv).exists())
    n = sa.func.count().label("n")
    return (
        sa.select(
            cv.label("v"),
            n,
            sa.func.count().over().label("keys"),
            sa.func.sum(sa.func.count()).over().label("rows"),
        )
        .select_from(c)
        .where(cv.is_not(None), *missing)
        .group_by(cv)
        .order_by(n.desc(), cv)
        .limit(EXAMPLES)
    )


# --- running them ---------------------------------------------------------------------------


def _guess(vocabulary: str, word: str) -> str:
    ours = VOCABULARIES[vocabulary]
    if vocabulary == "verdict" and word in _VERDICT_HINTS:
        return _VERDICT_HINTS[word]
    close = difflib.get_close_matches(word, ours, n=1, cutoff=0.6)
    return close[0] if close else "…"


def _toml_key(word: str) -> str:
    return word if re.fullmatch(r"[A-Za-z0-9_-]+", word) else json.dumps(word)


def _run_probes(
    conn: Connection, rel: Relation, probes: list[Probe], *, fill: bool
) -> tuple[int, list[Finding], dict[str, int]]:
    """Count every probe in one statement; fetch examples for those that found rows.
    Returns the row count, the findings and each column's count of values."""
    row = conn.execute(aggregate_query(rel, probes, fill=fill)).mappings().one()
    total = int(row["n_rows"] or 0)
    filled = {name: int(row[f"f{j}"] or 0) for j, name in enumerate(rel.names)} if fill else {}
    out = []
    for i, p in enumerate(probes):
        n = int(row[f"p{i}"] or 0)
        if not n:
            continue
        rows = conn.execute(examples_query(rel, p)).all()
        fix = p.fix
        if p.by_value:
            examples = tuple(f"{_text(r.v)} ({_rows(int(r.n))})" for r in rows)
            first = str(rows[0].v).strip() if rows and rows[0].v is not None else ""
            vocabulary = rel.input.column(p.column).vocabulary
            if p.check == "vocabulary" and vocabulary:
                word = first.lower()
                fix = fix.format(word=_toml_key(word), guess=_guess(vocabulary, word))
            elif p.check == "currency":
                fix = fix.format(word=_toml_key(first.upper()), guess="")
        else:
            examples = tuple(_row_example(rel, p, r) for r in rows)
        fix = fix[:1].upper() + fix[1:]
        out.append(
            Finding(
                rel.input.name,
                p.column,
                p.severity,
                p.problem.format(rows=_rows(n), have="has" if n == 1 else "have"),
                n,
                examples,
                fix,
                p.check,
            )
        )
    return total, out, filled


def _row_example(rel: Relation, probe: Probe, r: Any) -> str:
    key = " / ".join(_text(r[i]) for i in range(len(rel.key)))
    shown = [_text(v) for v in r[len(rel.key) :]]
    if not shown:
        return key
    names = probe.labels or (probe.column,)
    detail = ", ".join(f"{name}={v}" for name, v in zip(names, shown, strict=False))
    return f"{key}: {detail}"


def _fill_findings(rel: Relation, total: int, filled: dict[str, int]) -> list[Finding]:
    out = []
    for c in rel.input.columns:
        if c.required:
            continue
        default = f" the project uses {c.default} instead" if c.default else ""
        if not rel.has(c.name):
            out.append(
                Finding(
                    rel.input.name,
                    c.name,
                    INFO,
                    f"{c.name} is not mapped" + (f":{default}." if default else "."),
                    total,
                    (),
                    f"Add `{c.name}` to {_sql(rel.input)} if your warehouse has it.",
                    "fill",
                    None,
                )
            )
            continue
        n = filled.get(c.name, 0)
        share = n / total if total else 1.0
        empty = total - n
        problem = f"{c.name} is filled in {_pct(share)} of rows"
        problem += f" ({_rows(empty)} empty:{default})." if empty and default else "."
        out.append(Finding(rel.input.name, c.name, INFO, problem, empty, (), "", "fill", share))
    return out


def _check_input(
    conn: Connection, rel: Relation, present: dict[str, Relation], business, now
) -> list[Finding]:
    inp, out = rel.input, []
    sql = _sql(inp)
    missing = [c for c in inp.required_columns if not rel.has(c.name)]
    for c in missing:
        out.append(
            Finding(
                inp.name,
                c.name,
                ERROR,
                f"The required column {c.name} is missing from {inp.relation}.",
                0,
                (),
                f"Add `{c.name}` ({c.type}: {c.meaning.rstrip('.')}) to the SELECT in {sql}.",
                "column",
            )
        )
    probes = type_probes(rel)
    if probes:
        _, found, _ = _run_probes(conn, rel, probes, fill=False)
        out += found
    if missing or any(f.severity == ERROR for f in out):
        out.append(
            Finding(
                inp.name,
                "",
                INFO,
                f"The logical checks of {inp.name} are skipped until its structure is fixed.",
                check="skipped",
            )
        )
        return out
    total, rows_found, filled = _run_probes(
        conn, rel, logical_probes(rel, business, now), fill=True
    )
    if not total:
        out.append(
            Finding(
                inp.name,
                "",
                WARNING if inp.required else INFO,
                f"{inp.relation} has no rows.",
                fix=f"Check the SELECT in {sql}: its filters may leave nothing.",
                check="empty",
            )
        )
        return out
    if rel.key:  # keys and references first: they say which rows the others are about
        out += _duplicates(conn, rel)
    for column, target in inp.references.items():
        targets = _targets(target, present)
        if rel.has(column) and targets:
            out += _orphans(conn, rel, column, targets)
    out += rows_found
    out += _fill_findings(rel, total, filled)
    return out


def _targets(target: str, present: dict[str, Relation]) -> list[tuple[Relation, str]]:
    """Where a reference ("input.column") may resolve: that input's column, and any other
    present input keyed by the column (a case's label_key: the catalogue's labels, or the
    labels input's labels without tracks)."""
    name, column = target.split(".")
    out = [(present[name], column)] if name in present and present[name].has(column) else []
    for other in present.values():
        if other.input.name != name and other.input.key == (column,) and other.has(column):
            out.append((other, column))
    return out


def _duplicates(conn: Connection, rel: Relation) -> list[Finding]:
    rows = conn.execute(duplicates_query(rel)).all()
    if not rows:
        return []
    keys, nrows = int(rows[0].keys), int(rows[0].rows)
    width = len(rel.key)
    examples = tuple(
        " / ".join(_text(r[i]) for i in range(width)) + f" ({_rows(int(r.n))})" for r in rows
    )
    key = ", ".join(rel.key)
    return [
        Finding(
            rel.input.name,
            key,
            ERROR,
            f"{_rows(keys, 'key')} ({key}) {'appears' if keys == 1 else 'appear'} on more "
            f"than one row ({nrows:,} rows in all).",
            keys,
            examples,
            f"Make the SELECT in {_sql(rel.input)} return one row per {key}: aggregate or "
            "drop the repeats.",
            "key",
        )
    ]


def _orphans(conn, child: Relation, column: str, targets: list[tuple[Relation, str]]):
    rows = conn.execute(orphans_query(child, column, targets)).all()
    if not rows:
        return []
    keys, nrows = int(rows[0].keys), int(rows[0].rows)
    examples = tuple(f"{_text(r.v)} ({_rows(int(r.n))})" for r in rows)
    parent = targets[0][0]
    where = " or ".join(f"{t.input.name}.{tc}" for t, tc in targets)
    return [
        Finding(
            child.input.name,
            column,
            ERROR,
            f"{_rows(nrows)} {'points' if nrows == 1 else 'point'} to no row of "
            f"{parent.input.name} ({_rows(keys, 'value')} of {column} not in {where}).",
            nrows,
            examples,
            f"Use the same keys in {_sql(child.input)} and {_sql(parent.input)}, or include "
            f"the missing {parent.input.name} in {_sql(parent.input)}.",
            "reference",
        )
    ]


def _absent(inp: Input, present: dict[str, Relation], inputs_dir: Path | None) -> Finding:
    written = inputs_dir is not None and (inputs_dir / f"{inp.name}.sql").is_file()
    create = (
        f"{inputs_dir / (inp.name + '.sql')} exists: run `python -m data_access.inputs apply`"
        if written
        else f"Write {_sql(inp)} and run `python -m data_access.inputs apply`"
    )
    stand_ins = [i for i in INPUTS if i.alternative_to == inp.name and i.name in present]
    if stand_ins:
        return Finding(
            inp.name,
            "",
            INFO,
            f"{inp.title} are not mapped: {stand_ins[0].name} stand in (see {DOCS}#{inp.name}).",
            check="input",
        )
    if inp.required:
        alternatives = [i.name for i in INPUTS if i.alternative_to == inp.name]
        either = f" (nor {', '.join(alternatives)}, which may stand in)" if alternatives else ""
        return Finding(
            inp.name,
            "",
            ERROR,
            f"{inp.relation} is not in the warehouse{either}: {inp.title.lower()} are required.",
            fix=f"{create}.",
            check="input",
        )
    other = inp.alternative_to
    if other and other in present:
        fix = f"Not needed: {other} is mapped."
    else:
        shows = ", ".join(inp.needed_by)
        fix = f"{create} to show {shows}." if shows else f"{create}."
    return Finding(
        inp.name,
        "",
        INFO,
        f"{inp.title} are not mapped: see {DOCS}#{inp.name}",
        fix=fix,
        check="input",
    )


def run_checks(
    engine: Engine,
    business: biz.Business,
    *,
    now: datetime | None = None,
    inputs_dir: str | Path | None = None,
) -> list[Finding]:
    """Every finding about the warehouse's inputs, in contract order. Raises the driver's
    error when the warehouse cannot be reached; a statement that fails on one input becomes
    an error finding of that input."""
    now = (now or datetime.now(UTC)).replace(tzinfo=None)
    folder = Path(inputs_dir) if inputs_dir else None
    with engine.connect() as conn:
        present = discover(conn)
    out: list[Finding] = []
    for inp in INPUTS:
        rel = present.get(inp.name)
        if rel is None:
            out.append(_absent(inp, present, folder))
            continue
        try:
            with engine.connect() as conn:
                out += _check_input(conn, rel, present, business, now)
        except DBAPIError as exc:
            if exc.connection_invalidated:  # the warehouse went away: not this input's fault
                raise
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
            out.append(
                Finding(
                    inp.name,
                    "",
                    ERROR,
                    f"The checks of {inp.relation} failed in the warehouse: {first}",
                    fix=f"Query {inp.relation} by hand; its SELECT ({_sql(inp)}) may fail "
                    "on some rows.",
                    check="failed",
                )
            )
    return out


# --- saying it --------------------------------------------------------------------------------

_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_ORDER = {i.name: n for n, i in enumerate(INPUTS)}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """By input (contract order), then errors, warnings, notes."""
    return sorted(findings, key=lambda f: (_ORDER.get(f.input, 99), _RANK[f.severity]))


_INDENT = " " * 10
WIDTH = 100


def _wrap(line: str) -> list[str]:
    return textwrap.wrap(
        line, WIDTH, subsequent_indent=_INDENT, break_long_words=False, break_on_hyphens=False
    )


def format_findings(findings: list[Finding]) -> str:
    """A readable report, grouped by input, errors first, ending with a one-line summary."""
    lines: list[str] = []
    findings = sort_findings(findings)
    for inp in INPUTS:
        mine = [f for f in findings if f.input == inp.name]
        if not mine:
            continue
        lines.append(f"{inp.name} ({inp.relation})")
        for f in mine:
            if f.check == "fill":
                continue
            where = f"{f.column}: " if f.column else ""
            lines += _wrap(f"  {f.severity.upper():<7} {where}{f.problem}")
            if f.examples:
                lines += _wrap(f"{_INDENT}e.g. {'; '.join(f.examples)}")
            if f.fix:
                lines += _wrap(f"{_INDENT}fix: {f.fix}")
        fill = [f for f in mine if f.check == "fill"]
        if fill:
            parts = [
                f"{f.column} " + ("unmapped" if f.filled is None else _pct(f.filled)) for f in fill
            ]
            lines += _wrap(f"  {'INFO':<7} optional columns filled: {', '.join(parts)}")
        lines.append("")
    errors = sum(f.severity == ERROR for f in findings)
    warnings = sum(f.severity == WARNING for f in findings)
    notes = sum(f.severity == INFO for f in findings)
    checked = len(INPUTS) - sum(f.check == "input" for f in findings)
    if errors or warnings:
        summary = (
            f"{_rows(errors, 'error')}, {_rows(warnings, 'warning')}, {_rows(notes, 'note')} "
            f"({checked} of {len(INPUTS)} inputs checked)"
            + (": fix the errors first." if errors else ".")
        )
    else:
        summary = (
            f"No errors or warnings: {checked} of {len(INPUTS)} inputs checked, "
            f"{_rows(notes, 'note')}."
        )
    lines.append(summary)
    return "\n".join(lines)


def findings_frame(findings: list[Finding]):
    """The findings as a DataFrame (one row each; examples joined with "; ")."""
    import pandas as pd

    columns = ["input", "column", "severity", "problem", "count", "examples", "fix", "check"]
    rows = [
        {
            "input": f.input,
            "column": f.column,
            "severity": f.severity,
            "problem": f.problem,
            "count": f.count,
            "examples": "; ".join(f.examples),
            "fix": f.fix,
            "check": f.check,
            "filled": f.filled,
        }
        for f in sort_findings(findings)
    ]
    return pd.DataFrame(rows, columns=[*columns, "filled"])


# --- the CLI ----------------------------------------------------------------------------------


def _where(url: str) -> str:
    """The warehouse named without credentials: backend and host (or file name)."""
    u = make_url(url)
    backend = u.get_backend_name()
    if u.host:
        return f"{backend} at {u.host}" + (f":{u.port}" if u.port else "")
    return f"{backend} {Path(u.database).name}" if u.database else backend


def _unreachable(exc: BaseException) -> str:
    text = str(exc).lower()
    if "password authentication failed" in text or "authentication" in text:
        return "the credentials were refused"
    if "does not exist" in text and ("database" in text or "file" in text):
        return "the database does not exist"
    if "timeout" in text or "timed out" in text:
        return "the connection timed out"
    if "resolve host" in text or "translate host" in text or "not known" in text:
        return "the host name is unknown"
    if "refused" in text or "could not connect" in text:
        return "nothing answers there"
    return "the connection failed"


def main(url: str, inputs_dir: str | None = None, config_path: str | None = None) -> int:
    """``python -m data_access.inputs check``: print the findings; 0 none (notes only),
    1 errors or warnings, 2 the warehouse or the configuration cannot be read."""
    from data_access.engine import make_engine
    from data_access.settings import STATEMENT_TIMEOUT_S

    try:
        business = biz.read(Path(config_path) if config_path else None)
    except biz.BusinessConfigError as exc:
        print(
            f"check: the configuration cannot be used: {' '.join(str(exc).split())}",
            file=sys.stderr,
        )
        return 2
    try:
        where = _where(url)
        engine = make_engine(url, timeout_s=max(STATEMENT_TIMEOUT_S, 600.0))
    except (ArgumentError, SQLAlchemyError, ValueError, ImportError):
        print(
            "check: the warehouse URL is not a database URL SQLAlchemy can open.", file=sys.stderr
        )
        return 2
    try:
        try:
            with engine.connect() as conn:
                conn.execute(sa.select(sa.literal(1)))
        except Exception as exc:  # drivers raise their own types too; never a traceback here
            print(
                f"check: the warehouse cannot be reached ({where}): {_unreachable(exc)}.",
                file=sys.stderr,
            )
            return 2
        try:
            findings = run_checks(engine, business, inputs_dir=inputs_dir)
        except SQLAlchemyError as exc:
            print(
                f"check: the warehouse stopped answering ({where}): {_unreachable(exc)}.",
                file=sys.stderr,
            )
            return 2
    finally:
        engine.dispose()
    print(format_findings(findings))
    return 1 if any(f.severity in (ERROR, WARNING) for f in findings) else 0
