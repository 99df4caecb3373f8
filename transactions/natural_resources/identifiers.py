"""The Outdoors Card number: 15 digits starting with 708158 (``708158 123 456 789``)."""

from __future__ import annotations

import re

from transactions.errors import ValidationError
from transactions.identifiers import compact_upper

OUTDOOR_CARD_PREFIX = "708158"
_OUTDOOR_CARD = re.compile(OUTDOOR_CARD_PREFIX + r"[0-9]{9}")


def normalize_outdoor_card_number(raw: str) -> str:
    """Return ``708158 123 456 789`` as ``708158123456789``; else ``outdoor_card_format``."""
    number = compact_upper(raw)
    if number is None or not _OUTDOOR_CARD.fullmatch(number):
        raise ValidationError(
            "an Outdoors Card number is 15 digits starting with 708158",
            code="outdoor_card_format",
        )
    return number


def last_four(card_number: str) -> str:
    """Return the last four digits, the only part printed on a receipt."""
    return card_number[-4:]
