"""Personalized plates: a text the rules allow and the ministry has free, then order it."""

from __future__ import annotations

from typing import ClassVar

from kiosk_app.flows.base import Answers, ServiceFlow
from kiosk_app.flows.form import Field
from kiosk_app.flows.keyboard import Keyboard
from kiosk_app.flows.registration import LICENCE
from kiosk_app.flows.review import Line, Review
from transactions.transport.personalized_plates import SERVICE, PersonalizedPlates
from transactions.transport.plate_text import MAX_LENGTH, normalize_plate_text

PLATE_TEXT = Field("plate_text", Keyboard.CODE, MAX_LENGTH + 2, check=normalize_plate_text)


class PlateFlow(ServiceFlow):
    """Check the text, then order the plates for the licence holder."""

    service = SERVICE
    error_fields: ClassVar[dict[str, str]] = {
        "plate_text_length": "plate_text",
        "plate_text_characters": "plate_text",
        "plate_text_no_letter": "plate_text",
        "plate_text_refused": "plate_text",
        "plate_taken": "plate_text",
        "plate_refused": "plate_text",
        "licence_number_format": "licence_number",
    }

    def __init__(self, plates: PersonalizedPlates) -> None:
        self._plates = plates

    def fields(self, answers: Answers) -> tuple[Field, ...]:
        """Return the plate text, then the licence number of the vehicle's owner."""
        return (PLATE_TEXT, LICENCE)

    def review(self, answers: Answers) -> Review:
        """Ask the ministry whether the text is free and price the plates."""
        availability = self._plates.check(answers.get("plate_text", ""))
        quote = self._plates.quote(availability, answers.get("licence_number", ""))
        return Review(
            title="review.plate.title",
            lines=(
                Line("receipt.plate.text", quote.text),
                Line("review.licence_number", quote.licence_number),
            ),
            note="review.plate.note",
            quote=quote,
        )
