"""Walk the sample citizen through each service with the real UI and print the figures.

Citizen time is modelled (keystroke-level model, see kiosk_app/walkthrough/klm.py); kiosk
wait is measured against the local sandbox with its default latency. Run: make bench.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

EVERY_SERVICE = 120.0
"""Every service is done in two minutes of modelled citizen time (the programme: three)."""
WAIT = 2.0
"""The kiosk makes the citizen wait at most this long per transaction (s)."""
GOALS = {
    "registration-renewal": 60.0,
    "fine": 45.0,
    "address-change": 90.0,
    "driver-record": EVERY_SERVICE,
    "personalized-plate": EVERY_SERVICE,
    "outdoor-card": EVERY_SERVICE,
}
"""Per service: the modelled citizen time it may take (s)."""


def transactions(report: dict[str, object]) -> int:
    """Return how many transactions the visit made (a change of address: one a programme)."""
    programmes = report.get("programmes") or []
    return max(1, len(programmes))  # type: ignore[arg-type]


def walk(service: str) -> dict[str, object]:
    """Run ``kiosk walkthrough SERVICE --json`` and return its report."""
    kiosk = Path(sys.executable).with_name("kiosk")
    done = subprocess.run(
        [str(kiosk), "walkthrough", service, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"walkthrough {service} failed ({done.returncode}):\n{done.stderr[-2000:]}"
        )
    report: dict[str, object] = json.loads(done.stdout)
    return report


def main() -> int:
    """Print each service's citizen time and kiosk wait over a few runs, against the goals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="walkthroughs per service")
    args = parser.parse_args()
    failed = False
    print(
        f"{'service':<22}{'citizen s':>10}{'goal':>7}"
        f"{'wait s/transaction (median/max)':>34}{'goal':>7}  taps keys"
    )
    for service, goal in GOALS.items():
        reports = [walk(service) for _ in range(args.runs)]
        citizen = float(reports[0]["total_citizen_seconds"])  # type: ignore[arg-type]
        waits = [
            float(r["total_wait_seconds"]) / transactions(r)  # type: ignore[arg-type]
            for r in reports
        ]
        ok = citizen <= min(goal, EVERY_SERVICE) and max(waits) <= WAIT
        ok &= all(r["completed"] for r in reports)
        failed |= not ok
        print(
            f"{service:<22}{citizen:>10.2f}{goal:>7.0f}"
            f"{statistics.median(waits):>25.3f} / {max(waits):<6.3f}{WAIT:>7.1f}"
            f"  {reports[0]['taps']:>4} {reports[0]['keys']:>4}  {'ok' if ok else 'MISSED'}"
        )
        for visit in reports[0]["screens"]:  # type: ignore[attr-defined]
            print(
                f"    {visit['screen']:<30} citizen {visit['citizen_seconds']:6.2f} s"
                f"  wait {visit['wait_seconds']:6.3f} s"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
