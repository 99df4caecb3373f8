"""The sandbox's fines backend, over real HTTP: look up notices and pay them."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from ministry_sandbox.testing import SandboxClient, luhn_check_digit

PAYMENTS = "/fines/v1/payments"


def new_key(step: str = "pay") -> str:
    return f"{uuid.uuid4()}:{step}"


def payment(*notices: dict[str, Any], amounts: list[int] | None = None) -> dict[str, Any]:
    paid = amounts or [notice["amount_due_cents"] for notice in notices]
    return {
        "notices": [
            {"notice_number": notice["notice_number"], "amount_cents": amount}
            for notice, amount in zip(notices, paid, strict=True)
        ],
        "authorization_id": "A-TESTAUTH01",
        "kiosk_id": "kiosk-gatineau-é1",
    }


def status_of(sandbox: SandboxClient, notice_number: str) -> str:
    status: str = sandbox.get(f"/fines/v1/notices/{notice_number}").json()["status"]
    return status


SEEDED = [
    ("100042158731", "ontario", "unpaid", 12_500, "Éloïse Côté-Tremblay"),
    ("100042158749", "ontario", "paid", 24_000, None),
    ("100077310025", "ontario", "unpaid", 49_500, "Zoë O'Brien-Nguyễn"),
    ("210005609818", "toronto", "unpaid", 3_000, "Jean-François Bélanger"),
    ("210005609826", "toronto", "paid", 5_000, None),
    ("220033182472", "ottawa", "unpaid", 4_500, "Éloïse Côté-Tremblay"),
    ("220033182506", "ottawa", "unpaid", 10_000, "Mélanie St-Onge"),
]


@pytest.mark.parametrize(("number", "jurisdiction", "status", "amount", "name"), SEEDED)
def test_every_seeded_notice_is_served_as_documented(
    sandbox: SandboxClient,
    number: str,
    jurisdiction: str,
    status: str,
    amount: int,
    name: str | None,
) -> None:
    response = sandbox.get(f"/fines/v1/notices/{number}")

    assert response.status_code == 200
    notice = response.json()
    assert notice["notice_number"] == number
    assert luhn_check_digit(number[:11]) == number[11]
    assert (notice["jurisdiction"], notice["status"]) == (jurisdiction, status)
    assert notice["amount_due_cents"] == amount
    assert re.fullmatch(r"20(26-12|27-01)-\d\d", notice["due_date"])
    assert notice["offence_fr"]
    assert notice["offence_en"]
    if name is not None:
        assert notice["defendant_name"] == name


def test_a_seeded_notice_keeps_its_french_accents(sandbox: SandboxClient) -> None:
    speeding = sandbox.get("/fines/v1/notices/100042158731").json()
    parking = sandbox.get("/fines/v1/notices/210005609818").json()

    assert speeding["offence_fr"] == "Excès de vitesse"
    assert speeding["offence_en"] == "Speeding"
    assert parking["offence_fr"] == "Stationnement interdit"
    assert parking["defendant_name"] == "Jean-François Bélanger"


@pytest.mark.parametrize("number", ["100042158732", "999999999999", "10 004215873 1", "abc"])
def test_an_unknown_notice_is_not_found_in_both_languages(
    sandbox: SandboxClient, number: str
) -> None:
    response = sandbox.get(f"/fines/v1/notices/{number}")

    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error", "message_fr", "message_en"}
    assert body["error"] == "notice_not_found"
    assert "Aucun avis d'infraction" in body["message_fr"]
    assert "No offence notice" in body["message_en"]


def test_paying_one_notice_confirms_it_and_marks_it_paid(sandbox: SandboxClient) -> None:
    notice = sandbox.add_notice(amount_due_cents=12_345)

    response = sandbox.post(PAYMENTS, payment(notice), key=new_key())

    assert response.status_code == 201
    confirmation = response.json()
    assert re.fullmatch(r"F-[A-Z0-9]{8}", confirmation["confirmation_number"])
    assert confirmation["total_cents"] == 12_345
    assert confirmation["notices"] == [
        {"notice_number": notice["notice_number"], "amount_cents": 12_345}
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", confirmation["paid_at"])
    assert status_of(sandbox, notice["notice_number"]) == "paid"


def test_paying_several_notices_at_once_records_one_ledger_entry_for_the_total(
    sandbox: SandboxClient,
) -> None:
    ontario = sandbox.add_notice(jurisdiction="ontario", amount_due_cents=49_500)
    ottawa = sandbox.add_notice(jurisdiction="ottawa", amount_due_cents=4_500)
    key = new_key()

    response = sandbox.post(PAYMENTS, payment(ontario, ottawa), key=key)

    assert response.status_code == 201
    assert response.json()["total_cents"] == 54_000
    [entry] = sandbox.ledger_for(key)
    assert entry["amount_cents"] == 54_000
    assert entry["reference"] == response.json()["confirmation_number"]
    assert status_of(sandbox, ontario["notice_number"]) == "paid"
    assert status_of(sandbox, ottawa["notice_number"]) == "paid"


def test_a_ledger_entry_records_the_program_operation_key_reference_and_time(
    sandbox: SandboxClient,
) -> None:
    notice = sandbox.add_notice()
    key = new_key("pay #1 (retry=0) ~ 'quoted'")

    confirmation = sandbox.post(PAYMENTS, payment(notice), key=key)
    entries = sandbox.ledger_for(key)

    assert entries == [
        {
            "program": "fines",
            "operation": "pay",
            "idempotency_key": key,
            "reference": confirmation.json()["confirmation_number"],
            "amount_cents": notice["amount_due_cents"],
            "at": confirmation.json()["paid_at"],
        }
    ]


def test_paying_an_already_paid_notice_is_refused_and_nothing_is_recorded(
    sandbox: SandboxClient,
) -> None:
    unpaid = sandbox.add_notice()
    already_paid = sandbox.add_notice(status="paid")
    ledger_before = sandbox.ledger()

    response = sandbox.post(PAYMENTS, payment(unpaid, already_paid), key=new_key())

    assert response.status_code == 409
    assert response.json()["error"] == "notice_already_paid"
    assert already_paid["notice_number"] in response.json()["message_fr"]
    assert "déjà payé" in response.json()["message_fr"]
    assert status_of(sandbox, unpaid["notice_number"]) == "unpaid"
    assert sandbox.ledger() == ledger_before


def test_paying_a_seeded_paid_notice_is_refused(sandbox: SandboxClient) -> None:
    seat_belt = {"notice_number": "100042158749", "amount_due_cents": 24_000}

    response = sandbox.post(PAYMENTS, payment(seat_belt), key=new_key())

    assert response.status_code == 409
    assert response.json()["error"] == "notice_already_paid"


def test_paying_an_unknown_notice_is_refused_and_the_others_stay_unpaid(
    sandbox: SandboxClient,
) -> None:
    known = sandbox.add_notice()
    unknown = {"notice_number": "210009999990", "amount_due_cents": 100}
    ledger_before = sandbox.ledger()

    response = sandbox.post(PAYMENTS, payment(known, unknown), key=new_key())

    assert response.status_code == 404
    assert response.json()["error"] == "notice_not_found"
    assert status_of(sandbox, known["notice_number"]) == "unpaid"
    assert sandbox.ledger() == ledger_before


@pytest.mark.parametrize("paid", [4_274, 4_276, 0])
def test_paying_other_than_the_amount_due_is_refused_and_nothing_is_paid(
    sandbox: SandboxClient, paid: int
) -> None:
    notice = sandbox.add_notice(amount_due_cents=4_275)
    ledger_before = sandbox.ledger()

    response = sandbox.post(PAYMENTS, payment(notice, amounts=[paid]), key=new_key())

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "amount_mismatch"
    assert "42,75 $" in body["message_fr"]
    assert "$42.75" in body["message_en"]
    assert status_of(sandbox, notice["notice_number"]) == "unpaid"
    assert sandbox.ledger() == ledger_before


def test_an_empty_list_of_notices_is_an_invalid_request(sandbox: SandboxClient) -> None:
    body = {"notices": [], "authorization_id": "A-X", "kiosk_id": "k"}

    response = sandbox.post(PAYMENTS, body, key=new_key())

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert "invalide" in response.json()["message_fr"]


def test_a_notice_listed_twice_is_an_invalid_request_and_stays_unpaid(
    sandbox: SandboxClient,
) -> None:
    notice = sandbox.add_notice()

    response = sandbox.post(PAYMENTS, payment(notice, notice), key=new_key())

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert status_of(sandbox, notice["notice_number"]) == "unpaid"


@pytest.mark.parametrize(
    "broken",
    [
        {"authorization_id": ""},
        {"kiosk_id": None},
        {"notices": [{"notice_number": "210005609818"}]},
        {"notices": [{"notice_number": "210005609818", "amount_cents": "trente"}]},
        {"surprise": "champ inconnu"},
    ],
)
def test_a_bad_field_is_an_invalid_request_in_both_languages(
    sandbox: SandboxClient, broken: dict[str, Any]
) -> None:
    body = {**payment({"notice_number": "210005609818", "amount_due_cents": 3_000}), **broken}

    response = sandbox.post(PAYMENTS, body, key=new_key())

    assert response.status_code == 422
    assert set(response.json()) == {"error", "message_fr", "message_en"}
    assert response.json()["error"] == "invalid_request"
