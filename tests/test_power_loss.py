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
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from power_cut import build_shim, cut_power, shim_env

from offline_store.database import KioskDatabase

WRITER = Path(__file__).resolve().parent / "powercut" / "writer.py"


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shim(tmp_path_factory.mktemp("shim"))


def run_until_cut(
    shim: Path, disk: Path, first: int, synchronous: str, acks: int, rng: random.Random
) -> tuple[list[str], int]:
    """Run the writer until it acknowledged at least ``acks`` entries, plus a random few more
    lines of output, then cut the power; return (acknowledged ids, writes undone)."""
    log = disk.parent / "undo.log"
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(disk / "kiosk.db"), str(first), synchronous],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=shim_env(shim, disk, log),
    )
    assert writer.stdout is not None
    acknowledged: list[str] = []
    stop_after = acks + rng.randrange(0, 40)
    for line in writer.stdout:
        acknowledged.append(line.strip())
        if len(acknowledged) >= stop_after:
            break
    writer.send_signal(signal.SIGKILL)  # mid-write, somewhere in the next commit
    writer.wait(timeout=30)
    acknowledged += [line.strip() for line in writer.stdout.read().splitlines() if line.strip()]
    assert writer.returncode == -signal.SIGKILL, writer.stderr.read() if writer.stderr else ""
    return acknowledged, cut_power(disk, log)


def stored_ids(disk: Path) -> tuple[set[str], str, Path | None]:
    database = KioskDatabase(disk / "kiosk.db")
    with database.reading() as db:
        ids = {row[0] for row in db.execute("select transaction_id from transactions")}
        verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
    moved = database.set_aside
    database.close()
    return ids, verdict, moved


def fresh_disk(tmp_path: Path) -> Path:
    disk = tmp_path / "disk"
    disk.mkdir()
    KioskDatabase(disk / "kiosk.db").close()  # made and synced before the cuts
    return disk


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
