"""Change of address: tick the programmes, give each one's number, type the address once."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from kiosk_app.flows.base import Answers, ServiceFlow
from kiosk_app.flows.form import Field, ticked
from kiosk_app.flows.keyboard import Keyboard
from kiosk_app.flows.registration import LICENCE
from kiosk_app.flows.review import Line, Review
from transactions.address_change import (
    DRIVERS_LICENCE,
    HEALTH_CARD,
    IDENTIFIER_FORMATS,
    OUTDOOR_CARD,
    PROGRAMME_TEXTS,
    SERVICE,
    AddressChangeResult,
    choose_programme,
    submit_address_change,
)
from transactions.addresses import (
    Address,
    normalize_address,
    normalize_postal_code,
    normalize_street_number,
    normalize_unit,
    provinces_for,
)
from transactions.errors import ValidationError
from transactions.health.identifiers import normalize_health_card_number
from transactions.natural_resources.identifiers import normalize_outdoor_card_number
from transactions.ports import Clock
from transactions.receipt import ReceiptTexts
from transactions.saga.runner import SagaRunner

PROGRAMMES = Field("programmes", options=tuple(IDENTIFIER_FORMATS), multiple=True)
IDENTIFIER_FIELDS = {
    # 15: "1234 567 890 AB", the card's 1234-567-890-AB typed with spaces (no dash key)
    HEALTH_CARD: Field("health_card", Keyboard.CODE, 15, check=normalize_health_card_number),
    DRIVERS_LICENCE: LICENCE,
    OUTDOOR_CARD: Field("outdoor_card", Keyboard.DIGITS, 15, check=normalize_outdoor_card_number),
}
ADDRESS_FIELDS = (
    Field("street_number", Keyboard.CODE, 10, check=normalize_street_number),
    Field("street_name", Keyboard.TEXT, 60),
    Field("unit", Keyboard.TEXT, 20, optional=True, check=normalize_unit),
    Field("city", Keyboard.TEXT, 40),
    Field("postal_code", Keyboard.CODE, 7, check=normalize_postal_code),
)


def province_field(postal_code: str | None) -> Field | None:
    """Return the province question, asked only when the postal code cannot tell (X: NT/NU)."""
    possible = provinces_for(postal_code or "")
    return Field("province", options=possible) if len(possible) > 1 else None


def province_of(answers: Answers) -> str:
    """Return the province: from the postal code's first letter, else the citizen's choice."""
    possible = provinces_for(answers.get("postal_code", ""))
    return possible[0] if len(possible) == 1 else answers.get("province", "")


def _address(answers: Answers) -> Address:
    return normalize_address(
        street_number=answers.get("street_number", ""),
        street_name=answers.get("street_name", ""),
        unit=answers.get("unit") or None,
        city=answers.get("city", ""),
        province=province_of(answers),
        postal_code=answers.get("postal_code", ""),
    )


class AddressChangeFlow(ServiceFlow):
    """Send one address to each ticked programme, each its own transaction; free."""

    service = SERVICE
    paid = False
    error_fields: ClassVar[dict[str, str]] = {
        "programme_missing": "programmes",
        "health_card_format": "health_card",
        "licence_number_format": "licence_number",
        "outdoor_card_format": "outdoor_card",
        "street_number_invalid": "street_number",
        "street_name_missing": "street_name",
        "street_name_too_long": "street_name",
        "unit_invalid": "unit",
        "city_missing": "city",
        "city_too_long": "city",
        "province_unknown": "province",
        "postal_code_format": "postal_code",
        "postal_code_letters": "postal_code",
    }

    def __init__(
        self, runner: SagaRunner, texts: Callable[[str], ReceiptTexts], clock: Clock
    ) -> None:
        self._runner = runner
        self._texts = texts
        self._clock = clock

    def fields(self, answers: Answers) -> tuple[Field, ...]:
        """Return the ticks, each ticked programme's number, then the address."""
        chosen = ticked(answers.get("programmes"))
        numbers = tuple(IDENTIFIER_FIELDS[p] for p in IDENTIFIER_FORMATS if p in chosen)
        province = province_field(answers.get("postal_code"))
        return (PROGRAMMES, *numbers, *ADDRESS_FIELDS, *((province,) if province else ()))

    def review(self, answers: Answers) -> Review:
        """Check the whole address and list where it goes (no network: nothing is sent yet)."""
        address = _address(answers)
        chosen = ticked(answers.get("programmes"))
        if not chosen:
            raise ValidationError("no programme ticked", code="programme_missing")
        first, second = address.lines()
        programmes = tuple(
            Line(PROGRAMME_TEXTS[p], answers.get(IDENTIFIER_FIELDS[p].name, "")) for p in chosen
        )
        return Review(
            title="review.address_change.title",
            lines=(
                Line("review.address_change.address", first),
                Line("review.address_change.city", second),
                *programmes,
            ),
            note="review.address_change.note",
        )

    def submit(self, answers: Answers, language: str) -> AddressChangeResult:
        """Send the change to every ticked programme and print the one receipt (slow)."""
        choices = [
            choose_programme(p, answers.get(IDENTIFIER_FIELDS[p].name, ""))
            for p in ticked(answers.get("programmes"))
        ]
        return submit_address_change(
            self._runner,
            _address(answers),
            choices,
            language=language,
            texts=self._texts(language),
            clock=self._clock,
        )
