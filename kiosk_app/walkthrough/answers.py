"""What the scripted citizen answers, read from JSON and checked before the kiosk starts.

One JSON object per visit; README.md, "Walkthrough answers", gives each service's format.
Only types and presence are checked here, and that every typed value can be typed on the
kiosk's keyboard: a malformed licence or plate number is the kiosk's to refuse, and the
walkthrough reports that refusal like any other outcome.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, overload

from device_drivers.sim.payment_terminal import SimulatedCard
from transactions.address_change import DRIVERS_LICENCE, HEALTH_CARD, OUTDOOR_CARD
from transactions.errors import ValidationError
from transactions.fines.service import MAX_NOTICES
from transactions.services import SERVICES

TYPEABLE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -'.éèêàâçôîùûëïÉÈÊÀÂÇÔÎÙÛËÏ"
)
"""The characters the kiosk's on-screen keyboard offers; a typed value may use no other."""

PROGRAMMES = (HEALTH_CARD, DRIVERS_LICENCE, OUTDOOR_CARD)
"""The programmes an address change can go to, in the order the form lists them."""

PROGRAMME_FIELDS = {
    HEALTH_CARD: "health_card",
    DRIVERS_LICENCE: "licence_number",
    OUTDOOR_CARD: "outdoor_card",
}
"""The form field that takes each ticked programme's card or licence number."""

ADDRESS_FIELDS = ("street_number", "street_name", "unit", "city", "province", "postal_code")
"""The address fields, in the order of the form (``unit`` may be left blank)."""

_SIMPLE_FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "driver-record": (("licence_number", "licence_number"), ("date_of_birth", "date_of_birth")),
    "personalized-plate": (("plate_text", "plate_text"), ("licence_number", "licence_number")),
    "outdoor-card": (("card_number", "outdoor_card"),),
}
"""Services whose answers are a few required strings: (JSON key, form field), in form order."""


@dataclass(frozen=True)
class FineAnswers:
    """A citizen paying fines: the language, the notice numbers, the card."""

    language: str
    notice_numbers: tuple[str, ...]
    card: SimulatedCard


@dataclass(frozen=True)
class ServiceAnswers:
    """A citizen filling in one service's form: what goes in each field, the choice, the card.

    ``values`` pairs each form field with what the citizen types or chooses, in form order;
    ``option`` is the choice made on the review screen (renewal years ``"1"`` or ``"2"``);
    ``card`` is None for a free service.
    """

    service: str
    language: str
    values: tuple[tuple[str, str], ...]
    option: str | None
    card: SimulatedCard | None

    def value(self, name: str) -> str | None:
        """Return what the citizen puts in the form field ``name``; None if it is not asked."""
        return next((value for field, value in self.values if field == name), None)


@overload
def load_answers(service: Literal["fine"], path: Path | None) -> FineAnswers: ...
@overload
def load_answers(service: str, path: Path | None) -> FineAnswers | ServiceAnswers: ...
def load_answers(service: str, path: Path | None) -> FineAnswers | ServiceAnswers:
    """Return the answers in ``path``, or the built-in sample citizen's for ``service``."""
    _check_service(service)
    if path is None:
        sample = resources.files("kiosk_app") / "samples" / f"{service}.json"
        return parse_answers(service, json.loads(sample.read_text(encoding="utf-8")))
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValidationError(f"{path}: cannot read JSON answers ({err})") from err
    try:
        return parse_answers(service, raw)
    except ValidationError as err:
        raise ValidationError(f"{path}: {err.detail}") from err


@overload
def parse_answers(service: Literal["fine"], raw: Any) -> FineAnswers: ...
@overload
def parse_answers(service: str, raw: Any) -> FineAnswers | ServiceAnswers: ...
def parse_answers(service: str, raw: Any) -> FineAnswers | ServiceAnswers:
    """Return ``service``'s answers from decoded JSON, or raise ValidationError naming the field."""
    _check_service(service)
    if not isinstance(raw, dict):
        raise ValidationError("answers must be a JSON object")
    return _PARSERS[service](raw)


def parse_fine_answers(raw: Any) -> FineAnswers:
    """Return fine answers from decoded JSON, or raise ValidationError naming the field."""
    if not isinstance(raw, dict):
        raise ValidationError("answers must be a JSON object")
    # Only the digits of a notice number are typed (fine_citizen), so no keyboard check here.
    _refuse_unknown_keys(raw, ("language", "notice_numbers", "card"), "the answers for fine")
    numbers = raw.get("notice_numbers")
    if (
        not isinstance(numbers, list)
        or not numbers
        or len(numbers) > MAX_NOTICES
        or not all(isinstance(n, str) and n.strip() for n in numbers)
    ):
        raise ValidationError(
            f'"notice_numbers" must list 1 to {MAX_NOTICES} notice numbers as strings'
        )
    return FineAnswers(
        language=_language(raw), notice_numbers=tuple(numbers), card=_simulated_card(raw)
    )


def _parse_registration_renewal(raw: dict[str, Any]) -> ServiceAnswers:
    allowed = ("language", "plate", "renewal_notice", "licence_number", "years", "card")
    _refuse_unknown_keys(raw, allowed, "the answers for registration-renewal")
    has_plate = raw.get("plate") is not None
    if has_plate == (raw.get("renewal_notice") is not None):
        raise ValidationError('give exactly one of "plate" and "renewal_notice"')
    if has_plate:
        lookup = [("lookup_by", "plate"), ("plate", _typed(raw, "plate"))]
    else:
        lookup = [("lookup_by", "notice"), ("renewal_notice", _typed(raw, "renewal_notice"))]
    years = raw.get("years", 1)
    # bool is an int in Python: `true` must not pass as 1 year.
    if type(years) is not int or years not in (1, 2):
        raise ValidationError('"years" must be 1 or 2')
    return ServiceAnswers(
        service="registration-renewal",
        language=_language(raw),
        values=(*lookup, ("licence_number", _typed(raw, "licence_number"))),
        option=str(years),
        card=_simulated_card(raw),
    )


def _parse_address_change(raw: dict[str, Any]) -> ServiceAnswers:
    if "card" in raw:
        raise ValidationError('"card": an address change is free, so remove "card"')
    _refuse_unknown_keys(
        raw, ("language", "address", "programmes"), "the answers for address-change"
    )
    return ServiceAnswers(
        service="address-change",
        language=_language(raw),
        values=(*_programmes(raw.get("programmes")), *_address(raw.get("address"))),
        option=None,
        card=None,
    )


def _programmes(raw: Any) -> list[tuple[str, str]]:
    names = ", ".join(f'"{name}"' for name in PROGRAMMES)
    if not isinstance(raw, dict) or not raw:
        raise ValidationError(
            f'"programmes" must be an object with 1 to 3 of {names}, '
            "each with its card or licence number"
        )
    _refuse_unknown_keys(raw, PROGRAMMES, '"programmes"')
    ticked = [name for name in PROGRAMMES if name in raw]
    identifiers = [(PROGRAMME_FIELDS[name], _typed(raw, name, "programmes.")) for name in ticked]
    return [("programmes", ",".join(ticked)), *identifiers]


def _address(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, dict):
        keys = ", ".join(f'"{key}"' for key in ADDRESS_FIELDS)
        raise ValidationError(f'"address" must be an object: {{{keys}}}')
    _refuse_unknown_keys(raw, ADDRESS_FIELDS, '"address"')
    values = []
    for field in ADDRESS_FIELDS:
        if field == "unit":
            values.append((field, _optional_typed(raw, field, "address.")))
        else:
            values.append((field, _typed(raw, field, "address.")))
    province = dict(values)["province"]
    if len(province) != 2 or not (province.isascii() and province.isalpha()):
        raise ValidationError('"address.province" must be a 2-letter code such as "QC" or "on"')
    return values


def _simple_form_parser(service: str) -> Callable[[dict[str, Any]], ServiceAnswers]:
    fields = _SIMPLE_FORMS[service]

    def parse(raw: dict[str, Any]) -> ServiceAnswers:
        allowed = ("language", *(key for key, _ in fields), "card")
        _refuse_unknown_keys(raw, allowed, f"the answers for {service}")
        return ServiceAnswers(
            service=service,
            language=_language(raw),
            values=tuple((field, _typed(raw, key)) for key, field in fields),
            option=None,
            card=_simulated_card(raw),
        )

    return parse


_PARSERS: dict[str, Callable[[dict[str, Any]], FineAnswers | ServiceAnswers]] = {
    "registration-renewal": _parse_registration_renewal,
    "fine": parse_fine_answers,
    "address-change": _parse_address_change,
    **{service: _simple_form_parser(service) for service in _SIMPLE_FORMS},
}


def _check_service(service: str) -> None:
    if service not in SERVICES:
        raise ValidationError(f"unknown service {service!r}; use one of: {', '.join(SERVICES)}")


def _refuse_unknown_keys(raw: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    unknown = [key for key in raw if key not in allowed]
    if unknown:
        names = ", ".join(json.dumps(key, ensure_ascii=False) for key in unknown)
        expected = ", ".join(f'"{key}"' for key in allowed)
        raise ValidationError(f"unknown key {names} in {where}; the keys allowed are {expected}")


def _language(raw: Mapping[str, Any]) -> str:
    language = raw.get("language", "fr")
    if language not in ("fr", "en"):
        raise ValidationError('"language" must be "fr" or "en"')
    return str(language)


def _simulated_card(raw: Mapping[str, Any]) -> SimulatedCard:
    card = raw.get("card", {})
    if not isinstance(card, dict):
        raise ValidationError('"card" must be an object: {"brand", "last4", "outcome"}')
    try:
        return SimulatedCard(
            brand=str(card.get("brand", "visa")),
            last4=str(card.get("last4", "4242")),
            outcome=str(card.get("outcome", "approve")),
        )
    except ValueError as err:
        raise ValidationError(f'"card": {err}') from err


def _typed(raw: Mapping[str, Any], key: str, prefix: str = "") -> str:
    """Return the non-blank string the citizen types for ``key``; ``prefix`` locates it."""
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f'"{prefix}{key}" must be a non-empty string')
    return _typeable(value, prefix + key)


def _optional_typed(raw: Mapping[str, Any], key: str, prefix: str = "") -> str:
    """Return the string typed for ``key``, or "" when it is absent or null."""
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f'"{prefix}{key}" must be a string, or null when left blank')
    return _typeable(value, prefix + key)


def _typeable(text: str, field: str) -> str:
    # NFC first: "é" saved as "e" + a combining accent is the one key é on the keyboard.
    text = unicodedata.normalize("NFC", text)
    for char in text:
        if char not in TYPEABLE:
            raise ValidationError(
                f'"{field}" contains {char!r} (U+{ord(char):04X}), '
                "which the kiosk's keyboard does not offer"
            )
    return text
