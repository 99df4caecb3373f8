"""Maintenance mode without Kivy: the hidden gesture, the technician's PIN, and each thing a
technician does on the kiosk (diagnostics, test page, test card, paper, outbox, repair).

The touchscreen's maintenance screens (``screens/maintenance``) call these, the slow ones on
the worker. Every action is logged with what it found, but no personal data: never the PIN,
never a card's number or brand, never what a citizen entered.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from admin_tools.diagnostics.devices import self_test
from admin_tools.diagnostics.kiosk_checks import OUTBOX_OLD_SECONDS, Check, worst
from kiosk_app.config import KioskConfig, credential_file
from kiosk_app.diagnose import device_check, run_checks
from offline_store import outbox
from offline_store.repair_record import RepairRecord
from offline_store.technician_pin import PinAnswer, PinGuard
from transactions.errors import KioskError

if TYPE_CHECKING:
    from kiosk_app.bootstrap import ConfiguredDevice, Kiosk

logger = logging.getLogger(__name__)

PIN_CREDENTIAL = "kiosk-technician-pin"
GESTURE_TAPS = 5
GESTURE_SECONDS = 4.0
CORNER_SHARE = 0.12
"""The hidden corner's side, as a share of the screen's shorter side (130 px in portrait)."""
IDLE_SECONDS = 120.0
"""Maintenance closes after this long without a touch (a technician who walked away)."""


def load_pin_hash(config: KioskConfig) -> str | None:
    """Return the technician PIN's hash: the systemd credential, else the configured file.

    None when neither is set (maintenance mode stays shut). Raise KioskError if the file
    named cannot be read or does not hold a hash.
    """
    credential = credential_file(PIN_CREDENTIAL)
    if credential is not None and credential.stat().st_size > 0:
        return read_pin_hash(credential)
    # An empty credential (as installed, before a PIN is set) leaves the config's file.
    return read_pin_hash(config.technician_pin_file) if config.technician_pin_file else None


def read_pin_hash(path: Path) -> str:
    """Return the hash in ``path``; raise KioskError naming the file and the fix."""
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise KioskError(f"{path}: cannot read the technician PIN's hash ({err})") from err
    if not stored.startswith("scrypt$"):
        raise KioskError(f"{path} holds no PIN hash: make one with kiosk technician pin --out")
    return stored


class CornerTaps:
    """The hidden gesture: ``GESTURE_TAPS`` taps in the top-right corner within
    ``GESTURE_SECONDS``. A tap anywhere else starts the count again."""

    def __init__(self) -> None:
        self._taps: list[float] = []

    def touched(self, x: float, y: float, width: float, height: float, now: float) -> bool:
        """Count a touch at (x, y) (from the bottom-left, as Kivy gives it); return True when
        it completes the gesture."""
        side = min(width, height) * CORNER_SHARE
        if x < width - side or y < height - side:
            self._taps.clear()
            return False
        self._taps = [t for t in self._taps if now - t <= GESTURE_SECONDS] + [now]
        if len(self._taps) < GESTURE_TAPS:
            return False
        self._taps.clear()
        return True


class MaintenanceDesk:
    """What a technician can do once the PIN is accepted; slow methods run on the worker."""

    def __init__(self, kiosk: Kiosk, pin_hash: str | None) -> None:
        self._kiosk = kiosk
        self.pin_set = pin_hash is not None
        self.guard = PinGuard(kiosk.database, pin_hash)
        self.repair = RepairRecord(kiosk.database)
        self.repair_began = self.repair.started()
        """When the repair under way started (None: none), for the screen to show without
        reading the database on the UI's thread; start and finish keep it current."""

    # -- entering --------------------------------------------------------------------
    def attempt(self, pin: str) -> PinAnswer:
        """Check a PIN (scrypt: slow on purpose, so on the worker)."""
        answer = self.guard.attempt(pin)
        logger.info("maintenance: PIN %s", answer.outcome.value)
        return answer

    def locked_until(self) -> datetime | None:
        """Return until when wrong PINs have locked maintenance, or None."""
        return self.guard.locked_until(datetime.now(UTC))

    # -- actions -----------------------------------------------------------------------
    def _device(self, name: str) -> ConfiguredDevice | None:
        return next((d for d in self._kiosk.devices.configured if d.name == name), None)

    def diagnostics(self) -> list[Check]:
        """Run every check ``kiosk diagnose`` runs, on this kiosk's own devices."""
        checks = run_checks(self._kiosk.config, self._kiosk.devices.configured)
        verdict = worst([check.status for check in checks])
        logger.info(
            "maintenance: diagnostics, verdict %s (%s)",
            verdict,
            ", ".join(f"{c.name} {c.status}" for c in checks if c.status != "ok") or "all ok",
        )
        return [Check("verdict", verdict, verdict.upper()), *checks]

    def test_page(self) -> list[Check]:
        """Print the bilingual test page; say whether it printed."""
        return [self._self_test("printer", "test page", test_page=True)]

    def paper_replaced(self) -> list[Check]:
        """The technician loaded paper: read the printer's status again, so the kiosk (and the
        fleet monitor) see at once whether it can print."""
        return [self._self_test("printer", "paper replaced")]

    def read_card(self) -> list[Check]:
        """Read the test card in the reader; show its brand, last four digits and expiry.

        Those are shown on the screen for the technician, never logged."""
        check = self._self_test("card_reader", "test card")
        card = check.data.get("card")
        if card is None:
            return [check]
        shown = f"{card['brand']} **** {card['last4']}, {card['expiry']}"
        return [check, Check("card", "ok", shown)]

    def _self_test(self, name: str, action: str, test_page: bool = False) -> Check:
        named = self._device(name)
        if named is None:
            logger.info("maintenance: %s, no %s configured", action, name)
            return Check(name, "degraded", f"no {name} configured", f"set [devices.{name}]")
        tested = self_test(named, test_page)
        check = device_check(tested)
        fate = tested.health.data.get("test_page")
        if test_page:  # printed, or "not printed: paper_out"
            fate = fate or "not printed: this driver prints no test page"
            check = replace(check, detail=f"{check.detail}; test page {fate}")
        logger.info(
            "maintenance: %s, %s %s%s", action, name, check.status, f", {fate}" if fate else ""
        )
        return check

    def outbox(self) -> list[Check]:
        """List the calls waiting to be made and those refused for good (no personal data:
        references, services, states, attempts)."""
        entries = outbox.waiting(self._kiosk.database)
        given_up = outbox.refused(self._kiosk.database)
        summary = outbox.status(entries, datetime.now(UTC))
        logger.info(
            "maintenance: outbox viewed, %d waiting, %d refused", len(entries), len(given_up)
        )
        oldest = summary["oldest_reference"]
        old = (summary["oldest_age_seconds"] or 0) > OUTBOX_OLD_SECONDS
        checks = [
            Check(
                "outbox",
                "degraded" if old else "ok",
                f"{len(entries)} waiting" + (f"; oldest {oldest}" if oldest else ""),
                "is the agent running? systemctl status kiosk-agent" if old else "",
            )
        ]
        for entry in entries:
            failure = f", last failure {entry.failure_code}" if entry.failure_code else ""
            detail = (
                f"{entry.service} {entry.state}, {entry.attempts} attempt(s){failure}, "
                f"since {entry.created_at[:16].replace('T', ' ')} UTC"
            )
            checks.append(Check(entry.reference, "degraded" if failure else "ok", detail))
        for entry in given_up:
            detail = f"{entry.service} refused for good ({entry.failure_code or 'no code'})"
            checks.append(Check(entry.reference, "down", detail, "tell the citizen's ministry"))
        return checks

    # -- repair ------------------------------------------------------------------------
    def start_repair(self) -> datetime:
        """Begin a repair: the kiosk reports maintenance until it is finished."""
        began = self.repair.start(datetime.now(UTC))
        self.repair_began = began
        logger.info("maintenance: repair started at %s", began.isoformat())
        return began

    def finish_repair(self) -> float:
        """End the repair; return how many minutes it lasted."""
        began = self.repair.finish()
        self.repair_began = None
        minutes = (datetime.now(UTC) - began).total_seconds() / 60 if began else 0.0
        logger.info("maintenance: repair finished after %.0f min", minutes)
        return minutes
