"""The natural resources ministry's backend over HTTP (``/natural-resources/v1``)."""

from __future__ import annotations

from urllib.parse import quote

from transactions.addresses import Address
from transactions.errors import BackendUnavailable
from transactions.ministries.http import JsonApi, Timeouts, confirmation_number
from transactions.natural_resources.values import (
    OutdoorCard,
    OutdoorCardRenewal,
    OutdoorCardRenewed,
)

_CARDS = "/natural-resources/v1/outdoor-cards"


class HttpNaturalResourcesGateway:
    """Outdoors Cards over HTTP: look-up, renewal, address."""

    def __init__(self, base_url: str, timeouts: Timeouts | None = None) -> None:
        self._api = JsonApi(base_url, timeouts)

    def look_up_outdoor_card(self, card_number: str) -> OutdoorCard:
        """Return the card; raise BackendError(permanent) ``card_not_found`` if unknown."""
        body = self._api.get(f"{_CARDS}/{quote(card_number, safe='')}")
        try:
            return OutdoorCard(
                card_number=str(body["card_number"]),
                expiry=str(body["expiry"]),
                renewal_years=int(body["renewal_years"]),
                renewal_fee_cents=int(body["renewal_fee_cents"]),
                renewable=bool(body["renewable"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise BackendUnavailable("malformed outdoor card", code="backend_malformed") from err

    def renew_outdoor_card(
        self, renewal: OutdoorCardRenewal, idempotency_key: str
    ) -> OutdoorCardRenewed:
        """Renew the card (``card_not_renewable`` when a counter must see the holder)."""
        answer = self._api.post(
            f"{_CARDS}/{quote(renewal.card_number, safe='')}/renewals",
            {
                "fee_cents": renewal.fee_cents,
                "authorization_id": renewal.authorization_id,
                "kiosk_id": renewal.kiosk_id,
            },
            idempotency_key,
        )
        try:
            return OutdoorCardRenewed(
                confirmation_number=str(answer["confirmation_number"]),
                new_expiry=str(answer["new_expiry"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise BackendUnavailable("malformed renewal", code="backend_malformed") from err

    def change_outdoor_card_address(
        self, card_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Record a new address for an Outdoors Card; return the confirmation number."""
        answer = self._api.post(
            f"{_CARDS}/{quote(card_number, safe='')}/address",
            {"address": address.fields(), "kiosk_id": kiosk_id},
            idempotency_key,
        )
        return confirmation_number(answer)
