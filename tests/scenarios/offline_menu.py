"""Scenario: the payment gateway is down; the menu greys out the paid services only.

Run by tests/test_offline_policy.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness import run_kiosk, show, watch


def play(config: Any) -> dict[str, Any]:
    from kiosk_app.walkthrough.driver import Stop, Tap
    from kiosk_app.walkthrough.touch import tap
    from ministry_sandbox.testing import SandboxClient

    seen: dict[str, Any] = {}
    control: dict[str, Any] = {}

    def prepare(app: Any) -> None:
        control["sandbox"] = SandboxClient(app.kiosk.backend_url)
        control["sandbox"].set_faults(outage=True, paths=["/payments"])

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_fr")
        yield Stop("menu", completed=True)

    def after(app: Any, _result: Any) -> None:
        menu = app.root.get_screen("menu")
        phase = {"n": 0, "waited": 0}

        def check(_dt: float) -> None:
            ids = menu.ids
            if phase["n"] == 0:
                if not ids.service_fine.disabled:
                    phase["waited"] += 1
                    if phase["waited"] > 200:
                        seen["timed_out"] = True
                        app.stop()
                    return
                seen["greyed"] = sorted(
                    name
                    for name, widget in ids.items()
                    if name.startswith("service_") and widget.disabled
                )
                seen["fine_text"] = ids.service_fine.text
                seen["address_text"] = ids.service_address_change.text
                tap(ids.service_fine)
                phase["n"] = 1
            elif phase["n"] == 1:
                seen["after_tapping_fine"] = app.root.current
                control["sandbox"].clear_faults()
                phase["n"] = 2
            elif phase["n"] == 2:
                if ids.service_fine.disabled:
                    return  # the next probe sees the gateway back
                seen["fine_back"] = True
                tap(ids.service_address_change)
                phase["n"] = 3
            else:
                seen["after_tapping_address"] = app.root.current
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after, prepare)
    return seen


if __name__ == "__main__":
    from kiosk_app.config import KioskConfig, UiConfig

    show(
        KioskConfig(
            data_dir=Path(sys.argv[1]), ui=UiConfig(default_language="fr"), probe_seconds=1
        ),
        play,
    )
