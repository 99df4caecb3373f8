"""The kiosk's own rules for a personalized plate's text, before the ministry is asked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transactions.errors import ValidationError
from transactions.transport.plate_text import (
    MAX_LENGTH,
    REFUSED_WORDS,
    PlateTextInvalidError,
    fold,
    normalize_plate_text,
)

LETTER_AS_DIGIT = {"O": "0", "I": "1", "E": "3", "A": "4", "S": "5", "T": "7"}
ALPHANUMERIC = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@pytest.mark.parametrize(
    ("typed", "text"),
    [("erable", "ERABLE"), (" GO HABS ", "GO HABS"), ("ON 2026", "ON 2026"), ("a1", "A1")],
)
def test_letters_digits_and_single_inner_spaces_are_accepted_in_capitals(
    typed: str, text: str
) -> None:
    assert normalize_plate_text(typed) == text


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "plate_text_length"),
        ("A", "plate_text_length"),
        ("ABCDEFGHI", "plate_text_length"),
        ("ABCD EFGH", "plate_text_length"),  # the space is on the plate too
        ("ÉTÉ", "plate_text_characters"),
        ("ÇA VA", "plate_text_characters"),
        ("GO  HABS", "plate_text_characters"),
        ("GO-HABS", "plate_text_characters"),
        ("GO!", "plate_text_characters"),
        ("straße", "plate_text_characters"),  # "ß".upper() would sneak in as "SS"
        ("2026", "plate_text_no_letter"),
        ("12 34", "plate_text_no_letter"),
    ],
)
def test_a_text_that_breaks_a_rule_says_which_one(typed: str, reason: str) -> None:
    with pytest.raises(PlateTextInvalidError) as caught:
        normalize_plate_text(typed)
    assert caught.value.code == "plate_text_invalid"
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "typed", ["merde", "TABARNAK", "crap", "DAMN 1", "IDIOT", "POLICE", "RCMP", "GRC 1", "P0L1C3"]
)
def test_a_refused_word_is_refused_in_any_case_or_disguise(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_plate_text(typed)
    assert caught.value.code == "plate_text_refused"
    assert not isinstance(caught.value, PlateTextInvalidError)


@pytest.mark.parametrize("typed", ["CR AP", "ME RDE", "D4 MN"])
def test_a_word_split_by_a_space_is_still_read_whole(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_plate_text(typed)
    assert caught.value.code == "plate_text_refused"


def test_the_check_folds_accents_so_the_list_matches_french_spellings() -> None:
    assert fold("Crétin") == "CRETIN"
    assert fold("Câlisse") == "CALISSE"
    assert fold("P0L 1C3") == "POLICE"


def test_ordinary_words_that_merely_resemble_nothing_on_the_list_pass() -> None:
    for text in ("BACON", "ERABLE", "GO HABS", "LOUP 22", "HOCKEY"):
        assert normalize_plate_text(text) == text


def test_the_list_is_bilingual_and_in_folded_form() -> None:
    assert {"MERDE", "TABARNAK", "CRAP", "DAMN", "IDIOT", "POLICE", "RCMP", "GRC"} <= REFUSED_WORDS
    assert all(word == fold(word) and word.isalpha() for word in REFUSED_WORDS)


@st.composite
def disguised(draw: st.DrawFn) -> str:
    """Draw a plate text that hides a refused word: digits for letters, padding, spaces, case."""
    word = draw(st.sampled_from(sorted(w for w in REFUSED_WORDS if len(w) <= MAX_LENGTH)))
    chars = [
        LETTER_AS_DIGIT[ch] if ch in LETTER_AS_DIGIT and draw(st.booleans()) else ch for ch in word
    ]
    room = MAX_LENGTH - len(chars)
    before = draw(st.lists(ALPHANUMERIC, max_size=room))
    after = draw(st.lists(ALPHANUMERIC, max_size=room - len(before)))
    text = "".join(before + chars + after)
    if len(text) < MAX_LENGTH and draw(st.booleans()):
        cut = draw(st.integers(1, len(text) - 1))
        text = text[:cut] + " " + text[cut:]
    return text.lower() if draw(st.booleans()) else text


@given(disguised())
def test_any_text_containing_a_refused_word_with_substitutions_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_plate_text(text)
    assert caught.value.code == "plate_text_refused"


@given(st.text(max_size=12))
def test_any_text_is_accepted_in_plate_form_or_refused_with_a_known_code(text: str) -> None:
    try:
        plate = normalize_plate_text(text)
    except PlateTextInvalidError as error:
        outcome = error.reason
    except ValidationError as error:
        outcome = error.code
    else:
        outcome = "valid"
        assert 2 <= len(plate) <= MAX_LENGTH
        assert plate == plate.strip()
        assert "  " not in plate
        assert all(ch.isascii() and (ch.isupper() or ch.isdigit() or ch == " ") for ch in plate)
    assert outcome in {
        "valid",
        "plate_text_length",
        "plate_text_characters",
        "plate_text_no_letter",
        "plate_text_refused",
    }
