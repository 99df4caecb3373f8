"""Scenario: a citizen types part of a notice number, is asked twice, and walks away.

Run by tests/test_ui_inactivity.py in its own process (Kivy opens one window per process).
Prints what a bystander would see, as JSON. The quiet spells are short here; the real
45 s / 20 s timings are proven by tests/test_inactivity_guard.py.
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

    ui = UiConfig(default_language="fr", inactivity_seconds=2.0, prompt_seconds=2.0)
    configure_kivy(ui, data_dir / "kivy")
    with screen(ui.width, ui.height):
        print(json.dumps(play(KioskConfig(data_dir=data_dir, ui=ui)), ensure_ascii=False))


def play(config: Any) -> dict[str, Any]:
    from kivy.clock import Clock

    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.session import Step
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.walkthrough.driver import Driver, DriverResult, Stop, Tap
    from kiosk_app.walkthrough.touch import tap

    seen: dict[str, Any] = {"prompts": 0}
    kiosk = build_kiosk(config)
    app = KioskApp(kiosk, config.ui)

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_en")
        yield Tap("menu", "service_fine")
        for digit in "100042":
            yield Tap("notice_entry", f"key_{digit}", key=True)
        yield Stop("typed", completed=True)

    def watch(_dt: float) -> None:
        view = app.session.view
        if app.prompt is not None and not seen.get("asking"):
            seen["asking"] = True
            seen["prompts"] += 1
            seen["prompt_text"] = app.prompt.countdown_text
            if seen["prompts"] == 1:  # the first time, the citizen answers "yes"
                tap(app.prompt.ids.more_time)
                seen["tapped_yes"] = True
                return
        if seen.pop("tapped_yes", False):  # a frame after the touch
            seen["typed_after_more_time"] = app.session.view.typed
            seen["prompt_closed_by_touch"] = app.prompt is None
        if app.prompt is None:
            seen["asking"] = False
        if seen["prompts"] == 2 and view.step is Step.ATTRACT:
            entry = app.root.get_screen("notice_entry")
            entry.render(view, app)
            seen["after_wipe"] = {
                "screen": app.root.current,
                "typed": view.typed,
                "notices": len(view.notices),
                "language": view.language,
                "keypad_display": entry.typed_text,
            }
            app.stop()

    def typed(result: DriverResult) -> None:
        seen["typed_before"] = app.session.view.typed
        seen["driver_outcome"] = result.outcome
        app.watcher = Clock.schedule_interval(watch, 0.05)

    def started(_app: Any) -> None:
        app.driver = Driver(app, script(), typed)
        app.driver.start()

    app._on_started = started
    try:
        app.run()
    finally:
        kiosk.close()
    return seen


if __name__ == "__main__":
    main(Path(sys.argv[1]))
