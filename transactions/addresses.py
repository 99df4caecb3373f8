"""Canadian postal addresses as the citizen types them, checked before any ministry sees them.

A postal code is ``A1A 1A1``: letter, digit, letter, space, digit, letter, digit. Canada Post
never uses D, F, I, O, Q or U (they are mistaken for other characters by sorting machines),
and never W or Z as the first letter (Canada Post, *Addressing Guidelines*, "Postal code").
The kiosk accepts any case and any spacing and sends the code as ``K1A 0B1``, as the backend
contract asks (``ministry_sandbox/README.md``, "Shared shapes").

Names keep their accents (rue Sainte-Catherine, Trois-Rivières); only whitespace is tidied and
the text is put in NFC form, so an accent typed as a combining mark compares equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from transactions.errors import ValidationError
from transactions.identifiers import compact_upper

PROVINCES = frozenset(
    {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
)
"""The 13 provinces and territories, by Canada Post's two-letter symbols."""

NEVER_IN_POSTAL_CODES = frozenset("DFIOQU")
NEVER_FIRST_IN_POSTAL_CODES = frozenset("WZ")

_POSTAL_CODE = re.compile(r"[A-Z][0-9][A-Z][0-9][A-Z][0-9]")
_STREET_NUMBER = re.compile(r"([1-9][0-9]{0,5})(?:\s*([A-Z])|\s+([1-3])/([2-4]))?")
_FRACTIONS = {"½": " 1/2", "¼": " 1/4", "¾": " 3/4"}
_UNIT_MAX = 20
_STREET_NAME_MAX = 100
_CITY_MAX = 60


@dataclass(frozen=True)
class Address:
    """A normalized Canadian address, in the shape every ministry accepts."""

    street_number: str
    street_name: str
    unit: str | None
    city: str
    province: str
    postal_code: str

    def fields(self) -> dict[str, str | None]:
        """Return the address as the backends' JSON object."""
        return {
            "street_number": self.street_number,
            "street_name": self.street_name,
            "unit": self.unit,
            "city": self.city,
            "province": self.province,
            "postal_code": self.postal_code,
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, str | None]) -> Address:
        """Return the address stored by :meth:`fields` (already normalized)."""
        return cls(
            street_number=str(fields["street_number"]),
            street_name=str(fields["street_name"]),
            unit=fields.get("unit") or None,
            city=str(fields["city"]),
            province=str(fields["province"]),
            postal_code=str(fields["postal_code"]),
        )

    def lines(self) -> tuple[str, str]:
        """Return the address as two printed lines, for receipts and the confirmation screen."""
        street = f"{self.street_number} {self.street_name}"
        return (
            f"{street}, {self.unit}" if self.unit else street,
            f"{self.city} {self.province}  {self.postal_code}",
        )


def normalize_postal_code(raw: str) -> str:
    """Return ``raw`` as ``A1A 1A1``, or raise ValidationError.

    Codes: ``postal_code_format`` (not letter-digit-letter digit-letter-digit),
    ``postal_code_letters`` (a letter Canada Post never uses there).
    """
    code = compact_upper(raw)
    if code is None or not _POSTAL_CODE.fullmatch(code):
        raise ValidationError("postal codes look like K1A 0B1", code="postal_code_format")
    letters = code[0::2]
    if NEVER_IN_POSTAL_CODES & set(letters) or code[0] in NEVER_FIRST_IN_POSTAL_CODES:
        raise ValidationError("letter not used in postal codes", code="postal_code_letters")
    return f"{code[:3]} {code[3:]}"


POSTAL_DISTRICTS = {
    "A": ("NL",),
    "B": ("NS",),
    "C": ("PE",),
    "E": ("NB",),
    "G": ("QC",),
    "H": ("QC",),
    "J": ("QC",),
    "K": ("ON",),
    "L": ("ON",),
    "M": ("ON",),
    "N": ("ON",),
    "P": ("ON",),
    "R": ("MB",),
    "S": ("SK",),
    "T": ("AB",),
    "V": ("BC",),
    "X": ("NT", "NU"),
    "Y": ("YT",),
}
"""Canada Post's first letter of a postal code → the province or territories it serves."""


def provinces_for(postal_code: str) -> tuple[str, ...]:
    """Return the provinces a postal code can be in (two for X: NT and NU); () if unknown."""
    code = postal_code.strip().upper()
    return POSTAL_DISTRICTS.get(code[:1], ()) if code else ()


def normalize_province(raw: str) -> str:
    """Return the two-letter province symbol, or raise ValidationError ``province_unknown``."""
    code = raw.strip()
    if not code.isascii() or code.upper() not in PROVINCES:
        raise ValidationError("unknown province or territory", code="province_unknown")
    return code.upper()


def normalize_street_number(raw: str) -> str:
    """Return a civic number (``1234``, ``12B``, ``12 1/2``); else ``street_number_invalid``."""
    text = _tidy(raw)
    for symbol, fraction in _FRACTIONS.items():
        text = text.replace(symbol, fraction)
    match = _STREET_NUMBER.fullmatch(text.upper()) if text.isascii() else None
    if match is None:
        raise ValidationError(
            "civic numbers look like 12, 12B or 12 1/2", code="street_number_invalid"
        )
    number, letter, numerator, denominator = match.groups()
    if letter:
        return f"{number}{letter}"
    if numerator:
        if int(numerator) >= int(denominator):
            raise ValidationError("not a fraction of a lot", code="street_number_invalid")
        return f"{number} {numerator}/{denominator}"
    return str(number)


def normalize_unit(raw: str | None) -> str | None:
    """Return the unit as typed but tidied (``apt 5B``, ``#5``, ``unité 12``), or None if blank.

    A trailing dash (``5-``, from the habit of writing ``5-1234 Main St``) is dropped. Code
    ``unit_invalid`` when nothing in it is a letter or a digit, or it is too long for a label.
    """
    if raw is None:
        return None
    text = _tidy(raw).rstrip("-").rstrip()
    if not text:
        return None
    if len(text) > _UNIT_MAX or not any(ch.isalnum() for ch in text):
        raise ValidationError("a unit is a short number or label", code="unit_invalid")
    return text


def normalize_address(
    *,
    street_number: str,
    street_name: str,
    unit: str | None,
    city: str,
    province: str,
    postal_code: str,
) -> Address:
    """Return the address the citizen typed, normalized, or raise the first ValidationError.

    Fields are checked in the order of the form, so the screen can point at the first one
    to fix: ``street_number_invalid``, ``street_name_missing``, ``street_name_too_long``,
    ``unit_invalid``, ``city_missing``, ``city_too_long``, ``province_unknown``,
    ``postal_code_format``, ``postal_code_letters``. The lengths are the backends' limits.
    """
    number = normalize_street_number(street_number)
    name = _required(street_name, "street_name_missing", _STREET_NAME_MAX, "street_name_too_long")
    unit_text = normalize_unit(unit)
    city_name = _required(city, "city_missing", _CITY_MAX, "city_too_long")
    return Address(
        street_number=number,
        street_name=name,
        unit=unit_text,
        city=city_name,
        province=normalize_province(province),
        postal_code=normalize_postal_code(postal_code),
    )


def _tidy(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _required(raw: str, missing: str, longest: int, too_long: str) -> str:
    text = _tidy(raw)
    if not any(ch.isalnum() for ch in text):
        raise ValidationError("this field is required", code=missing)
    if len(text) > longest:
        raise ValidationError(f"at most {longest} characters", code=too_long)
    return text
