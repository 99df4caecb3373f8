"""A simulated card reader: the citizen taps a simulated card on the screen."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from transactions.devices import CardData, DeviceHealth, HealthStatus
from transactions.errors import DeviceError
from transactions.payment import CARD_BRANDS


@dataclass(frozen=True)
class SimulatedCard:
    """The card the simulated citizen holds: brand, last four digits, and what the bank says."""

    brand: str = "visa"
    last4: str = "4242"
    outcome: str = "approve"
    expiry: str = "2029-08"

    def __post_init__(self) -> None:
        if self.brand not in CARD_BRANDS:
            raise ValueError(f"card brand must be one of {', '.join(CARD_BRANDS)}")
        if len(self.last4) != 4 or not self.last4.isdigit():
            raise ValueError("last4 must be four digits")
        if self.outcome not in ("approve", "decline"):
            raise ValueError("outcome must be 'approve' or 'decline'")

    def data(self) -> CardData:
        """Return what a reader reads off this card."""
        return CardData(self.brand, self.last4, self.expiry)


class SimulatedCardReader:
    """Wait for a tap of the held simulated card, like a reader waits for a card."""

    def __init__(self, card: SimulatedCard) -> None:
        self.card = card
        self._condition = threading.Condition()
        self._tapped: SimulatedCard | None = None
        self._cancelled = False

    def tap(self) -> None:
        """Present the held card."""
        with self._condition:
            self._tapped = self.card
            self._condition.notify_all()

    def cancel_wait(self) -> None:
        """Stop waiting for a card."""
        with self._condition:
            self._cancelled = True
            self._condition.notify_all()

    def wait_for_tap(self, timeout: float) -> SimulatedCard:
        """Return the tapped card; raise DeviceError when cancelled or timed out."""
        with self._condition:
            tapped = self._condition.wait_for(
                lambda: self._tapped is not None or self._cancelled, timeout=timeout
            )
            card, cancelled = self._tapped, self._cancelled
            self._tapped, self._cancelled = None, False
        if cancelled:
            raise DeviceError("the citizen cancelled", code="payment_cancelled")
        if not tapped or card is None:
            raise DeviceError("no card presented", code="payment_cancelled")
        return card

    def read_card(self, timeout: float) -> CardData:
        """Wait for a tap and return the card's data."""
        return self.wait_for_tap(timeout).data()

    def health(self) -> DeviceHealth:
        """Report the simulated reader as working."""
        return DeviceHealth(HealthStatus.OK, "simulated card reader")

    def self_test(self) -> DeviceHealth:
        """Report the held card, as a real reader reports the card in its slot."""
        card = self.card
        return DeviceHealth(
            HealthStatus.OK,
            "simulated card reader holding a card",
            data={"brand": card.brand, "last4": card.last4, "expiry": card.expiry},
        )
