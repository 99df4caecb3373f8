"""Fine notices: the number format the kiosk validates, and the values it exchanges.

A notice number is 12 digits: a 2-digit jurisdiction code, a 9-digit serial and a Luhn
(mod 10) check digit over the first 11 digits (see ``ministry_sandbox/README.md``). The
check digit catches a mistyped or swapped digit before the kiosk asks the backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from transactions.errors import ValidationError

NOTICE_LENGTH = 12
JURISDICTIONS = {"10": "ontario", "21": "toronto", "22": "ottawa"}
_SEPARATORS = " -\t"


@dataclass(frozen=True)
class Notice:
    """A fine notice as the backend knows it."""

    notice_number: str
    jurisdiction: str
    offence_fr: str
    offence_en: str
    amount_due_cents: int
    due_date: str
    paid: bool

    def offence(self, language: str) -> str:
        """Return the offence described in ``language`` ("fr" or "en")."""
        return self.offence_fr if language == "fr" else self.offence_en


@dataclass(frozen=True)
class FinePosting:
    """Pay these notices with this authorization."""

    notices: tuple[tuple[str, int], ...]
    authorization_id: str
    kiosk_id: str


@dataclass(frozen=True)
class PostingConfirmation:
    """The ministry's proof that it recorded the payment."""

    confirmation_number: str
    total_cents: int


def luhn_check_digit(digits: str) -> str:
    """Return the Luhn check digit for a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def normalize_notice_number(raw: str) -> str:
    """Return the 12-digit notice number typed by the citizen, or raise ValidationError.

    Spaces and dashes are ignored; the error code says what is wrong so the screen can
    say it in the citizen's language.
    """
    number = "".join(ch for ch in raw.strip() if ch not in _SEPARATORS)
    if not number:
        raise ValidationError("empty notice number", code="notice_number_empty")
    if not number.isascii() or not number.isdigit():
        raise ValidationError("notice numbers are digits only", code="notice_number_digits")
    if len(number) != NOTICE_LENGTH:
        raise ValidationError(
            f"notice numbers have {NOTICE_LENGTH} digits", code="notice_number_length"
        )
    if number[:2] not in JURISDICTIONS:
        raise ValidationError("unknown jurisdiction code", code="notice_number_unknown_code")
    if luhn_check_digit(number[:-1]) != number[-1]:
        raise ValidationError("check digit does not match", code="notice_number_check_digit")
    return number
