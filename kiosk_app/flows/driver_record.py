"""Driver's record summary: the licence and its holder's date of birth, then pay."""

from __future__ import annotations

from typing import ClassVar

from kiosk_app.flows.base import Answers, ServiceFlow
from kiosk_app.flows.form import Field
from kiosk_app.flows.keyboard import Keyboard
from kiosk_app.flows.registration import LICENCE
from kiosk_app.flows.review import Line, Review, Shown
from transactions.ports import Clock
from transactions.transport.driver_record import SERVICE, DriverRecords
from transactions.transport.identifiers import parse_date_of_birth


class DriverRecordFlow(ServiceFlow):
    """Order the summary; it is printed on the receipt."""

    service = SERVICE
    error_fields: ClassVar[dict[str, str]] = {
        "licence_number_format": "licence_number",
        "licence_not_found": "licence_number",
        "date_of_birth_invalid": "date_of_birth",
        "date_of_birth_mismatch": "date_of_birth",
    }

    def __init__(self, records: DriverRecords, clock: Clock) -> None:
        self._records = records
        self._clock = clock
        self._date_of_birth = Field(
            "date_of_birth",
            Keyboard.DATE,
            8,
            check=lambda raw: parse_date_of_birth(raw, self._clock.now().date()),
        )

    def fields(self, answers: Answers) -> tuple[Field, ...]:
        """Return the licence number, then the date of birth."""
        return (LICENCE, self._date_of_birth)

    def review(self, answers: Answers) -> Review:
        """Check the licence with its holder's date of birth and price the summary."""
        licence = self._records.verify(
            answers.get("licence_number", ""), answers.get("date_of_birth", "")
        )
        return Review(
            title="review.driver_record.title",
            lines=(
                Line("review.licence_number", licence.licence_number),
                Line("review.date_of_birth", licence.date_of_birth, Shown.DATE),
            ),
            note="review.driver_record.note",
            quote=self._records.quote(licence),
        )
