"""Power cuts at scale: what the journal acknowledged and then lost, kiosk settings vs control.

    python bench/power_cuts.py [--cuts 200] [--seed 7] [--json]

The power-loss test's harness (tests/power_cut.py), many times over: a writer process
appends journal entries through the kiosk's own database code under the LD_PRELOAD shim
(tests/powercut/powercut.c), printing each id once its commit returned; after 60 to 99 of
them it is killed with SIGKILL and every write not yet made durable by fsync is undone.
The database is then opened as the kiosk would open it after the power came back (a
damaged file is set aside and a fresh one started), checked with ``PRAGMA
integrity_check``, and the next writer goes on with the same file: N cuts in a row.

This is done N times with the kiosk's settings (``synchronous=FULL``) and N times with the
control (``synchronous=OFF``) on a second file. For each it prints the cuts, the rows
acknowledged, the acknowledged-and-lost, the damaged files, and how many cuts landed with
unsynced writes to undo. Goal: 0 lost and 0 damaged with the kiosk's settings. The control
must lose rows, or the harness could not have seen a loss and the run proves nothing.

Exit code: 0 when both hold; 1 when the kiosk's settings lost or damaged something; 2 when
the control lost nothing (the harness proved nothing).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from power_cut import build_shim, fresh_disk, run_until_cut, stored_ids  # noqa: E402

ACKS = 60
"""Entries each writer acknowledges before its cut (plus 0 to 39 more), as in the test."""
MODES = {"kiosk": "FULL", "control": "OFF"}
"""Each run's name and its ``PRAGMA synchronous``: the kiosk's own, then the control's."""
FIRST_ID_STEP = 100_000
"""Cut n's writer numbers its entries from n × this, so no two cuts share an id."""


def run_cuts(shim: Path, work: Path, synchronous: str, cuts: int, seed: int) -> dict[str, Any]:
    """Cut the power ``cuts`` times under one file at ``synchronous``; return the figures."""
    work.mkdir()
    disk = fresh_disk(work)
    rng = random.Random(seed)
    acknowledged: set[str] = set()
    lost: set[str] = set()
    cuts_with_loss = cuts_mid_write = writes_undone = 0
    damaged_at: list[int] = []
    started = time.monotonic()
    for cut in range(cuts):
        acked, undone = run_until_cut(shim, disk, cut * FIRST_ID_STEP, synchronous, ACKS, rng)
        acknowledged.update(acked)
        writes_undone += undone
        cuts_mid_write += undone > 0
        ids, verdict, moved = stored_ids(disk)
        if moved is not None or verdict != "ok":
            damaged_at.append(cut)
        missing = acknowledged - ids - lost
        if missing:
            cuts_with_loss += 1
            lost |= missing
    return {
        "synchronous": synchronous,
        "cuts": cuts,
        "acknowledged": len(acknowledged),
        "lost": len(lost),
        "cuts_with_loss": cuts_with_loss,
        "damaged": len(damaged_at),
        "damaged_at_cuts": damaged_at,
        "cuts_mid_write": cuts_mid_write,
        "writes_undone": writes_undone,
        "seconds": round(time.monotonic() - started, 1),
    }


def verdict(kiosk: dict[str, Any], control: dict[str, Any]) -> tuple[int, str]:
    """Return the exit code and the sentence that the two runs' figures add up to."""
    if kiosk["lost"] or kiosk["damaged"]:
        return 1, (
            f"the kiosk's settings lost {kiosk['lost']} acknowledged rows"
            f" and damaged {kiosk['damaged']} files"
        )
    if not control["lost"]:
        return 2, "the control lost nothing: the harness proved nothing"
    return 0, (
        f"the kiosk's settings lost nothing in {kiosk['cuts']} cuts;"
        f" the control lost {control['lost']} acknowledged rows"
    )


def run(cuts: int, seed: int) -> dict[str, Any]:
    """Run both series in a scratch folder; return their figures and the verdict."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kiosk-power-cuts-") as scratch:
        work = Path(scratch)
        shim = build_shim(work)
        runs = {
            name: run_cuts(shim, work / name, synchronous, cuts, seed)
            for name, synchronous in MODES.items()
        }
    code, sentence = verdict(runs["kiosk"], runs["control"])
    return {
        "cuts": cuts,
        "seed": seed,
        **runs,
        "seconds": round(time.monotonic() - started, 1),
        "verdict": sentence,
        "exit_code": code,
    }


def describe(name: str, figures: dict[str, Any]) -> str:
    """Return one run's figures as a line for people."""
    damaged = f" (at cuts {figures['damaged_at_cuts']})" if figures["damaged"] else ""
    return (
        f"{name:7} synchronous={figures['synchronous']:4} {figures['cuts']} cuts,"
        f" {figures['acknowledged']} acknowledged, {figures['lost']} acknowledged-and-lost"
        f" ({figures['cuts_with_loss']} cuts lost some), {figures['damaged']} damaged files"
        f"{damaged}; {figures['cuts_mid_write']} cuts landed mid-write,"
        f" {figures['writes_undone']} writes undone; {figures['seconds']} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--cuts", type=int, default=200, help="power cuts per series (200)")
    parser.add_argument("--seed", type=int, default=7, help="where each cut lands (7)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.cuts < 1:
        parser.error("--cuts must be at least 1")
    result = run(args.cuts, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name in MODES:
            print(describe(name, result[name]))
        print(f"{result['verdict']} ({result['seconds']} s in all)")
    return int(result["exit_code"])


if __name__ == "__main__":
    sys.exit(main())
