"""Maintenance mode on the touchscreen: the PIN pad a hidden gesture opens, then the
technician's panel (diagnostics, test page, test card, paper, outbox, repair).

The logic is in ``kiosk_app.maintenance``; this module only draws it and runs the slow parts
on the worker. It opens only over the attract and out-of-service screens, where no citizen's
visit is under way, and closes by itself after ``IDLE_SECONDS`` without a touch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.core.window import Window
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.modalview import ModalView

from admin_tools.diagnostics.kiosk_checks import Check
from kiosk_app.maintenance import IDLE_SECONDS, CornerTaps, MaintenanceDesk, load_pin_hash
from kiosk_app.session_view import Step
from offline_store.technician_pin import PinAnswer, PinOutcome
from transactions.errors import KioskError

logger = logging.getLogger(__name__)

PIN_DIGITS = 12
OPENS_OVER = (Step.ATTRACT, Step.OUT_OF_SERVICE)


class PinPad(ModalView):  # type: ignore[misc]
    """Digits shown as dots, a message line, and the keys."""

    language = StringProperty("fr")
    dots = StringProperty("")
    message = StringProperty("")
    checking = BooleanProperty(False)

    def __init__(self, mode: MaintenanceMode, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.pin = ""

    def press(self, digit: str) -> None:
        """A digit key."""
        if not self.checking and len(self.pin) < PIN_DIGITS:
            self.pin += digit
            self.dots = "•" * len(self.pin)

    def erase(self) -> None:
        """Take the last digit back."""
        self.pin = self.pin[:-1]
        self.dots = "•" * len(self.pin)

    def enter(self) -> None:
        """Check the PIN typed."""
        if self.pin and not self.checking:
            pin, self.pin, self.dots = self.pin, "", ""
            self.mode.check_pin(pin)


class MaintenancePanel(ModalView):  # type: ignore[misc]
    """The technician's panel, over the whole screen."""

    language = StringProperty("fr")
    kiosk_id = StringProperty("")
    state_text = StringProperty("")
    results = StringProperty("")
    busy = BooleanProperty(False)
    under_repair = BooleanProperty(False)

    def __init__(self, mode: MaintenanceMode, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode


class MaintenanceMode:
    """Open the PIN pad on the gesture, then the panel; run each action on the worker."""

    def __init__(self, app: Any) -> None:
        self.app = app
        try:
            pin_hash = load_pin_hash(app.kiosk.config)
        except KioskError as err:
            logger.error("maintenance mode shut: %s", err)
            pin_hash = None
        if pin_hash is None:
            logger.warning("no technician PIN installed: maintenance mode cannot open")
        self.desk = MaintenanceDesk(app.kiosk, pin_hash)
        self.gesture = CornerTaps()
        self.pin_pad: PinPad | None = None
        self.panel: MaintenancePanel | None = None
        self._last_touch = time.monotonic()
        self.working = False
        """A job of maintenance's is on the worker (one at a time, even across a leave and
        a return: a late result never lands on a newer pad or panel)."""

    @property
    def is_open(self) -> bool:
        """Tell whether the PIN pad or the panel is showing."""
        return self.pin_pad is not None or self.panel is not None

    def _submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> bool:
        """Run ``job`` on the worker unless one is running; ``done`` gets its outcome."""
        if self.working:
            return False
        self.working = True

        def finished(outcome: Any) -> None:
            self.working = False
            if self.pin_pad is not None:
                self.pin_pad.checking = False
            if self.panel is not None:
                self.panel.busy = False
            done(outcome)

        self.app.worker.submit(job, finished)
        return True

    @property
    def _language(self) -> str:
        return str(self.panel.language if self.panel else self.app.ui.default_language)

    def _text(self, key: str, **values: str) -> str:
        return str(self.app.tr(key, self._language, **values))

    def _when(self, moment: datetime) -> str:
        return str(self.app.translator(self._language).timestamp(moment.isoformat()))

    # -- entering --------------------------------------------------------------------
    def touched(self, x: float, y: float) -> None:
        """Every touch on the window: count the gesture, note the technician is there."""
        now = time.monotonic()
        self._last_touch = now
        view = self.app.session.view
        if self.is_open or view.step not in OPENS_OVER or view.busy:
            return
        if self.gesture.touched(x, y, Window.width, Window.height, now):
            self.open_pin_pad()

    def open_pin_pad(self) -> None:
        """Show the PIN pad (saying so if maintenance is locked or has no PIN)."""
        logger.info("maintenance: PIN pad opened")
        pad = self.pin_pad = PinPad(self, language=self.app.ui.default_language)
        pad.open(animation=False)
        if not self.desk.pin_set:
            pad.message = self._text("maintenance.pin.not_set")
        else:
            self._submit(self.desk.locked_until, lambda locked: self._locked(pad, locked))
        pad.checking = self.working  # the keys wait for the worker

    def _locked(self, pad: PinPad, outcome: Any) -> None:
        if pad is self.pin_pad and isinstance(outcome, datetime):
            pad.message = self._text("maintenance.pin.locked", time=self._when(outcome))

    def check_pin(self, pin: str) -> None:
        """Check ``pin`` on the worker (scrypt takes a moment)."""
        pad = self.pin_pad
        if pad is None or not self._submit(
            lambda: self.desk.attempt(pin), lambda outcome: self._answered(pad, outcome)
        ):
            return
        pad.checking = True
        pad.message = self._text("maintenance.pin.checking")

    def _answered(self, pad: PinPad, outcome: PinAnswer | BaseException) -> None:
        if pad is not self.pin_pad:
            return  # cancelled meanwhile
        if isinstance(outcome, BaseException):
            logger.error("technician PIN not checked", exc_info=outcome)
            pad.message = self._text("maintenance.pin.failed")
        elif outcome.outcome is PinOutcome.ACCEPTED:
            self.close_pin_pad()
            self.open_panel()
        elif outcome.outcome is PinOutcome.LOCKED and outcome.locked_until is not None:
            pad.message = self._text(
                "maintenance.pin.locked", time=self._when(outcome.locked_until)
            )
        elif not self.desk.pin_set:
            pad.message = self._text("maintenance.pin.not_set")
        else:
            pad.message = self._text("maintenance.pin.wrong", tries=str(outcome.tries_left))

    def close_pin_pad(self) -> None:
        """Close the PIN pad (Cancel, or the PIN was accepted)."""
        if self.pin_pad is not None:
            self.pin_pad.dismiss(animation=False)
            self.pin_pad = None

    # -- the panel ---------------------------------------------------------------------
    def open_panel(self) -> None:
        """Show the technician's panel."""
        logger.info("maintenance: opened")
        self.panel = MaintenancePanel(
            self, language=self.app.ui.default_language, kiosk_id=self.app.kiosk.config.kiosk_id
        )
        self.panel.busy = self.working
        self._show_repair_state()
        self.panel.open(animation=False)

    def _show_repair_state(self) -> None:
        panel = self.panel
        if panel is None:
            return
        began = self.desk.repair_began
        panel.under_repair = began is not None
        panel.state_text = (
            self._text("maintenance.state.repair", time=self._when(began))
            if began is not None
            else self._text("maintenance.state.none")
        )

    def switch_language(self) -> None:
        """Show the panel in the other language."""
        if self.panel is not None:
            self.panel.language = "en" if self.panel.language == "fr" else "fr"
            self._show_repair_state()

    def run(self, action: str) -> None:
        """Run ``action`` (a MaintenanceDesk method) on the worker; show what it found."""
        panel = self.panel
        job = getattr(self.desk, action)
        if panel is None or not self._submit(job, lambda found: self._found(panel, found)):
            return
        panel.busy = True
        panel.results = self._text("maintenance.working")

    def _found(self, panel: MaintenancePanel, outcome: list[Check] | BaseException) -> None:
        self.app.publish_status(heartbeat=True)  # a device's health may have changed
        if panel is not self.panel:
            return  # left meanwhile: what it found is in the log
        if isinstance(outcome, BaseException):
            logger.error("maintenance action failed", exc_info=outcome)
            panel.results = self._text("maintenance.failed", error=type(outcome).__name__)
            return
        panel.results = "\n".join(self._line(check) for check in outcome)

    def _line(self, check: Check) -> str:
        mark = self._text(f"maintenance.status.{check.status}")
        line = f"{mark} · {check.name}: {check.detail}"
        return line + (f"\n      → {check.fix}" if check.fix else "")

    def toggle_repair(self) -> None:
        """Start a repair (the kiosk reports maintenance, takes no citizen) or finish it."""
        panel = self.panel
        starting = self.desk.repair_began is None
        job = self.desk.start_repair if starting else self.desk.finish_repair
        if panel is None or not self._submit(job, lambda done: self._repaired(panel, done)):
            return
        panel.busy = True

    def _repaired(self, panel: MaintenancePanel, outcome: Any) -> None:
        """The repair was started (``outcome`` its start) or finished (its minutes)."""
        if isinstance(outcome, BaseException):
            logger.error("repair not started or finished", exc_info=outcome)
            if panel is self.panel:
                panel.results = self._text("maintenance.failed", error=type(outcome).__name__)
            return
        self.app.session.set_repair(self.desk.repair_began is not None)
        if panel is not self.panel:
            return
        if isinstance(outcome, datetime):
            panel.results = self._text("maintenance.repair.started")
        else:
            panel.results = self._text("maintenance.repair.finished", minutes=f"{outcome:.0f}")
        self._show_repair_state()

    def leave(self, why: str = "closed by the technician") -> None:
        """Close maintenance; the kiosk goes back to its screen (a repair stays under way)."""
        self.close_pin_pad()
        if self.panel is not None:
            self.panel.dismiss(animation=False)
            self.panel = None
            logger.info("maintenance: %s", why)

    def poll(self) -> None:
        """Close maintenance when the technician has not touched it for ``IDLE_SECONDS``."""
        idle = time.monotonic() - self._last_touch
        if self.is_open and idle > IDLE_SECONDS:
            self.leave(f"closed after {idle:.0f} s without a touch")
