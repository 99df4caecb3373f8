"""A screen to draw on: the real one, or a virtual X display (Xvfb) on a headless machine."""

from __future__ import annotations

import ctypes
import logging
import os
import select
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from transactions.errors import KioskError

logger = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to stop Xvfb when the kiosk dies, even by SIGKILL (prctl(2))."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def screen(width: int, height: int, virtual: bool = False) -> Iterator[str]:
    """Yield the X display to use: ``$DISPLAY``, or a new Xvfb of ``width``×``height``."""
    current = os.environ.get("DISPLAY")
    if current and not virtual:
        yield current
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise KioskError("Xvfb is not installed; run `make demo` or `apt-get install xvfb`")
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [
            xvfb,
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
        # Xvfb speaks systemd's notify protocol too: its READY=1 is not the kiosk's.
        env={k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WATCHDOG_"))},
    )
    os.close(write_end)
    try:
        number = _read_display_number(read_end)
        os.environ["DISPLAY"] = f":{number}"
        logger.info("virtual display :%s (%dx%d)", number, width, height)
        yield f":{number}"
    finally:
        os.close(read_end)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        if current:
            os.environ["DISPLAY"] = current
        else:
            os.environ.pop("DISPLAY", None)


def _read_display_number(fd: int, timeout: float = 15.0) -> str:
    ready, _, _ = select.select([fd], [], [], timeout)
    data = os.read(fd, 64).decode().strip() if ready else ""
    if not data.isdigit():
        raise KioskError("Xvfb did not start; check that xvfb is installed and /tmp is writable")
    return data
