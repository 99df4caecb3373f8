"""Transport identifiers as the citizen types them: licence, plate, renewal notice, birth date.

Formats are those of the backend contract (``ministry_sandbox/README.md``, "Transport"). The
kiosk accepts dashes, spaces and lowercase and sends the compact uppercase form, so a typing
mistake is caught on the spot instead of by a 404 from the ministry.
"""

from __future__ import annotations

import re
from datetime import date

from transactions.errors import ValidationError
from transactions.identifiers import compact_upper

MIN_DRIVER_AGE = 16
MAX_AGE = 120

_SPACES = re.compile(r"\s+")
_LICENCE = re.compile(r"[A-Z][0-9]{14}")
_PLATE = re.compile(r"[A-Z0-9]{2,8}")
_RENEWAL_NOTICE = re.compile(r"RN[0-9]{10}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def normalize_licence_number(raw: str) -> str:
    """Return ``C6023-45678-90123`` as ``C60234567890123``; else ``licence_number_format``."""
    number = compact_upper(raw)
    if number is None or not _LICENCE.fullmatch(number):
        raise ValidationError(
            "a licence number is one letter and 14 digits", code="licence_number_format"
        )
    return number


def normalize_plate(raw: str) -> str:
    """Return a plate as sent to the backend (``bxpt 911`` → ``BXPT911``); else ``plate_format``."""
    plate = compact_upper(raw, _SPACES)
    if plate is None or not _PLATE.fullmatch(plate):
        raise ValidationError("a plate is 2 to 8 letters and digits", code="plate_format")
    return plate


def normalize_renewal_notice(raw: str) -> str:
    """Return ``rn 000000-1234`` as ``RN0000001234``; else ``renewal_notice_format``."""
    number = compact_upper(raw)
    if number is None or not _RENEWAL_NOTICE.fullmatch(number):
        raise ValidationError(
            "a renewal notice number is RN and 10 digits", code="renewal_notice_format"
        )
    return number


def parse_date_of_birth(raw: str, today: date) -> date:
    """Return the date of birth typed as YYYY-MM-DD; else ``date_of_birth_invalid``.

    Refused: another format, a date that does not exist, a date in the future, and an age
    outside 16–120 on ``today`` (nobody younger holds a licence).
    """
    match = _ISO_DATE.fullmatch(raw.strip())
    if match is None:
        raise ValidationError("dates are YYYY-MM-DD", code="date_of_birth_invalid")
    try:
        born = date(*(int(part) for part in match.groups()))
    except ValueError as err:
        raise ValidationError("no such date", code="date_of_birth_invalid") from err
    if not MIN_DRIVER_AGE <= age_on(born, today) <= MAX_AGE:
        raise ValidationError("not a plausible date of birth", code="date_of_birth_invalid")
    return born


def age_on(born: date, today: date) -> int:
    """Return the age in whole years on ``today`` (negative for a date in the future)."""
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1)
