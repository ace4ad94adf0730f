"""The checks' statements: pure builders over an ``in_<input>`` relation as the warehouse
holds it (``Relation``), run by ``data_access.inputs.checks``.

A ``Probe`` is one condition on rows (a NULL key, an unknown word, a negative amount, a future
timestamp, counts out of order …); all probes of an input are counted in one aggregate
statement (``aggregate_query``), and examples are fetched only for those that found rows
(``examples_query``). The key and each reference are one grouped statement each. Identifiers
come from the contract (matched to the warehouse's spelling), values are bound parameters;
dialect differences are ``dialect.try_cast`` and ``dialect.one_of``.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
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
CONFIG = "config/business.toml"
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
# note only: a row's flagged streams may include organic ones (the demo flags whole rows: at
# scale 0.03, 146 of its 2,251 flagged rows exceed their artificial streams; at scale 1,
# 20,028), and recall reads above 100% only where that holds.
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
    unreadable: str = ""  # why its columns could not be listed (a view over a dropped table)

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


def first_line(exc: BaseException) -> str:
    """The first line of a driver's message (no SQL, no parameters), at most 200 characters."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [""])[0][:200]


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
        try:
            cols = {c["name"].lower(): c for c in insp.get_columns(actual)}
        except DBAPIError as exc:
            conn.rollback()  # the transaction is aborted: go on in a fresh one
            found[inp.name] = Relation(inp, {}, {}, actual, first_line(exc))
            continue
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


def sql_file(inp: Input) -> str:
    """How fixes name the team's SELECT of an input."""
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
                f"{sql_file(rel.input)} (parse your format there).",
                (rel.text(name),),
                by_value=True,
            )
        )
    return out


def logical_probes(rel: Relation, business: biz.Business, now: datetime) -> list[Probe]:
    """Row checks of an input whose structure holds."""
    inp, out = rel.input, []
    sql = sql_file(inp)
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
            # As the build reads them: case and surrounding spaces do not matter.
            bad = ~one_of(sa.func.upper(sa.func.trim(rel.text(c.name))), MARKET_CODES)
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
