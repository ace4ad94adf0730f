"""CLI of the input layer.

    python -m data_access.inputs apply --url URL --inputs DIR   # create in_<input> from DIR
    python -m data_access.inputs show  --url URL --inputs DIR   # print the SQL apply runs
    python -m data_access.inputs check --url URL                # findings; exit 0 / 1 / 2
    python -m data_access.inputs build --url URL                # star schema + marts
    python -m data_access.inputs docs [--out docs/INPUTS.md]    # the data dictionary

Exit codes: 0 done / clean, 1 findings or a build error (one line each), 2 the warehouse
cannot be reached or the mapping or configuration cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from data_access.settings import resolve_url


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m data_access.inputs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("apply", "create the in_<input> relations from a mapping folder"),
        ("show", "print the SQL apply would run"),
        ("check", "check the inputs against the contract"),
        ("build", "build the star schema and the marts from the inputs"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--url", default=None, help="SQLAlchemy URL (default: the configured one)")
        p.add_argument("--config", default=None, help="business configuration file")
        if name in ("apply", "show", "check"):
            p.add_argument("--inputs", default=None, help="folder of <input>.sql / columns.toml")
    d = sub.add_parser("docs", help="write the data dictionary (docs/INPUTS.md)")
    d.add_argument("--out", default=None)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "docs":
        from data_access.inputs import dictionary

        return dictionary.main(args.out)
    url = args.url or resolve_url()
    if args.command in ("apply", "show"):
        from data_access.inputs import mapping

        return mapping.main(args.command, url, args.inputs)
    if args.command == "check":
        from data_access.inputs import checks

        return checks.main(url, args.inputs, args.config)
    from data_access.inputs import build

    return build.main(url, args.config)


if __name__ == "__main__":
    sys.exit(main())
