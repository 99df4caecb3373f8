"""The kiosk's own fee, charged on top of the ministry's fee."""

from __future__ import annotations

KIOSK_FEE_CENTS = 100
"""$1.00 per paid transaction (programme rule); the operator keeps about half of it."""

FREE_SERVICES = frozenset({"address-change"})
"""Services that carry no kiosk fee (change of address is free)."""


class FeeSplit:
    """Something priced as the ministry's amount plus the kiosk fee, shown apart."""

    kiosk_fee_cents: int

    @property
    def ministry_amount_cents(self) -> int:
        """Return what the ministry receives."""
        raise NotImplementedError

    @property
    def total_cents(self) -> int:
        """Return what the citizen pays: the ministry's amount plus the kiosk fee."""
        return self.ministry_amount_cents + self.kiosk_fee_cents


def kiosk_fee_cents(service: str) -> int:
    """Return the kiosk fee for one transaction of ``service``."""
    return 0 if service in FREE_SERVICES else KIOSK_FEE_CENTS
