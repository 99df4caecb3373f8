"""`bench/fleet.py` keeps working (its speed figures are for the bench, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "fleet.py"


def test_the_fleet_bench_ingests_on_both_databases_and_computes_the_month() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--kiosks", "3", "--hours", "1", "--report-kiosks", "20",
         "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    result = json.loads(done.stdout)
    assert result["ingest_sqlite"]["samples"] == result["ingest_postgresql"]["samples"] == 720
    assert result["month"]["kiosks"] == 20
    assert 50 < result["month"]["fleet_availability_pct"] < 100
