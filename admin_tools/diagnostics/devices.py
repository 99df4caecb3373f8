"""Self-test every configured device and give the kiosk's verdict.

The caller (the ``kiosk diagnose`` command) hands over the devices it built from the
config; nothing here reads config or opens ports on its own.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from transactions.devices import DeviceHealth, HealthStatus

logger = logging.getLogger(__name__)

ESSENTIAL = frozenset({"payment_terminal", "card_reader"})
"""Without these nobody can pay, so the kiosk is down; without the others it is degraded
(a citizen without a printed receipt still has the reference on screen)."""


class Verdict(enum.Enum):
    """The kiosk's state after the checks, with its exit code."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"

    @property
    def exit_code(self) -> int:
        """Return 0 all good, 1 degraded, 2 down."""
        return {Verdict.OK: 0, Verdict.DEGRADED: 1, Verdict.DOWN: 2}[self]


class NamedDevice(Protocol):
    """A device as configured: section name, driver name, adapter."""

    @property
    def name(self) -> str:
        """Return the config section's name (``printer``, ``card_reader``, …)."""
        ...

    @property
    def driver(self) -> str:
        """Return the driver's name."""
        ...

    @property
    def device(self) -> Any:
        """Return the adapter."""
        ...


@dataclass(frozen=True)
class DeviceCheck:
    """One device's self-test result."""

    name: str
    driver: str
    health: DeviceHealth

    def as_json(self) -> dict[str, Any]:
        """Return the check as ``kiosk diagnose devices --json`` reports it."""
        result: dict[str, Any] = {
            "name": self.name,
            "driver": self.driver,
            "status": self.health.status.value,
            "detail": self.health.detail,
            "fix": self.health.fix,
        }
        card = {
            k: self.health.data[k] for k in ("brand", "last4", "expiry") if k in self.health.data
        }
        if self.name == "card_reader" and len(card) == 3:
            result["card"] = card
        return result


def self_test(named: NamedDevice, test_page: bool = False) -> DeviceCheck:
    """Run one device's self-test; a crash in it is a finding, not the end of the report.

    With ``test_page``, the printer also prints its bilingual test page.
    """
    test = getattr(named.device, "self_test", None) or getattr(named.device, "health", None)
    if test is None:
        health = DeviceHealth(HealthStatus.UNKNOWN, "this driver has no self-test")
    else:
        try:
            health = test(test_page=True) if test_page and named.name == "printer" else test()
        except Exception as err:
            logger.exception("self-test of %s failed", named.name)
            health = DeviceHealth(
                HealthStatus.DOWN,
                f"the self-test failed: {err.__class__.__name__}",
                fix="restart the kiosk; if it persists, replace the device",
            )
    return DeviceCheck(named.name, named.driver, health)


def current_health(devices: Sequence[NamedDevice]) -> list[DeviceCheck]:
    """Return each device's last known health, without disturbing any device."""
    checks = []
    for named in devices:
        health = getattr(named.device, "health", None)
        state = health() if health else DeviceHealth(HealthStatus.UNKNOWN, "no health report")
        checks.append(DeviceCheck(named.name, named.driver, state))
    return checks


def check_devices(devices: Sequence[NamedDevice], test_page: bool = False) -> list[DeviceCheck]:
    """Self-test every device, in the order configured."""
    return [self_test(named, test_page) for named in devices]


def verdict(checks: Sequence[DeviceCheck]) -> Verdict:
    """Return down if an essential device cannot serve, degraded if anything is not OK."""
    if any(c.name in ESSENTIAL and not c.health.usable for c in checks):
        return Verdict.DOWN
    if any(c.health.status is not HealthStatus.OK for c in checks):
        return Verdict.DEGRADED
    return Verdict.OK


def report(checks: Sequence[DeviceCheck]) -> dict[str, Any]:
    """Return the JSON report: the verdict and each device."""
    return {"verdict": verdict(checks).value, "devices": [c.as_json() for c in checks]}
