"""The sandbox's transport backend, over real HTTP: registrations, records, plates, addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from transport_sandbox_support import (
    DRIVER_RECORDS,
    ELOISE,
    JEAN_FRANCOIS,
    LICENCES,
    REGISTRATIONS,
    ZOE,
    assert_refused,
    new_key,
    paid,
    quote,
    renewal,
)

from ministry_sandbox.programs_state import add_years, load_seeded_program_records
from ministry_sandbox.testing import SandboxClient, utc_today


@pytest.fixture(autouse=True)
def _no_faults_left_behind(sandbox: SandboxClient) -> Iterator[None]:
    yield
    sandbox.clear_faults()


# --- Seeded data -----------------------------------------------------------------------------


def test_the_seeded_records_are_the_ones_the_readme_lists() -> None:
    seeded = load_seeded_program_records()

    vehicles = {vehicle.plate: vehicle for vehicle in seeded.vehicles}
    assert set(vehicles) == {"CBKR274", "BXPT911", "ABCD123", "CKLM555"}
    assert vehicles["CBKR274"].owner_name == "Éloïse Côté-Tremblay"
    assert vehicles["BXPT911"].owner_name == "Zoë O'Brien-Nguyễn"
    assert vehicles["BXPT911"].unpaid_fines_cents == 12_500
    assert not vehicles["ABCD123"].insured
    assert {licence.licence_number for licence in seeded.licences} == {ELOISE, ZOE}
    assert {card.health_card_number for card in seeded.health_cards} == {
        "1234567890AB",
        "9876543210ZZ",
    }
    assert {card.card_number for card in seeded.outdoor_cards} == {
        "708158123456789",
        "708158000000017",
    }
    assert seeded.plates_taken == ["BONJOUR", "HOCKEY"]


# --- Registrations ---------------------------------------------------------------------------


def test_a_seeded_registration_is_quoted_to_its_owner_with_both_terms(
    sandbox: SandboxClient,
) -> None:
    response = quote(sandbox, "CBKR274")

    assert response.status_code == 200
    assert response.json() == {
        "plate": "CBKR274",
        "vehicle": {"year": 2019, "make": "Toyota", "model": "Corolla"},
        "current_expiry": "2027-03-09",
        "terms": [{"years": 1, "fee_cents": 5_900}, {"years": 2, "fee_cents": 11_800}],
    }


def test_a_registration_is_found_by_its_renewal_notice(sandbox: SandboxClient) -> None:
    response = sandbox.get(REGISTRATIONS, renewal_notice="RN0000001234")

    assert response.status_code == 200
    assert response.json()["plate"] == "CKLM555"
    assert response.json()["vehicle"] == {"year": 2012, "make": "Mazda", "model": "3"}


@pytest.mark.parametrize("plate", ["ZZZZ999", "BXPT 911", "cbkr274"])
def test_an_unknown_plate_is_not_found_in_both_languages(
    sandbox: SandboxClient, plate: str
) -> None:
    response = quote(sandbox, plate)

    assert_refused(response, 404, "vehicle_not_found", "Aucun véhicule", "No registered vehicle")


def test_an_unknown_renewal_notice_is_not_found(sandbox: SandboxClient) -> None:
    response = sandbox.get(REGISTRATIONS, renewal_notice="RN9999999999")

    body = assert_refused(response, 404, "vehicle_not_found", "RN9999999999", "RN9999999999")
    assert set(body) == {"error", "message_fr", "message_en"}


def test_a_licence_that_is_not_the_owners_is_refused(sandbox: SandboxClient) -> None:
    response = quote(sandbox, "CBKR274", licence=ZOE)

    assert_refused(
        response, 409, "vehicle_not_owned", "n'est pas celui du propriétaire", "not the owner's"
    )


def test_unpaid_fines_block_the_renewal_and_say_how_much(sandbox: SandboxClient) -> None:
    response = quote(sandbox, "BXPT911", licence=ZOE)

    body = assert_refused(response, 409, "unpaid_fines", "125,00 $", "$125.00")
    assert body["unpaid_fines_cents"] == 12_500


def test_a_vehicle_without_valid_insurance_is_refused_by_plate_and_by_renewal_notice(
    sandbox: SandboxClient,
) -> None:
    by_plate = quote(sandbox, "ABCD123", licence=JEAN_FRANCOIS)
    by_notice = sandbox.get(REGISTRATIONS, renewal_notice="RN0000004242")

    for response in (by_plate, by_notice):
        assert_refused(response, 409, "no_valid_insurance", "assurance valide", "insurance")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/CBKR274", {"licence_number": "C6023-45678-90123"}),
        ("/CBKR274", {}),
        ("", {"renewal_notice": "RN12"}),
        ("", {}),
    ],
    ids=["licence with dashes", "no licence", "short notice", "no notice"],
)
def test_a_malformed_registration_lookup_is_an_invalid_request(
    sandbox: SandboxClient, path: str, params: dict[str, str]
) -> None:
    response = sandbox.get(REGISTRATIONS + path, **params)

    assert_refused(response, 422, "invalid_request", "invalide", "invalid")


def test_renewing_for_one_year_extends_the_expiry_and_records_the_fee(
    sandbox: SandboxClient,
) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2090-07-14")
    key = new_key("renew")

    response = sandbox.post(f"{REGISTRATIONS}/{vehicle['plate']}/renewals", renewal(), key=key)

    assert response.status_code == 201
    confirmation = response.json()
    assert re.fullmatch(r"R-[A-Z0-9]{8}", confirmation["confirmation_number"])
    assert confirmation == {
        **confirmation,
        "plate": vehicle["plate"],
        "years": 1,
        "new_expiry": "2091-07-14",
        "fee_cents": 5_900,
    }
    [entry] = sandbox.ledger_for(key)
    assert (entry["program"], entry["operation"]) == ("transport", "renew_registration")
    assert (entry["reference"], entry["amount_cents"]) == (
        confirmation["confirmation_number"],
        5_900,
    )
    assert quote(sandbox, vehicle["plate"]).json()["current_expiry"] == "2091-07-14"


def test_renewing_for_two_years_costs_118_dollars(sandbox: SandboxClient) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2090-07-14")
    key = new_key("renew")

    response = sandbox.post(
        f"{REGISTRATIONS}/{vehicle['plate']}/renewals", renewal(years=2), key=key
    )

    assert response.status_code == 201
    assert (response.json()["new_expiry"], response.json()["fee_cents"]) == ("2092-07-14", 11_800)
    assert sandbox.ledger_for(key)[0]["amount_cents"] == 11_800


def test_an_expired_registration_is_renewed_from_today(sandbox: SandboxClient) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2020-05-01")

    response = sandbox.post(
        f"{REGISTRATIONS}/{vehicle['plate']}/renewals", renewal(), key=new_key()
    )

    assert response.status_code == 201
    assert response.json()["new_expiry"] == add_years(utc_today(), 1).isoformat()


def test_a_registration_expiring_on_29_february_is_renewed_to_28_february(
    sandbox: SandboxClient,
) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2088-02-29")

    response = sandbox.post(
        f"{REGISTRATIONS}/{vehicle['plate']}/renewals", renewal(), key=new_key()
    )

    assert response.json()["new_expiry"] == "2089-02-28"


@pytest.mark.parametrize(
    ("plate", "licence", "status", "code"),
    [
        ("BXPT911", ZOE, 409, "unpaid_fines"),
        ("CBKR274", ZOE, 409, "vehicle_not_owned"),
        ("ABCD123", JEAN_FRANCOIS, 409, "no_valid_insurance"),
        ("ZZZZ999", ELOISE, 404, "vehicle_not_found"),
    ],
)
def test_a_renewal_is_refused_like_its_quote_and_records_nothing(
    sandbox: SandboxClient, plate: str, licence: str, status: int, code: str
) -> None:
    ledger_before = sandbox.ledger()

    response = sandbox.post(
        f"{REGISTRATIONS}/{plate}/renewals", renewal(licence=licence), key=new_key()
    )

    assert (response.status_code, response.json()["error"]) == (status, code)
    assert response.json()["message_fr"]
    assert response.json()["message_en"]
    assert sandbox.ledger() == ledger_before


def test_a_renewal_paid_at_another_fee_is_refused_with_both_amounts(
    sandbox: SandboxClient,
) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2090-07-14")
    ledger_before = sandbox.ledger()

    response = sandbox.post(
        f"{REGISTRATIONS}/{vehicle['plate']}/renewals",
        renewal(years=2, fee_cents=5_900),
        key=new_key(),
    )

    assert_refused(response, 422, "amount_mismatch", "118,00 $", "$118.00")
    assert "59,00 $" in response.json()["message_fr"]
    assert sandbox.ledger() == ledger_before
    assert quote(sandbox, vehicle["plate"]).json()["current_expiry"] == "2090-07-14"


def test_replaying_a_renewal_answers_the_same_and_extends_the_expiry_once(
    sandbox: SandboxClient,
) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2090-07-14")
    path, key = f"{REGISTRATIONS}/{vehicle['plate']}/renewals", new_key("renew")

    first = sandbox.post(path, renewal(), key=key)
    replay = sandbox.post(path, renewal(), key=key)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(sandbox.ledger_for(key)) == 1
    assert quote(sandbox, vehicle["plate"]).json()["current_expiry"] == "2091-07-14"


def test_reusing_a_renewal_key_for_another_term_is_refused(sandbox: SandboxClient) -> None:
    vehicle = sandbox.add_vehicle()
    path, key = f"{REGISTRATIONS}/{vehicle['plate']}/renewals", new_key("renew")
    sandbox.post(path, renewal(years=1), key=key)

    response = sandbox.post(path, renewal(years=2), key=key)

    assert_refused(response, 422, "idempotency_key_reused", "clé d'idempotence", "key")
    assert len(sandbox.ledger_for(key)) == 1


@pytest.mark.parametrize("years", [0, 3])
def test_a_term_other_than_one_or_two_years_is_an_invalid_request(
    sandbox: SandboxClient, years: int
) -> None:
    response = sandbox.post(
        f"{REGISTRATIONS}/CBKR274/renewals",
        paid(5_900, licence_number=ELOISE, years=years),
        key=new_key(),
    )

    assert_refused(response, 422, "invalid_request", "years", "years")


# --- Licences and driver's records -----------------------------------------------------------


@pytest.mark.parametrize(
    ("licence", "born", "status"),
    [(ELOISE, "1984-03-09", "valid"), (ZOE, "1990-11-30", "suspended")],
)
def test_a_seeded_licence_is_quoted_with_its_status_and_the_record_fee(
    sandbox: SandboxClient, licence: str, born: str, status: str
) -> None:
    response = sandbox.get(f"{LICENCES}/{licence}", date_of_birth=born)

    assert response.status_code == 200
    assert response.json() == {
        "licence_number": licence,
        "status": status,
        "record_fee_cents": 1_200,
    }


@pytest.mark.parametrize("licence", ["Z00000000000000", "C6023-45678-90123", "c60234567890123"])
def test_an_unknown_licence_is_not_found_in_both_languages(
    sandbox: SandboxClient, licence: str
) -> None:
    response = sandbox.get(f"{LICENCES}/{licence}", date_of_birth="1984-03-09")

    assert_refused(response, 404, "licence_not_found", "Aucun permis de conduire", "No driver's")


def test_a_wrong_date_of_birth_is_refused_in_both_languages(sandbox: SandboxClient) -> None:
    response = sandbox.get(f"{LICENCES}/{ELOISE}", date_of_birth="1984-09-03")

    assert_refused(
        response, 409, "date_of_birth_mismatch", "date de naissance", "date of birth does not"
    )


def test_a_malformed_date_of_birth_is_an_invalid_request(sandbox: SandboxClient) -> None:
    response = sandbox.get(f"{LICENCES}/{ELOISE}", date_of_birth="09/03/1984")

    assert_refused(response, 422, "invalid_request", "date_of_birth", "date_of_birth")


def test_ordering_a_driver_record_gives_the_bilingual_summary_and_records_the_fee(
    sandbox: SandboxClient,
) -> None:
    key = new_key("record")

    response = sandbox.post(
        DRIVER_RECORDS, paid(1_200, licence_number=ELOISE, date_of_birth="1984-03-09"), key=key
    )

    assert response.status_code == 201
    confirmation = response.json()
    assert re.fullmatch(r"D-[A-Z0-9]{8}", confirmation["confirmation_number"])
    assert confirmation["summary"] == {
        "licence_class": "G",
        "status": "valid",
        "expiry": "2029-03-09",
        "demerit_points": 2,
        "convictions": [
            {
                "date": "2025-08-14",
                "offence_fr": "Omission d'obéir à un panneau de signalisation",
                "offence_en": "Failing to obey a traffic sign",
            }
        ],
    }
    [entry] = sandbox.ledger_for(key)
    assert entry["operation"] == "order_driver_record"
    assert (entry["reference"], entry["amount_cents"]) == (
        confirmation["confirmation_number"],
        1_200,
    )


def test_a_suspended_licence_still_gets_its_driver_record(sandbox: SandboxClient) -> None:
    response = sandbox.post(
        DRIVER_RECORDS, paid(1_200, licence_number=ZOE, date_of_birth="1990-11-30"), key=new_key()
    )

    assert response.status_code == 201
    assert response.json()["summary"]["status"] == "suspended"
    assert response.json()["summary"]["convictions"] == []


@pytest.mark.parametrize(
    ("licence", "born", "status", "code"),
    [
        (ELOISE, "1984-03-10", 409, "date_of_birth_mismatch"),
        ("Z00000000000000", "1984-03-09", 404, "licence_not_found"),
    ],
)
def test_a_driver_record_is_refused_like_its_quote_and_records_nothing(
    sandbox: SandboxClient, licence: str, born: str, status: int, code: str
) -> None:
    ledger_before = sandbox.ledger()

    response = sandbox.post(
        DRIVER_RECORDS, paid(1_200, licence_number=licence, date_of_birth=born), key=new_key()
    )

    assert (response.status_code, response.json()["error"]) == (status, code)
    assert sandbox.ledger() == ledger_before


def test_a_driver_record_paid_at_another_fee_is_refused(sandbox: SandboxClient) -> None:
    response = sandbox.post(
        DRIVER_RECORDS,
        paid(1_000, licence_number=ELOISE, date_of_birth="1984-03-09"),
        key=new_key(),
    )

    assert_refused(response, 422, "amount_mismatch", "12,00 $", "$12.00")


def test_replaying_a_driver_record_order_gives_the_same_record_once(
    sandbox: SandboxClient,
) -> None:
    body, key = paid(1_200, licence_number=ELOISE, date_of_birth="1984-03-09"), new_key()

    first = sandbox.post(DRIVER_RECORDS, body, key=key)
    replay = sandbox.post(DRIVER_RECORDS, body, key=key)

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert len(sandbox.ledger_for(key)) == 1
