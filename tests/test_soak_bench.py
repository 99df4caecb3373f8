"""`bench/soak.py` keeps working (its figures are for the bench, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kiosk_runs import kiosk_env

pytestmark = pytest.mark.ui

BENCH = Path(__file__).resolve().parent.parent / "bench" / "soak.py"


def test_the_soak_bench_serves_three_citizens_in_one_kiosk_and_reports_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--visits", "3", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=kiosk_env(),
        check=False,
    )
    result = json.loads(done.stdout)
    assert result["goals"]["all_visits_played"], done.stderr[-2000:] + str(result.get("error"))
    # a fine, a registration renewal, and a change of address left for the timer to wipe
    assert result["outcomes"] == {"done": 2, "abandoned": 1}
    assert result["latency_ms"]["touches"] > 0
    assert set(result["latency_ms"]) == {"touches", "p50", "p95", "max"}
    assert set(result["rss_mb"]) == {"after_warm_up", "after_visits", "min", "max", "growth_pct"}
    for name in ("fds", "threads", "tasks", "widgets", "textures"):
        assert set(result[name]) == {"after_warm_up", "after_visits", "min", "max"}
    assert result["cold_start_seconds"] > 0
    assert set(result["goals"]) >= {"latency_p95", "rss_growth", "widgets_constant", "cold_start"}
