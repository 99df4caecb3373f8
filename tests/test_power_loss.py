"""Power loss: what the kiosk acknowledged survives a power cut.

A writer process appends journal entries through the kiosk's own database code and prints
each one once its commit returned (the moment a citizen would be told "done"). It runs
under an LD_PRELOAD shim that logs every write not yet made durable by fsync; it is killed
with SIGKILL at a random moment and every unsynced write is undone (tests/power_cut.py):
the disk as a power cut could leave it. With the kiosk's ``synchronous=FULL`` every
acknowledged entry must be there and the file must pass its integrity check; the control,
``synchronous=OFF``, must lose some, or the harness could not see a loss at all.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from power_cut import build_shim, fresh_disk, run_until_cut, stored_ids


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shim(tmp_path_factory.mktemp("shim"))


def test_every_acknowledged_entry_survives_power_cuts_at_random_moments(
    shim: Path, tmp_path: Path
) -> None:
    disk = fresh_disk(tmp_path)
    rng = random.Random(7)
    acknowledged: list[str] = []
    undone = 0
    for cut in range(4):
        acked, dropped = run_until_cut(shim, disk, cut * 100_000, "FULL", 60, rng)
        acknowledged += acked
        undone += dropped
        ids, verdict, moved = stored_ids(disk)
        assert moved is None  # the file was never found damaged
        assert verdict == "ok"
        missing = sorted(set(acknowledged) - ids)
        assert missing == [], f"cut {cut}: acknowledged but lost: {missing[:5]}"
    assert undone > 0  # each cut landed with unsynced writes to drop (the next commit's)
    print(f"power loss (FULL): {len(acknowledged)} acknowledged, 0 lost, {undone} writes undone")


def test_the_control_without_fsync_loses_acknowledged_entries(shim: Path, tmp_path: Path) -> None:
    disk = fresh_disk(tmp_path)
    acknowledged, undone = run_until_cut(shim, disk, 0, "OFF", 60, random.Random(7))
    ids, _verdict, _moved = stored_ids(disk)
    lost = set(acknowledged) - ids
    print(f"power loss (OFF): {len(acknowledged)} acknowledged, {len(lost)} lost")
    assert undone > 0
    assert lost, "with synchronous=OFF a power cut must lose something the kiosk acknowledged"
