"""Identifiers as citizens type them: licence, plate, renewal notice, birth date, cards."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transactions.errors import ValidationError
from transactions.health.identifiers import normalize_health_card_number
from transactions.natural_resources.identifiers import normalize_outdoor_card_number
from transactions.transport.identifiers import (
    normalize_licence_number,
    normalize_plate,
    normalize_renewal_notice,
    parse_date_of_birth,
)

TODAY = date(2026, 11, 22)


def code_of(parse: object, raw: str) -> str:
    assert callable(parse)
    with pytest.raises(ValidationError) as caught:
        parse(raw)
    return caught.value.code


def separated(data: st.DataObject, text: str) -> str:
    """Return ``text`` with random dashes and spaces between characters, in random case."""
    out = []
    for char in text:
        out.append(data.draw(st.sampled_from(["", "", " ", "-", " - "])))
        out.append(char.lower() if data.draw(st.booleans()) else char)
    return "".join(out)


# --- driver's licence ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["C6023-45678-90123", "c6023 45678 90123", " C60234567890123 ", "c-6023-4567890123"]
)
def test_a_licence_number_is_accepted_with_dashes_spaces_or_lowercase(typed: str) -> None:
    assert normalize_licence_number(typed) == "C60234567890123"


@pytest.mark.parametrize(
    "typed",
    ["", "C6023-45678-9012", "C6023-45678-901234", "66023-45678-90123", "CC023-45678-90123",
     "É6023-45678-90123", "C6023_45678_90123", "C6023-45678-9012٣"],
)  # fmt: skip
def test_a_licence_number_of_the_wrong_shape_is_refused(typed: str) -> None:
    assert code_of(normalize_licence_number, typed) == "licence_number_format"


@given(st.from_regex(r"[A-Z][0-9]{14}", fullmatch=True), st.data())
def test_any_licence_number_survives_any_separators(number: str, data: st.DataObject) -> None:
    assert normalize_licence_number(separated(data, number)) == number


@given(st.text(max_size=20))
def test_a_licence_number_is_always_one_letter_and_14_digits_or_refused(text: str) -> None:
    try:
        number = normalize_licence_number(text)
    except ValidationError as error:
        outcome = error.code
    else:
        outcome = "valid"
        assert re.fullmatch(r"[A-Z][0-9]{14}", number)
    assert outcome in {"valid", "licence_number_format"}


# --- plates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "plate"), [("bxpt 911", "BXPT911"), (" CBKR274 ", "CBKR274"), ("a b", "AB")]
)
def test_a_plate_is_sent_uppercase_without_spaces(typed: str, plate: str) -> None:
    assert normalize_plate(typed) == plate


@pytest.mark.parametrize("typed", ["", "A", "ABCDEFGHI", "ÉTÉ", "AB-12", "AB_12", "straße"])
def test_a_plate_of_the_wrong_shape_is_refused(typed: str) -> None:
    assert code_of(normalize_plate, typed) == "plate_format"


@given(st.text(max_size=12))
def test_a_plate_is_always_2_to_8_letters_and_digits_or_refused(text: str) -> None:
    try:
        plate = normalize_plate(text)
    except ValidationError as error:
        outcome = error.code
    else:
        outcome = "valid"
        assert re.fullmatch(r"[A-Z0-9]{2,8}", plate)
    assert outcome in {"valid", "plate_format"}


# --- renewal notices -------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["RN0000001234", "rn 0000001234", "RN-000000-1234"])
def test_a_renewal_notice_number_is_rn_and_ten_digits(typed: str) -> None:
    assert normalize_renewal_notice(typed) == "RN0000001234"


@pytest.mark.parametrize(
    "typed", ["", "0000001234", "RN000001234", "RX0000001234", "RN00000012345"]
)
def test_a_renewal_notice_of_the_wrong_shape_is_refused(typed: str) -> None:
    assert code_of(normalize_renewal_notice, typed) == "renewal_notice_format"


@given(st.from_regex(r"RN[0-9]{10}", fullmatch=True), st.data())
def test_any_renewal_notice_survives_any_separators(number: str, data: st.DataObject) -> None:
    assert normalize_renewal_notice(separated(data, number)) == number


# --- date of birth ---------------------------------------------------------------------


def test_a_date_of_birth_is_read_as_iso() -> None:
    assert parse_date_of_birth(" 1984-03-09 ", TODAY) == date(1984, 3, 9)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "09/03/1984",
        "19840309",  # date.fromisoformat would take it; the kiosk asks for YYYY-MM-DD
        "1984-3-9",
        "1984-02-30",
        "2027-01-01",  # in the future
        "2010-11-23",  # 15 the day before their 16th birthday
        "1905-11-22",  # 121 today
        "１９８４-03-09",  # full-width digits
    ],
)
def test_a_date_of_birth_that_cannot_be_a_drivers_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date_of_birth(typed, TODAY)
    assert caught.value.code == "date_of_birth_invalid"


def test_the_age_limits_are_inclusive_on_the_birthday() -> None:
    assert parse_date_of_birth("2010-11-22", TODAY) == date(2010, 11, 22)  # 16 today
    assert parse_date_of_birth("1906-11-22", TODAY) == date(1906, 11, 22)  # 120 today
    assert parse_date_of_birth("1905-11-23", TODAY) == date(1905, 11, 23)  # 121 tomorrow


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_a_date_is_accepted_exactly_when_the_age_is_16_to_120(born: date) -> None:
    age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
    try:
        parsed = parse_date_of_birth(born.isoformat(), TODAY)
    except ValidationError:
        assert not 16 <= age <= 120
    else:
        assert parsed == born
        assert 16 <= age <= 120


# --- health card, Outdoors Card --------------------------------------------------------


@pytest.mark.parametrize("typed", ["1234-567-890-AB", "1234 567 890 ab", "1234567890AB"])
def test_a_health_card_number_is_ten_digits_and_two_letters(typed: str) -> None:
    assert normalize_health_card_number(typed) == "1234567890AB"


@pytest.mark.parametrize(
    "typed", ["", "1234-567-890", "1234-567-890-A", "1234-567-89-AB", "1234-567-890-ÀB"]
)
def test_a_health_card_number_of_the_wrong_shape_is_refused(typed: str) -> None:
    assert code_of(normalize_health_card_number, typed) == "health_card_format"


@given(st.from_regex(r"[0-9]{10}[A-Z]{2}", fullmatch=True), st.data())
def test_any_health_card_number_survives_any_separators(number: str, data: st.DataObject) -> None:
    assert normalize_health_card_number(separated(data, number)) == number


@pytest.mark.parametrize("typed", ["708158 123 456 789", "708158-123-456-789", "708158123456789"])
def test_an_outdoors_card_number_is_15_digits_starting_708158(typed: str) -> None:
    assert normalize_outdoor_card_number(typed) == "708158123456789"


@pytest.mark.parametrize(
    "typed",
    ["", "708158 123 456 78", "708158 123 456 7890", "708159 123 456 789", "70815A123456789"],
)
def test_an_outdoors_card_number_of_the_wrong_shape_is_refused(typed: str) -> None:
    assert code_of(normalize_outdoor_card_number, typed) == "outdoor_card_format"


@given(st.text(max_size=20))
def test_an_outdoors_card_number_is_always_well_formed_or_refused(text: str) -> None:
    try:
        number = normalize_outdoor_card_number(text)
    except ValidationError as error:
        outcome = error.code
    else:
        outcome = "valid"
        assert re.fullmatch(r"708158[0-9]{9}", number)
    assert outcome in {"valid", "outdoor_card_format"}
