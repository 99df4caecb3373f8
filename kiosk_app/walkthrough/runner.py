"""Run one walkthrough: start the kiosk on a screen, play the citizen, report the visit."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from kiosk_app.config import KioskConfig
from kiosk_app.walkthrough.answers import FineAnswers, ServiceAnswers
from kiosk_app.walkthrough.klm import KEY_SECONDS, READ_SECONDS, TAP_SECONDS

logger = logging.getLogger(__name__)


def run_walkthrough(
    config: KioskConfig,
    service: str,
    answers: FineAnswers | ServiceAnswers,
    *,
    screenshots: Path | None = None,
    receipt_out: Path | None = None,
) -> dict[str, Any]:
    """Play ``answers`` through the real UI and return the walkthrough's JSON report."""
    from kiosk_app.ui.display import screen
    from kiosk_app.ui.kivy_setup import configure_kivy

    ui = replace(config.ui, default_language=answers.language)
    with tempfile.TemporaryDirectory(prefix="kiosk-kivy-") as kivy_home:
        configure_kivy(ui, Path(kivy_home))
        with screen(ui.width, ui.height):
            return _play(replace(config, ui=ui), service, answers, screenshots, receipt_out)


def _play(
    config: KioskConfig,
    service: str,
    answers: FineAnswers | ServiceAnswers,
    screenshots: Path | None,
    receipt_out: Path | None,
) -> dict[str, Any]:
    from kivy.clock import Clock

    from admin_tools.diagnostics.devices import current_health, verdict
    from device_drivers.sim.payment_terminal import SimulatedPaymentTerminal
    from device_drivers.sim.printer import SimulatedPrinter
    from kiosk_app.bootstrap import build_kiosk
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.walkthrough.citizens import citizen
    from kiosk_app.walkthrough.driver import Driver, DriverResult

    kiosk = build_kiosk(config)
    if isinstance(kiosk.terminal, SimulatedPaymentTerminal) and answers.card is not None:
        kiosk.terminal.hold_card(answers.card)
    script = citizen(answers)
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
    outcome: dict[str, DriverResult] = {}

    def started(app: KioskApp) -> None:
        def done(result: DriverResult) -> None:
            outcome["result"] = result
            stop_when_resumed()

        def stop_when_resumed(*_args: Any) -> None:
            # Transactions interrupted by an earlier crash are finished at start; the
            # report says how many, so wait for that to end before closing.
            if app.resumed is None:
                Clock.schedule_once(stop_when_resumed, 0.1)
            else:
                app.stop()

        # Kivy's Clock holds bound methods weakly: the app keeps the driver alive.
        app.driver = Driver(app, script, done, screenshots)
        app.driver.start()

    app = KioskApp(kiosk, config.ui, on_started=started)
    try:
        app.run()
    finally:
        kiosk.close()
    result = outcome.get("result") or DriverResult(error="the kiosk stopped before the end")
    view = app.session.view
    record = view.record
    reference = record.reference if record is not None else None
    if view.outcomes:
        reference = view.outcomes[0].reference
    report: dict[str, Any] = {
        "service": service,
        "language": answers.language,
        "completed": result.completed,
        "outcome": result.outcome,
        "reference": reference if result.completed else None,
        "programmes": [
            {"programme": o.programme, "status": o.status.value, "reference": o.reference}
            for o in view.outcomes
        ],
        "screens": [visit.as_json() for visit in result.log.visits],
        **result.log.totals(),
        "model": {
            "read_seconds": READ_SECONDS,
            "tap_seconds": TAP_SECONDS,
            "key_seconds": KEY_SECONDS,
        },
        "resumed_transactions": len(app.resumed or []),
        "kiosk_state": verdict(current_health(kiosk.devices.configured)).value,
        "error": result.error,
    }
    if screenshots is not None:
        report["screenshots"] = result.screenshots
    report["receipt_printed"] = view.receipt_printed
    if isinstance(kiosk.printer, SimulatedPrinter) and kiosk.printer.jobs:
        if receipt_out is not None:
            receipt_out.write_bytes(kiosk.printer.jobs[-1])
        if screenshots is not None:
            preview = kiosk.printer.save_preview(screenshots)
            report["receipt_png"] = str(preview) if preview else None
    return report
