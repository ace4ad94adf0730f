"""bench/RESULTS.md and bench/RESULTS.json hold more than one benchmark: each writes its own
part and keeps the others' (the scale benchmark the file, the browser benchmark a section)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
RESULTS_JSON = ROOT / "bench" / "RESULTS.json"
BROWSER_HEADING = "## Browser"
POLICY_HEADING = "## Policy lab"  # bench/policy.py's section
# Sections other benchmarks write, which the scale benchmark's rewrite carries over.
KEPT_HEADINGS = (BROWSER_HEADING, POLICY_HEADING)


def split_section(text: str, heading: str = BROWSER_HEADING) -> tuple[str, str]:
    """(text without the section, the section): a section runs from its ``## `` heading to
    the next ``## `` heading or the end."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        return text, ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "".join(lines[:start] + lines[end:]), "".join(lines[start:end])


def with_section(text: str, section: str, heading: str = BROWSER_HEADING) -> str:
    """``text`` with its ``heading`` section replaced by ``section`` (appended if absent)."""
    rest, _ = split_section(text, heading)
    if not section:
        return rest
    return rest.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"


def read_json() -> dict:
    try:
        return json.loads(RESULTS_JSON.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_browser(section_md: str, data: dict) -> None:
    """Replace the browser part of both files, keeping everything else."""
    md = RESULTS_MD.read_text() if RESULTS_MD.is_file() else "# Benchmarks\n"
    RESULTS_MD.write_text(with_section(md, section_md))
    results = read_json()
    results["browser"] = data
    RESULTS_JSON.write_text(json.dumps(results, indent=2, default=str) + "\n")


def keep_browser(md: str, results: dict) -> tuple[str, dict]:
    """For the scale benchmark, which rewrites both files: carry the other benchmarks' parts
    over (the browser section and its JSON, the Policy lab section)."""
    old_md = RESULTS_MD.read_text() if RESULTS_MD.is_file() else ""
    for heading in KEPT_HEADINGS:
        _, section = split_section(old_md, heading)
        md = with_section(md, section, heading)
    old = read_json()
    if "browser" in old:
        results = {**results, "browser": old["browser"]}
    return md, results
