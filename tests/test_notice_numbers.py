"""Notice numbers as citizens type them: mistakes are caught before the ministry is asked."""

from __future__ import annotations

import pytest
from fakes import valid_notice_number
from hypothesis import given, settings
from hypothesis import strategies as st

from transactions.errors import ValidationError
from transactions.fines.notices import JURISDICTIONS, luhn_check_digit, normalize_notice_number

SEEDED = ["100042158731", "210005609818", "220033182472"]
CODES = {
    "valid",
    "notice_number_empty",
    "notice_number_digits",
    "notice_number_length",
    "notice_number_unknown_code",
    "notice_number_check_digit",
}


@pytest.mark.parametrize("number", SEEDED)
def test_the_seeded_notice_numbers_are_valid(number: str) -> None:
    assert normalize_notice_number(number) == number


@pytest.mark.parametrize(
    "typed",
    [
        "10 004215873 1",  # grouped as printed on the notice
        "10-004215873-1",
        "  100042158731  ",
        "1 0 0 0 4 2 1 5 8 7 3 1",
        "10\t004215873\t1",
        "10--004215873 -1",
        "\n100042158731\n",
    ],
)
def test_spaces_and_dashes_are_ignored(typed: str) -> None:
    assert normalize_notice_number(typed) == "100042158731"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "notice_number_empty"),
        ("   ", "notice_number_empty"),
        (" - - ", "notice_number_empty"),
        ("10004215873l", "notice_number_digits"),  # lowercase L for a one
        ("1OOO42158731", "notice_number_digits"),  # capital O for zeros
        ("abcdefghijkl", "notice_number_digits"),
        ("١٠٠٠٤٢١٥٨٧٣١", "notice_number_digits"),  # Arabic-Indic digits: isdigit() but not ASCII
        ("１００042158731", "notice_number_digits"),  # fullwidth digits from a phone keyboard
        ("10004215873²", "notice_number_digits"),
        ("10.004215873.1", "notice_number_digits"),
        ("10\u00a0004215873\u00a01", "notice_number_digits"),  # no-break spaces, pasted
        ("10_004215873_1", "notice_number_digits"),
        ("10004215873", "notice_number_length"),  # 11 digits: one forgotten
        ("1000421587311", "notice_number_length"),  # 13 digits: one typed twice
        ("1", "notice_number_length"),
        ("990042158735", "notice_number_unknown_code"),
        ("000000000000", "notice_number_unknown_code"),
        ("11" + "0042158731", "notice_number_unknown_code"),
        ("100042158732", "notice_number_check_digit"),
        ("100042158713", "notice_number_check_digit"),  # last two digits swapped
        ("010042158731", "notice_number_unknown_code"),
    ],
)
def test_each_kind_of_mistake_has_its_own_error_code(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_notice_number(typed)
    assert caught.value.code == code


def test_a_code_of_99_is_unknown_even_with_a_correct_check_digit() -> None:
    body = "99" + "004215873"
    with pytest.raises(ValidationError) as caught:
        normalize_notice_number(body + luhn_check_digit(body))
    assert caught.value.code == "notice_number_unknown_code"


valid_numbers = st.builds(
    valid_notice_number,
    st.sampled_from(sorted(JURISDICTIONS)),
    st.integers(min_value=0, max_value=999_999_999),
)


@settings(max_examples=100)
@given(valid_numbers, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_every_valid_number_with_one_digit_changed_is_rejected(
    number: str, position: int, shift: int
) -> None:
    changed = str((int(number[position]) + shift) % 10)
    mistyped = number[:position] + changed + number[position + 1 :]
    with pytest.raises(ValidationError) as caught:
        normalize_notice_number(mistyped)
    assert caught.value.code in ("notice_number_check_digit", "notice_number_unknown_code")


@settings(max_examples=100)
@given(valid_numbers, st.data())
def test_every_valid_number_with_spaces_and_dashes_normalizes_to_itself(
    number: str, data: st.DataObject
) -> None:
    separators = st.text(alphabet=" -\t", max_size=3)
    typed = data.draw(separators) + "".join(c + data.draw(separators) for c in number)
    assert normalize_notice_number(typed) == number


@settings(max_examples=100)
@given(st.text(max_size=30))
def test_any_text_is_either_a_valid_number_or_a_validation_error(typed: str) -> None:
    try:
        number = normalize_notice_number(typed)
    except ValidationError as error:
        code = error.code
    else:
        code = "valid"
        assert len(number) == 12
        assert number.isascii()
        assert number.isdigit()
        assert number[:2] in JURISDICTIONS
        assert luhn_check_digit(number[:11]) == number[11]
    assert code in CODES
