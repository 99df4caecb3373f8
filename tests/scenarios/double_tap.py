"""Scenario: an impatient citizen taps "find my notice" and "pay" twice in a row.

Run by tests/test_ui_double_tap.py; the sandbox runs in this process so the scenario can
count what reached the backends.
"""

from __future__ import annotations

from typing import Any

from harness import main, run_kiosk, watch


def play(config: Any) -> dict[str, Any]:
    from kiosk_app.session_view import Step
    from kiosk_app.walkthrough.driver import Stop, Tap
    from kiosk_app.walkthrough.touch import tap

    seen: dict[str, Any] = {}

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_en")
        yield Tap("menu", "service_fine")
        for digit in "10004215873":
            yield Tap("notice_entry", f"key_{digit}", key=True)
        yield Tap("notice_entry", "key_1", key=True)
        yield Stop("typed", completed=True)

    def after(app: Any, _result: Any) -> None:
        entry = app.root.get_screen("notice_entry")
        tap(entry.ids.submit)
        tap(entry.ids.submit)  # the same finger, again, before the screen changes
        phase = {"paid": False}

        def check(_dt: float) -> None:
            view = app.session.view
            if view.step is Step.NOTICE_DETAILS and not view.busy and not phase["paid"]:
                phase["paid"] = True
                seen["notices"] = [n.notice_number for n in view.notices]
                details = app.root.get_screen("notice_details")
                tap(details.ids.pay)
                tap(details.ids.pay)
            elif view.step is Step.PAYMENT and not view.busy and view.payment_phase:
                if view.payment_phase.value == "waiting_card":
                    app.kiosk.terminal.tap()
                    app.session.tap_card()
            elif view.step is Step.RECEIPT:
                seen["transactions"] = app.kiosk.database.db.execute(
                    "select count(*) from transactions"
                ).fetchone()[0]
                seen["state"] = view.record.state.value
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after)
    return seen


if __name__ == "__main__":
    main(play, default_language="en")
