"""Maintenance mode on the touchscreen: the PIN pad a hidden gesture opens, then the
technician's panel (diagnostics, test page, test card, paper, outbox, repair).

The logic is in ``kiosk_app.maintenance``; this module only draws it and runs the slow parts
on the worker. It opens only over the attract and out-of-service screens, where no citizen's
visit is under way, and closes by itself after ``IDLE_SECONDS`` without a touch.
"""

from __future__ import annotations

import logging
import time
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

    @property
    def is_open(self) -> bool:
        """Tell whether the PIN pad or the panel is showing."""
        return self.pin_pad is not None or self.panel is not None

    def _text(self, key: str, **values: str) -> str:
        language = self.panel.language if self.panel else self.app.ui.default_language
        return str(self.app.tr(key, language, **values))

    def _when(self, moment: Any) -> str:
        translator = self.app.translator(self.app.ui.default_language)
        return str(translator.timestamp(moment.isoformat()))

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
        self.pin_pad = PinPad(self, language=self.app.ui.default_language)
        self._say_why_shut()
        self.pin_pad.open(animation=False)

    def _say_why_shut(self) -> None:
        pad = self.pin_pad
        if pad is None:
            return
        locked = self.desk.locked_until()
        if not self.desk.pin_set:
            pad.message = self._text("maintenance.pin.not_set")
        elif locked is not None:
            pad.message = self._text("maintenance.pin.locked", time=self._when(locked))

    def check_pin(self, pin: str) -> None:
        """Check ``pin`` on the worker (scrypt takes a moment)."""
        pad = self.pin_pad
        if pad is None:
            return
        pad.checking = True
        pad.message = self._text("maintenance.pin.checking")
        self.app.worker.submit(lambda: self.desk.attempt(pin), self._answered)

    def _answered(self, outcome: PinAnswer | BaseException) -> None:
        pad = self.pin_pad
        if pad is None:
            return
        pad.checking = False
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
        self._show_repair_state()
        self.panel.open(animation=False)

    def _show_repair_state(self) -> None:
        panel = self.panel
        if panel is None:
            return
        began = self.desk.repair.started()
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
        if panel is None or panel.busy:
            return
        panel.busy = True
        panel.results = self._text("maintenance.working")
        self.app.worker.submit(getattr(self.desk, action), lambda found: self._found(found))

    def _found(self, outcome: list[Check] | BaseException) -> None:
        panel = self.panel
        if panel is None:
            return
        panel.busy = False
        if isinstance(outcome, BaseException):
            logger.error("maintenance action failed", exc_info=outcome)
            panel.results = self._text("maintenance.failed", error=type(outcome).__name__)
            return
        panel.results = "\n".join(self._line(check) for check in outcome)
        self.app.publish_status(heartbeat=True)  # a device's health may have changed

    def _line(self, check: Check) -> str:
        mark = self._text(f"maintenance.status.{check.status}")
        line = f"{mark} · {check.name}: {check.detail}"
        return line + (f"\n      → {check.fix}" if check.fix else "")

    def toggle_repair(self) -> None:
        """Start a repair (the kiosk reports maintenance, takes no citizen) or finish it."""
        panel = self.panel
        if panel is None or panel.busy:
            return
        if self.desk.repair.started() is None:
            self.desk.start_repair()
            self.app.session.set_repair(True)
            panel.results = self._text("maintenance.repair.started")
        else:
            minutes = self.desk.finish_repair()
            self.app.session.set_repair(False)
            panel.results = self._text("maintenance.repair.finished", minutes=f"{minutes:.0f}")
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
