"""Scenario: a citizen with no card asks for help, reads where to go, and closes the panel.

Run by tests/test_ui_help.py.
"""

from __future__ import annotations

from typing import Any

from harness import main, run_kiosk, watch


def play(config: Any) -> dict[str, Any]:
    from kiosk_app.walkthrough.driver import Stop, Tap
    from kiosk_app.walkthrough.touch import tap

    seen: dict[str, Any] = {}

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_fr")
        yield Tap("menu", "service_fine")
        yield Tap("notice_entry", "key_1", key=True)
        yield Stop("typing", completed=True)

    def after(app: Any, _result: Any) -> None:
        topbar = app.root.get_screen("notice_entry").ids.topbar
        tap(topbar.ids.help)
        phase = {"n": 0}

        def check(_dt: float) -> None:
            phase["n"] += 1
            if phase["n"] == 2:  # a frame after the touch
                panel = app.help_panel
                seen["panel_open"] = panel is not None
                seen["help_text"] = panel.ids.body.text if panel else ""
                if panel:
                    tap(panel.ids.close_help)
            elif phase["n"] == 4:
                seen["panel_closed"] = app.help_panel is None
                seen["screen"] = app.root.current
                seen["typed"] = app.session.view.typed
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after)
    return seen


if __name__ == "__main__":
    main(play, default_language="fr")
