"""Scenario: a citizen pays and leaves; the kiosk returns to its attract screen by itself.

Escape is pressed on the way and must not close the kiosk; the window must be
fullscreen. Run by tests/test_ui_lockdown.py.
"""

from __future__ import annotations

from typing import Any

from harness import main, run_kiosk, watch


def play(config: Any) -> dict[str, Any]:
    from kivy.core.window import Window

    from device_drivers.sim.card_reader import SimulatedCard
    from kiosk_app.session_view import Step
    from kiosk_app.walkthrough.answers import FineAnswers
    from kiosk_app.walkthrough.citizens import fine_citizen

    seen: dict[str, Any] = {}
    answers = FineAnswers("en", ("210005609818",), SimulatedCard("interac", "0042"))

    def after(app: Any, result: Any) -> None:
        seen["outcome"] = result.outcome
        seen["fullscreen"] = Window.fullscreen
        seen["window"] = list(Window.size)
        # A person presses Escape on the kiosk's keyboard (or a barcode scanner sends it).
        Window.dispatch("on_keyboard", 27, 0, "", [])
        # Alt-F4 (the window manager asks the window to close): refused.
        seen["close_refused"] = Window.dispatch("on_request_close") is True
        seen["cursor_shown"] = Window.show_cursor

        def check(_dt: float) -> None:
            view = app.session.view
            if view.step is Step.ATTRACT:
                seen["back_to_attract"] = True
                seen["after"] = {"notices": len(view.notices), "record": view.record is not None}
                app.stop()

        watch(app, check)

    run_kiosk(config, fine_citizen(answers), after)
    return seen


if __name__ == "__main__":
    main(play, default_language="en", thank_you_seconds=1.0)
