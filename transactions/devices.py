"""What the core knows about devices: their health, and what a card reader reads."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class HealthStatus(enum.Enum):
    """How a device is doing. ``UNKNOWN`` is never OK: no answer is not good news."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DeviceHealth:
    """A device's state for technicians: what is wrong and the fix to try (English)."""

    status: HealthStatus
    detail: str
    fix: str = ""
    data: dict[str, str] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """Return True when the device can serve a citizen now."""
        return self.status in (HealthStatus.OK, HealthStatus.DEGRADED)


@dataclass(frozen=True)
class CardData:
    """What the kiosk keeps of a payment card: brand, last four digits, expiry (YYYY-MM)."""

    brand: str
    last4: str
    expiry: str

    def __post_init__(self) -> None:
        if len(self.last4) != 4 or not self.last4.isdigit():
            raise ValueError("card data carries the last four digits only")
