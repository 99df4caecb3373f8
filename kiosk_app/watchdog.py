"""systemd's notify protocol: READY once the screen is up, WATCHDOG while its loop runs.

``kiosk-ui.service`` is ``Type=notify`` with ``WatchdogSec=30``: the app says READY when
the first screen is drawn, then pings from its own main loop (Kivy's clock) every third of
the watchdog interval. A frozen loop stops the pings, and systemd restarts the UI. Outside
systemd (no ``NOTIFY_SOCKET``) nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket

logger = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send ``message`` (e.g. "READY=1") to systemd; return False when not under systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    target = "\0" + address[1:] if address.startswith("@") else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(target)
            sock.sendall(message.encode())
    except OSError as err:
        logger.warning("could not notify systemd (%s): %s", message, err)
        return False
    return True


def ping_interval() -> float | None:
    """Return how often to ping the watchdog (a third of ``WATCHDOG_USEC``), or None."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    # The watchdog is set on the unit's main process: cage, whose child the kiosk is
    # (kiosk-ui.service has NotifyAccess=all, so the child's pings count).
    if not usec or (pid and pid not in (str(os.getpid()), str(os.getppid()))):
        return None
    try:
        return max(0.05, int(usec) / 1_000_000 / 3)
    except ValueError:
        return None
