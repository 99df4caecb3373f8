"""The kiosk's own rules for a personalized plate's text, checked before asking the ministry.

A plate shows 2 to 8 characters: letters A–Z, digits, and single spaces between them; at
least one letter; no accents (plates are embossed in plain Latin capitals). The kiosk also
keeps a short bilingual list of words it will not offer, checked after folding accents and
the digits people use for letters (``P0L1CE``), and with spaces removed (``TA BARNAK``). The
ministry keeps its own list and has the last word; this one spares the citizen a payment
screen for a plate that would be refused anyway.
"""

from __future__ import annotations

import re
import unicodedata

from transactions.errors import ValidationError

MIN_LENGTH = 2
MAX_LENGTH = 8

REFUSED_WORDS = frozenset(
    {
        # French: mild swearing and insults
        "MERDE",
        "TABARNAK",
        "TABARNAC",
        "CALISSE",
        "CRISSE",
        "CIBOIRE",
        "OSTIE",
        "CONNARD",
        "CRETIN",
        "IMBECILE",
        # English: mild swearing and insults
        "CRAP",
        "DAMN",
        "IDIOT",
        "MORON",
        "STUPID",
        "LOSER",
        # Either language: posing as an authority
        "POLICE",
        "RCMP",
        "GRC",
        "SHERIF",
        "SURETE",
    }
)
"""Words never offered on a plate, in both languages, written in folded form (A–Z only).

Kept deliberately mild: stand-ins for the ministry's real list, which it applies itself.
Matching is by substring, so each word is long or rare enough not to hide inside ordinary
words (no ``CON``, which is in ``BACON``)."""

DIGIT_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "3": "E", "4": "A", "5": "S", "7": "T"})
"""Digits read as letters on a plate."""

_PLATE_TEXT = re.compile(r"[A-Z0-9]+(?: [A-Z0-9]+)*")


class PlateTextInvalidError(ValidationError):
    """Raise when a plate text breaks the format; ``reason`` says which rule, for the screen.

    Reasons: ``plate_text_length`` (2–8 characters, spaces included), ``plate_text_characters``
    (only A–Z, digits and single spaces between them, no accents), ``plate_text_no_letter``.
    """

    code = "plate_text_invalid"

    def __init__(self, detail: str, *, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


def normalize_plate_text(raw: str) -> str:
    """Return the plate text as it would be embossed, or raise ValidationError.

    Raises PlateTextInvalidError (code ``plate_text_invalid`` with a ``reason``) for the
    format, and ValidationError ``plate_text_refused`` for a word on the refused list.
    """
    text = raw.strip()
    if not text:
        raise PlateTextInvalidError("the plate text is empty", reason="plate_text_length")
    # ASCII before upper(): "ß".upper() is "SS" and would pass as two plain letters.
    if not text.isascii() or not _PLATE_TEXT.fullmatch(text.upper()):
        raise PlateTextInvalidError(
            "letters A-Z, digits and single spaces only", reason="plate_text_characters"
        )
    text = text.upper()
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise PlateTextInvalidError(
            f"{MIN_LENGTH} to {MAX_LENGTH} characters", reason="plate_text_length"
        )
    if not any(ch.isalpha() for ch in text):
        raise PlateTextInvalidError("at least one letter", reason="plate_text_no_letter")
    if refused_word_in(text):
        raise ValidationError("this text is not offered on plates", code="plate_text_refused")
    return text


def fold(text: str) -> str:
    """Return ``text`` as the word check reads it: no accents, no spaces, digits as letters."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch != " ")
    return letters.translate(DIGIT_LOOKALIKES)


def refused_word_in(text: str) -> bool:
    """Return True when ``text``, folded, contains a word of :data:`REFUSED_WORDS`."""
    folded = fold(text)
    return any(word in folded for word in REFUSED_WORDS)
