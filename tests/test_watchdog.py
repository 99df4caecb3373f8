"""The UI feeds systemd's watchdog only while its loop runs (a notify socket listens)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kiosk_runs import SCENARIOS, kiosk_env

pytestmark = pytest.mark.ui


def test_ready_then_pings_that_stop_while_the_loop_is_frozen(tmp_path: Path) -> None:
    address = str(tmp_path / "notify.sock")
    heard: list[tuple[float, str]] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        listener.settimeout(0.2)
        done = threading.Event()

        def listen() -> None:
            while not done.is_set():
                try:
                    heard.append((time.time(), listener.recv(4096).decode()))
                except TimeoutError:
                    continue

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        env = {**kiosk_env(), "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "600000"}
        run = subprocess.run(
            [sys.executable, str(SCENARIOS / "frozen_loop.py"), str(tmp_path / "kiosk")],
            capture_output=True, text=True, timeout=180, env=env, check=False,
        )  # fmt: skip
        done.set()
        thread.join(timeout=5)
    assert run.returncode == 0, run.stderr[-2000:]
    messages = [m for _t, m in heard]  # datagrams from one sender arrive in the order sent
    assert messages[0] == "READY=1"
    assert messages[-1] == "STOPPING=1"
    frozen, thawed = messages.index("X-TEST=frozen"), messages.index("X-TEST=thawed")
    assert messages[1:frozen].count("WATCHDOG=1") >= 3  # every 0.2 s while the loop runs
    assert messages[frozen + 1 : thawed] == []  # frozen: systemd hears nothing, restarts it
    assert messages[thawed + 1 : -1].count("WATCHDOG=1") >= 3  # running again
