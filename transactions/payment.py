"""Payment values shared by the saga and the payment adapters."""

from __future__ import annotations

from dataclasses import dataclass

CARD_BRANDS = ("visa", "mastercard", "amex", "interac")


@dataclass(frozen=True)
class PaymentRequest:
    """Ask the payment terminal to authorize ``amount_cents`` for one transaction."""

    amount_cents: int
    merchant_reference: str
    idempotency_key: str


@dataclass(frozen=True)
class PaymentOutcome:
    """What the terminal answered: approved with an authorization, or declined."""

    approved: bool
    authorization_id: str | None
    card_brand: str
    card_last4: str
    decline_reason: str | None = None

    def __post_init__(self) -> None:
        if len(self.card_last4) != 4 or not self.card_last4.isdigit():
            raise ValueError("a payment outcome carries the card's last four digits only")
