"""The transport ministry's backend over HTTP (``/transport/v1``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from transactions.addresses import Address
from transactions.errors import BackendUnavailable
from transactions.ministries.http import JsonApi, Timeouts, confirmation_number
from transactions.transport.values import (
    Conviction,
    DriverRecordConfirmation,
    DriverRecordOrder,
    DriverRecordSummary,
    LicenceCheck,
    PlateAvailability,
    PlateOrder,
    PlateOrderConfirmation,
    Registration,
    RegistrationRenewal,
    RenewalConfirmation,
    RenewalTerm,
    Vehicle,
)

_MALFORMED = (KeyError, TypeError, ValueError)


class HttpTransportGateway:
    """Registrations, driver's records, personalized plates and licence addresses over HTTP."""

    def __init__(self, base_url: str, timeouts: Timeouts | None = None) -> None:
        self._api = JsonApi(base_url, timeouts)

    def registration_by_plate(self, plate: str, licence_number: str) -> Registration:
        """Return the plate's registration if ``licence_number`` is its owner's."""
        body = self._api.get(
            f"/transport/v1/registrations/{_segment(plate)}",
            params={"licence_number": licence_number},
        )
        return _registration(body)

    def registration_by_notice(self, renewal_notice: str) -> Registration:
        """Return the registration a renewal notice was mailed for."""
        body = self._api.get(
            "/transport/v1/registrations", params={"renewal_notice": renewal_notice}
        )
        return _registration(body)

    def renew_registration(
        self, renewal: RegistrationRenewal, idempotency_key: str
    ) -> RenewalConfirmation:
        """Renew the registration for the term paid for."""
        answer = self._api.post(
            f"/transport/v1/registrations/{_segment(renewal.plate)}/renewals",
            {
                "licence_number": renewal.licence_number,
                "years": renewal.years,
                "fee_cents": renewal.fee_cents,
                "authorization_id": renewal.authorization_id,
                "kiosk_id": renewal.kiosk_id,
            },
            idempotency_key,
        )
        try:
            return RenewalConfirmation(
                confirmation_number=str(answer["confirmation_number"]),
                plate=str(answer["plate"]),
                years=int(answer["years"]),
                new_expiry=str(answer["new_expiry"]),
                fee_cents=int(answer["fee_cents"]),
            )
        except _MALFORMED as err:
            raise BackendUnavailable("malformed renewal", code="backend_malformed") from err

    def verify_licence(self, licence_number: str, date_of_birth: str) -> LicenceCheck:
        """Return the licence if ``date_of_birth`` is its holder's."""
        body = self._api.get(
            f"/transport/v1/licences/{_segment(licence_number)}",
            params={"date_of_birth": date_of_birth},
        )
        try:
            return LicenceCheck(
                licence_number=str(body["licence_number"]),
                status=str(body["status"]),
                record_fee_cents=int(body["record_fee_cents"]),
            )
        except _MALFORMED as err:
            raise BackendUnavailable("malformed licence", code="backend_malformed") from err

    def order_driver_record(
        self, order: DriverRecordOrder, idempotency_key: str
    ) -> DriverRecordConfirmation:
        """Order the driver's record summary; return it with the confirmation."""
        answer = self._api.post(
            "/transport/v1/driver-records",
            {
                "licence_number": order.licence_number,
                "date_of_birth": order.date_of_birth,
                "fee_cents": order.fee_cents,
                "authorization_id": order.authorization_id,
                "kiosk_id": order.kiosk_id,
            },
            idempotency_key,
        )
        try:
            summary = answer["summary"]
            return DriverRecordConfirmation(
                confirmation_number=str(answer["confirmation_number"]),
                summary=DriverRecordSummary(
                    licence_class=str(summary["licence_class"]),
                    status=str(summary["status"]),
                    expiry=str(summary["expiry"]),
                    demerit_points=int(summary["demerit_points"]),
                    convictions=tuple(
                        Conviction(str(c["date"]), str(c["offence_fr"]), str(c["offence_en"]))
                        for c in summary["convictions"]
                    ),
                ),
            )
        except _MALFORMED as err:
            raise BackendUnavailable("malformed driver record", code="backend_malformed") from err

    def plate_availability(self, text: str) -> PlateAvailability:
        """Return whether the ministry would issue this personalized plate text."""
        body = self._api.get(f"/transport/v1/personalized-plates/{_segment(_plate_text(text))}")
        try:
            reason = body["reason"]
            return PlateAvailability(
                text=str(body["text"]),
                available=bool(body["available"]),
                reason=None if reason is None else str(reason),
                fee_cents=int(body["fee_cents"]),
            )
        except _MALFORMED as err:
            raise BackendUnavailable("malformed availability", code="backend_malformed") from err

    def order_plate(self, order: PlateOrder, idempotency_key: str) -> PlateOrderConfirmation:
        """Order a personalized plate (``plate_taken``, ``plate_refused`` when it cannot)."""
        answer = self._api.post(
            "/transport/v1/personalized-plates/orders",
            {
                "text": _plate_text(order.text),
                "licence_number": order.licence_number,
                "fee_cents": order.fee_cents,
                "authorization_id": order.authorization_id,
                "kiosk_id": order.kiosk_id,
            },
            idempotency_key,
        )
        try:
            return PlateOrderConfirmation(
                confirmation_number=str(answer["confirmation_number"]),
                text=str(answer["text"]),
                fee_cents=int(answer["fee_cents"]),
                delivery_weeks=int(answer["delivery_weeks"]),
            )
        except _MALFORMED as err:
            raise BackendUnavailable("malformed plate order", code="backend_malformed") from err

    def change_licence_address(
        self, licence_number: str, address: Address, kiosk_id: str, idempotency_key: str
    ) -> str:
        """Record a new address on a driver's licence; return the confirmation number."""
        answer = self._api.post(
            f"/transport/v1/licences/{_segment(licence_number)}/address",
            {"address": address.fields(), "kiosk_id": kiosk_id},
            idempotency_key,
        )
        return confirmation_number(answer)


def _segment(value: str) -> str:
    """Return ``value`` quoted as one path segment (a slash in it stays inside the segment)."""
    return quote(value, safe="")


def _plate_text(text: str) -> str:
    # The plate's spaces are for the eye only: the backend identifies plates without them.
    return text.replace(" ", "")


def _registration(body: Any) -> Registration:
    try:
        vehicle = body["vehicle"]
        return Registration(
            plate=str(body["plate"]),
            vehicle=Vehicle(int(vehicle["year"]), str(vehicle["make"]), str(vehicle["model"])),
            current_expiry=str(body["current_expiry"]),
            terms=tuple(
                RenewalTerm(int(term["years"]), int(term["fee_cents"])) for term in body["terms"]
            ),
        )
    except _MALFORMED as err:
        raise BackendUnavailable("malformed registration", code="backend_malformed") from err
