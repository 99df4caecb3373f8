"""Vehicle registration renewal: by plate or by renewal notice, then the owner's licence."""

from __future__ import annotations

from typing import ClassVar

from kiosk_app.flows.base import Answers, ServiceFlow
from kiosk_app.flows.form import Field
from kiosk_app.flows.keyboard import Keyboard
from kiosk_app.flows.review import Line, Option, Review, Shown
from transactions.errors import ValidationError
from transactions.transport.identifiers import (
    normalize_licence_number,
    normalize_plate,
    normalize_renewal_notice,
)
from transactions.transport.registration import SERVICE, RegistrationRenewals

LOOKUP_BY = Field("lookup_by", options=("plate", "notice"))
PLATE = Field("plate", Keyboard.CODE, 10, check=normalize_plate)
RENEWAL_NOTICE = Field("renewal_notice", Keyboard.CODE, 14, check=normalize_renewal_notice)
LICENCE = Field("licence_number", Keyboard.CODE, 19, check=normalize_licence_number)


class RegistrationFlow(ServiceFlow):
    """Renew a registration for the term the citizen picks."""

    service = SERVICE
    error_fields: ClassVar[dict[str, str]] = {
        "plate_format": "plate",
        "renewal_notice_format": "renewal_notice",
        "licence_number_format": "licence_number",
        "vehicle_not_owned": "licence_number",
        "licence_not_found": "licence_number",
    }

    def __init__(self, renewals: RegistrationRenewals) -> None:
        self._renewals = renewals

    def fields(self, answers: Answers) -> tuple[Field, ...]:
        """Return how to find the vehicle, the plate or notice, then the licence."""
        by_notice = answers.get("lookup_by") == "notice"
        return (LOOKUP_BY, RENEWAL_NOTICE if by_notice else PLATE, LICENCE)

    def review(self, answers: Answers) -> Review:
        """Find the registration and price each term on offer."""
        licence = answers.get("licence_number", "")
        if answers.get("lookup_by") == "notice":
            offer = self._renewals.look_up_by_notice(answers.get("renewal_notice", ""), licence)
        else:
            offer = self._renewals.look_up(answers.get("plate", ""), licence)
        registration = offer.registration
        options = tuple(
            Option(
                str(term.years),
                "review.registration.term_one" if term.years == 1 else "review.registration.term",
                self._renewals.quote(offer, term.years),
            )
            for term in offer.terms
        )
        if not options:
            raise ValidationError("no term on offer", code="renewal_term_unavailable")
        return Review(
            title="review.registration.title",
            lines=(
                Line("receipt.registration.plate", registration.plate),
                Line("receipt.registration.vehicle", registration.vehicle.description()),
                Line("review.registration.expiry", registration.current_expiry, Shown.DATE),
            ),
            note="review.registration.note",
            options=options,
        )

    def field_for(self, code: str, answers: Answers) -> str | None:
        """Send a vehicle that is not found back to the plate or the notice typed."""
        if code == "vehicle_not_found":
            return "renewal_notice" if answers.get("lookup_by") == "notice" else "plate"
        return super().field_for(code, answers)

    def scan(self, code: str) -> dict[str, str] | None:
        """Take a scanned renewal notice."""
        try:
            notice = normalize_renewal_notice(code)
        except ValidationError:
            return None
        return {"lookup_by": "notice", "renewal_notice": notice}
