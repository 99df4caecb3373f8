"""The fleet monitor's ingest rate and the time to compute a month for 1,000 kiosks.

    python bench/fleet.py [--kiosks 200] [--hours 24] [--report-kiosks 1000] [--json]

- **Ingest**: ``kiosk-fleet serve`` runs in its own process (on SQLite, then on a private
  PostgreSQL server from Debian's package); this process posts every kiosk's samples (one
  every 15 s, in batches of 1,000, bodies encoded beforehand) and times it end to end.
- **Month report**: a month of runs for 1,000 simulated kiosks (failures, repairs, outages)
  is written to SQLite, then November's report is computed from the store and rendered as
  PDF (what ``kiosk-fleet report --month 2026-11 --format pdf`` does).

Goals: at least 10,000 samples/s on SQLite; the month computed in at most 1 s. Prints the
figures (``--json`` for machines); exit code 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from admin_tools.fleet import runs_codec  # noqa: E402
from admin_tools.fleet.monthly_report import monthly_report  # noqa: E402
from admin_tools.fleet.report_formats import render  # noqa: E402
from admin_tools.fleet.simulated_upload import rfc3339  # noqa: E402
from admin_tools.fleet.simulation import _timeline  # noqa: E402
from admin_tools.fleet.store import FleetStore  # noqa: E402

INGEST_GOAL = 10_000.0
REPORT_GOAL = 1.0
MONTH = 30 * 86400
END = 1_796_083_200.0  # 2026-12-01T00:00:00Z


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bodies(tokens: dict[str, str], hours: float) -> list[tuple[str, bytes]]:
    """Return (token, JSON body) batches of every kiosk's samples, every 15 s."""
    out: list[tuple[str, bytes]] = []
    start = END - hours * 3600
    for kiosk_id, token in tokens.items():
        samples = [
            {
                "at": rfc3339(start + 15 * n),
                "state": "up",
                "services": {"fine": True, "address-change": True},
                "devices": {"printer": "ok"},
                "outbox_depth": 0,
                "version": "1.4.0",
            }
            for n in range(int(hours * 240))
        ]
        for first in range(0, len(samples), 1000):
            body = {"kiosk_id": kiosk_id, "samples": samples[first : first + 1000]}
            out.append((token, json.dumps(body).encode()))
    return out


def ingest(db: str, kiosks: int, hours: float) -> dict[str, Any]:
    """Serve ``db`` in another process; post and time every kiosk's samples."""
    store = FleetStore(db)
    tokens = {
        f"bench-{n:04d}": store.add_kiosk(f"bench-{n:04d}", "Banc d'essai") for n in range(kiosks)
    }
    store.close()
    batches = bodies(tokens, hours)
    total = sum(body.count(b'"at"') for _token, body in batches)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "kiosk-fleet"), "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    session = requests.Session()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                session.get(f"{url}/metrics", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for kiosk_id, token in tokens.items():  # scrypt checks each token once: not timed
            session.post(
                f"{url}/api/v1/samples",
                json={"kiosk_id": kiosk_id, "samples": []},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ).raise_for_status()
        started = time.perf_counter()
        for token, body in batches:
            answer = session.post(
                f"{url}/api/v1/samples",
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=60,
            )
            answer.raise_for_status()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "samples": total,
        "seconds": round(seconds, 2),
        "samples_per_second": round(total / seconds),
    }


def month_of_runs(db: str, kiosks: int, seed: int = 1) -> None:
    """Write a month of runs for ``kiosks`` simulated kiosks straight into the store."""
    store = FleetStore(db)
    rng = random.Random(seed)
    start = END - MONTH
    rows: list[list[Any]] = []
    for number in range(kiosks):
        kiosk_id = f"month-{number:04d}"
        store.add_kiosk(kiosk_id, "Banc d'essai")
        at = start
        for begin, finish, what in _timeline(random.Random(rng.random()), start, END):
            state = {"paper": "degraded", "ministry": "degraded", "terminal": "down"}.get(what)
            rows.append(_run(kiosk_id, "up", at, begin - 15))
            if state is not None:
                rows.append(_run(kiosk_id, state, begin, finish - 15))
                at = finish
            else:  # a power cut: silence; a network cut: the samples came late, all up
                at = finish if what == "power" else begin
        rows.append(_run(kiosk_id, "up", at, END - 15))
    with store.db.transaction() as tx:
        tx.execute_many(
            "insert into runs (kiosk_id, state, start_at, last_at, times) values (?, ?, ?, ?, ?)",
            [row for row in rows if row[3] >= row[2]],
        )
    store.close()


def _run(kiosk_id: str, state: str, first: float, last: float) -> list[Any]:
    count = max(0, int((last - first) // 15))
    times = tuple(first + 15 * n for n in range(count + 1))
    return [kiosk_id, state, first, times[-1], runs_codec.encode(times)]


def month_report(db: str) -> dict[str, Any]:
    """Time ``kiosk-fleet report --month 2026-11 --format pdf``'s work, from the store."""
    store = FleetStore(db)
    started = time.perf_counter()
    report = monthly_report(store, "2026-11", END)
    pdf = render(report, "pdf")
    seconds = time.perf_counter() - started
    store.close()
    return {
        "kiosks": report["fleet"]["kiosks"],
        "incidents": report["fleet"]["incidents"],
        "fleet_availability_pct": report["fleet"]["availability_pct"],
        "pdf_bytes": len(pdf),
        "seconds": round(seconds, 3),
    }


def run(kiosks: int, hours: float, report_kiosks: int) -> dict[str, Any]:
    from postgres_support import postgres_server

    with tempfile.TemporaryDirectory(prefix="kiosk-fleet-bench-") as scratch:
        work = Path(scratch)
        sqlite = ingest(str(work / "ingest.db"), kiosks, hours)
        with postgres_server() as postgres:
            pg = ingest(postgres, kiosks, hours)
        month_of_runs(str(work / "month.db"), report_kiosks)
        month = month_report(str(work / "month.db"))
    goals = {
        "sqlite_ingest_ge_10000_per_s": sqlite["samples_per_second"] >= INGEST_GOAL,
        "month_report_le_1s": month["seconds"] <= REPORT_GOAL,
    }
    return {"ingest_sqlite": sqlite, "ingest_postgresql": pg, "month": month, "goals": goals}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--report-kiosks", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.kiosks, args.hours, args.report_kiosks)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name in ("ingest_sqlite", "ingest_postgresql"):
            figures = result[name]
            print(f"{name}: {figures['samples']} samples in {figures['seconds']} s"
                  f" ({figures['samples_per_second']}/s)")  # fmt: skip
        month = result["month"]
        print(f"month for {month['kiosks']} kiosks ({month['incidents']} incidents):"
              f" {month['seconds']} s")  # fmt: skip
        for goal, met in result["goals"].items():
            print(f"{goal}: {'met' if met else 'MISSED'}")
    return 0 if all(result["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
