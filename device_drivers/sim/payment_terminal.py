"""A simulated card terminal: the citizen taps a simulated card, the gateway authorizes it.

It is the gateway-card terminal with a simulated reader, so it speaks to the payment
gateway (the sandbox's, in the demo) exactly as a kiosk with a bare card reader would,
and the gateway's ledger shows every authorization, capture and void. A card whose
outcome is "decline" is declined as its bank would, without reaching the gateway.
"""

from __future__ import annotations

from device_drivers.gateway_card_terminal import GatewayCardTerminal
from device_drivers.sim.card_reader import SimulatedCard, SimulatedCardReader
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.ports import PaymentGateway

__all__ = ["SimulatedCard", "SimulatedPaymentTerminal"]


class SimulatedPaymentTerminal(GatewayCardTerminal):
    """Wait for a simulated card, then authorize, capture and void at the gateway."""

    def __init__(
        self, gateway: PaymentGateway, card: SimulatedCard, wait_seconds: float = 120.0
    ) -> None:
        self.reader = SimulatedCardReader(card)
        super().__init__(self.reader, gateway, wait_seconds)

    @property
    def card(self) -> SimulatedCard:
        """Return the card the simulated citizen holds."""
        return self.reader.card

    def hold_card(self, card: SimulatedCard) -> None:
        """Give the simulated citizen another card."""
        self.reader.card = card

    def tap(self) -> None:
        """Present the held card to the terminal (the citizen taps it)."""
        self.reader.tap()

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Wait for a tap, then authorize at the gateway; a bank decline comes back declined."""
        card = self.reader.wait_for_tap(self._wait_seconds)
        if card.outcome == "decline":
            return PaymentOutcome(False, None, card.brand, card.last4, "card_declined")
        return self._authorize_at_gateway(card.brand, card.last4, request)
