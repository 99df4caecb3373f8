"""Which process holds a piece of work, and whether that process is still running.

The kiosk's processes (the UI and the agent) share one SQLite file on one machine. A claim
names its process by pid *and* start time, so a pid reused after a crash is not mistaken
for the process that died holding the claim (Linux ``/proc/PID/stat``, field 22).
"""

from __future__ import annotations

import os
from pathlib import Path


def _start_ticks(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None  # a zombie holds nothing: it is dead, only not yet reaped
    return fields[19]  # field 22 of the whole line: start time in clock ticks since boot


def this_process() -> str:
    """Return this process's claim name: ``pid:start``."""
    pid = os.getpid()
    return f"{pid}:{_start_ticks(pid) or '0'}"


def is_running(owner: str) -> bool:
    """Tell whether the process that wrote ``owner`` (from :func:`this_process`) still runs."""
    pid_text, _, start = owner.partition(":")
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    ticks = _start_ticks(pid)
    if ticks is None:
        if Path("/proc/self/stat").exists() or Path(f"/proc/{pid}").exists():
            return False  # Linux, and no such process
        try:  # elsewhere: is there a process with that pid at all?
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return ticks == start or start == "0"
