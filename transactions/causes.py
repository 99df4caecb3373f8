"""Why a service cannot be sold at a kiosk: the causes the kiosk reports and the monitor
counts (the kiosk's ``kiosk_status``, the fleet monitor's API and availability).

``backend`` is the ministry's (or the payment gateway's) system being down or refusing:
not the operator's doing. Every other cause is the operator's: a device
(``device:printer``…), the kiosk's ``network``, its ``storage``, its ``software`` (the
touchscreen not responding), or a technician's ``maintenance``.
"""

from __future__ import annotations

DEVICES = ("printer", "payment_terminal", "card_reader", "scanner")
"""The devices a cause may name (the kiosk config's device sections)."""
BACKEND = "backend"
CAUSES = (
    BACKEND,
    "network",
    "storage",
    "software",
    "maintenance",
    *(f"device:{d}" for d in DEVICES),
)
