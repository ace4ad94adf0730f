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

import difflib
import json
import re
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from data_access.inputs import business as biz
from data_access.inputs.contract import INPUTS, VOCABULARIES, Input
from data_access.inputs.probes import (
    ERROR,
    INFO,
    WARNING,
    Probe,
    Relation,
    aggregate_query,
    discover,
    duplicates_query,
    examples_query,
    first_line,
    logical_probes,
    orphans_query,
    sql_file,
    type_probes,
)

SEVERITIES = (ERROR, WARNING, INFO)
DOCS = "docs/INPUTS.md"
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
                    f"Add `{c.name}` to {sql_file(rel.input)} if your warehouse has it.",
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
    sql = sql_file(inp)
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
            f"Make the SELECT in {sql_file(rel.input)} return one row per {key}: aggregate or "
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
            f"Use the same keys in {sql_file(child.input)} and {sql_file(parent.input)}, or "
            f"include the missing {parent.input.name} in {sql_file(parent.input)}.",
            "reference",
        )
    ]


def _absent(inp: Input, present: dict[str, Relation], inputs_dir: Path | None) -> Finding:
    written = inputs_dir is not None and (inputs_dir / f"{inp.name}.sql").is_file()
    create = (
        f"{inputs_dir / (inp.name + '.sql')} exists: run `python -m data_access.inputs apply`"
        if written
        else f"Write {sql_file(inp)} and run `python -m data_access.inputs apply`"
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


# PostgreSQL's default work_mem (4 MB) sends the key check's GROUP BY to disk: at 2M stream
# rows 64 MB halves its time. SET LOCAL: for this transaction only, so a pooled connection
# goes back to the app's engine unchanged.
PG_WORK_MEM = "64MB"


def _working_memory(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT set_config('work_mem', :mem, true)"), {"mem": PG_WORK_MEM})


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
        if rel.unreadable:
            out.append(
                Finding(
                    inp.name,
                    "",
                    ERROR,
                    f"{inp.relation} exists but cannot be read: {rel.unreadable}",
                    fix=f"Run the SELECT of {sql_file(inp)} by hand, fix it and apply it again.",
                    check="input",
                )
            )
            continue
        try:
            with engine.connect() as conn:
                _working_memory(conn)
                out += _check_input(conn, rel, present, business, now)
        except DBAPIError as exc:
            if exc.connection_invalidated:  # the warehouse went away: not this input's fault
                raise
            first = first_line(exc)
            out.append(
                Finding(
                    inp.name,
                    "",
                    ERROR,
                    f"The checks of {inp.relation} failed in the warehouse: {first}",
                    fix=f"Query {inp.relation} by hand; its SELECT ({sql_file(inp)}) may fail "
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
