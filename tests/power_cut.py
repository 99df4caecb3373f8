"""A simulated power cut: build the shim, run a writer under it, kill it, undo what was
not synced (see tests/powercut/powercut.c).

Shared by tests/test_power_loss.py and bench/power_cuts.py.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path

from offline_store.database import KioskDatabase

SHIM_SOURCE = Path(__file__).resolve().parent / "powercut" / "powercut.c"
WRITER = Path(__file__).resolve().parent / "powercut" / "writer.py"
RECORD = struct.Struct("=IIqqq")
WRITE, SYNC = 1, 2


def build_shim(out: Path) -> Path:
    """Compile the shim with gcc into ``out``; return the library's path."""
    library = out / "powercut.so"
    gcc = shutil.which("gcc")
    assert gcc, "gcc is in system-packages/dev.txt"
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-O2", "-Wall", "-o", str(library), str(SHIM_SOURCE), "-ldl"],
        check=True,
        capture_output=True,
    )
    return library


def shim_env(library: Path, disk: Path, log: Path) -> dict[str, str]:
    """Return an environment that runs a process with ``disk`` watched, undo log at ``log``."""
    return {
        **os.environ,
        "LD_PRELOAD": str(library),
        "POWERCUT_DIR": str(disk.resolve()),
        "POWERCUT_LOG": str(log),
        "PYTHONUNBUFFERED": "1",
    }


def cut_power(disk: Path, log: Path) -> int:
    """Undo, file by file, every write after that file's last sync; return how many.

    The shared-memory index (``-shm``) is never durable: it goes, and SQLite rebuilds it
    from the WAL, as after a real power cut.
    """
    entries: list[tuple[int, str, int, bytes, int]] = []
    data = log.read_bytes()
    at = 0
    while at + RECORD.size <= len(data):
        kind, path_len, offset, old_len, old_size = RECORD.unpack_from(data, at)
        at += RECORD.size
        path = data[at : at + path_len].decode()
        at += path_len
        old = data[at : at + old_len]
        at += old_len
        entries.append((kind, path, offset, old, old_size))
    last_sync: dict[str, int] = {}
    for index, (kind, path, *_rest) in enumerate(entries):
        if kind == SYNC:
            last_sync[path] = index
    undone = 0
    for index in range(len(entries) - 1, -1, -1):
        kind, path, offset, old, old_size = entries[index]
        if kind != WRITE or index < last_sync.get(path, -1) or not os.path.exists(path):
            continue
        with open(path, "r+b") as handle:
            handle.seek(offset)
            handle.write(old)
            handle.truncate(old_size)
        undone += 1
    for shm in disk.glob("*-shm"):
        shm.unlink()
    log.unlink()
    return undone


def fresh_disk(parent: Path) -> Path:
    """Make ``parent/disk`` with an empty kiosk database, made and synced before any cut."""
    disk = parent / "disk"
    disk.mkdir()
    KioskDatabase(disk / "kiosk.db").close()
    return disk


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
    assert writer.stdout is not None  # both piped above
    assert writer.stderr is not None
    acknowledged: list[str] = []
    stop_after = acks + rng.randrange(0, 40)
    for line in writer.stdout:
        acknowledged.append(line.strip())
        if len(acknowledged) >= stop_after:
            break
    writer.send_signal(signal.SIGKILL)  # mid-write, somewhere in the next commit
    writer.wait(timeout=30)
    acknowledged += [line.strip() for line in writer.stdout.read().splitlines() if line.strip()]
    if writer.returncode != -signal.SIGKILL:  # it died on its own: no cut was simulated
        raise RuntimeError(f"the writer exited with {writer.returncode}: {writer.stderr.read()}")
    return acknowledged, cut_power(disk, log)


def stored_ids(disk: Path) -> tuple[set[str], str, Path | None]:
    """Open the database as the kiosk would after the cut; return (stored ids, the verdict of
    ``PRAGMA integrity_check``, where a file found damaged was moved or None)."""
    database = KioskDatabase(disk / "kiosk.db")
    with database.reading() as db:
        ids = {row[0] for row in db.execute("select transaction_id from transactions")}
        verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
    moved = database.set_aside
    database.close()
    return ids, verdict, moved
