"""Scenario: three citizens in a row, each visit wiped back to the attract screen.

A French citizen changes their address (a street and a city of their own), a French citizen
pays a fine, then a third starts a change of address and walks away (the inactivity timer
wipes the visit); each is played by the walkthrough's driver, one after the other in the
same kiosk. On the attract screen before the first visit and after each wipe, the scenario
counts the Kivy widgets and textures alive (after ``gc.collect()``) and reads every text of
every screen. Run by tests/test_ui_visits_in_a_row.py.

Arguments: data folder, street, city.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

from harness import main, run_kiosk


def play(config: Any) -> dict[str, Any]:
    from kivy.graphics.texture import Texture
    from kivy.uix.widget import Widget

    from kiosk_app.walkthrough.answers import load_answers, parse_answers
    from kiosk_app.walkthrough.citizens import one_after_another, queued_citizen
    from kiosk_app.walkthrough.driver import Happen

    street, city = sys.argv[2:4]
    seen: dict[str, Any] = {"alive": [], "texts": [], "outcomes": []}

    def count(app: Any) -> None:
        gc.collect()
        objects = gc.get_objects()
        seen["alive"].append(
            {
                "widgets": sum(isinstance(o, Widget) for o in objects),
                "textures": sum(isinstance(o, Texture) for o in objects),
            }
        )
        seen["texts"].append(
            sorted(
                {
                    str(getattr(widget, "text", ""))
                    for screen in app.root.screens
                    for widget in screen.walk(restrict=True)
                }
            )
        )

    def after_each(app: Any, stop: Any) -> None:
        seen["outcomes"].append(stop.outcome)
        count(app)

    mover = {
        "language": "fr",
        "programmes": {"health-card": "1234567890AB"},
        "address": {
            "street_number": "12",
            "unit": "app. 3",
            "street_name": street,
            "city": city,
            "province": "qc",
            "postal_code": "g9a 5h7",
        },
    }
    citizens = [
        queued_citizen(parse_answers("address-change", mover), None),
        queued_citizen(load_answers("fine", None), None),
        # Attract, language, service, one programme ticked: then the citizen walks away.
        queued_citizen(parse_answers("address-change", mover), 4),
    ]

    def script() -> Any:
        yield Happen(count, "the kiosk waits for its first citizen")
        yield from one_after_another(citizens, after_each)

    run_kiosk(config, script(), lambda app, _result: app.stop())
    return seen


if __name__ == "__main__":
    main(play, default_language="fr", inactivity_seconds=5.0, thank_you_seconds=1.0)
