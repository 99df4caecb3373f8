"""The kiosk's state as its UI sees it, published in a small file for the agent and people.

``up``: every enabled service can be sold; ``degraded``: some cannot, each with its cause
(``CAUSES``: its ministry's system, the network, the printer…); ``down``: nobody can be
served (the storage cannot record a transaction, the payment terminal is dead);
``maintenance``: a technician has started a repair (and not finished it). A device that
works but needs attention (paper near its end) is a *warning*: the kiosk stays ``up``. The file
is replaced whole (write, then rename), so a reader never sees half of it. The UI writes it
on every change and every ``HEARTBEAT_SECONDS`` besides: a file older than
``STALE_SECONDS`` means the UI has stopped (the agent then reports the kiosk down). It lives in the
runtime directory, a RAM disk, so the kiosk can still say it is down when its disk is full.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transactions.causes import DEVICES
from transactions.services import FREE_SERVICES, SERVICES

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 45.0

UNUSABLE = frozenset({"down", "unknown"})
"""Device health that cannot serve a citizen: no answer is not good news."""
WARNINGS = {"printer": "paper_low"}
"""What a device's ``degraded`` health means (it still works): the ESC/POS printer says
``degraded`` only when its paper roll is near its end. Other devices: ``degraded``."""
RECEIPT_NEEDED = frozenset(SERVICES) - FREE_SERVICES
"""By default a kiosk that cannot print sells no paid service (``[printing]`` in config)."""
REASON_CHARS = 200
"""The longest reason the fleet monitor takes."""


def service_causes(
    services: Iterable[str],
    *,
    backend_down: frozenset[str] = frozenset(),
    network: bool = False,
    devices: Mapping[str, str] | None = None,
    needs_printer: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """Return why each service that cannot be sold cannot (service → cause).

    ``backend_down``: services whose backends do not answer (``network`` when the kiosk
    reaches none of them); ``needs_printer``: services not sold without a receipt. A
    printer that is down or does not answer takes those; the operator's cause wins over a
    ministry's when both hold (the operator must repair it either way).
    """
    printer_out = (devices or {}).get("printer") in UNUSABLE
    causes = {}
    for service in services:
        if printer_out and service in needs_printer:
            causes[service] = "device:printer"
        elif service in backend_down:
            causes[service] = "network" if network else "backend"
    return causes


def whole_kiosk_cause(reason: str | None, repair: bool = False) -> str:
    """Return the cause of a kiosk that sells nothing, from its reason (or repair)."""
    if repair:
        return "maintenance"
    if reason is not None and reason.startswith("storage_"):  # full, read_only, busy, newer…
        return "storage"
    if reason in DEVICES:
        return f"device:{reason}"
    return "software"


def device_reason(
    causes: Mapping[str, str], devices: Mapping[str, str], details: Mapping[str, str]
) -> str | None:
    """Return what the devices that keep services from being sold say ("printer: out of
    paper"), cut to ``REASON_CHARS``; None when no device does."""
    names = sorted({c.removeprefix("device:") for c in causes.values() if c.startswith("device:")})
    said = "; ".join(
        f"{name}: {details.get(name) or devices.get(name, 'unknown')}" for name in names
    )
    return said[:REASON_CHARS] or None


def device_health(configured: Iterable[Any]) -> dict[str, tuple[str, str]]:
    """Return each configured device's (health, detail) as its driver last knew them
    (``bootstrap.ConfiguredDevice``: its ``name`` and its ``device``)."""
    found = {}
    for each in configured:
        health = getattr(each.device, "health", None)
        if health is not None:
            try:
                known = health()
                found[each.name] = (known.status.value, known.detail)
            except Exception:  # a driver bug must not stop the heartbeat
                logger.exception("health of %s not read", each.name)
                found[each.name] = ("unknown", "health not read")
    return found


def device_warnings(devices: Mapping[str, str]) -> dict[str, str]:
    """Return the devices that work but need attention, with what (``WARNINGS``)."""
    return {
        name: WARNINGS.get(name, "degraded")
        for name, health in devices.items()
        if health == "degraded"
    }


@dataclass(frozen=True)
class KioskStatus:
    """One published state; no personal data."""

    state: str
    reason: str | None
    unavailable: tuple[str, ...]
    since: str
    """When the kiosk entered this state."""
    at: str
    """When the UI last wrote the file (its heartbeat)."""
    devices: dict[str, str] = field(default_factory=dict)
    """Each device's health ("ok", "degraded", "down", "unknown"), by its config section."""
    causes: dict[str, str] = field(default_factory=dict)
    """Why each service in ``unavailable`` cannot be sold (``CAUSES``)."""
    warnings: dict[str, str] = field(default_factory=dict)
    """Devices that work but need attention (``device_warnings``): not unavailability."""

    @classmethod
    def of(
        cls,
        out_of_service: str | None,
        unavailable: frozenset[str] | Mapping[str, str],
        since: str | None = None,
        devices: dict[str, str] | None = None,
        repair: bool = False,
        *,
        network: bool = False,
        needs_printer: frozenset[str] = RECEIPT_NEEDED,
        details: Mapping[str, str] | None = None,
    ) -> KioskStatus:
        """Return the state for a kiosk out of service (or not), with these services
        unavailable (service → cause; or a set of those whose backends do not answer, with
        ``network`` when none does) and these devices' health.

        A repair under way means ``maintenance`` whatever else is wrong (the reason still
        says what). A dead payment terminal means nobody can pay: ``down``. A service
        unavailable, or a printer down or silent while ``needs_printer`` services need it:
        ``degraded``, its reason the device's ``details`` ("printer: out of paper"). A
        device that works but needs attention (paper near its end) is a warning only: it
        does not make the kiosk ``degraded``.
        """
        devices = dict(devices or {})
        causes = (
            dict(unavailable)
            if isinstance(unavailable, Mapping)
            else service_causes(
                SERVICES,
                backend_down=frozenset(unavailable),
                network=network,
                devices=devices,
                needs_printer=needs_printer,
            )
        )
        now = datetime.now(UTC).isoformat()
        reason = out_of_service
        if reason is None and devices.get("payment_terminal") == "down":
            reason = "payment_terminal"
        state = "down" if reason else "degraded" if causes else "up"
        if repair:
            state = "maintenance"
        if reason is None and causes:
            reason = device_reason(causes, devices, details or {})
        return cls(
            state,
            reason,
            tuple(sorted(causes)),
            since or now,
            now,
            devices,
            causes,
            device_warnings(devices),
        )

    def age(self, now: datetime) -> float:
        """Return the seconds since the UI last wrote the file."""
        return (now - datetime.fromisoformat(self.at)).total_seconds()


def publish(path: Path, status: KioskStatus) -> bool:
    """Replace the file at ``path`` with ``status``; log and return False if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".status-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(asdict(status), out)
            os.replace(name, path)
        except OSError:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError as err:
        logger.error("kiosk state %s not published to %s: %s", status.state, path, err)
        return False
    return True


def read_status(path: Path) -> KioskStatus | None:
    """Return the last published state, or None if there is none (the UI never started)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    unavailable = tuple(str(service) for service in raw.get("unavailable", ()))
    default_causes = dict.fromkeys(unavailable, "backend")
    devices = {str(k): str(v) for k, v in dict(raw.get("devices", {})).items()}
    return KioskStatus(
        state=str(raw["state"]),
        reason=raw.get("reason"),
        unavailable=unavailable,
        since=str(raw.get("since", raw["at"])),
        at=str(raw["at"]),
        devices=devices,
        # A file from before causes were published: its unavailable services were those
        # whose backends did not answer.
        causes={str(k): str(v) for k, v in dict(raw.get("causes", default_causes)).items()},
        warnings={str(k): str(v) for k, v in dict(raw.get("warnings", {})).items()},
    )
