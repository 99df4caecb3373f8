"""Scenario: the layout audit sees what a citizen would: cut-off text, a too-small button.

Run by tests/test_ui_screenshots.py, to show the audit behind ``kiosk screenshots`` can fail.
"""

from __future__ import annotations

from typing import Any

from harness import main, run_kiosk, watch


def play(config: Any) -> dict[str, Any]:
    from kivy.core.window import Window

    from kiosk_app.ui.audit import audit
    from kiosk_app.walkthrough.driver import Stop, Tap

    seen: dict[str, Any] = {}

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_fr")
        yield Stop("menu", completed=True)

    def after(app: Any, _result: Any) -> None:
        menu = app.root.get_screen("menu")
        seen["clean"] = audit(list(Window.children), *Window.size)
        phase = {"n": 0}

        def check(_dt: float) -> None:
            phase["n"] += 1
            if phase["n"] == 1:
                menu.ids.service_fine.text = "Renouvellement " * 40  # far too long to fit
                menu.ids.topbar.ids.help.width = 40  # 1.1 cm: too small to touch
                menu.ids.topbar.ids.help.size_hint_x = None
            elif phase["n"] == 4:
                seen["broken"] = audit(list(Window.children), *Window.size)
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after)
    return seen


if __name__ == "__main__":
    main(play, default_language="fr")
