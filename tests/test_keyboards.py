"""The on-screen keyboards: every typeable character, capitals, keypads, field lengths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from service_visits import type_on

from kiosk_app.flows.address_change import (
    ADDRESS_FIELDS,
    IDENTIFIER_FIELDS,
)
from kiosk_app.flows.form import Field
from kiosk_app.flows.keyboard import (
    ROWS,
    SHIFT,
    Keyboard,
    key_name,
    keystrokes,
    press,
    shown,
    value_of,
)
from kiosk_app.flows.registration import LICENCE, PLATE, RENEWAL_NOTICE
from kiosk_app.walkthrough.answers import TYPEABLE
from transactions.address_change import HEALTH_CARD

ADDRESS_FIELD = {field.name: field for field in ADDRESS_FIELDS}
TEXT_KEYS = frozenset(name for row in ROWS[Keyboard.TEXT] for name in row)
TEXT_CHARS = sorted(ch for ch in TYPEABLE if key_name(ch) in TEXT_KEYS)


# --- keyboards ---------------------------------------------------------------------------


def test_the_text_keyboard_offers_every_character_a_typed_answer_may_use() -> None:
    assert set(TEXT_CHARS) == TYPEABLE


@given(st.text(alphabet=TEXT_CHARS, max_size=60))
def test_whatever_is_typed_on_the_text_keyboard_comes_back_as_typed(text: str) -> None:
    assert type_on(Keyboard.TEXT, text, limit=60) == text


def test_a_capital_with_an_accent_takes_shift_then_the_accented_key() -> None:
    assert list(keystrokes("Éloïse", Keyboard.TEXT)) == [
        SHIFT,
        "e_acute",
        "l",
        "o",
        "i_uml",
        "s",
        "e",
    ]
    assert type_on(Keyboard.TEXT, "Éloïse Côté-Tremblay app. 12") == (
        "Éloïse Côté-Tremblay app. 12"
    )


def test_shift_capitalizes_one_letter_only() -> None:
    typed, shift = press("", SHIFT, Keyboard.TEXT, False, 20)
    typed, shift = press(typed, "c", Keyboard.TEXT, shift, 20)
    typed, shift = press(typed, "o_circ", Keyboard.TEXT, shift, 20)
    assert (typed, shift) == ("Cô", False)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", max_size=20))
def test_the_code_keyboard_types_capitals_whatever_case_the_answer_has(text: str) -> None:
    assert type_on(Keyboard.CODE, text) == text.upper()


def test_a_lowercase_postal_code_and_plate_come_out_in_capitals() -> None:
    assert type_on(Keyboard.CODE, "h2x 3k8") == "H2X 3K8"
    assert type_on(Keyboard.CODE, "cbkr 274") == "CBKR 274"


@pytest.mark.parametrize("keyboard", [Keyboard.DIGITS, Keyboard.DATE])
@given(digits=st.text(alphabet="0123456789", max_size=8))
def test_the_keypads_type_digits(keyboard: Keyboard, digits: str) -> None:
    assert type_on(keyboard, digits) == digits


@pytest.mark.parametrize("keyboard", [Keyboard.DIGITS, Keyboard.DATE])
@pytest.mark.parametrize("key", ["a", "space", "hyphen", "period", SHIFT, "e_acute"])
def test_the_keypads_ignore_anything_but_a_digit(keyboard: Keyboard, key: str) -> None:
    assert press("1984", key, keyboard, False, 15) == ("1984", False)


@pytest.mark.parametrize("keyboard", [Keyboard.DIGITS, Keyboard.DATE])
def test_an_answer_with_letters_cannot_be_typed_on_a_keypad(keyboard: Keyboard) -> None:
    with pytest.raises(ValueError, match="keypad"):
        list(keystrokes("7081 58a", keyboard))


def test_a_date_shows_its_dashes_as_it_is_typed() -> None:
    typed = type_on(Keyboard.DATE, "19840309", limit=8)
    assert typed == "19840309"
    assert shown(typed, Keyboard.DATE) == "1984-03-09"
    assert value_of(typed, Keyboard.DATE) == "1984-03-09"
    assert shown("19840", Keyboard.DATE) == "1984-0"
    assert type_on(Keyboard.DATE, "1984-03-09", limit=8) == "19840309"


def test_typing_stops_at_the_fields_length() -> None:
    assert type_on(Keyboard.CODE, "cbkr 274 and more", limit=8) == "CBKR 274"
    assert type_on(Keyboard.DATE, "198403091", limit=8) == "19840309"
    typed, shift = press("Côté", SHIFT, Keyboard.TEXT, False, 4)
    assert shift  # shift still works at the limit, it types nothing
    assert press(typed, "a", Keyboard.TEXT, shift, 4) == ("Côté", True)


@pytest.mark.parametrize(
    ("keyboard", "key"),
    [
        (Keyboard.CODE, "e_acute"),
        (Keyboard.CODE, SHIFT),
        (Keyboard.CODE, "hyphen"),
        (Keyboard.TEXT, "comma"),
        (Keyboard.TEXT, "ñ"),
        (Keyboard.DIGITS, "space"),
    ],
)
def test_a_key_the_keyboard_lacks_is_ignored(keyboard: Keyboard, key: str) -> None:
    assert press("12", key, keyboard, False, 20) == ("12", False)


def test_an_answer_the_keyboard_cannot_type_is_refused_before_any_key_is_pressed() -> None:
    with pytest.raises(ValueError, match="code keyboard"):
        list(keystrokes("Côté", Keyboard.CODE))
    with pytest.raises(ValueError, match="text keyboard"):
        list(keystrokes("app #12", Keyboard.TEXT))


@pytest.mark.parametrize(
    ("field", "written"),
    [
        (IDENTIFIER_FIELDS[HEALTH_CARD], "1234 567 890 ab"),  # the card's 1234-567-890-AB
        (LICENCE, "c6023 45678 90123"),
        (RENEWAL_NOTICE, "rn 000000 1234"),
        (PLATE, "cbkr 274"),
        (ADDRESS_FIELD["postal_code"], "h2x 3k8"),
        (ADDRESS_FIELD["unit"], "app. 12"),
    ],
)
def test_a_number_typed_with_the_spaces_it_is_written_with_fits_its_field(
    field: Field, written: str
) -> None:
    assert field.keyboard is not None
    typed = type_on(field.keyboard, written, limit=field.max_length)
    assert typed.lower() == written
    assert field.check is not None
    field.check(value_of(typed, field.keyboard))
