"""Scenario: a citizen types part of a notice number, is asked twice, and walks away.

The quiet spells are short here; the real 45 s / 20 s timings are proven by
tests/test_inactivity_guard.py. Run by tests/test_ui_inactivity.py.
"""

from __future__ import annotations

from typing import Any

from harness import main, run_kiosk, watch


def play(config: Any) -> dict[str, Any]:
    from kiosk_app.session_view import Step
    from kiosk_app.walkthrough.driver import Stop, Tap
    from kiosk_app.walkthrough.touch import tap

    seen: dict[str, Any] = {"prompts": 0}

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_en")
        yield Tap("menu", "service_fine")
        for digit in "100042":
            yield Tap("notice_entry", f"key_{digit}", key=True)
        yield Stop("typed", completed=True)

    def after(app: Any, _result: Any) -> None:
        seen["typed_before"] = app.session.view.typed

        def check(_dt: float) -> None:
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

        watch(app, check)

    run_kiosk(config, script(), after)
    seen.pop("asking", None)
    return seen


if __name__ == "__main__":
    main(play, default_language="fr", inactivity_seconds=2.0, prompt_seconds=2.0)
