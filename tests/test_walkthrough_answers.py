"""The scripted citizen's answers: every service's JSON, the samples, and clear refusals."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from device_drivers.sim.payment_terminal import SimulatedCard
from kiosk_app.walkthrough.answers import (
    ADDRESS_FIELDS,
    TYPEABLE,
    FineAnswers,
    ServiceAnswers,
    load_answers,
    parse_answers,
)
from ministry_sandbox.testing import SandboxClient, utc_today
from transactions.addresses import normalize_address
from transactions.errors import ValidationError
from transactions.health.identifiers import normalize_health_card_number
from transactions.natural_resources.identifiers import normalize_outdoor_card_number
from transactions.services import SERVICES
from transactions.transport.identifiers import (
    normalize_licence_number,
    normalize_plate,
    normalize_renewal_notice,
    parse_date_of_birth,
)
from transactions.transport.plate_text import normalize_plate_text

PAID_SERVICES = tuple(service for service in SERVICES if service not in ("fine", "address-change"))
FORM_SERVICES = tuple(service for service in SERVICES if service != "fine")

IDENTIFIER_CHECKS: dict[str, Callable[[str], object]] = {
    "plate": normalize_plate,
    "renewal_notice": normalize_renewal_notice,
    "licence_number": normalize_licence_number,
    "health_card": normalize_health_card_number,
    "outdoor_card": normalize_outdoor_card_number,
    "plate_text": normalize_plate_text,
    "date_of_birth": lambda raw: parse_date_of_birth(raw, utc_today()),
}
"""The kiosk's own check for each typed identifier field a form has."""

CHOICES = {"lookup_by", "programmes"}
"""Fields the citizen chooses (buttons, tick boxes) rather than types."""


def sample(service: str) -> dict[str, Any]:
    """Return the sample citizen's decoded JSON for ``service``."""
    text = (resources.files("kiosk_app") / "samples" / f"{service}.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return raw


def service_answers(service: str, raw: Any) -> ServiceAnswers:
    answers = parse_answers(service, raw)
    assert isinstance(answers, ServiceAnswers)
    return answers


def refusal(service: str, raw: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_answers(service, raw)
    return caught.value.detail


def renewal(**changes: Any) -> dict[str, Any]:
    raw = {"language": "en", "plate": "CBKR274", "licence_number": "C60234567890123"}
    return {key: value for key, value in {**raw, **changes}.items() if value is not ...}


def address_change(**address_changes: Any) -> dict[str, Any]:
    address = {
        "street_number": "75",
        "street_name": "rue Dalhousie",
        "unit": "bureau 3",
        "city": "Québec",
        "province": "QC",
        "postal_code": "G1K 8C8",
    }
    changed = {
        key: value for key, value in {**address, **address_changes}.items() if value is not ...
    }
    return {"language": "fr", "programmes": {"health-card": "1234567890AB"}, "address": changed}


# --- The sample citizens ---------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_sample_citizen_that_loads(service: str) -> None:
    answers = load_answers(service, None)

    if service == "fine":
        assert isinstance(answers, FineAnswers)
    else:
        assert isinstance(answers, ServiceAnswers)
        assert answers.service == service
        assert (answers.card is None) == (service == "address-change")
    assert answers.language in ("fr", "en")


@pytest.mark.parametrize("service", FORM_SERVICES)
def test_every_typed_value_of_a_sample_passes_the_kiosk_s_own_checks(service: str) -> None:
    answers = service_answers(service, sample(service))

    for field, value in answers.values:
        if field in IDENTIFIER_CHECKS:
            IDENTIFIER_CHECKS[field](value)
        else:
            # Anything else is a choice or a part of the address, checked just below.
            assert field in CHOICES or field in ADDRESS_FIELDS, field
    if service == "address-change":
        address = normalize_address(
            **{field: answers.value(field) or "" for field in ADDRESS_FIELDS}
        )
        assert address.lines() == ("1450 rue Saint-Denis, app. 12", "Montréal QC  H2X 3K8")


def test_the_renewal_sample_types_the_plate_as_people_do_and_takes_two_years() -> None:
    answers = service_answers("registration-renewal", sample("registration-renewal"))

    assert answers.values == (
        ("lookup_by", "plate"),
        ("plate", "cbkr 274"),
        ("licence_number", "C6023 45678 90123"),
    )
    assert answers.option == "2"
    assert answers.language == "fr"


def test_the_address_change_sample_lists_programmes_in_form_order_whatever_the_json_order() -> None:
    raw = sample("address-change")
    assert list(raw["programmes"]) == ["drivers-licence", "health-card"]

    answers = service_answers("address-change", raw)

    assert answers.values == (
        ("programmes", "health-card,drivers-licence"),
        ("health_card", "1234567890AB"),
        ("licence_number", "C60234567890123"),
        ("street_number", "1450"),
        ("street_name", "rue Saint-Denis"),
        ("unit", "app. 12"),
        ("city", "Montréal"),
        ("province", "qc"),
        ("postal_code", "h2x 3k8"),
    )
    assert answers.option is None
    assert answers.card is None


def test_each_sample_citizen_would_be_served_by_the_seeded_sandbox(sandbox: SandboxClient) -> None:
    def ok(path: str, **params: str) -> dict[str, Any]:
        response = sandbox.get(path, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    renewing = service_answers("registration-renewal", sample("registration-renewal"))
    plate = normalize_plate(renewing.value("plate") or "")
    licence = normalize_licence_number(renewing.value("licence_number") or "")
    quote = ok(f"/transport/v1/registrations/{plate}", licence_number=licence)
    assert int(renewing.option or "0") in [term["years"] for term in quote["terms"]]

    record = service_answers("driver-record", sample("driver-record"))
    licence = normalize_licence_number(record.value("licence_number") or "")
    ok(f"/transport/v1/licences/{licence}", date_of_birth=record.value("date_of_birth") or "")

    wanted = service_answers("personalized-plate", sample("personalized-plate"))
    text = "".join(normalize_plate_text(wanted.value("plate_text") or "").split())
    assert ok(f"/transport/v1/personalized-plates/{text}")["available"]

    outdoor = service_answers("outdoor-card", sample("outdoor-card"))
    card = normalize_outdoor_card_number(outdoor.value("outdoor_card") or "")
    assert ok(f"/natural-resources/v1/outdoor-cards/{card}")["renewable"]

    moving = service_answers("address-change", sample("address-change"))
    address = normalize_address(**{field: moving.value(field) or "" for field in ADDRESS_FIELDS})
    body = {"address": address.fields(), "kiosk_id": "kiosk-test-answers"}
    paths = {
        "health_card": "/health/v1/cards/{}/address",
        "licence_number": "/transport/v1/licences/{}/address",
    }
    for field, path in paths.items():
        number = IDENTIFIER_CHECKS[field](moving.value(field) or "")
        response = sandbox.post(path.format(number), body, key=f"{uuid.uuid4()}:address")
        assert response.status_code == 200, response.text


def readme_examples() -> dict[str, Any]:
    """Return the JSON example the README gives under each service's name."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme.split("### Walkthrough answers", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"\*\*`([a-z-]+)`\*\*.*?```json\n(.*?)```", section, re.DOTALL)
    return {service: json.loads(example) for service, example in found}


def test_the_readme_gives_an_example_for_every_service_and_each_parses() -> None:
    examples = readme_examples()

    assert set(examples) == set(SERVICES)
    for service, raw in examples.items():
        parse_answers(service, raw)
        if service != "fine":
            assert raw == sample(service), f"the README's {service} is not the sample"


# --- Each service's format -------------------------------------------------------------------


def test_a_renewal_by_notice_types_the_notice_and_defaults_to_one_year() -> None:
    answers = service_answers(
        "registration-renewal", renewal(plate=..., renewal_notice="rn 000000-1234")
    )

    assert answers.values[:2] == (("lookup_by", "notice"), ("renewal_notice", "rn 000000-1234"))
    assert answers.option == "1"
    assert answers.card == SimulatedCard()


@pytest.mark.parametrize(
    "changes",
    [{"renewal_notice": "RN0000001234"}, {"plate": ...}, {"plate": None}],
    ids=["both", "neither", "plate null"],
)
def test_a_renewal_needs_exactly_one_of_plate_and_notice(changes: dict[str, Any]) -> None:
    message = refusal("registration-renewal", renewal(**changes))

    assert '"plate"' in message
    assert '"renewal_notice"' in message


@pytest.mark.parametrize("years", [0, 3, "2", True, 1.0, None])
def test_renewal_years_are_the_number_1_or_2(years: Any) -> None:
    assert refusal("registration-renewal", renewal(years=years)) == '"years" must be 1 or 2'


@pytest.mark.parametrize(
    ("service", "raw", "values"),
    [
        (
            "driver-record",
            {"licence_number": "C6023-45678-90123", "date_of_birth": "1984-03-09"},
            (("licence_number", "C6023-45678-90123"), ("date_of_birth", "1984-03-09")),
        ),
        (
            "personalized-plate",
            {"plate_text": "Érable", "licence_number": "C60234567890123"},
            (("plate_text", "Érable"), ("licence_number", "C60234567890123")),
        ),
        (
            "outdoor-card",
            {"card_number": "708158 123 456 789"},
            (("outdoor_card", "708158 123 456 789"),),
        ),
    ],
)
def test_the_simple_forms_map_json_keys_to_form_fields_in_order(
    service: str, raw: dict[str, Any], values: tuple[tuple[str, str], ...]
) -> None:
    answers = service_answers(service, {"language": "en", **raw})

    assert answers.values == values
    assert answers.option is None
    assert answers.card == SimulatedCard()
    assert answers.value(values[0][0]) == values[0][1]
    assert answers.value("postal_code") is None


def test_formats_of_identifiers_are_left_for_the_kiosk_to_refuse() -> None:
    answers = service_answers(
        "driver-record", {"licence_number": "nope", "date_of_birth": "9 March 1984"}
    )

    assert answers.value("licence_number") == "nope"
    assert answers.language == "fr"


@pytest.mark.parametrize("unit", [..., None, ""])
def test_an_address_without_a_unit_leaves_the_unit_blank(unit: Any) -> None:
    answers = service_answers("address-change", address_change(unit=unit))

    assert answers.value("unit") == ""


@pytest.mark.parametrize("province", ["Québec", "Q", "Q1", "", 12])
def test_a_province_is_a_two_letter_code(province: Any) -> None:
    assert '"address.province"' in refusal("address-change", address_change(province=province))


def test_a_missing_address_field_is_named_with_its_place() -> None:
    assert refusal("address-change", address_change(city=...)) == (
        '"address.city" must be a non-empty string'
    )


def test_an_address_change_asks_for_no_card() -> None:
    raw = {**address_change(), "card": {"brand": "visa"}}

    assert refusal("address-change", raw) == '"card": an address change is free, so remove "card"'


@pytest.mark.parametrize(
    "programmes", [{}, None, ["health-card"], {"health-card": 1234567890}, {"health-card": " "}]
)
def test_programmes_name_one_to_three_with_their_numbers(programmes: Any) -> None:
    raw = {**address_change(), "programmes": programmes}

    assert '"programmes' in refusal("address-change", raw)


def test_an_unknown_programme_is_refused_with_the_programmes_offered() -> None:
    raw = {**address_change(), "programmes": {"health_card": "1234567890AB"}}

    message = refusal("address-change", raw)

    assert '"health_card"' in message
    assert '"health-card", "drivers-licence", "outdoor-card"' in message


# --- What every service refuses --------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_a_misspelt_key_is_refused_with_the_keys_allowed(service: str) -> None:
    raw = {**sample(service), "langauge": "en"}

    message = refusal(service, raw)

    assert '"langauge"' in message
    assert '"language"' in message


@pytest.mark.parametrize("service", FORM_SERVICES)
def test_each_required_key_missing_is_named(service: str) -> None:
    # "years" has a default, and a renewal looked up by notice has no plate.
    optional = {"language", "card", "years", "plate"}
    for key in set(sample(service)) - optional:
        raw = {name: value for name, value in sample(service).items() if name != key}
        assert f'"{key}' in refusal(service, raw), key


@pytest.mark.parametrize("service", PAID_SERVICES)
def test_the_card_is_read_as_for_a_fine(service: str) -> None:
    raw = {**sample(service), "card": {"brand": "diners", "last4": "1234"}}
    assert refusal(service, raw).startswith('"card": card brand must be one of')

    raw = {**sample(service), "card": {"brand": "interac", "last4": 2, "outcome": "decline"}}
    assert refusal(service, raw) == '"card": last4 must be four digits'

    raw = {**sample(service), "card": {"brand": "interac", "last4": "0002", "outcome": "decline"}}
    assert service_answers(service, raw).card == SimulatedCard("interac", "0002", "decline")


@pytest.mark.parametrize("service", SERVICES)
def test_answers_are_a_json_object_in_french_or_english(service: str) -> None:
    assert refusal(service, ["fr"]) == "answers must be a JSON object"
    assert refusal(service, {**sample(service), "language": "de"}) == (
        '"language" must be "fr" or "en"'
    )


def test_an_unknown_service_is_refused_with_the_services_offered() -> None:
    with pytest.raises(ValidationError, match="registration-renewal, fine, address-change"):
        load_answers("passport", None)


def test_an_answers_file_s_mistake_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "outdoor.json"
    path.write_text(json.dumps({"language": "en", "card_number": 708158123456789}), "utf-8")

    with pytest.raises(ValidationError) as caught:
        load_answers("outdoor-card", path)

    assert caught.value.detail == f'{path}: "card_number" must be a non-empty string'


def test_an_answers_file_is_read_as_utf_8(tmp_path: Path) -> None:
    path = tmp_path / "plate.json"
    path.write_bytes('{"plate_text": "ÉTÉ", "licence_number": "C60234567890123"}'.encode())

    assert service_answers("personalized-plate", json.loads(path.read_text("utf-8"))) == (
        load_answers("personalized-plate", path)
    )


# --- The keyboard ----------------------------------------------------------------------------


def test_the_keyboard_offers_letters_digits_four_marks_and_twelve_french_accents() -> None:
    accents = set("éèêàâçôîùûëï")

    assert len(TYPEABLE) == 26 * 2 + 10 + 4 + 12 * 2
    assert accents | {ch.upper() for ch in accents} <= TYPEABLE
    assert {" ", "-", "'", "."} <= TYPEABLE
    assert not {"’", "/", ",", "#", "ñ", "ü", "\t"} & TYPEABLE


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (renewal(licence_number="C6023/45678/90123"), "licence_number"),
        (address_change(street_name="rue de l’Église"), "address.street_name"),
        (address_change(unit="#5"), "address.unit"),
    ],
)
def test_a_character_the_keyboard_lacks_is_refused_by_field_and_code_point(
    raw: dict[str, Any], field: str
) -> None:
    service = "registration-renewal" if "plate" in raw else "address-change"

    message = refusal(service, raw)

    assert message.startswith(f'"{field}" contains ')
    assert "(U+" in message
    assert "keyboard" in message


def test_an_accent_saved_as_a_combining_mark_is_the_one_key_on_the_keyboard() -> None:
    decomposed = unicodedata.normalize("NFD", "Montréal")
    assert decomposed != "Montréal"

    answers = service_answers("address-change", address_change(city=decomposed))

    assert answers.value("city") == "Montréal"


@given(st.text(alphabet=sorted(TYPEABLE), min_size=1).filter(str.strip))
def test_any_text_the_keyboard_can_type_is_kept_as_typed(text: str) -> None:
    answers = service_answers("outdoor-card", {"card_number": text})

    assert answers.value("outdoor_card") == text


@given(
    st.text(alphabet=sorted(TYPEABLE), min_size=1).filter(str.strip),
    st.characters(codec="utf-8").filter(
        lambda ch: ch not in TYPEABLE and unicodedata.normalize("NFC", ch) == ch
    ),
    st.integers(min_value=0),
)
def test_any_character_the_keyboard_lacks_is_named(text: str, bad: str, at: int) -> None:
    at %= len(text) + 1
    typed = text[:at] + bad + text[at:]
    # A combining mark after a letter may compose into one the keyboard has (e + ́ = é).
    if all(ch in TYPEABLE for ch in unicodedata.normalize("NFC", typed)):
        return

    message = refusal("personalized-plate", {"plate_text": typed, "licence_number": "x"})

    assert message.startswith('"plate_text" contains ')


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=12,
)


def keyed(service: str) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the service's own keys (and the address's) holding any JSON at all."""
    keys = [*sample(service), *ADDRESS_FIELDS, "years", "renewal_notice", "health-card"]
    return st.dictionaries(st.sampled_from(keys), JSON)


@pytest.mark.parametrize("service", SERVICES)
@given(data=st.data())
def test_any_json_gives_answers_or_a_validation_error_and_nothing_else(
    service: str, data: st.DataObject
) -> None:
    raw = data.draw(JSON | keyed(service))
    try:
        answers = parse_answers(service, raw)
    except ValidationError:
        return  # refused with a message: what a tester should see
    assert isinstance(answers, (FineAnswers, ServiceAnswers))
