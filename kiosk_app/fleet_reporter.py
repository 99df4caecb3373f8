"""The agent's report to the fleet monitor: a status sample every 15 s, shipped in batches.

A sample says what the kiosk can do right now:

- ``down`` when nobody can be served: its storage cannot record a transaction (the agent
  checks it itself), or the touchscreen has stopped writing its state (no heartbeat for
  ``STALE_SECONDS``: frozen or crashed), or the touchscreen itself says so;
- ``maintenance`` while a technician works on it, ``degraded`` when some service cannot be
  sold (its backend is down), ``up`` otherwise;

with each service's availability (``true``, or ``{"available": false, "cause": …}`` with
the cause of ``transactions.causes``), the reason of a kiosk that is down, the devices'
health and their warnings (paper low), outbox depth and software version, and the month's
counters for the monthly report (transactions, fees and survey answers per service).
Samples go to the status journal first (``offline_store.status_journal``) and are shipped
oldest first with the kiosk's token, so those taken while the monitor was unreachable
arrive later.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from kiosk_app.config import KioskConfig, credential_file
from kiosk_app.kiosk_status import STALE_SECONDS, device_warnings, read_status, whole_kiosk_cause
from offline_store import outbox
from offline_store.database import KioskDatabase
from offline_store.monthly_counters import month_counters
from offline_store.status_journal import REASON_CHARS, StatusJournal
from transactions.clock import SystemClock
from transactions.errors import KioskError, StorageError
from transactions.ports import Clock
from transactions.services import SERVICES
from transactions.version import software_version

logger = logging.getLogger(__name__)

TOKEN_CREDENTIAL = "kiosk-fleet-token"
BATCH = 500
WAIT = "wait"
"""What ``_post`` says when the samples must wait: unreachable, 5xx, 401 or 429."""


def load_token(config: KioskConfig) -> str:
    """Return the kiosk's monitor token: the systemd credential, else ``fleet.token_file``."""
    credential = credential_file(TOKEN_CREDENTIAL)
    if credential is not None:
        return credential.read_text(encoding="utf-8").strip()
    if config.fleet_token_file is None:
        raise KioskError(
            "fleet.url is set but no token: set fleet.token_file, or give the systemd "
            f"credential {TOKEN_CREDENTIAL} (kiosk-fleet kiosks add prints the token)",
            code="config_invalid",
        )
    try:
        return config.fleet_token_file.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise KioskError(f"{config.fleet_token_file}: cannot read the token ({err})") from err


def rfc3339(moment: datetime) -> str:
    """Return ``moment`` as RFC 3339 UTC with milliseconds."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def service_availability(
    state: str, reason: str | None, causes: dict[str, str]
) -> dict[str, bool | dict[str, Any]]:
    """Return each service's line of a sample: ``True``, or why it cannot be sold.

    A kiosk that sells nothing (``down``, ``maintenance``) gives every service the cause of
    its reason (``whole_kiosk_cause``); otherwise the touchscreen's causes stand.
    """
    if state not in ("up", "degraded"):
        whole = whole_kiosk_cause(reason, repair=state == "maintenance")
        causes = dict.fromkeys(SERVICES, whole)
    return {
        service: {"available": False, "cause": causes[service]} if service in causes else True
        for service in SERVICES
    }


@dataclass(frozen=True)
class Shipment:
    """What became of the waiting samples in one round of shipping.

    ``refused``: refused for good and set aside; ``kept``: still waiting (the monitor was
    unreachable, busy or did not know the token); ``reason``: the last word on those.
    """

    shipped: int = 0
    refused: int = 0
    kept: int = 0
    reason: str = ""

    @property
    def complete(self) -> bool:
        """Tell whether every sample reached the monitor."""
        return not self.refused and not self.kept

    def problem(self) -> str:
        """Say in one line what did not reach the monitor, and why ("" when all did)."""
        parts = []
        if self.refused:
            parts.append(f"{self.refused} status sample(s) refused for good by the fleet monitor")
        if self.kept:
            parts.append(f"{self.kept} status sample(s) kept for later")
        if not parts:
            return ""
        return "; ".join(parts) + (f": {self.reason}" if self.reason else "")


class FleetReporter:
    """Take samples, keep them, ship them; ``run`` on a thread until ``stop``."""

    def __init__(
        self,
        config: KioskConfig,
        database: KioskDatabase,
        token: str,
        clock: Clock | None = None,
    ) -> None:
        self._config = config
        self._database = database
        self._journal = StatusJournal(database)
        self._token = token
        self._clock = clock or SystemClock()
        self._session = requests.Session()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._refused = 0
        self._problem = ""
        self.version = software_version()

    def sample(self) -> dict[str, Any]:
        """Return a sample of the kiosk's state now."""
        now = self._clock.now()
        min_free = int(self._config.min_free_mb * 1024 * 1024)
        status = read_status(self._config.status_path)
        causes: dict[str, str] = {}
        devices: dict[str, str] = {}
        reason: str | None
        problem = self._database.storage_problem(min_free)
        fresh = status is not None and status.age(now) <= STALE_SECONDS
        if status is not None and fresh and status.state == "maintenance":
            # A technician is repairing it: say so, with what is still wrong.
            state, reason = "maintenance", problem or status.reason
            devices = status.devices
        elif problem is not None:
            state, reason = "down", problem
        elif status is None or not fresh:
            state, reason = "down", "ui_not_responding"
        else:
            state, reason = status.state, status.reason
            causes = status.causes
            devices = status.devices
        try:
            depth = len(outbox.waiting(self._database))
        except KioskError:
            depth = -1
        months = [now.strftime("%Y-%m")]
        if now.day == 1:  # the month just ended: its last transactions, counted once more
            months.insert(0, (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))
        return {
            "at": rfc3339(now),
            "counters": [month_counters(self._database, month) for month in months],
            "state": state,
            "reason": reason,
            "services": service_availability(state, reason, causes),
            "devices": devices,
            "warnings": device_warnings(devices),
            "outbox_depth": max(depth, 0),
            "version": self.version,
        }

    def tick(self) -> int:
        """Record a sample, then ship what waits; return how many samples were shipped."""
        return self.take_and_ship().shipped

    def take_and_ship(self) -> Shipment:
        """Record a sample, then ship what waits; say what became of the samples."""
        taken = self.sample()
        try:
            self._journal.record(taken)
        except StorageError:
            # A full disk is exactly when the monitor must hear: send this one directly.
            logger.error("status sample not journaled (storage); sending it directly")
            answer = self._post([taken])
            if answer is None:
                return Shipment(shipped=1)
            why = self._problem if answer is WAIT else answer
            return Shipment(refused=1, reason=f"not journaled (storage), then {why}")
        return self.deliver()

    def ship(self) -> int:
        """Ship unshipped samples, oldest first, until none is left or the monitor must be
        waited for; return how many it accepted. What it refuses for good is set aside."""
        return self.deliver().shipped

    def deliver(self) -> Shipment:
        """Ship as :meth:`ship` does; say what became of the samples."""
        self._refused, self._problem = 0, ""
        shipped = 0
        while not self._stopping.is_set():
            batch = self._journal.unshipped(BATCH)
            if not batch:
                break
            accepted, go_on = self._send(batch)
            shipped += accepted
            if not go_on or len(batch) < BATCH:
                break
        return Shipment(shipped, self._refused, self._journal.depth(), self._problem)

    def _send(self, batch: list[tuple[int, dict[str, Any]]]) -> tuple[int, bool]:
        """Ship ``batch``; return (samples accepted, whether to go on).

        A batch refused for good is split in halves until the refused samples stand alone:
        those are set aside with the monitor's reason, the others still arrive.
        """
        answer = self._post([body for _id, body in batch])
        if answer is None:
            self._journal.shipped([number for number, _body in batch], self._clock.now())
            return len(batch), True
        if answer is WAIT:
            return 0, False
        if len(batch) > 1:
            half = len(batch) // 2
            first, go_on = self._send(batch[:half])
            if not go_on:
                return first, False
            second, go_on = self._send(batch[half:])
            return first + second, go_on
        [(number, body)] = batch
        logger.error("fleet monitor refused the sample of %s for good: %s", body["at"], answer)
        self._journal.refused([number], answer, self._clock.now())
        self._refused, self._problem = self._refused + 1, answer
        return 0, True

    def _post(self, samples: list[dict[str, Any]]) -> str | None:
        """Post ``samples``; return None when accepted, ``WAIT`` when the monitor is away,
        overloaded or does not know the token (retry later), else its reason for refusing."""
        try:
            answer = self._session.post(
                f"{self._config.fleet_url}/api/v1/samples",
                json={"kiosk_id": self._config.kiosk_id, "samples": samples},
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=(self._config.connect_timeout, self._config.read_timeout),
            )
        except requests.RequestException as err:
            logger.warning("fleet monitor unreachable (%s): samples kept for later", err)
            self._problem = f"unreachable ({err.__class__.__name__})"
            return WAIT
        if answer.status_code == 202:
            return None
        reason = f"{answer.status_code} {answer.text[:REASON_CHARS]}"
        if answer.status_code in (401, 429) or not 400 <= answer.status_code < 500:
            logger.error("fleet monitor did not take the samples (%s): kept for later", reason)
            self._problem = reason
            return WAIT
        return reason

    def run(self) -> None:
        """Sample and ship every ``fleet.sample_seconds`` until :meth:`stop`."""
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:  # the report must never stop the agent; log it and go on
                logger.exception("status sample failed")
            self._stopping.wait(self._config.sample_seconds)

    def start(self) -> None:
        """Run on a thread of its own."""
        self._thread = threading.Thread(target=self.run, name="fleet-reporter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the sample in progress."""
        self._stopping.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end after :meth:`stop`."""
        if self._thread is not None:
            self._thread.join(timeout)
