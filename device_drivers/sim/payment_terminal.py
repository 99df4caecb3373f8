"""A simulated card terminal: the citizen taps a simulated card, the gateway authorizes it.

It waits for the card like a real terminal does, then speaks to the payment gateway
(the sandbox's, in the demo) exactly as a kiosk with a bare card reader would, so the
gateway's ledger shows every authorization, capture and void.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from transactions.errors import DeviceError
from transactions.payment import CARD_BRANDS, PaymentOutcome, PaymentRequest
from transactions.ports import PaymentGateway

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimulatedCard:
    """The card the simulated citizen holds: brand, last four digits, and what the bank says."""

    brand: str = "visa"
    last4: str = "4242"
    outcome: str = "approve"

    def __post_init__(self) -> None:
        if self.brand not in CARD_BRANDS:
            raise ValueError(f"card brand must be one of {', '.join(CARD_BRANDS)}")
        if len(self.last4) != 4 or not self.last4.isdigit():
            raise ValueError("last4 must be four digits")
        if self.outcome not in ("approve", "decline"):
            raise ValueError("outcome must be 'approve' or 'decline'")


class SimulatedPaymentTerminal:
    """Wait for a simulated card, then authorize, capture and void at the gateway."""

    def __init__(
        self, gateway: PaymentGateway, card: SimulatedCard, wait_seconds: float = 120.0
    ) -> None:
        self._gateway = gateway
        self._card = card
        self._wait_seconds = wait_seconds
        self._condition = threading.Condition()
        self._tapped: SimulatedCard | None = None
        self._cancelled = False

    @property
    def card(self) -> SimulatedCard:
        """Return the card the simulated citizen holds."""
        return self._card

    def hold_card(self, card: SimulatedCard) -> None:
        """Give the simulated citizen another card."""
        self._card = card

    def tap(self) -> None:
        """Present the held card to the terminal (the citizen taps it)."""
        with self._condition:
            self._tapped = self._card
            self._condition.notify_all()

    def cancel_wait(self) -> None:
        """Stop waiting for a card."""
        with self._condition:
            self._cancelled = True
            self._condition.notify_all()

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Wait for a tap, then authorize at the gateway; a bank decline comes back declined."""
        card = self._wait_for_card()
        if card.outcome == "decline":
            return PaymentOutcome(False, None, card.brand, card.last4, "card_declined")
        return self._gateway.authorize(
            request.amount_cents,
            card.brand,
            card.last4,
            request.merchant_reference,
            request.idempotency_key,
        )

    def capture(self, authorization_id: str, amount_cents: int, idempotency_key: str) -> None:
        """Capture at the gateway."""
        self._gateway.capture(authorization_id, amount_cents, idempotency_key)

    def reverse(self, merchant_reference: str, idempotency_key: str) -> None:
        """Void whatever the gateway still holds authorized for this transaction."""
        for authorization_id in self._gateway.approved_authorizations(merchant_reference):
            self._gateway.void(authorization_id, f"{idempotency_key}:{authorization_id}")
            logger.info("voided authorization %s", authorization_id)

    def _wait_for_card(self) -> SimulatedCard:
        with self._condition:
            got_it = self._condition.wait_for(
                lambda: self._tapped is not None or self._cancelled, timeout=self._wait_seconds
            )
            card, cancelled = self._tapped, self._cancelled
            self._tapped, self._cancelled = None, False
        if cancelled or not got_it or card is None:
            raise DeviceError("no card presented", code="payment_cancelled")
        return card
