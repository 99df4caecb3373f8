"""`bench/power_cuts.py` keeps working: a few cuts lose nothing with the kiosk's settings, and
the control loses (the 200-cut figures are for the bench, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from power_cuts import verdict

BENCH = Path(__file__).resolve().parent.parent / "bench" / "power_cuts.py"
FIGURES = {
    "synchronous",
    "cuts",
    "acknowledged",
    "lost",
    "cuts_with_loss",
    "damaged",
    "damaged_at_cuts",
    "cuts_mid_write",
    "writes_undone",
    "seconds",
}


def figures(lost: int, damaged: int = 0) -> dict[str, Any]:
    """Return one series' figures as the bench reports them, with ``lost`` rows lost."""
    return {"cuts": 200, "acknowledged": 16_000, "lost": lost, "damaged": damaged}


def test_a_few_power_cuts_lose_nothing_with_the_kiosks_settings_and_some_in_the_control() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--cuts", "3", "--seed", "11", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert set(result) == {"cuts", "seed", "kiosk", "control", "seconds", "verdict", "exit_code"}
    kiosk, control = result["kiosk"], result["control"]
    assert set(kiosk) == set(control) == FIGURES
    assert (kiosk["synchronous"], control["synchronous"]) == ("FULL", "OFF")
    assert kiosk["cuts"] == control["cuts"] == 3
    assert kiosk["acknowledged"] >= 3 * 60  # each writer acknowledges 60 before its cut
    assert (kiosk["lost"], kiosk["damaged"], kiosk["damaged_at_cuts"]) == (0, 0, [])
    assert kiosk["cuts_mid_write"] > 0  # the cuts dropped unsynced writes: there was a risk
    assert control["lost"] > 0


def test_a_control_that_lost_nothing_means_the_harness_proved_nothing() -> None:
    code, sentence = verdict(figures(lost=0), figures(lost=0))
    assert code == 2
    assert "proved nothing" in sentence


def test_a_row_lost_with_the_kiosks_settings_fails_the_bench_whatever_the_control_did() -> None:
    assert verdict(figures(lost=1), figures(lost=15_873))[0] == 1
    assert verdict(figures(lost=0, damaged=1), figures(lost=0))[0] == 1


def test_the_kiosks_settings_losing_nothing_while_the_control_loses_passes() -> None:
    code, sentence = verdict(figures(lost=0), figures(lost=15_873))
    assert code == 0
    assert "15873" in sentence
