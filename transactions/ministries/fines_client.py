"""The fines programme's backend over HTTP (``/fines/v1``)."""

from __future__ import annotations

from typing import Any

from transactions.errors import BackendUnavailable
from transactions.fines.notices import FinePosting, Notice, PostingConfirmation
from transactions.ministries.http import JsonApi, Timeouts


class HttpMinistryGateway:
    """Look up and pay fine notices over HTTP."""

    def __init__(self, base_url: str, timeouts: Timeouts | None = None) -> None:
        self._api = JsonApi(base_url, timeouts)

    def look_up_notice(self, notice_number: str) -> Notice:
        """Return the notice; raise BackendError(permanent) ``notice_not_found`` if unknown."""
        body = self._api.get(f"/fines/v1/notices/{notice_number}")
        try:
            return Notice(
                notice_number=str(body["notice_number"]),
                jurisdiction=str(body["jurisdiction"]),
                offence_fr=str(body["offence_fr"]),
                offence_en=str(body["offence_en"]),
                amount_due_cents=int(body["amount_due_cents"]),
                due_date=str(body["due_date"]),
                paid=body["status"] == "paid",
            )
        except (KeyError, TypeError, ValueError) as err:
            raise BackendUnavailable("malformed notice", code="backend_malformed") from err

    def pay_notices(self, posting: FinePosting, idempotency_key: str) -> PostingConfirmation:
        """Record the payment of every notice in ``posting``, all or nothing."""
        body: dict[str, Any] = {
            "notices": [
                {"notice_number": number, "amount_cents": cents}
                for number, cents in posting.notices
            ],
            "authorization_id": posting.authorization_id,
            "kiosk_id": posting.kiosk_id,
        }
        answer = self._api.post("/fines/v1/payments", body, idempotency_key)
        try:
            return PostingConfirmation(
                confirmation_number=str(answer["confirmation_number"]),
                total_cents=int(answer["total_cents"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise BackendUnavailable("malformed confirmation", code="backend_malformed") from err
