"""A payment terminal for kiosks with a bare card reader: the kiosk reads the card and
asks the payment gateway to authorize, capture and void.

The card reader gives the brand and the last four digits only; the gateway decides.
"""

from __future__ import annotations

from device_drivers.gateway_settlement import GatewaySettlement
from transactions.devices import DeviceHealth, HealthStatus
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.ports import CardReader, PaymentGateway


class GatewayCardTerminal(GatewaySettlement):
    """Read the card with ``reader``, then authorize, capture and void at ``gateway``."""

    def __init__(
        self, reader: CardReader, gateway: PaymentGateway, wait_seconds: float = 120.0
    ) -> None:
        super().__init__(gateway)
        self._reader = reader
        self._wait_seconds = wait_seconds

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Wait for the card, then ask the gateway to authorize the amount."""
        card = self._reader.read_card(self._wait_seconds)
        return self._authorize_at_gateway(card.brand, card.last4, request)

    def _authorize_at_gateway(
        self, brand: str, last4: str, request: PaymentRequest
    ) -> PaymentOutcome:
        return self._gateway.authorize(
            request.amount_cents, brand, last4, request.merchant_reference, request.idempotency_key
        )

    def cancel_wait(self) -> None:
        """Stop waiting for the card."""
        self._reader.cancel_wait()

    def health(self) -> DeviceHealth:
        """Return the card reader's health (the gateway is checked with the backends)."""
        health = getattr(self._reader, "health", None)
        if health is None:
            return DeviceHealth(HealthStatus.UNKNOWN, "the card reader reports no health")
        result: DeviceHealth = health()
        return result

    def self_test(self) -> DeviceHealth:
        """Run the card reader's self-test."""
        test = getattr(self._reader, "self_test", None)
        if test is None:
            return self.health()
        result: DeviceHealth = test()
        return result
