"""Scenario: a citizen scans the barcode on their notice instead of typing the number.

Run by tests/test_ui_scanner.py in its own process with the two ends of a socat pty pair:
the kiosk's scanner reads one end, the "scanner" writes the code into the other.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def main(data_dir: Path, kiosk_end: str, scanner_end: str) -> None:
    from kiosk_app.config import DeviceConfig, KioskConfig, UiConfig
    from kiosk_app.ui.display import screen
    from kiosk_app.ui.kivy_setup import configure_kivy

    ui = UiConfig(default_language="en")
    configure_kivy(ui, data_dir / "kivy")
    config = KioskConfig(
        data_dir=data_dir,
        ui=ui,
        scanner=DeviceConfig("serial-scanner", {"port": kiosk_end}),
    )
    with screen(ui.width, ui.height):
        print(json.dumps(play(config, scanner_end), ensure_ascii=False))


def play(config: Any, scanner_end: str) -> dict[str, Any]:
    from kivy.clock import Clock

    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.session import Step
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.walkthrough.driver import Driver, DriverResult, Stop, Tap

    seen: dict[str, Any] = {}
    kiosk = build_kiosk(config)
    app = KioskApp(kiosk, config.ui)

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_en")
        yield Tap("menu", "service_fine")
        yield Stop("at the keypad", completed=True)

    def watch(_dt: float) -> None:
        view = app.session.view
        if view.step is Step.NOTICE_DETAILS and not view.busy:
            seen["screen"] = app.root.current
            seen["notices"] = [n.notice_number for n in view.notices]
            app.stop()

    def at_keypad(_result: DriverResult) -> None:
        seen["typed_before_scan"] = app.session.view.typed
        fd = os.open(scanner_end, os.O_WRONLY | os.O_NOCTTY)
        os.write(fd, b"100042158731\r")  # what a serial scanner sends for one scan
        os.close(fd)
        app.watcher = Clock.schedule_interval(watch, 0.05)

    def started(_app: Any) -> None:
        app.driver = Driver(app, script(), at_keypad)
        app.driver.start()

    app._on_started = started
    try:
        app.run()
    finally:
        kiosk.close()
    return seen


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
