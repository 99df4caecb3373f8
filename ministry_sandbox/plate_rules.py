"""Personalized plate rules: normalising the text and spotting the words the ministry refuses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ministry_sandbox.program_models import PLATE_PATTERN

# Digits read as the letters they resemble, so `1D10T` reads `IDIOT`.
_LOOKALIKE_LETTERS = str.maketrans("013457", "OIEAST")


def normalise_plate_text(text: str) -> str:
    """Uppercase the text and drop its spaces, as the kiosk sends it."""
    return "".join(text.split()).upper()


def is_valid_plate_text(text: str) -> bool:
    """Tell whether a normalised text is 2 to 8 letters A–Z and digits."""
    return re.fullmatch(PLATE_PATTERN, text) is not None


def fold_accents(text: str) -> str:
    """Uppercase the text without its accents: `Câlice` → `CALICE`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).upper()


def fold_refused_words(words: Iterable[str]) -> tuple[str, ...]:
    """Fold a list of refused words once, so every check compares like with like."""
    return tuple(dict.fromkeys("".join(fold_accents(word).split()) for word in words if word))


def contains_refused_word(text: str, folded_words: Iterable[str]) -> bool:
    """Tell whether the text, accents and lookalike digits folded, contains a refused word."""
    folded = fold_accents(text).translate(_LOOKALIKE_LETTERS)
    return any(word in folded for word in folded_words)
