"""docs/INPUTS.md, written from the contract: ``python -m data_access.inputs docs``.

The page is generated, never edited by hand; tests/test_input_dictionary.py fails when it is
stale, so the dictionary a data engineer reads is the contract the checks apply.
"""

from __future__ import annotations

import sys
from pathlib import Path

from data_access.inputs import contract

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "docs" / "INPUTS.md"

INTRO = """\
# The input layer: the data dictionary

*Generated from `data_access/inputs/contract.py` by `python -m data_access.inputs docs`; do
not edit by hand.* docs/ADOPTING.md walks through mapping a warehouse from zero.

The project reads your warehouse through a few **inputs**, close to what a streaming platform
already keeps. For each one you write one SELECT over your own tables, in your warehouse's
dialect, answering with the column names below (`mapping/<input>.sql`; for plain renames a
`columns.toml` entry). Then:

```bash
python -m data_access.inputs apply --url URL --inputs mapping/   # creates the in_<input> views
python -m data_access.inputs check --url URL                     # what to fix, input by input
python -m data_access.inputs build --url URL                     # star schema + marts
```

The project, not you, builds the rest: its own integer keys for your text keys (uuids, URIs,
ISRCs; kept in `key_map`), your words mapped to its vocabularies through
`config/business.toml`, amounts converted to EUR with its `[fx]` rates, one outcome per
detection (the last decided review wins; the number of reviews is kept), the attribution of
streams to detections, priorities from a rule, and a calendar that ends at the newest data day.

**Keys.** Any text: the project numbers them in sorted order. **Times** are UTC timestamps.
**Money** is in the row's `currency` (ISO 4217), converted with `[fx]`. **Allowed values**
written *vocab* are the project's words: map yours under `[vocabularies.<name>]` in
`config/business.toml` (a word that maps to nothing is reported by `check`; it never counts as
something else).

**Attribution.** When `streams` has no `flagged_streams`, a stream row (day × track × market)
is flagged in full by the earliest-detected detection of the same track and market whose window
covers its day: from `activity_started_at` (default: `[attribution] lookback_days` before the
detection) to the detection day plus `[attribution] after_days`. Its streams are confirmed when
that detection's last verdict is `confirmed`. Without `estimated_artificial_streams`, the
estimate equals the flagged streams, so recall reads 100% by construction.

"""


def _vocab_line(name: str) -> str:
    return "`" + "`, `".join(contract.VOCABULARIES[name]) + "`"


def _allowed(col: contract.Col) -> str:
    if col.vocabulary:
        return f"vocab *{col.vocabulary}*: {_vocab_line(col.vocabulary)}"
    return {
        "iso2": "ISO 3166-1 alpha-2 code",
        "currency": "ISO 4217 code listed in `[fx]`",
        ">= 0": "≥ 0",
        "0..1": "0 to 1",
    }.get(col.allowed, col.allowed or "any")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    out = [INTRO, "## Inputs\n"]
    out.append("| input | grain | needed |\n| --- | --- | --- |")
    for spec in contract.INPUTS:
        need = (
            "required"
            if spec.required
            else (f"instead of `{spec.alternative_to}`" if spec.alternative_to else "optional")
        )
        out.append(f"| [`{spec.name}`](#{spec.name}) | {_cell(spec.grain)} | {need} |")
    out.append("")
    for spec in contract.INPUTS:
        out.append(f'<a id="{spec.name}"></a>\n## {spec.name}: {spec.title}\n')
        out.append(f"{spec.meaning}\n")
        out.append(f"- **Grain:** {spec.grain}; **key:** `{'`, `'.join(spec.key)}`.")
        if spec.alternative_to:
            out.append(f"- **Instead of** `{spec.alternative_to}`.")
        elif not spec.required:
            hidden = "; ".join(spec.needed_by)
            out.append(
                f"- **Optional.** Without it these say that {spec.title.lower()} are not "
                f"mapped: {hidden}."
            )
        else:
            out.append("- **Required.**")
        for column, target in spec.references.items():
            out.append(f"- `{column}` must match `{target}` (orphans are reported).")
        out.append("")
        out.append(
            "| column | type | required | meaning | unit | allowed | if absent | needed by |"
        )
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for col in spec.columns:
            out.append(
                f"| `{col.name}` | {col.type} | {'yes' if col.required else 'no'} | "
                f"{_cell(col.meaning)} | {col.unit or ''} | {_cell(_allowed(col))} | "
                f"{'—' if col.required else (_cell(col.default) or 'NULL (unknown)')} | "
                f"{_cell(', '.join(col.needed_by)) or 'every page'} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(out: str | None = None) -> int:
    path = Path(out) if out else DEFAULT_OUT
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
