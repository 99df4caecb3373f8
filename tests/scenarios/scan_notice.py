"""Scenario: a citizen scans the barcode on their notice instead of typing the number.

Run by tests/test_ui_scanner.py with the two ends of a socat pty pair: the kiosk's
scanner reads one end, and this scenario writes the scan into the other.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from harness import run_kiosk, show, watch


def play(config: Any, scanner_end: str) -> dict[str, Any]:
    from kiosk_app.session_view import Step
    from kiosk_app.walkthrough.driver import Stop, Tap

    seen: dict[str, Any] = {}

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_en")
        yield Tap("menu", "service_fine")
        yield Stop("at the keypad", completed=True)

    def after(app: Any, _result: Any) -> None:
        seen["typed_before_scan"] = app.session.view.typed
        fd = os.open(scanner_end, os.O_WRONLY | os.O_NOCTTY)
        os.write(fd, b"100042158731\r")  # what a serial scanner sends for one scan
        os.close(fd)

        def check(_dt: float) -> None:
            view = app.session.view
            if view.step is Step.NOTICE_DETAILS and not view.busy:
                seen["screen"] = app.root.current
                seen["notices"] = [n.notice_number for n in view.notices]
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after)
    return seen


if __name__ == "__main__":
    from kiosk_app.config import DeviceConfig, KioskConfig, UiConfig

    data_dir, kiosk_end, scanner_end = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    config = KioskConfig(
        data_dir=data_dir,
        ui=UiConfig(default_language="en"),
        scanner=DeviceConfig("serial-scanner", {"port": kiosk_end}),
    )
    show(config, lambda c: play(c, scanner_end))
