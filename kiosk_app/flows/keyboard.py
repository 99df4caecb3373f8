"""The on-screen keyboards: which keys each shows, and what a key does to the text typed.

No Kivy here: the form screen draws the rows, the session applies the keys, and the scripted
citizen turns an answer into the keys a person would press, all from these tables.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

SHIFT = "shift"
"""The one-shot capital key of the text keyboard."""

ACCENTED = "éèêàâçôîùûëï"
KEY_NAMES = {
    " ": "space",
    "-": "hyphen",
    "'": "apostrophe",
    ".": "period",
    "é": "e_acute",
    "è": "e_grave",
    "ê": "e_circ",
    "à": "a_grave",
    "â": "a_circ",
    "ç": "c_cedil",
    "ô": "o_circ",
    "î": "i_circ",
    "ù": "u_grave",
    "û": "u_circ",
    "ë": "e_uml",
    "ï": "i_uml",
}
"""Key names (widget ids ``key_<name>``) of the keys that are not a letter or a digit."""
KEY_CHARS = {name: char for char, name in KEY_NAMES.items()}


class Keyboard(enum.Enum):
    """The keyboards a form field can ask for."""

    DIGITS = "digits"
    """Card and notice numbers: 0–9 on a large keypad."""
    DATE = "date"
    """A date typed as eight digits, shown YYYY-MM-DD as it is typed."""
    CODE = "code"
    """Plates, licence numbers, postal codes: capitals, digits and a space."""
    TEXT = "text"
    """Street and city names: letters in both cases, accents, space, - ' ."""


_DIGIT_ROW = tuple("1234567890")
_LETTER_ROWS = (tuple("qwertyuiop"), tuple("asdfghjkl"), tuple("zxcvbnm"))
ROWS: dict[Keyboard, tuple[tuple[str, ...], ...]] = {
    Keyboard.DIGITS: (tuple("123"), tuple("456"), tuple("789"), ("0",)),
    Keyboard.DATE: (tuple("123"), tuple("456"), tuple("789"), ("0",)),
    Keyboard.CODE: (_DIGIT_ROW, *_LETTER_ROWS, ("space",)),
    Keyboard.TEXT: (
        _DIGIT_ROW,
        *_LETTER_ROWS,
        tuple(KEY_NAMES[c] for c in ACCENTED),
        (SHIFT, "hyphen", "apostrophe", "period", "space"),
    ),
}
"""Each keyboard's keys by row, as key names (a letter or digit is its own name)."""


def key_name(char: str) -> str:
    """Return the name of the key that types ``char`` (lowercase for a letter)."""
    lower = char.lower()
    return KEY_NAMES.get(lower, lower)


def key_label(name: str, keyboard: Keyboard, shift: bool = False) -> str:
    """Return what the key ``name`` shows on ``keyboard``."""
    if name in (SHIFT, "space"):
        return ""  # worded keys: the screen takes their label from the catalog
    char = KEY_CHARS.get(name, name)
    return char.upper() if keyboard is Keyboard.CODE or shift else char


def press(typed: str, name: str, keyboard: Keyboard, shift: bool, limit: int) -> tuple[str, bool]:
    """Return (text, shift) after pressing key ``name``; a key the keyboard lacks is ignored."""
    if not any(name in row for row in ROWS[keyboard]):
        return typed, shift
    if name == SHIFT:
        return typed, not shift
    if len(typed) >= limit:
        return typed, shift
    char = KEY_CHARS.get(name, name)
    if keyboard is Keyboard.CODE or shift:
        char = char.upper()
    return typed + char, False


def shown(typed: str, keyboard: Keyboard) -> str:
    """Return the typed text as the field shows it (a date gets its dashes)."""
    if keyboard is Keyboard.DATE:
        return "-".join(part for part in (typed[:4], typed[4:6], typed[6:8]) if part)
    return typed


def value_of(typed: str, keyboard: Keyboard) -> str:
    """Return what the field's answer is once the citizen continues."""
    return shown(typed, keyboard).strip()


def keystrokes(text: str, keyboard: Keyboard) -> Iterator[str]:
    """Yield the keys a person presses to type ``text`` (ValueError if one cannot be typed)."""
    if keyboard in (Keyboard.DIGITS, Keyboard.DATE):
        text = text.replace("-", "") if keyboard is Keyboard.DATE else text
        for char in text:
            if not char.isdigit() or not char.isascii():
                raise ValueError(f"{char!r} cannot be typed on the keypad")
            yield char
        return
    keys = {name for row in ROWS[keyboard] for name in row}
    for char in text:
        name = key_name(char)
        if name not in keys:
            raise ValueError(f"{char!r} cannot be typed on the {keyboard.value} keyboard")
        if keyboard is Keyboard.TEXT and char != char.lower():
            yield SHIFT
        yield name
