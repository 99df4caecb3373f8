"""The kiosk's own fee, charged on top of the ministry's fee."""

from __future__ import annotations

KIOSK_FEE_CENTS = 100
"""$1.00 per paid transaction (programme rule); the operator keeps about half of it."""

FREE_SERVICES = frozenset({"address-change"})
"""Services that carry no kiosk fee (change of address is free)."""


def kiosk_fee_cents(service: str) -> int:
    """Return the kiosk fee for one transaction of ``service``."""
    return 0 if service in FREE_SERVICES else KIOSK_FEE_CENTS
