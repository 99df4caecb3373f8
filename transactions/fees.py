"""The kiosk's own fee, charged on top of the ministry's fee."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # records builds on FeeSplit
    from transactions.records import Fields, LineItem

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


class Quote(Protocol):
    """What a service's quote gives the saga to open a paid transaction."""

    @property
    def kiosk_fee_cents(self) -> int:
        """Return the kiosk fee."""
        ...

    @property
    def ministry_amount_cents(self) -> int:
        """Return what the ministry receives."""
        ...

    @property
    def total_cents(self) -> int:
        """Return what the citizen pays."""
        ...

    def items(self) -> tuple[LineItem, ...]:
        """Return what is bought, as the journal's line items."""
        ...

    def posting_data(self) -> Fields:
        """Return what posting needs beyond the items."""
        ...

    def receipt_data(self) -> Fields:
        """Return what the receipt shows beyond the items."""
        ...
