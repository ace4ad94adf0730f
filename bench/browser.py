"""Browser benchmark: what a person waits for, in real Chromium, ours against a baseline.

    python -m bench.browser [--scales 1,10] [--repeat 3] [--pages overview,trends,...]
                            [--baseline REF | --no-baseline] [--quick]
    make bench            (after `python -m bench`)

For each scale the demo warehouse is built into bench/out/ (reused when present), and two
apps are started in turn with `streamlit run app.py` against it: the working tree, and a
baseline git ref (default fedd018, "P6 main", pages/ layout) checked out with
`git worktree add` into a temporary directory. Each is driven by Playwright in
/usr/bin/chromium (headless) and timed from the person's action to "settled"
(tests/support/settle.py: the run the action started has finished, no status widget, no
spinner, no stale element, the page's headline number visible):

- filter_cold / filter_warm: a market picked in the sidebar that this server has not seen
  (a new market each repeat), then removed and picked again (its data cached);
- navigation: a click on the page in the sidebar navigation, from the page before it;
- fresh_tab: a new browser context (empty HTTP cache) opening the page's URL (from
  navigation start);
- new_tab: the same URL in a new tab of a context that has the app open (its cache holds
  the app's scripts, as a daily user's browser does);
- exposure_cold: the first open of Exposure after a server start (sidebar click from
  Overview, the only page opened before it; a new server each repeat).

Medians of --repeat runs. Results: the "Browser" section of bench/RESULTS.md and the
"browser" key of bench/RESULTS.json (the rest of both files is kept), and a printed table.
Not part of the test run's pass/fail.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.results_file import write_browser
from tests.support.browser import CHROMIUM_ARGS, streamlit_server
from tests.support.settle import (
    HEADLINE_OR_MESSAGE,
    arm,
    install_probe,
    started_at,
    wait_settled,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CHROMIUM = "/usr/bin/chromium"
DEFAULT_BASELINE = "fedd018"

# name -> url path; the sidebar link of a page is the <a> whose href ends with its path.
PAGES = {
    "overview": "",
    "trends": "trends",
    "funnel": "funnel",
    "enforcement": "enforcement",
    "cases": "cases",
    "exposure": "exposure",
}
# metric -> (target seconds, label)
TARGETS = {
    "filter_warm": (0.7, "filter change, warm"),
    "filter_cold": (1.5, "filter change, cold"),
    "navigation": (1.0, "sidebar navigation"),
    "fresh_tab": (2.5, "fresh tab, new browser profile"),
    "new_tab": (2.5, "fresh tab, same browser"),
    "exposure_cold": (3.0, "Exposure cold (after a start)"),
}
# Markets picked for cold filter changes, one per (page, repeat): never SE (tests' market)
# and never one picked before on the same server.
# fmt: off
MARKETS = (
    "NO", "DK", "FI", "GB", "DE", "FR", "NL", "BE", "CH", "AT", "ES", "IT", "PT", "PL", "CZ",
    "RO", "GR", "US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "EC", "UY", "JP", "KR", "AU",
    "NZ", "IN", "ID", "PH", "TH", "VN", "MY", "SG", "TW", "ZA", "NG", "KE", "EG", "MA", "AE",
    "SA", "IL", "TR", "IS", "IE",
)
# fmt: on


# --- warehouses and apps --------------------------------------------------------------------


def _scale_name(scale: float) -> str:
    return f"{scale:g}".replace(".", "_")


def warehouse(scale: float) -> str:
    """URL of the scale's demo warehouse: the scale benchmark's when it finished one,
    else bench/out/browser-s<scale>.duckdb, built here once (a marker file says it is done)."""
    name = _scale_name(scale)
    shared = OUT / f"warehouse-s{name}.duckdb"
    if shared.is_file() and (OUT / f"warehouse-s{name}.json").is_file():
        return f"duckdb:///{shared}"
    path, done = OUT / f"browser-s{name}.duckdb", OUT / f"browser-s{name}.built"
    url = f"duckdb:///{path}"
    if path.is_file() and done.is_file():
        return url
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal"), done):
        stale.unlink(missing_ok=True)
    print(f"building the scale-{scale:g} demo warehouse into {path} ...", flush=True)
    cmd = [sys.executable, "-m", "data_access.demo", "--url", url, "--scale", f"{scale:g}"]
    subprocess.run([*cmd, "--quiet"], cwd=ROOT, check=True)
    done.touch()
    return url


@contextlib.contextmanager
def baseline_checkout(ref: str) -> Iterator[tuple[Path, str]]:
    """`git worktree add` of ``ref`` into a temporary directory; removed afterwards."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", f"{ref}^{{commit}}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tmp = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    tree = tmp / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), sha],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        yield tree, sha
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True
        )
        shutil.rmtree(tmp, ignore_errors=True)


# --- one measurement ------------------------------------------------------------------------


class Session:
    """One browser context on one app, with the settle probe installed."""

    def __init__(self, browser: Browser, base: str, timeout_ms: float):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        install_probe(self.context)
        self.page: Page = self.context.new_page()
        self.base = base
        self.timeout_ms = timeout_ms

    def close(self) -> None:
        self.context.close()

    def open(self, path: str) -> float:
        """Open ``path`` in this (new) tab; seconds from navigation start to settled."""
        self.page.goto(f"{self.base}/{path}")
        return (
            wait_settled(self.page, timeout_ms=self.timeout_ms, headline=HEADLINE_OR_MESSAGE) / 1000
        )

    def new_tab(self, path: str) -> float:
        """Open ``path`` in another tab of this browser context (its HTTP cache holds the
        app's scripts from the first tab, as a daily user's browser does); seconds from
        navigation start to settled."""
        tab = self.context.new_page()
        try:
            tab.goto(f"{self.base}/{path}")
            ms = wait_settled(tab, timeout_ms=self.timeout_ms, headline=HEADLINE_OR_MESSAGE)
            return ms / 1000
        finally:
            tab.close()

    def _settle_after_action(self) -> float:
        end = wait_settled(self.page, timeout_ms=self.timeout_ms, headline=HEADLINE_OR_MESSAGE)
        return (end - started_at(self.page)) / 1000

    def navigate(self, path: str) -> float:
        link = self.page.locator(f'[data-testid="stSidebarNav"] a[href="{self.base}/{path}"]')
        arm(self.page)
        link.first.click()
        return self._settle_after_action()

    def _markets(self):
        return (
            self.page.get_by_test_id("stSidebar")
            .get_by_test_id("stMultiSelect")
            .filter(has_text=re.compile(r"^Markets"))
            .first
        )

    def pick_market(self, code: str) -> float:
        """Pick ``code`` in the sidebar's Markets filter; seconds from the click to settled."""
        box = self._markets()
        box.locator("input").click()
        box.locator("input").fill(code)
        # Option labels may be "SE" or "SE · Sweden"/"Sweden (SE)": match the code as a word.
        option = self.page.get_by_role("option").filter(
            has_text=re.compile(rf"(^|\W){re.escape(code)}(\W|$)")
        )
        option.first.wait_for(timeout=self.timeout_ms)
        arm(self.page)
        option.first.click()
        seconds = self._settle_after_action()
        self.page.keyboard.press("Escape")
        # A pick that did not land would time nothing: the market's tag must be in the box.
        expect(box).to_contain_text(code, timeout=5_000)
        return seconds

    def remove_market(self) -> None:
        """Remove the last picked market (Backspace in the multiselect) and wait to settle."""
        self._markets().locator("input").click()
        arm(self.page)
        self.page.keyboard.press("Backspace")
        self._settle_after_action()
        self.page.keyboard.press("Escape")


def _attempt(results: list, errors: list, what: str, fn) -> None:
    try:
        results.append(fn())
    except Exception as exc:  # noqa: BLE001 - one failed measurement must not lose the run
        errors.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        print(f"    ! {errors[-1]}", flush=True)


def measure_app(
    browser: Browser,
    *,
    cwd: Path,
    url: str,
    pages: list[str],
    repeat: int,
    timeout_ms: float,
) -> dict:
    """Every metric for one app on one warehouse: {metric: {page: [seconds, ...]}}."""
    runs: dict[str, dict[str, list[float]]] = {m: {} for m in TARGETS}
    errors: list[str] = []
    # The audit log of page views goes to a throwaway file, not the checkout's data/.
    audit_dir = tempfile.TemporaryDirectory(prefix="bench-audit-")
    audit = Path(audit_dir.name) / "audit.sqlite"
    env = {"FRAUD_WAREHOUSE_URL": url, "FRAUD_AUDIT_URL": f"sqlite:///{audit}"}
    with audit_dir:
        _measure_servers(browser, cwd, env, pages, repeat, timeout_ms, runs, errors)
    return {"runs": runs, "errors": errors}


def _measure_servers(browser, cwd, env, pages, repeat, timeout_ms, runs, errors) -> None:
    for r in range(repeat):
        # A new server per repeat: Exposure's first open after a start is the cold case.
        with streamlit_server(env=env, cwd=cwd, timeout=120) as base:
            s = Session(browser, base, timeout_ms)
            cold = runs["exposure_cold"].setdefault("exposure", [])
            _attempt([], errors, "open overview", lambda s=s: s.open(""))
            _attempt(cold, errors, "exposure cold", lambda s=s: s.navigate("exposure"))
            s.close()
            print(f"    exposure cold #{r + 1}: {_fmt_runs(cold[-1:])}", flush=True)
            if r == repeat - 1:
                _measure_warm_server(browser, base, pages, repeat, timeout_ms, runs, errors)


def _measure_warm_server(browser, base, pages, repeat, timeout_ms, runs, errors) -> None:
    for i, name in enumerate(pages):
        path = PAGES[name]
        # Fresh tabs: the first open warms the page's default view, then `repeat` timed ones.
        warm_up = Session(browser, base, timeout_ms)
        _attempt([], errors, f"{name} warm-up", lambda s=warm_up, p=path: s.open(p))
        fresh = runs["fresh_tab"].setdefault(name, [])
        for _ in range(repeat):
            s = Session(browser, base, timeout_ms)
            _attempt(fresh, errors, f"{name} fresh tab", lambda s=s, p=path: s.open(p))
            s.close()
        # New tabs in the warm-up's browser context: its HTTP cache already holds the app's
        # scripts (Streamlit serves them immutable for a year).
        tabs = runs["new_tab"].setdefault(name, [])
        for _ in range(repeat):
            _attempt(tabs, errors, f"{name} new tab", lambda s=warm_up, p=path: s.new_tab(p))
        warm_up.close()
        # Filter changes in one tab: a market new to this server, then the same one again.
        cold = runs["filter_cold"].setdefault(name, [])
        warm = runs["filter_warm"].setdefault(name, [])
        s = Session(browser, base, timeout_ms)
        _attempt([], errors, f"{name} open", lambda s=s, p=path: s.open(p))
        for r in range(repeat):
            code = MARKETS[(i * repeat + r) % len(MARKETS)]
            _attempt(cold, errors, f"{name} pick {code} cold", lambda s=s, c=code: s.pick_market(c))
            _attempt([], errors, f"{name} remove {code}", s.remove_market)
            _attempt(warm, errors, f"{name} pick {code} warm", lambda s=s, c=code: s.pick_market(c))
            _attempt([], errors, f"{name} remove {code}", s.remove_market)
        s.close()
        print(
            f"    {name:12s} fresh tab {_fmt_runs(fresh)}  new tab {_fmt_runs(tabs)}"
            f"  filter cold {_fmt_runs(cold)}"
            f"  warm {_fmt_runs(warm)}",
            flush=True,
        )
    # Navigation: round trips through the pages in the sidebar, each hop timed at its target.
    if len(pages) > 1:
        s = Session(browser, base, timeout_ms)
        _attempt([], errors, "navigation start", lambda: s.open(PAGES[pages[0]]))
        order = pages[1:] + pages[:1]
        for _ in range(repeat):
            for name in order:
                nav = runs["navigation"].setdefault(name, [])
                _attempt(nav, errors, f"navigate to {name}", lambda n=name: s.navigate(PAGES[n]))
        s.close()
        print(
            "    navigation "
            + "  ".join(f"{n} {_fmt_runs(v)}" for n, v in runs["navigation"].items()),
            flush=True,
        )


# --- summary and report ---------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt_runs(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values) + "s" if values else "—"


def summarise(measured: dict) -> dict:
    """{scale: {metric: {page: {ours, baseline, ratio, target, met, ...}}}}."""
    out: dict = {}
    for scale, apps in measured.items():
        rows: dict = {}
        for metric, (target, _) in TARGETS.items():
            pages = apps["ours"]["runs"][metric]
            for page, ours_runs in pages.items():
                base_runs = apps.get("baseline", {}).get("runs", {}).get(metric, {}).get(page, [])
                ours, base = _median(ours_runs), _median(base_runs)
                rows.setdefault(metric, {})[page] = {
                    "ours_s": ours,
                    "baseline_s": base,
                    "ratio": ours / base if ours is not None and base else None,
                    "target_s": target,
                    "met": ours is not None and ours <= target,
                    "ours_runs": ours_runs,
                    "baseline_runs": base_runs,
                }
        out[scale] = rows
    return out


def _s(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def table(summary: dict) -> list[str]:
    lines = [
        "| scale | metric | page | ours s | baseline s | ours/baseline | target s | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scale, rows in summary.items():
        for metric, pages in rows.items():
            for page, r in pages.items():
                ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}"
                verdict = "met" if r["met"] else "**missed**"
                lines.append(
                    f"| {scale} | {TARGETS[metric][1]} | {page} | {_s(r['ours_s'])} | "
                    f"{_s(r['baseline_s'])} | {ratio} | ≤ {r['target_s']:g} | {verdict} |"
                )
    return lines


def machine() -> str:
    import streamlit

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    return (
        f"{os.cpu_count()} CPUs, {platform.platform()}; Python {platform.python_version()}, "
        f"Streamlit {streamlit.__version__}, {chromium.strip() or 'chromium'}; "
        f"load average at start {load}"
    )


def render(data: dict) -> str:
    met = sum(
        r["met"] for rows in data["summary"].values() for p in rows.values() for r in p.values()
    )
    total = sum(len(p) for rows in data["summary"].values() for p in rows.values())
    lines = [
        "## Browser",
        "",
        f"Generated by `python -m bench.browser {data['argv']}` on {data['date']}"
        f" ({data['minutes']:.0f} min).",
        "",
        f"Machine: {data['machine']}. A 2-core box shared with other work: read the ratios.",
        "",
        f"Ours = the working tree ({data['ours']}); baseline = {data['baseline'] or 'none'}, "
        "each a `streamlit run app.py` on the same demo warehouse, measured in turn in "
        "headless Chromium. Medians of "
        f"{data['repeat']} repeat(s). Settled = the script run the action started has "
        "finished, no status widget, no spinner, no element marked `data-stale`, no skeleton "
        "(an element whose component is still loading), the headline "
        "number (the first `stMetricValue`, or the page's message where a slice has no data) "
        "visible (tests/support/settle.py). Filter change = pick "
        "a market in the sidebar (cold: new to the server; warm: the same market again); "
        "navigation = a sidebar click from the previous page; fresh tab = the page's URL "
        "opened from navigation start, in a new browser profile (empty HTTP cache: a first "
        "visit, or a shared link opened in another browser) or in a new tab of the same "
        "browser (its cache holds the app's scripts, which Streamlit serves as immutable: "
        "the daily user's case); Exposure cold = its first open "
        "after a server start (a sidebar click from Overview).",
        "",
        f"Targets met: {met} of {total}.",
        "",
    ]
    if data.get("note"):
        lines += [data["note"], ""]
    lines += table(data["summary"])
    if data["errors"]:
        lines += ["", "Measurements that failed (left out of the medians):", ""]
        lines += [f"- {e}" for e in data["errors"][:40]]
    return "\n".join(lines) + "\n"


def _git_describe() -> str:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{sha}{' + uncommitted changes' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.browser", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages", default=",".join(PAGES), help=f"subset of {','.join(PAGES)}")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE, help="git ref measured for the ratio")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--quick", action="store_true", help="one repeat (a short run)")
    ap.add_argument("--timeout-s", type=float, default=300, help="per measurement")
    ap.add_argument("--note", default="", help="a sentence for RESULTS.md")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    pages = [p for p in args.pages.split(",") if p]
    unknown = set(pages) - set(PAGES)
    if unknown:
        ap.error(f"unknown pages: {', '.join(sorted(unknown))}")
    scales = [float(x) for x in args.scales.split(",") if x]
    t0 = time.monotonic()
    data: dict = {
        "argv": " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "repeat": repeat,
        "pages": pages,
        "ours": _git_describe(),
        "baseline": None,
        "note": args.note,
    }
    measured: dict = {}
    errors: list[str] = []
    with contextlib.ExitStack() as stack:
        apps: list[tuple[str, Path]] = [("ours", ROOT)]
        if not args.no_baseline:
            tree, sha = stack.enter_context(baseline_checkout(args.baseline))
            data["baseline"] = f"{args.baseline} ({sha})"
            apps.append(("baseline", tree))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        for scale in scales:
            url = warehouse(scale)
            key = f"{scale:g}"
            for name, cwd in apps:
                print(f"scale {key}, {name}:", flush=True)
                res = measure_app(
                    browser,
                    cwd=cwd,
                    url=url,
                    pages=pages,
                    repeat=repeat,
                    timeout_ms=args.timeout_s * 1000,
                )
                measured.setdefault(key, {})[name] = res
                errors += [f"scale {key}, {name}: {e}" for e in res["errors"]]
    data["summary"] = summarise(measured)
    data["errors"] = errors
    data["minutes"] = (time.monotonic() - t0) / 60
    text = render(data)
    write_browser(text, data)
    print("\n".join(table(data["summary"])))
    met = [r["met"] for rows in data["summary"].values() for p in rows.values() for r in p.values()]
    print(f"browser targets met: {sum(met)} of {len(met)}; {len(errors)} failed measurements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
