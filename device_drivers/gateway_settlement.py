"""Settle payments at the gateway with no card present: the agent's payment "terminal".

The agent runs apart from the UI, which owns the card hardware; what it still has to do
with money (capture an approved authorization once the ministry recorded the payment, or
void it when the ministry refused) goes to the payment gateway server-side, under the same
idempotency keys the UI would have used. It never takes a new payment.
"""

from __future__ import annotations

import logging

from transactions.errors import DeviceError
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.ports import PaymentGateway

logger = logging.getLogger(__name__)


class GatewaySettlement:
    """Capture and void at ``gateway``; refuse to authorize (no citizen, no card)."""

    def __init__(self, gateway: PaymentGateway) -> None:
        self._gateway = gateway

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Refuse: a new payment needs the citizen and the card at the kiosk."""
        raise DeviceError("no card terminal here: payments are taken at the kiosk's screen")

    def capture(self, authorization_id: str, amount_cents: int, idempotency_key: str) -> None:
        """Capture at the gateway."""
        self._gateway.capture(authorization_id, amount_cents, idempotency_key)

    def reverse(self, merchant_reference: str, idempotency_key: str) -> None:
        """Void whatever the gateway still holds authorized for this transaction."""
        for authorization_id in self._gateway.approved_authorizations(merchant_reference):
            self._gateway.void(authorization_id, f"{idempotency_key}:{authorization_id}")
            logger.info("voided authorization %s", authorization_id)

    def cancel_wait(self) -> None:
        """Nothing waits for a card here."""


class SettledAtKiosk:
    """The agent's stand-in for a terminal only the kiosk's screen can reach (ECR, serial).

    Captures and voids fail with ``terminal_at_kiosk``, a retry-later failure: they stay
    queued, and the touchscreen makes them over its own port when nobody is at the screen.
    """

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Refuse: a new payment needs the citizen and the card at the kiosk."""
        raise DeviceError("no card terminal here: payments are taken at the kiosk's screen")

    def capture(self, authorization_id: str, amount_cents: int, idempotency_key: str) -> None:
        """Leave the capture to the touchscreen."""
        raise DeviceError("the payment terminal is on the kiosk's port", code="terminal_at_kiosk")

    def reverse(self, merchant_reference: str, idempotency_key: str) -> None:
        """Leave the void to the touchscreen."""
        raise DeviceError("the payment terminal is on the kiosk's port", code="terminal_at_kiosk")

    def cancel_wait(self) -> None:
        """Nothing waits for a card here."""
