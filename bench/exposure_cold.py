"""Exposure cold open in Chromium: a fresh `streamlit run` server (empty Streamlit caches),
a deep link to /exposure as the first request, timed until the page has settled (the
headline tile and the market table shown, no spinner, no running status widget).

    python -m bench.exposure_cold [--repo PATH] [--store empty|warm|keep] [--repeat 3]
                                  [--page exposure]

``--store warm`` runs the forecast warm-up (python -m ui.forecast_warm) into a fresh store
first, as `make warehouse` does; ``empty`` starts from an empty store; ``keep`` uses the
store at FRAUD_FORECAST_CACHE as it is. ``--repo`` runs another checkout's app (e.g. main,
for the before/after ratio) against this checkout's warehouse. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTLE_TIMEOUT_MS = 600_000


def _open_and_settle(base_url: str, chromium: str, path: str) -> float:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(f"{base_url}/{path}")
        if path == "exposure":
            for text in ("Forecast exposure, next 13 weeks", "Exposure by market, next 13 weeks"):
                expect(page.get_by_text(text, exact=True)).to_be_visible(timeout=SETTLE_TIMEOUT_MS)
        else:  # another page, for the floor every cold page pays
            expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=SETTLE_TIMEOUT_MS)
        expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=SETTLE_TIMEOUT_MS)
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=SETTLE_TIMEOUT_MS)
        elapsed = time.perf_counter() - t0
        browser.close()
    return elapsed


def run_once(repo: Path, env: dict[str, str], chromium: str, path: str) -> float:
    sys.path.insert(0, str(ROOT))
    from tests.support.browser import _stop_group, _wait_healthy, free_port, streamlit_command

    port = free_port()
    cmd = streamlit_command("app.py", port)
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=repo,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_healthy(proc, f"http://127.0.0.1:{port}/_stcore/health", 120, log)
            return _open_and_settle(f"http://127.0.0.1:{port}", chromium, path)
        finally:
            _stop_group(proc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.exposure_cold", description=__doc__)
    ap.add_argument("--repo", type=Path, default=ROOT)
    ap.add_argument("--store", choices=("empty", "warm", "keep"), default="warm")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--page", default="exposure", help="url path (e.g. '' for Overview)")
    ap.add_argument("--url", help="warehouse URL (default: this checkout's demo warehouse)")
    args = ap.parse_args(argv)
    from data_access.settings import default_url

    chromium = os.environ.get("FRAUD_CHROMIUM") or "/usr/bin/chromium"
    env = {"FRAUD_WAREHOUSE_URL": args.url or default_url()}
    env["FRAUD_AUDIT_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-audit-')}/a.sqlite"
    times = []
    for _ in range(args.repeat):
        if args.store != "keep":
            store = Path(tempfile.mkdtemp(prefix="bench-fc-")) / "fits.sqlite"
            env["FRAUD_FORECAST_CACHE"] = str(store)
            if args.store == "warm":
                subprocess.run(
                    [sys.executable, "-m", "ui.forecast_warm"],
                    cwd=ROOT,
                    env={**os.environ, **env},
                    check=True,
                    capture_output=True,
                )
        times.append(run_once(args.repo, env, chromium, args.page))
        print(f"/{args.page} cold: {times[-1]:.2f} s", flush=True)
    print(
        f"SUMMARY /{args.page} cold ({args.repo.name}, store {args.store}): median "
        f"{statistics.median(times):.2f} s over {len(times)} (min {min(times):.2f}, "
        f"max {max(times):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
