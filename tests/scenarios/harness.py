"""Run the kiosk in this process on a virtual display and play a scripted citizen.

Scenarios are separate processes because Kivy opens one window per process; each prints
what a bystander would see as one JSON line, which ``kiosk_runs.run_scenario`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def show(config: Any, play: Callable[[Any], dict[str, Any]]) -> None:
    """Configure Kivy and a virtual screen for ``config``, run ``play``, print its JSON."""
    from kiosk_app.ui.display import screen
    from kiosk_app.ui.kivy_setup import configure_kivy

    configure_kivy(config.ui, config.data_dir / "kivy")
    with screen(config.ui.width, config.ui.height):
        print(json.dumps(play(config), ensure_ascii=False))


def main(play: Callable[[Any], dict[str, Any]], **ui: Any) -> None:
    """Run ``play`` on a kiosk keeping its state in the folder named on the command line."""
    import sys
    from pathlib import Path

    from kiosk_app.config import KioskConfig, UiConfig

    show(KioskConfig(data_dir=Path(sys.argv[1]), ui=UiConfig(**ui)), play)


def run_kiosk(
    config: Any,
    script: Any,
    after: Callable[[Any, Any], None],
    prepare: Callable[[Any], None] | None = None,
) -> Any:
    """Run the kiosk app; the driver plays ``script``, then ``after(app, result)`` is called.

    ``after`` decides what to watch next and stops the app. ``prepare(app)``, if given, runs
    before the app starts (to swap a sensor for one the scenario controls). Returns the app
    once it ends.
    """
    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.walkthrough.driver import Driver

    kiosk = build_kiosk(config)
    app = KioskApp(kiosk, config.ui)
    if prepare is not None:
        prepare(app)

    def started(_app: Any) -> None:
        # Kivy's Clock holds bound methods weakly: the app keeps the driver alive.
        app.driver = Driver(app, script, lambda result: after(app, result))
        app.driver.start()

    app._on_started = started
    try:
        app.run()
    finally:
        kiosk.close()
    return app


def watch(app: Any, check: Callable[[float], None]) -> None:
    """Call ``check`` every frame-ish (50 ms) until the app stops."""
    from kivy.clock import Clock

    app.watcher = Clock.schedule_interval(check, 0.05)
