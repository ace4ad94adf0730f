"""The alert runner's CLI: one pass, then exit (schedule it; there is no daemon).

    python -m alerts run                  # every due rule and subscription, then retries
    python -m alerts run --dry-run        # print what would be sent; change nothing
    python -m alerts run --rule 3 --now   # rule 3 now, whatever its schedule
    python -m alerts run --rule 3 --test  # send rule 3's current state as a test

Exit status: 0 when everything due was evaluated and delivered, 1 when a rule could not
be evaluated or a delivery failed (it is retried by the next run), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence
from datetime import datetime


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alerts", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="evaluate what is due, deliver, retry failed deliveries")
    run.add_argument("--dry-run", action="store_true", help="print what would be sent")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--rule", type=int, help="only this rule")
    which.add_argument("--subscription", type=int, help="only this subscription")
    run.add_argument("--now", action="store_true", help="evaluate now, whatever the schedule")
    run.add_argument("--test", action="store_true", help="send the current state as a test")
    run.add_argument("--at", help="the run's clock, UTC ISO time (default: now)")
    run.add_argument("--url", help="warehouse URL (default: the app's configured warehouse)")
    run.add_argument("--base-url", help="the app's address for permalinks ($FRAUD_BASE_URL)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    for name in ("streamlit", "streamlit.runtime.caching.cache_data_api"):
        logging.getLogger(name).setLevel(logging.ERROR)

    from alerts.runner import Run, run_once
    from alerts.store import utcnow

    if (args.now or args.test) and args.rule is None and args.subscription is None:
        parser.error("--now and --test need --rule ID or --subscription ID")
    try:
        now = datetime.fromisoformat(args.at).replace(tzinfo=None) if args.at else utcnow()
    except ValueError:
        parser.error("--at must be an ISO date and time, e.g. 2026-12-01T08:00")
    from reports.deck import _stop_kaleido

    try:
        result = run_once(
            Run(now=now, dry_run=args.dry_run, warehouse=args.url, base_url=args.base_url),
            rule=args.rule,
            subscription=args.subscription,
            force=args.now,
            test=args.test,
        )
    finally:
        _stop_kaleido()  # the browser a Plotly chart image may have started
    print(f"{result.sent} sent, {result.failures} failed" + (" (dry run)" if args.dry_run else ""))
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
