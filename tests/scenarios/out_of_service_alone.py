"""Scenario: kiosk-out-of-service's screen, on its own, after the UI crashed too often.

Run by tests/test_systemd_units.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness import show


def play(_config: Any) -> dict[str, Any]:
    from kivy.clock import Clock

    from kiosk_app.ui.out_of_service_app import OutOfServiceApp

    seen: dict[str, Any] = {}
    app = OutOfServiceApp("ui_crashed")

    def look(_dt: float) -> None:
        screen = app.root
        seen["title_fr"] = screen.ids.title_fr.text
        seen["title_en"] = screen.ids.title_en.text
        seen["reason"] = screen.ids.reason.text
        app.stop()

    Clock.schedule_once(look, 0.5)
    app.run()
    return seen


if __name__ == "__main__":
    from kiosk_app.config import KioskConfig, UiConfig

    show(KioskConfig(data_dir=Path(sys.argv[1]), ui=UiConfig(default_language="fr")), play)
