"""``apply`` / ``show``: a mapping folder -> the ``in_<input>`` views in the warehouse.

A mapping folder holds, per input, either ``<input>.sql`` (one SELECT over your own tables,
in your warehouse's dialect, answering with the contract's column names) or an entry in
``columns.toml`` for plain renames::

    [catalogue]
    from = "music.tracks"                     # schema.table
    columns = { track_key = "track_uri", title = "name", label_key = "label_uri", ... }

Each becomes a VIEW ``in_<input>``: the build reads every input once, so a view costs one
scan, and the team's tables stay the single source (a materialised copy would go stale).
Inputs with no file lose their old view, so a removed mapping reads as "not mapped".
Before a view is created its SELECT is run with ``LIMIT 0``: a required column that is
missing stops ``apply`` with one line naming it, and nothing is changed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from sqlalchemy import Engine, column, create_engine, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

from data_access.inputs import contract

# SQL comments (-- to the end of the line, /* ... */) and quoted strings, for the ';' test.
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.S)


class MappingError(ValueError):
    """The mapping folder cannot be used as it is; one line per problem."""


def _select_from_columns(spec: contract.Input, entry: dict, engine: Engine) -> str:
    source = entry.get("from")
    renames = entry.get("columns", {})
    if not isinstance(source, str) or not isinstance(renames, dict):
        raise MappingError(f"columns.toml [{spec.name}] needs `from` and a `columns` table")
    unknown = [k for k in renames if k not in {c.name for c in spec.columns}]
    if unknown:
        raise MappingError(f"columns.toml [{spec.name}]: not in the contract: {', '.join(unknown)}")
    schema, _, name = source.rpartition(".")
    src = table(name, *(column(v) for v in renames.values()), schema=schema or None)
    stmt = select(*(src.c[theirs].label(ours) for ours, theirs in renames.items()))
    return str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))


def read_folder(folder: Path, engine: Engine) -> dict[str, str]:
    """input name -> its SELECT, from ``<input>.sql`` files and ``columns.toml``."""
    if not folder.is_dir():
        raise MappingError(f"{folder} is not a folder")
    out: dict[str, str] = {}
    known = {i.name for i in contract.INPUTS}
    for path in sorted(folder.glob("*.sql")):
        if path.stem not in known:
            raise MappingError(f"{path.name}: no input of that name ({', '.join(sorted(known))})")
        sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
        if ";" in _COMMENTS.sub("", sql):  # a ';' in a comment separates nothing
            raise MappingError(f"{path.name}: one SELECT only (found a ';' inside)")
        out[path.stem] = sql
    cols = folder / "columns.toml"
    if cols.is_file():
        try:
            data = tomllib.loads(cols.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"columns.toml: {exc}") from None
        for name, entry in data.items():
            if name not in known:
                raise MappingError(f"columns.toml [{name}]: no input of that name")
            if name in out:
                raise MappingError(f"{name}: both {name}.sql and columns.toml map it")
            out[name] = _select_from_columns(contract.get(name), entry, engine)
    if not out:
        raise MappingError(f"{folder} holds no <input>.sql file and no columns.toml")
    return out


def statements(engine: Engine, selects: dict[str, str]) -> list[str]:
    """The DDL ``apply`` runs: drop every in_<input> view, create the mapped ones."""
    q = engine.dialect.identifier_preparer.quote
    existing = set(inspect(engine).get_view_names())
    out = [
        "DROP VIEW IF EXISTS " + q(i.relation) for i in contract.INPUTS if i.relation in existing
    ]
    for spec in contract.INPUTS:
        if spec.name in selects:
            # The team's own SELECT, run with its own (write) credentials: DDL takes no
            # bound parameters; the view's name comes from the contract and is quoted.
            out.append("CREATE VIEW " + q(spec.relation) + " AS\n" + selects[spec.name])
    return out


def validate(engine: Engine, selects: dict[str, str]) -> list[str]:
    """One line per input whose SELECT fails or lacks a required column."""
    problems = []
    with engine.connect() as conn:
        for name, sql in selects.items():
            spec = contract.get(name)
            try:
                result = conn.exec_driver_sql("SELECT * FROM (" + sql + ") q LIMIT 0")
                got = {k.lower() for k in result.keys()}  # noqa: SIM118 - column names, not rows
                result.close()
            except SQLAlchemyError as exc:
                first = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:240]
                problems.append(f"{name}.sql does not run: {first}")
                conn.rollback()
                continue
            lacking = [c.name for c in spec.required_columns if c.name not in got]
            if lacking:
                problems.append(
                    f"{name}.sql lacks required column(s) {', '.join(lacking)} "
                    f"(docs/INPUTS.md#{name})"
                )
    return problems


def apply(engine: Engine, folder: Path) -> list[str]:
    selects = read_folder(folder, engine)
    problems = validate(engine, selects)
    if problems:
        raise MappingError("\n".join(problems))
    ddl = statements(engine, selects)
    with engine.begin() as conn:
        for stmt in ddl:
            conn.exec_driver_sql(stmt)
    return [contract.get(n).relation for n in selects]


def main(command: str, url: str, inputs: str | None) -> int:
    if not inputs:
        print("--inputs DIR is required (a folder of <input>.sql files)", file=sys.stderr)
        return 2
    engine = create_engine(url)
    try:
        if command == "show":
            for stmt in statements(engine, read_folder(Path(inputs), engine)):
                print(stmt + ";\n")
            return 0
        created = apply(engine, Path(inputs))
        print("created views: " + ", ".join(created))
        return 0
    except MappingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:240]
        print(f"the warehouse cannot be used: {reason}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
