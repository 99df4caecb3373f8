"""Scenario: the UI's loop runs, then freezes for 2 s, then runs again.

Run by tests/test_watchdog.py with NOTIFY_SOCKET and WATCHDOG_USEC set: systemd's pings
must arrive while the loop runs and stop while it is blocked.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from harness import run_kiosk, show, watch

FROZEN_SECONDS = 2.0


def play(config: Any) -> dict[str, Any]:
    from kiosk_app.walkthrough.driver import Stop
    from kiosk_app.watchdog import notify

    seen: dict[str, Any] = {}

    def script() -> Any:
        yield Stop("started", completed=True)

    def after(app: Any, _result: Any) -> None:
        phase = {"n": 0, "since": time.monotonic()}

        def check(_dt: float) -> None:
            elapsed = time.monotonic() - phase["since"]
            if phase["n"] == 0 and elapsed > 1.5:
                notify("X-TEST=frozen")  # markers in the same stream, in order
                time.sleep(FROZEN_SECONDS)  # a stuck driver call on the UI thread
                notify("X-TEST=thawed")
                phase["n"], phase["since"] = 1, time.monotonic()
            elif phase["n"] == 1 and elapsed > 1.5:
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after)
    return seen


if __name__ == "__main__":
    from kiosk_app.config import KioskConfig, UiConfig

    show(KioskConfig(data_dir=Path(sys.argv[1]), ui=UiConfig(default_language="fr")), play)
