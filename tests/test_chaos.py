"""The crash harness, small: 100 citizens of every service, 20 SIGKILLs of kiosk and agent."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from chaos import run_chaos


def test_killing_the_kiosk_and_agent_at_random_loses_nothing_and_charges_nothing_twice(
    tmp_path: Path,
) -> None:
    result = run_chaos(transactions=100, kills=20, seed=5, workdir=tmp_path)
    print(result)  # the figures, for the issue note (pytest -s)
    assert result["kills"] == 20
    assert result["problems"] == {}
    assert (result["lost"], result["duplicated"], result["unexpected"]) == (0, 0, 0)
    assert result["integrity_ok"]
    assert result["agent_stopped_cleanly"]
    assert sum(result["canary_hits"].values()) == 0  # the address was purged once delivered
    told = result["citizens_told"]
    assert told.get("done", 0) > 50  # most citizens were served, not just refused
