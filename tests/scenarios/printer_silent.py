"""Scenario: the receipt printer's paper runs low, then it stops answering.

Paper near its end leaves every service on the menu (a warning only); a printer that does
not answer greys out the paid services and keeps the change of address (its reference on
the screen), and the state file says why. The printer is the real ESC/POS network driver
talking to the TCP printer emulator. Run by tests/test_printer_causes.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from harness import run_kiosk, show, watch


def config_for(data: Path, printer_port: int) -> Any:
    from kiosk_app.config import parse_config

    return parse_config(
        {
            "kiosk": {"data_dir": str(data), "status_file": str(data / "status.json")},
            "backend": {"probe_seconds": 1},
            "ui": {"default_language": "fr"},
            "devices": {
                "printer": {
                    "driver": "escpos-network",
                    "host": "127.0.0.1",
                    "port": printer_port,
                    "timeout": 2,
                }
            },
        }
    )


def published(data: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((data / "status.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def play(config: Any, emulator: Any) -> dict[str, Any]:
    from kiosk_app.walkthrough.driver import Stop, Tap

    seen: dict[str, Any] = {}
    data = config.data_dir

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_fr")
        yield Stop("menu", completed=True)

    def after(app: Any, _result: Any) -> None:
        menu = app.root.get_screen("menu")
        phase = {"n": 0, "frames": 0}

        def greyed() -> list[str]:
            return sorted(
                name
                for name, widget in menu.ids.items()
                if name.startswith("service_") and widget.disabled
            )

        def check(_dt: float) -> None:
            phase["frames"] += 1
            if phase["frames"] > 1200:  # a minute of frames: give up, say where
                seen["timed_out_in_phase"] = phase["n"]
                app.stop()
                return
            status = published(data)
            if phase["n"] == 0:  # paper low: a warning, the kiosk stays up
                # (until the printer's first status read, it is unknown: greyed out)
                if status.get("warnings") != {"printer": "paper_low"} or greyed():
                    return
                seen["low"] = {"state": status["state"], "greyed": greyed()}
                emulator.set_mode("silent")
                phase["n"] = 1
            elif phase["n"] == 1:  # no answer: the paid services go
                if status.get("devices", {}).get("printer") != "unknown" or not greyed():
                    return
                seen["silent"] = {
                    "state": status["state"],
                    "causes": status["causes"],
                    "reason": status["reason"],
                    "greyed": greyed(),
                }
                emulator.set_mode("normal")
                phase["n"] = 2
            else:  # it answers again: every service is back
                if status.get("state") != "up" or greyed():
                    return
                seen["back"] = {"state": status["state"], "greyed": greyed()}
                app.stop()

        watch(app, check)

    emulator.set_mode("paper_near_end")
    run_kiosk(config, script(), after)
    return seen


def main() -> None:
    from device_drivers.sim.tcp_printer_emulator import TcpPrinterEmulator

    data = Path(sys.argv[1])
    with TcpPrinterEmulator() as emulator:
        config = config_for(data, emulator.port)
        show(config, lambda cfg: play(cfg, emulator))


if __name__ == "__main__":
    main()
