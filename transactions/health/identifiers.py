"""The health card number: 10 digits and a 2-letter version code (``1234-567-890-AB``)."""

from __future__ import annotations

import re

from transactions.errors import ValidationError
from transactions.identifiers import compact_upper

_HEALTH_CARD = re.compile(r"[0-9]{10}[A-Z]{2}")


def normalize_health_card_number(raw: str) -> str:
    """Return ``1234-567-890-ab`` as ``1234567890AB``; else ``health_card_format``."""
    number = compact_upper(raw)
    if number is None or not _HEALTH_CARD.fullmatch(number):
        raise ValidationError(
            "a health card number is 10 digits and 2 letters", code="health_card_format"
        )
    return number
