"""Scenario: a citizen pays, leaves; the kiosk returns to its attract screen by itself.

Also presses Escape on the way, which must not close the kiosk, and reports whether the
window is fullscreen. Run by tests/test_ui_lockdown.py in its own process; prints JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main(data_dir: Path) -> None:
    from kiosk_app.config import KioskConfig, UiConfig
    from kiosk_app.ui.display import screen
    from kiosk_app.ui.kivy_setup import configure_kivy

    ui = UiConfig(default_language="en", thank_you_seconds=1.0)
    configure_kivy(ui, data_dir / "kivy")
    with screen(ui.width, ui.height):
        print(json.dumps(play(KioskConfig(data_dir=data_dir, ui=ui)), ensure_ascii=False))


def play(config: Any) -> dict[str, Any]:
    from kivy.clock import Clock
    from kivy.core.window import Window

    from device_drivers.sim.payment_terminal import SimulatedCard
    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.session import Step
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.walkthrough.answers import FineAnswers
    from kiosk_app.walkthrough.citizens import fine_citizen
    from kiosk_app.walkthrough.driver import Driver, DriverResult

    seen: dict[str, Any] = {}
    kiosk = build_kiosk(config)
    app = KioskApp(kiosk, config.ui)
    answers = FineAnswers("en", ("210005609818",), SimulatedCard("interac", "0042"))

    def watch(_dt: float) -> None:
        view = app.session.view
        if view.step is Step.ATTRACT:
            seen["back_to_attract"] = True
            seen["after"] = {"notices": len(view.notices), "record": view.record is not None}
            app.stop()

    def paid(result: DriverResult) -> None:
        seen["outcome"] = result.outcome
        seen["fullscreen"] = Window.fullscreen
        seen["window"] = list(Window.size)
        # A person presses Escape on the kiosk's keyboard (or a barcode scanner sends it).
        Window.dispatch("on_keyboard", 27, 0, "", [])
        app.watcher = Clock.schedule_interval(watch, 0.05)

    def started(_app: Any) -> None:
        app.driver = Driver(app, fine_citizen(answers), paid)
        app.driver.start()

    app._on_started = started
    try:
        app.run()
    finally:
        kiosk.close()
    return seen


if __name__ == "__main__":
    main(Path(sys.argv[1]))
