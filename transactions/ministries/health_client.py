"""The health ministry's backend over HTTP (``/health/v1``)."""

from __future__ import annotations

from urllib.parse import quote

from transactions.addresses import Address
from transactions.ministries.http import JsonApi, Timeouts, confirmation_number


class HttpHealthGateway:
    """The health card's address over HTTP."""

    def __init__(self, base_url: str, timeouts: Timeouts | None = None) -> None:
        self._api = JsonApi(base_url, timeouts)

    def change_card_address(
        self, card_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Record a new address for a health card (``card_not_found``, ``card_expired``)."""
        answer = self._api.post(
            f"/health/v1/cards/{quote(card_number, safe='')}/address",
            {"address": address.fields(), "kiosk_id": kiosk_id},
            idempotency_key,
        )
        return confirmation_number(answer)
