"""Outdoors Card renewal: the card number, then pay; the receipt gives the new expiry."""

from __future__ import annotations

from typing import ClassVar

from kiosk_app.flows.base import Answers, ServiceFlow
from kiosk_app.flows.form import Field
from kiosk_app.flows.keyboard import Keyboard
from kiosk_app.flows.review import Line, Review, Shown
from transactions.natural_resources.identifiers import last_four, normalize_outdoor_card_number
from transactions.natural_resources.outdoor_card import SERVICE, OutdoorCardRenewals

OUTDOOR_CARD = Field("outdoor_card", Keyboard.DIGITS, 15, check=normalize_outdoor_card_number)


class OutdoorCardFlow(ServiceFlow):
    """Renew the card for the ministry's term."""

    service = SERVICE
    error_fields: ClassVar[dict[str, str]] = {
        "outdoor_card_format": "outdoor_card",
        "card_not_found": "outdoor_card",
    }

    def __init__(self, renewals: OutdoorCardRenewals) -> None:
        self._renewals = renewals

    def fields(self, answers: Answers) -> tuple[Field, ...]:
        """Return the card number."""
        return (OUTDOOR_CARD,)

    def review(self, answers: Answers) -> Review:
        """Find the card and price its renewal."""
        card = self._renewals.look_up(answers.get("outdoor_card", ""))
        years = "receipt.years.one" if card.renewal_years == 1 else "receipt.years.many"
        return Review(
            title="review.outdoor_card.title",
            lines=(
                Line("receipt.outdoor_card.card", f"•••• {last_four(card.card_number)}"),
                Line("review.outdoor_card.expiry", card.expiry, Shown.DATE),
                Line(
                    "receipt.outdoor_card.term",
                    years,
                    Shown.KEY,
                    (("years", str(card.renewal_years)),),
                ),
            ),
            note="review.outdoor_card.note",
            quote=self._renewals.quote(card),
        )
