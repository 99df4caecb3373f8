"""Addresses as citizens type them: postal codes any way, accents kept, errors the UI can say."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transactions.addresses import (
    NEVER_FIRST_IN_POSTAL_CODES,
    NEVER_IN_POSTAL_CODES,
    PROVINCES,
    Address,
    normalize_address,
    normalize_postal_code,
    normalize_street_number,
    normalize_unit,
)
from transactions.errors import ValidationError

CANONICAL = re.compile(r"[A-Z][0-9][A-Z] [0-9][A-Z][0-9]")
USED_LETTERS = sorted(set(string.ascii_uppercase) - NEVER_IN_POSTAL_CODES)
FIRST_LETTERS = sorted(set(USED_LETTERS) - NEVER_FIRST_IN_POSTAL_CODES)


def typed(**changes: Any) -> dict[str, Any]:
    """Return a form filled in the awkward way people fill it, with ``changes``."""
    form: dict[str, Any] = {
        "street_number": " 1234 ",
        "street_name": "  rue   Sainte-Catherine Ouest ",
        "unit": "apt 5B",
        "city": "Trois-Rivières",
        "province": "qc",
        "postal_code": "g9a5h7",
    }
    return {**form, **changes}


def code_of(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        normalize_address(**typed(**changes))
    return caught.value.code


# --- the whole form --------------------------------------------------------------------


def test_an_address_typed_carelessly_comes_out_tidy_with_its_accents() -> None:
    address = normalize_address(**typed())

    assert address == Address(
        street_number="1234",
        street_name="rue Sainte-Catherine Ouest",
        unit="apt 5B",
        city="Trois-Rivières",
        province="QC",
        postal_code="G9A 5H7",
    )


def test_an_accent_typed_as_a_combining_mark_is_the_same_letter() -> None:
    combining = "Trois-Rivie\u0300res"  # e + combining grave accent

    assert normalize_address(**typed(city=combining)).city == "Trois-Rivières"


def test_the_address_goes_to_the_backends_in_the_contract_shape() -> None:
    address = normalize_address(**typed(unit="  "))

    assert address.fields() == {
        "street_number": "1234",
        "street_name": "rue Sainte-Catherine Ouest",
        "unit": None,
        "city": "Trois-Rivières",
        "province": "QC",
        "postal_code": "G9A 5H7",
    }
    assert Address.from_fields(address.fields()) == address


def test_the_address_prints_on_two_lines_with_its_unit() -> None:
    assert normalize_address(**typed()).lines() == (
        "1234 rue Sainte-Catherine Ouest, apt 5B",
        "Trois-Rivières QC  G9A 5H7",
    )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("street_number", "rue", "street_number_invalid"),
        ("street_number", "", "street_number_invalid"),
        ("street_name", "   ", "street_name_missing"),
        ("street_name", "---", "street_name_missing"),
        ("street_name", "x" * 101, "street_name_too_long"),
        ("unit", "# -", "unit_invalid"),
        ("unit", "appartement 12345678901234", "unit_invalid"),
        ("city", "", "city_missing"),
        ("city", "Saint-" * 11, "city_too_long"),
        ("province", "Ontario", "province_unknown"),
        ("province", "QU", "province_unknown"),
        ("postal_code", "K1A 0B", "postal_code_format"),
        ("postal_code", "W1A 0B1", "postal_code_letters"),
    ],
)
def test_each_field_is_refused_with_a_code_the_screen_translates(
    field: str, value: str, code: str
) -> None:
    assert code_of(**{field: value}) == code


def test_the_first_field_in_form_order_is_the_one_reported() -> None:
    assert code_of(street_name="", city="", postal_code="nope") == "street_name_missing"


# --- postal codes ----------------------------------------------------------------------


@pytest.mark.parametrize("typed_code", ["k1a0b1", " K1A  0B1 ", "K1A0B1", "k1a-0b1", "k 1 a 0 b 1"])
def test_a_postal_code_typed_any_way_comes_out_as_one_canonical_form(typed_code: str) -> None:
    assert normalize_postal_code(typed_code) == "K1A 0B1"


@pytest.mark.parametrize(
    ("typed_code", "code"),
    [
        ("", "postal_code_format"),
        ("K1A 0B", "postal_code_format"),
        ("K1A 0B12", "postal_code_format"),
        ("11A 0B1", "postal_code_format"),
        ("KKA 0B1", "postal_code_format"),
        ("K1A 0É1", "postal_code_format"),
        ("K1ß 0B1", "postal_code_format"),  # "ß".upper() is "SS": not a letter of the code
        ("D1A 0B1", "postal_code_letters"),
        ("K1F 0B1", "postal_code_letters"),
        ("K1A 0I1", "postal_code_letters"),
        ("K1O 0B1", "postal_code_letters"),
        ("Q1A 0B1", "postal_code_letters"),
        ("K1U 0B1", "postal_code_letters"),
        ("W1A 0B1", "postal_code_letters"),
        ("Z1A 0B1", "postal_code_letters"),
    ],
)
def test_a_postal_code_that_cannot_exist_is_refused(typed_code: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_postal_code(typed_code)
    assert caught.value.code == code


def test_w_and_z_are_fine_after_the_first_letter() -> None:
    assert normalize_postal_code("t2w 3z4") == "T2W 3Z4"


valid_postal_codes = st.tuples(
    st.sampled_from(FIRST_LETTERS),
    st.integers(0, 9),
    st.sampled_from(USED_LETTERS),
    st.integers(0, 9),
    st.sampled_from(USED_LETTERS),
    st.integers(0, 9),
).map(lambda parts: "".join(str(part) for part in parts))


@given(valid_postal_codes, st.data())
def test_any_valid_code_in_any_case_and_spacing_normalizes_to_itself(
    code: str, data: st.DataObject
) -> None:
    pieces = []
    for char in code:
        pieces.append(data.draw(st.sampled_from(["", " ", "  ", "\t"])))
        pieces.append(char.lower() if data.draw(st.booleans()) else char)
    pieces.append(data.draw(st.sampled_from(["", " "])))

    normalized = normalize_postal_code("".join(pieces))

    assert normalized == f"{code[:3]} {code[3:]}"
    assert normalize_postal_code(normalized) == normalized


@given(
    valid_postal_codes, st.sampled_from(sorted(NEVER_IN_POSTAL_CODES)), st.sampled_from([0, 2, 4])
)
def test_a_letter_never_used_anywhere_is_refused(code: str, letter: str, position: int) -> None:
    spoiled = code[:position] + letter + code[position + 1 :]
    with pytest.raises(ValidationError) as caught:
        normalize_postal_code(spoiled)
    assert caught.value.code == "postal_code_letters"


@given(st.text(max_size=12))
def test_any_text_is_either_a_canonical_code_or_a_validation_error(text: str) -> None:
    try:
        normalized = normalize_postal_code(text)
    except ValidationError as error:
        code = error.code
    else:
        code = "valid"
        assert CANONICAL.fullmatch(normalized)
        assert normalized[0] not in NEVER_FIRST_IN_POSTAL_CODES
        assert not NEVER_IN_POSTAL_CODES & set(normalized)
    assert code in {"valid", "postal_code_format", "postal_code_letters"}


# --- provinces, civic numbers, units ---------------------------------------------------


def test_the_thirteen_provinces_and_territories_are_known_in_any_case() -> None:
    assert len(PROVINCES) == 13
    for province in PROVINCES:
        assert normalize_address(**typed(province=f" {province.lower()} ")).province == province


@pytest.mark.parametrize(
    ("typed_number", "normalized"),
    [
        ("12", "12"),
        ("12b", "12B"),
        ("12 B", "12B"),
        ("12 1/2", "12 1/2"),
        ("12  1/2", "12 1/2"),
        ("12½", "12 1/2"),
        ("999999", "999999"),
    ],
)
def test_civic_numbers_take_a_letter_or_a_fraction(typed_number: str, normalized: str) -> None:
    assert normalize_street_number(typed_number) == normalized


@pytest.mark.parametrize(
    "typed_number", ["0", "012", "12BB", "12-B", "1/2", "12 3/2", "1234567", "١٢"]
)
def test_a_civic_number_that_is_not_one_is_refused(typed_number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_street_number(typed_number)
    assert caught.value.code == "street_number_invalid"


@given(st.integers(1, 999_999), st.sampled_from(["", "a", "Z", " 1/2", " 3/4"]))
def test_every_plausible_civic_number_is_accepted_and_stable(number: int, suffix: str) -> None:
    normalized = normalize_street_number(f"{number}{suffix}")
    assert normalized == f"{number}{suffix.upper()}"
    assert normalize_street_number(normalized) == normalized


@pytest.mark.parametrize(
    ("typed_unit", "normalized"),
    [
        ("apt 5B", "apt 5B"),
        ("#5", "#5"),
        ("5-", "5"),
        ("unité 12", "unité 12"),
        ("  app.   3 ", "app. 3"),
        ("", None),
        ("-", None),
        (None, None),
    ],
)
def test_units_are_kept_as_typed_but_tidied(typed_unit: str | None, normalized: str | None) -> None:
    assert normalize_unit(typed_unit) == normalized


@given(st.text(max_size=30))
def test_any_text_in_a_name_field_is_kept_tidy_or_refused(text: str) -> None:
    try:
        address = normalize_address(**typed(street_name=text, city=text))
    except ValidationError as error:
        code = error.code
    else:
        code = "valid"
        assert address.street_name == address.city
        assert address.street_name == address.street_name.strip()
        assert "  " not in address.street_name
    assert code in {"valid", "street_name_missing", "street_name_too_long"}


def test_a_postal_codes_first_letter_names_its_province_except_the_territories_x() -> None:
    from transactions.addresses import provinces_for

    assert provinces_for("h2x 3k8") == ("QC",)
    assert provinces_for("K1N 5Y1") == ("ON",)
    assert provinces_for("v6b 1a1") == ("BC",)
    assert provinces_for("X0A 0H0") == ("NT", "NU")  # Nunavut and the NWT share X
    assert provinces_for("") == ()
    assert provinces_for("Z1Z 1Z1") == ()  # no postal district starts with Z
