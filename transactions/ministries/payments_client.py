"""The payment gateway over HTTP (``/payments/v1``): authorize, capture, void."""

from __future__ import annotations

from transactions.errors import BackendUnavailable
from transactions.ministries.http import JsonApi, Timeouts
from transactions.payment import PaymentOutcome


class HttpPaymentGateway:
    """Authorize, capture and void card payments at the gateway."""

    def __init__(self, base_url: str, timeouts: Timeouts | None = None) -> None:
        self._api = JsonApi(base_url, timeouts)

    def authorize(
        self, amount_cents: int, brand: str, last4: str, merchant_reference: str, key: str
    ) -> PaymentOutcome:
        """Ask the gateway to authorize ``amount_cents`` on the card."""
        answer = self._api.post(
            "/payments/v1/authorizations",
            {
                "amount_cents": amount_cents,
                "currency": "CAD",
                "card": {"brand": brand, "last4": last4},
                "merchant_reference": merchant_reference,
            },
            key,
        )
        try:
            approved = answer["status"] == "approved"
            return PaymentOutcome(
                approved=approved,
                authorization_id=str(answer["authorization_id"]) if approved else None,
                card_brand=brand,
                card_last4=last4,
                decline_reason=None if approved else str(answer.get("decline_reason")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise BackendUnavailable("malformed authorization", code="backend_malformed") from err

    def capture(self, authorization_id: str, amount_cents: int, key: str) -> None:
        """Capture an approved authorization."""
        self._api.post(
            f"/payments/v1/authorizations/{authorization_id}/capture",
            {"amount_cents": amount_cents},
            key,
        )

    def void(self, authorization_id: str, key: str) -> None:
        """Void an authorization (releases the hold on the card)."""
        self._api.post(f"/payments/v1/authorizations/{authorization_id}/void", {}, key)

    def approved_authorizations(self, merchant_reference: str) -> list[str]:
        """Return the ids of the still-approved (not captured, not voided) authorizations."""
        answer = self._api.get(
            "/payments/v1/authorizations", params={"merchant_reference": merchant_reference}
        )
        return [
            str(item["authorization_id"])
            for item in answer.get("authorizations", [])
            if item.get("state") == "approved"
        ]
