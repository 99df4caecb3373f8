"""A simulated power cut: build the shim, run a writer under it, kill it, undo what was
not synced (see tests/powercut/powercut.c)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

SHIM_SOURCE = Path(__file__).resolve().parent / "powercut" / "powercut.c"
RECORD = struct.Struct("=IIqqq")
WRITE, SYNC = 1, 2


def build_shim(out: Path) -> Path:
    """Compile the shim with gcc into ``out``; return the library's path."""
    library = out / "powercut.so"
    gcc = shutil.which("gcc")
    assert gcc, "gcc is in system-packages.txt"
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
