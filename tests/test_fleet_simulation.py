"""`kiosk-fleet simulate` makes a plausible, repeatable fleet through the real API."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

from admin_tools.fleet.availability import availability_report
from admin_tools.fleet.simulation import simulate_fleet
from admin_tools.fleet.store import FleetStore
from admin_tools.fleet.timeline import runs_of, timeline

FLEET = str(Path(sys.executable).parent / "kiosk-fleet")
END = 1_795_000_000.0


def test_the_same_seed_makes_the_same_fleet_and_another_seed_another() -> None:
    def fleet(seed: int) -> list[list[tuple[float, str]]]:
        return [
            [(s["at"], s["state"]) for s in kiosk.samples]
            for kiosk in simulate_fleet(5, END - 86400, END, 60, seed)
        ]

    assert fleet(4) == fleet(4)
    assert fleet(4) != fleet(5)


def test_a_simulated_week_has_failures_repairs_and_late_samples(tmp_path: Path) -> None:
    db = str(tmp_path / "fleet.db")
    done = subprocess.run(
        [FLEET, "simulate", "--kiosks", "12", "--days", "7", "--seed", "3", "--db", db],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "12 kiosks" in done.stdout
    store = FleetStore(db)
    histories = store.histories()
    now = max(run.last for runs in histories.values() for run in runs) + 1
    report = availability_report(histories, now - 7 * 86400, now, now, store.grace)
    store.close()
    assert len(report["kiosks"]) == 12
    pct = report["fleet"]["availability_pct"]
    assert pct is not None
    assert 85.0 < pct < 100.0  # troubles happen, but a kiosk is mostly up
    assert "down" in {i["cause"] for i in report["incidents"]}  # dead payment terminals
    assert any(i["sla_breached"] for i in report["incidents"])  # some repairs took too long
    assert any(not i["sla_breached"] for i in report["incidents"])


def test_power_cuts_leave_silence_and_network_cuts_ship_their_samples_late() -> None:
    silent = late = 0
    for kiosk in simulate_fleet(30, END - 7 * 86400, END, 60, 8):
        times = [float(s["at"]) for s in kiosk.samples]
        late += sum(1 for a, b in itertools.pairwise(times) if b < a)
        runs = runs_of([(float(s["at"]), str(s["state"])) for s in kiosk.samples], 60)
        silent += sum(1 for part in timeline(runs, 60, END) if part.silent)
    assert silent > 0
    assert late > 0
