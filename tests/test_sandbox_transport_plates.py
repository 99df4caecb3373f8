"""The sandbox's personalized plates and licence address changes, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transport_sandbox_support import (
    DRIVER_RECORDS,
    ELOISE,
    LICENCES,
    PLATE_ORDERS,
    PLATES,
    REGISTRATIONS,
    ZOE,
    address_change,
    assert_refused,
    fresh_plate_text,
    new_key,
    paid,
    plate_order,
    quote,
    renewal,
)

from ministry_sandbox.plate_rules import (
    contains_refused_word,
    fold_refused_words,
    is_valid_plate_text,
    normalise_plate_text,
)
from ministry_sandbox.programs_state import load_seeded_program_records
from ministry_sandbox.testing import SandboxClient


@pytest.fixture(autouse=True)
def _no_faults_left_behind(sandbox: SandboxClient) -> Iterator[None]:
    yield
    sandbox.clear_faults()


# --- Personalized plates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "text"), [("ERABLE", "ERABLE"), ("erable 2", "ERABLE2"), ("Go  Leafs", "GOLEAFS")]
)
def test_an_available_plate_is_quoted_normalised_with_its_fee(
    sandbox: SandboxClient, sent: str, text: str
) -> None:
    response = sandbox.get(f"{PLATES}/{sent}")

    assert response.status_code == 200, response.text
    assert response.json() == {"text": text, "available": True, "reason": None, "fee_cents": 32_600}


@pytest.mark.parametrize("text", ["BONJOUR", "hockey", "Bon Jour"])
def test_a_seeded_taken_plate_is_reported_taken(sandbox: SandboxClient, text: str) -> None:
    response = sandbox.get(f"{PLATES}/{text}")

    assert response.status_code == 200
    assert (response.json()["available"], response.json()["reason"]) == (False, "taken")


@pytest.mark.parametrize(
    "text",
    ["1D10T", "IDIOT", "MERDE", "M3RD3", "CR4P", "DAMN", "TABARNAK", "CAL1CE", "CRET1N", "P0L1CE",
     "RCMP", "XGRC7", "rcmp 1"],
)  # fmt: skip
def test_a_refused_word_is_reported_refused_even_disguised_with_digits(
    sandbox: SandboxClient, text: str
) -> None:
    response = sandbox.get(f"{PLATES}/{text}")

    assert response.status_code == 200
    assert response.json()["available"] is False
    assert response.json()["reason"] == "refused"


@pytest.mark.parametrize("text", ["ÉTÉ", "A", "ABCDEFGHI", "AB-12", "ÇA1"])
def test_a_plate_that_is_not_2_to_8_letters_and_digits_is_an_invalid_request(
    sandbox: SandboxClient, text: str
) -> None:
    response = sandbox.get(f"{PLATES}/{text}")

    assert_refused(response, 422, "invalid_request", "text", "text")


def test_ordering_an_available_plate_confirms_it_and_makes_it_taken(
    sandbox: SandboxClient,
) -> None:
    text, key = fresh_plate_text(), new_key("plate")

    response = sandbox.post(PLATE_ORDERS, plate_order(text), key=key)

    assert response.status_code == 201
    confirmation = response.json()
    assert re.fullmatch(r"P-[A-Z0-9]{8}", confirmation["confirmation_number"])
    assert confirmation == {**confirmation, "text": text, "fee_cents": 32_600, "delivery_weeks": 6}
    assert sandbox.get(f"{PLATES}/{text}").json()["reason"] == "taken"
    [entry] = sandbox.ledger_for(key)
    assert (entry["program"], entry["operation"]) == ("transport", "order_personalized_plate")
    assert (entry["reference"], entry["amount_cents"]) == (
        confirmation["confirmation_number"],
        32_600,
    )


def test_a_plate_order_is_normalised_like_the_check(sandbox: SandboxClient) -> None:
    text = fresh_plate_text()

    response = sandbox.post(
        PLATE_ORDERS, plate_order(f" {text[:3].lower()} {text[3:]}"), key=new_key()
    )

    assert response.status_code == 201
    assert response.json()["text"] == text


def test_ordering_a_plate_someone_else_ordered_is_refused(sandbox: SandboxClient) -> None:
    text = fresh_plate_text()
    sandbox.post(PLATE_ORDERS, plate_order(text), key=new_key())
    ledger_before = sandbox.ledger()

    response = sandbox.post(PLATE_ORDERS, plate_order(text, licence=ZOE), key=new_key())

    assert_refused(response, 409, "plate_taken", "déjà attribuée", "already taken")
    assert sandbox.ledger() == ledger_before


def test_ordering_a_seeded_taken_plate_is_refused(sandbox: SandboxClient) -> None:
    response = sandbox.post(PLATE_ORDERS, plate_order("HOCKEY"), key=new_key())

    assert_refused(response, 409, "plate_taken", "HOCKEY", "HOCKEY")


@pytest.mark.parametrize("text", ["1D10T", "GRC2026"])
def test_ordering_a_refused_plate_is_refused_and_records_nothing(
    sandbox: SandboxClient, text: str
) -> None:
    ledger_before = sandbox.ledger()

    response = sandbox.post(PLATE_ORDERS, plate_order(text), key=new_key())

    assert_refused(response, 409, "plate_refused", "n'émet pas", "does not issue")
    assert sandbox.ledger() == ledger_before


def test_a_plate_order_for_an_unknown_licence_is_not_found(sandbox: SandboxClient) -> None:
    response = sandbox.post(
        PLATE_ORDERS, plate_order(fresh_plate_text(), licence="Z00000000000000"), key=new_key()
    )

    assert_refused(response, 404, "licence_not_found", "Z00000000000000", "Z00000000000000")


def test_a_plate_order_at_another_fee_is_refused_and_leaves_the_plate_free(
    sandbox: SandboxClient,
) -> None:
    text = fresh_plate_text()

    response = sandbox.post(PLATE_ORDERS, plate_order(text, fee_cents=32_500), key=new_key())

    assert_refused(response, 422, "amount_mismatch", "326,00 $", "$326.00")
    assert sandbox.get(f"{PLATES}/{text}").json()["available"] is True


def test_replaying_a_plate_order_answers_the_same_and_not_plate_taken(
    sandbox: SandboxClient,
) -> None:
    body, key = plate_order(fresh_plate_text()), new_key("plate")

    first = sandbox.post(PLATE_ORDERS, body, key=key)
    replay = sandbox.post(PLATE_ORDERS, body, key=key)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert len(sandbox.ledger_for(key)) == 1


def test_a_plate_loaded_as_taken_through_fixtures_is_reported_taken(
    sandbox: SandboxClient,
) -> None:
    text = fresh_plate_text()

    assert sandbox.load_fixtures(plates_taken=[text]) == {"plates_taken": 1}
    assert sandbox.get(f"{PLATES}/{text}").json()["reason"] == "taken"


REFUSED = fold_refused_words(["IDIOT", "CÂLICE", "GRC"])
SUBSTITUTES = {"O": "0", "I": "1", "E": "3", "A": "4", "S": "5", "T": "7"}


@settings(max_examples=60, deadline=None)
@given(
    word=st.sampled_from(["IDIOT", "CALICE", "GRC"]),
    substituted=st.lists(st.booleans(), min_size=6, max_size=6),
    before=st.text(alphabet="BKZ89", max_size=2),
)
def test_a_refused_word_is_found_whatever_lookalike_digits_replace_its_letters(
    word: str, substituted: list[bool], before: str
) -> None:
    disguised = "".join(
        SUBSTITUTES.get(letter, letter) if swap else letter
        for letter, swap in zip(word, substituted, strict=False)
    )

    assert contains_refused_word(before + disguised, REFUSED)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("abcXYZ019 \t"), max_size=12))
def test_normalising_a_plate_text_uppercases_it_drops_its_spaces_and_is_stable(
    text: str,
) -> None:
    normalised = normalise_plate_text(text)

    assert normalised == text.replace(" ", "").replace("\t", "").upper()
    assert normalise_plate_text(normalised) == normalised
    assert is_valid_plate_text(normalised) == (2 <= len(normalised) <= 8)


# --- Address on a licence --------------------------------------------------------------------


def test_changing_the_address_on_a_licence_confirms_it_and_records_no_amount(
    sandbox: SandboxClient,
) -> None:
    licence, key = sandbox.add_licence(), new_key("address")

    response = sandbox.post(
        f"{LICENCES}/{licence['licence_number']}/address", address_change(), key=key
    )

    assert response.status_code == 200
    assert re.fullmatch(r"L-[A-Z0-9]{8}", response.json()["confirmation_number"])
    assert sandbox.ledger_for(key) == [
        {
            "program": "transport",
            "operation": "change_address",
            "idempotency_key": key,
            "reference": response.json()["confirmation_number"],
            "amount_cents": 0,
            "at": sandbox.ledger_for(key)[0]["at"],
        }
    ]


def test_the_address_on_a_suspended_seeded_licence_can_change(sandbox: SandboxClient) -> None:
    response = sandbox.post(
        f"{LICENCES}/{ZOE}/address", address_change(unit=None), key=new_key("address")
    )

    assert response.status_code == 200


def test_an_address_change_for_an_unknown_licence_is_not_found(sandbox: SandboxClient) -> None:
    ledger_before = sandbox.ledger()

    response = sandbox.post(
        f"{LICENCES}/Z00000000000000/address", address_change(), key=new_key("address")
    )

    assert_refused(response, 404, "licence_not_found", "Aucun permis", "No driver's licence")
    assert sandbox.ledger() == ledger_before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("postal_code", "k1a 0b1"),
        ("postal_code", "K1A0B1"),
        ("postal_code", "K1A  0B1"),
        ("postal_code", "D1A 0B1"),
        ("postal_code", "W1A 0B1"),
        ("postal_code", "Z1A 0B1"),
        ("postal_code", "K1O 0B1"),
        ("postal_code", "K1A 0U1"),
        ("postal_code", "12345"),
        ("province", "QB"),
        ("province", "on"),
        ("province", "ZZ"),
        ("city", ""),
        ("street_name", ""),
        ("street_number", "rue"),
        ("unit", ""),
    ],
)
def test_a_bad_address_is_an_invalid_request_naming_the_field_and_records_nothing(
    sandbox: SandboxClient, field: str, value: str
) -> None:
    ledger_before = sandbox.ledger()

    response = sandbox.post(
        f"{LICENCES}/{ELOISE}/address", address_change(**{field: value}), key=new_key("address")
    )

    assert_refused(response, 422, "invalid_request", f"address.{field}", f"address.{field}")
    assert sandbox.ledger() == ledger_before


def test_every_province_and_territory_is_accepted(sandbox: SandboxClient) -> None:
    licence = sandbox.add_licence()
    provinces = {
        "AB": "T2P 1J9", "BC": "V6B 1A1", "MB": "R3C 0V8", "NB": "E1C 4M3", "NL": "A1C 5M2",
        "NS": "B3H 1A1", "NT": "X1A 2L9", "NU": "X0A 0H0", "ON": "K1A 0B1", "PE": "C1A 7N8",
        "QC": "H2X 1Y4", "SK": "S4P 3Y2", "YT": "Y1A 2C6",
    }  # fmt: skip

    statuses = {
        province: sandbox.post(
            f"{LICENCES}/{licence['licence_number']}/address",
            address_change(province=province, postal_code=postal_code),
            key=new_key(province),
        ).status_code
        for province, postal_code in provinces.items()
    }

    assert statuses == dict.fromkeys(provinces, 200)


# --- Keys, faults and fixtures ---------------------------------------------------------------


def transport_writes(sandbox: SandboxClient) -> list[tuple[str, dict[str, Any]]]:
    vehicle = sandbox.add_vehicle()
    return [
        (f"{REGISTRATIONS}/{vehicle['plate']}/renewals", renewal()),
        (DRIVER_RECORDS, paid(1_200, licence_number=ELOISE, date_of_birth="1984-03-09")),
        (PLATE_ORDERS, plate_order(fresh_plate_text())),
        (f"{LICENCES}/{ELOISE}/address", address_change()),
    ]


@pytest.mark.parametrize("key", [None, ""])
def test_every_transport_write_without_an_idempotency_key_is_refused_and_not_carried_out(
    sandbox: SandboxClient, key: str | None
) -> None:
    for path, body in transport_writes(sandbox):
        ledger_before = sandbox.ledger()

        response = sandbox.post(path, body, key=key)

        assert (response.status_code, response.json()["error"]) == (
            400,
            "idempotency_key_missing",
        ), path
        assert sandbox.ledger() == ledger_before


def test_the_contract_requires_an_idempotency_key_on_every_transport_write(
    sandbox: SandboxClient,
) -> None:
    paths = sandbox.get("/openapi.json").json()["paths"]

    writes = {
        p: ops["post"] for p, ops in paths.items() if p.startswith("/transport/") and "post" in ops
    }

    assert len(writes) == 4
    for path, operation in writes.items():
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["Idempotency-Key"]["required"] is True, path
        assert {"400", "422", "503"} <= set(operation["responses"]), path


def test_an_outage_on_transport_answers_503_and_leaves_the_other_programmes_working(
    sandbox: SandboxClient,
) -> None:
    sandbox.set_faults(outage=True, paths=["/transport/v1"])
    ledger_before = sandbox.ledger()

    read = quote(sandbox, "CBKR274")
    write = sandbox.post(f"{REGISTRATIONS}/CBKR274/renewals", renewal(), key=new_key())
    other = sandbox.get("/natural-resources/v1/outdoor-cards/708158123456789")

    for response in (read, write):
        assert_refused(response, 503, "backend_unavailable", "indisponible", "unavailable")
    assert other.status_code == 200
    assert sandbox.ledger() == ledger_before


def test_a_failed_renewal_is_carried_out_once_when_retried_with_the_same_key(
    sandbox: SandboxClient,
) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2090-07-14")
    path, key = f"{REGISTRATIONS}/{vehicle['plate']}/renewals", new_key("renew")
    sandbox.set_faults(fail_next_writes=1, paths=["/transport/v1/registrations"])

    failed = sandbox.post(path, renewal(), key=key)
    retried = sandbox.post(path, renewal(), key=key)

    assert failed.status_code == 503
    assert retried.status_code == 201
    assert retried.json()["new_expiry"] == "2091-07-14"
    assert len(sandbox.ledger_for(key)) == 1


def test_vehicle_and_licence_fixtures_are_loaded_counted_and_replace_by_identifier(
    sandbox: SandboxClient,
) -> None:
    vehicle = sandbox.add_vehicle()
    licence = sandbox.add_licence()

    loaded = sandbox.load_fixtures(
        fines=[],
        vehicles=[{**vehicle, "model": "Ioniq 5", "insured": False}],
        licences=[{**licence, "status": "expired"}],
    )

    assert loaded == {"fines": 0, "vehicles": 1, "licences": 1}
    assert quote(sandbox, vehicle["plate"]).json()["error"] == "no_valid_insurance"
    served = sandbox.get(
        f"{LICENCES}/{licence['licence_number']}", date_of_birth=licence["date_of_birth"]
    )
    assert served.json()["status"] == "expired"


@pytest.mark.parametrize(
    ("kind", "broken"),
    [
        ("vehicles", {"plate": "BXPT 911"}),
        ("vehicles", {"owner_licence_number": "C6023-45678-90123"}),
        ("vehicles", {"renewal_notice": "RN42"}),
        ("licences", {"status": "révoqué"}),
        ("licences", {"address": {"postal_code": "k1a 0b1"}}),
        ("plates_taken", "ÉTÉ"),
    ],
)
def test_a_malformed_transport_fixture_is_refused_in_both_languages(
    sandbox: SandboxClient, kind: str, broken: Any
) -> None:
    records = {
        "vehicles": {**load_seeded_program_records().vehicles[0].model_dump(mode="json")},
        "licences": {**load_seeded_program_records().licences[0].model_dump(mode="json")},
    }
    record = broken if kind == "plates_taken" else {**records[kind], **broken}

    response = sandbox.post("/_sandbox/fixtures", {kind: [record]})

    assert_refused(response, 422, "invalid_request", "invalide", "invalid")
