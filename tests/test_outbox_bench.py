"""`bench/outbox.py` keeps working (its figures are for the bench, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "outbox.py"


def test_the_outbox_bench_delivers_every_item_of_both_queues() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--items", "200", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = json.loads(done.stdout)
    assert result["goals"]["all_delivered"], done.stderr[-2000:]
    assert result["kiosk_outbox"]["drained"] == result["persist_queue"]["drained"] == 200
    assert result["persist_queue"]["delivered"] == 200
    for name in ("kiosk_outbox", "persist_queue"):
        assert set(result[name]["enqueue"]) == {"p50_ms", "p99_ms", "max_ms"}
