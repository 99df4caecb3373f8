"""What the kiosk and the natural resources backend exchange (``/natural-resources/v1``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutdoorCard:
    """An Outdoors Card, and whether the kiosk may renew it."""

    card_number: str
    expiry: str
    renewal_years: int
    renewal_fee_cents: int
    renewable: bool


@dataclass(frozen=True)
class OutdoorCardRenewal:
    """Renew this card, paid with this authorization."""

    card_number: str
    fee_cents: int
    authorization_id: str
    kiosk_id: str


@dataclass(frozen=True)
class OutdoorCardRenewed:
    """The ministry's proof of a renewal, with the card's new expiry."""

    confirmation_number: str
    new_expiry: str
