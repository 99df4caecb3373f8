"""Scenario: a technician opens maintenance with the hidden gesture and the PIN, and works.

``maintenance_mode.py DATA PHASE``; run by tests/test_ui_maintenance.py, which
writes the PIN's hash to DATA/technician-pin. The printer is the real ESC/POS network
driver talking to the TCP printer emulator, started here so the scenario can take its paper.

- ``repair``: a wrong PIN, then the right one; test page, paper out then replaced, test
  card, outbox, diagnostics; start a repair, leave, come back, finish it.
- ``lockout``: start a repair, walk away (maintenance closes), then ten wrong PINs lock it.
- ``restarted``: a new process on the same data: still under repair, still locked.
- ``audit``: at the window size ``WIDTHxHEIGHT`` given after the phase, the PIN pad and the
  panel (diagnostics shown, in both languages) are checked by the screenshots' layout audit.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness import run_kiosk, show, watch

PIN = "482917"
Wait = Callable[[], bool]


def config_for(data: Path, printer_port: int, size: str = "1080x1920") -> Any:
    from kiosk_app.config import parse_config

    return parse_config(
        {
            "kiosk": {
                "data_dir": str(data),
                "technician_pin_file": str(data / "technician-pin"),
                "status_file": str(data / "status.json"),
            },
            "ui": {
                "default_language": "fr",
                "width": int(size.split("x")[0]),
                "height": int(size.split("x")[1]),
            },
            "devices": {
                "printer": {
                    "driver": "escpos-network",
                    "host": "127.0.0.1",
                    "port": printer_port,
                    "timeout": 2,
                },
                "card_reader": {
                    "driver": "simulated",
                    "card_brand": "mastercard",
                    "card_last4": "5454",
                },
            },
        }
    )


def touch_at(x: float, y: float) -> None:
    """Touch the screen at (x, y), as shares of its width and height from the bottom-left."""
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk_app.walkthrough.touch import Finger

    finger = Finger(Window.width * x, Window.height * y)
    EventLoop._dispatch_input("begin", finger)
    EventLoop._dispatch_input("end", finger)


def corner_taps(count: int = 5) -> None:
    """Tap the top-right corner ``count`` times, as a technician does."""
    for _ in range(count):
        touch_at(0.98, 0.99)


def type_pin(app: Any, pin: str) -> None:
    from kiosk_app.walkthrough.touch import tap

    pad = app.maintenance.pin_pad
    pad.message = ""  # so a wait for the answer cannot be met by the message before
    for digit in pin:
        tap(pad.ids[f"key_{digit}"])
    tap(pad.ids.enter)


def status_state(data: Path) -> str:
    from kiosk_app.kiosk_status import read_status

    status = read_status(data / "status.json")
    return status.state if status else "none"


def play(config: Any, phase: str, emulator: Any) -> dict[str, Any]:
    from kiosk_app.fleet_reporter import FleetReporter
    from kiosk_app.maintenance import IDLE_SECONDS
    from kiosk_app.walkthrough.driver import Expect, Stop
    from kiosk_app.walkthrough.touch import tap

    data = config.data_dir
    seen: dict[str, Any] = {"phase": phase}

    def script() -> Any:
        yield Expect(lambda view: view.step.value in ("attract", "out_of_service"), "started")
        yield Stop("started", completed=True)

    def flow(app: Any) -> Iterator[Wait]:
        mode = app.maintenance

        def pad_says(*words: str) -> Wait:
            return lambda: (
                mode.pin_pad is not None
                and not mode.pin_pad.checking
                and all(word in mode.pin_pad.message for word in words)
            )

        def results_show(*words: str) -> Wait:
            return lambda: (
                mode.panel is not None
                and not mode.panel.busy
                and all(word in mode.panel.results for word in words)
            )

        def agent_state() -> str:
            return str(FleetReporter(config, app.kiosk.database, "token").sample()["state"])

        yield lambda: app.resumed is not None
        seen["screen_at_start"] = app.root.current
        seen["state_at_start"] = status_state(data)
        corner_taps(4)
        touch_at(0.5, 0.6)  # the middle of the screen breaks the gesture
        corner_taps(1)
        seen["pad_after_broken_gesture"] = mode.pin_pad is not None
        corner_taps()
        yield lambda: mode.pin_pad is not None and not mode.pin_pad.checking
        seen["pad_message_at_open"] = mode.pin_pad.message

        if phase == "restarted":
            type_pin(app, PIN)  # the right PIN: still locked
            yield pad_says("verrouillée")
            seen["right_pin_while_locked"] = mode.pin_pad.message
            seen["panel_opened"] = mode.panel is not None
            return

        if phase in ("repair", "audit"):
            type_pin(app, "111111")
            yield pad_says("9")
            seen["wrong_pin_message"] = mode.pin_pad.message
        if phase == "audit":
            yield lambda: True  # a frame to lay the message out
            seen["problems"] = {"pin pad": audit_screen()}
        type_pin(app, PIN)
        yield lambda: mode.panel is not None
        panel = mode.panel

        if phase == "audit":
            tap(panel.ids.diagnostics)
            yield results_show("verdict", "technician PIN")
            for language in ("fr", "en"):
                panel.language = language
                yield lambda: True
                seen["problems"][f"panel ({language})"] = audit_screen()
            return

        if phase == "lockout":
            tap(panel.ids.repair)
            yield lambda: app.session.under_repair
            mode._last_touch -= IDLE_SECONDS + 1  # the technician walked away two minutes ago
            yield lambda: mode.panel is None and app.root.current == "out_of_service"
            seen["closed_when_left_alone"] = True
            corner_taps()
            yield lambda: mode.pin_pad is not None
            for attempt in range(10):
                type_pin(app, f"90000{attempt}")
                yield pad_says("restants" if attempt < 9 else "verrouillée")
            seen["locked_message"] = mode.pin_pad.message
            seen["state_at_end"] = status_state(data)
            return

        tap(panel.ids.test_page)
        yield results_show("test page")
        seen["test_page_result"] = panel.results
        emulator.set_mode("paper_out")
        tap(panel.ids.paper_replaced)  # but the roll is still empty
        yield results_show("EN PANNE")
        seen["paper_still_out"] = panel.results
        seen["printer_published_while_out"] = app_devices(data).get("printer")
        emulator.set_mode("normal")
        tap(panel.ids.paper_replaced)
        yield results_show("BON")
        seen["paper_replaced"] = panel.results
        seen["printer_published_after"] = app_devices(data).get("printer")
        tap(panel.ids.read_card)
        yield results_show("5454")
        seen["card_result"] = panel.results
        queue_a_fine(app)
        tap(panel.ids.outbox)
        yield results_show("K-7Q4M-2XPD")
        seen["outbox_result"] = panel.results
        tap(panel.ids.diagnostics)
        yield results_show("verdict", "technician PIN")
        seen["diagnostics_result"] = panel.results
        tap(panel.ids.switch_language)
        yield lambda: "Maintenance of kiosk" in panel.ids.title.text
        seen["title_in_english"] = panel.ids.title.text
        tap(panel.ids.switch_language)

        tap(panel.ids.repair)
        yield lambda: app.session.under_repair and status_state(data) == "maintenance"
        seen["repair_started"] = panel.results
        seen["agent_sends_during_repair"] = agent_state()
        tap(panel.ids.leave)
        yield lambda: mode.panel is None and app.root.current == "out_of_service"
        seen["screen_during_repair"] = app.root.current
        seen["code_during_repair"] = app.root.current_screen.reason
        corner_taps()
        yield lambda: mode.pin_pad is not None
        type_pin(app, PIN)
        yield lambda: mode.panel is not None
        panel = mode.panel
        seen["state_line_back"] = panel.state_text
        tap(panel.ids.repair)
        yield lambda: not app.session.under_repair and status_state(data) == "up"
        seen["repair_finished"] = panel.results
        seen["agent_sends_after_repair"] = agent_state()
        tap(panel.ids.leave)
        yield lambda: mode.panel is None
        seen["screen_after"] = app.root.current

    def after(app: Any, _result: Any) -> None:
        steps = flow(app)
        state: dict[str, Any] = {"wait": lambda: True, "ticks": 0}

        def check(_dt: float) -> None:
            state["ticks"] += 1
            try:
                if state["ticks"] > 1200:  # 60 s on one step: give up, say where
                    mode = app.maintenance
                    showing = mode.panel.results if mode.panel else ""
                    showing += mode.pin_pad.message if mode.pin_pad else ""
                    raise TimeoutError(f"stuck after {sorted(seen)}, showing {showing!r}")
                if state["wait"]():
                    state["ticks"] = 0
                    state["wait"] = next(steps)
            except StopIteration:
                app.stop()
            except Exception as err:
                seen["error"] = repr(err)
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after)
    from device_drivers.escpos.decode import decode_job

    seen["pages"] = [
        decode_job(job.data).text for job in emulator.jobs if decode_job(job.data).lines
    ]
    return seen


def audit_screen() -> list[str]:
    from kivy.core.window import Window

    from kiosk_app.ui.audit import audit

    return audit(list(Window.children), *Window.size)


def app_devices(data: Path) -> dict[str, str]:
    from kiosk_app.kiosk_status import read_status

    status = read_status(data / "status.json")
    return dict(status.devices) if status else {}


def queue_a_fine(app: Any) -> None:
    """A fine paid earlier, its posting still waiting for the ministry (the agent is off)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from datetime import UTC, datetime

    from sample_records import queued_fine

    from offline_store import outbox_items

    record = queued_fine("t-waiting")
    app.kiosk.journal.open_transaction(record)
    with app.kiosk.database.transaction() as db:
        outbox_items.sync(db, record, "post_queued", None, datetime.now(UTC))


def main() -> None:
    from device_drivers.sim.tcp_printer_emulator import TcpPrinterEmulator

    data, phase = Path(sys.argv[1]), sys.argv[2]
    size = sys.argv[3] if len(sys.argv) > 3 else "1080x1920"
    logging.basicConfig(
        filename=data / "kiosk.log",
        level=logging.DEBUG,
        format="%(levelname)s %(name)s %(message)s",
    )
    with TcpPrinterEmulator() as emulator:
        config = config_for(data, emulator.port, size)
        show(config, lambda cfg: play(cfg, phase, emulator))


if __name__ == "__main__":
    main()
