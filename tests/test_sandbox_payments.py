"""The sandbox's payment gateway, over real HTTP: authorize, capture, void, look up."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from ministry_sandbox.testing import SandboxClient

AUTHORIZATIONS = "/payments/v1/authorizations"


def new_key(step: str) -> str:
    return f"{uuid.uuid4()}:{step}"


def authorize(
    sandbox: SandboxClient,
    *,
    amount_cents: int = 12_500,
    last4: str = "4242",
    brand: str = "visa",
    reference: str | None = None,
) -> dict[str, Any]:
    body = {
        "amount_cents": amount_cents,
        "currency": "CAD",
        "card": {"brand": brand, "last4": last4},
        "merchant_reference": reference or f"txn-{uuid.uuid4()}",
    }
    response = sandbox.post(AUTHORIZATIONS, body, key=new_key("authorize"))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def capture(sandbox: SandboxClient, authorization_id: str, amount_cents: int) -> Any:
    return sandbox.post(
        f"{AUTHORIZATIONS}/{authorization_id}/capture",
        {"amount_cents": amount_cents},
        key=new_key("capture"),
    )


def void(sandbox: SandboxClient, authorization_id: str) -> Any:
    return sandbox.post(f"{AUTHORIZATIONS}/{authorization_id}/void", {}, key=new_key("void"))


def state_of(sandbox: SandboxClient, authorization: dict[str, Any]) -> str:
    found = sandbox.get(AUTHORIZATIONS, merchant_reference=authorization["merchant_reference"])
    [match] = [
        item
        for item in found.json()["authorizations"]
        if item["authorization_id"] == authorization["authorization_id"]
    ]
    state: str = match["state"]
    return state


@pytest.mark.parametrize("brand", ["visa", "mastercard", "amex", "interac"])
def test_an_ordinary_card_is_approved_and_recorded(sandbox: SandboxClient, brand: str) -> None:
    approved = authorize(sandbox, amount_cents=7_001, brand=brand, last4="0003")

    assert approved["status"] == "approved"
    assert approved["decline_reason"] is None
    assert approved["card"] == {"brand": brand, "last4": "0003"}
    assert approved["amount_cents"] == 7_001
    assert re.fullmatch(r"A-[A-Z0-9]{10}", approved["authorization_id"])
    [entry] = [e for e in sandbox.ledger() if e["reference"] == approved["authorization_id"]]
    assert (entry["program"], entry["operation"], entry["amount_cents"]) == (
        "payments",
        "authorize",
        7_001,
    )


@pytest.mark.parametrize(
    ("last4", "reason"), [("0002", "card_declined"), ("9995", "insufficient_funds")]
)
def test_a_test_card_is_declined_with_its_reason_and_still_recorded(
    sandbox: SandboxClient, last4: str, reason: str
) -> None:
    declined = authorize(sandbox, last4=last4)

    assert declined["status"] == "declined"
    assert declined["decline_reason"] == reason
    assert state_of(sandbox, declined) == "declined"
    references = [entry["reference"] for entry in sandbox.ledger()]
    assert declined["authorization_id"] in references


def test_authorization_ids_are_all_different(sandbox: SandboxClient) -> None:
    ids = {authorize(sandbox)["authorization_id"] for _ in range(20)}

    assert len(ids) == 20


@pytest.mark.parametrize("captured", [12_500, 1])
def test_an_approved_authorization_can_be_captured_in_full_or_in_part(
    sandbox: SandboxClient, captured: int
) -> None:
    approved = authorize(sandbox, amount_cents=12_500)

    response = capture(sandbox, approved["authorization_id"], captured)

    assert response.status_code == 200
    assert response.json() == {
        "authorization_id": approved["authorization_id"],
        "state": "captured",
        "amount_cents": captured,
    }
    assert state_of(sandbox, approved) == "captured"
    operations = [
        (entry["operation"], entry["amount_cents"])
        for entry in sandbox.ledger()
        if entry["reference"] == approved["authorization_id"]
    ]
    assert operations == [("authorize", 12_500), ("capture", captured)]


def test_capturing_more_than_authorized_is_refused_and_nothing_is_recorded(
    sandbox: SandboxClient,
) -> None:
    approved = authorize(sandbox, amount_cents=12_500)
    ledger_before = sandbox.ledger()

    response = capture(sandbox, approved["authorization_id"], 12_501)

    assert response.status_code == 422
    assert response.json()["error"] == "amount_mismatch"
    assert "125,00 $" in response.json()["message_fr"]
    assert state_of(sandbox, approved) == "approved"
    assert sandbox.ledger() == ledger_before


def test_capturing_a_declined_authorization_is_refused(sandbox: SandboxClient) -> None:
    declined = authorize(sandbox, last4="0002")

    response = capture(sandbox, declined["authorization_id"], 100)

    assert response.status_code == 409
    assert response.json()["error"] == "authorization_not_capturable"
    assert "refusée" in response.json()["message_fr"]


def test_capturing_a_voided_authorization_is_refused(sandbox: SandboxClient) -> None:
    approved = authorize(sandbox)
    void(sandbox, approved["authorization_id"])

    response = capture(sandbox, approved["authorization_id"], 100)

    assert response.status_code == 409
    assert response.json()["error"] == "authorization_not_capturable"
    assert state_of(sandbox, approved) == "voided"


def test_capturing_twice_with_different_keys_is_refused_the_second_time(
    sandbox: SandboxClient,
) -> None:
    approved = authorize(sandbox)
    capture(sandbox, approved["authorization_id"], 12_500)

    again = capture(sandbox, approved["authorization_id"], 12_500)

    assert again.status_code == 409
    assert again.json()["error"] == "authorization_not_capturable"


def test_voiding_releases_an_approved_authorization(sandbox: SandboxClient) -> None:
    approved = authorize(sandbox, amount_cents=3_000)

    response = void(sandbox, approved["authorization_id"])

    assert response.status_code == 200
    assert response.json() == {"authorization_id": approved["authorization_id"], "state": "voided"}
    assert state_of(sandbox, approved) == "voided"
    [entry] = [
        entry
        for entry in sandbox.ledger()
        if entry["reference"] == approved["authorization_id"] and entry["operation"] == "void"
    ]
    assert entry["amount_cents"] == 3_000


def test_voiding_after_capture_is_refused(sandbox: SandboxClient) -> None:
    approved = authorize(sandbox)
    capture(sandbox, approved["authorization_id"], 12_500)

    response = void(sandbox, approved["authorization_id"])

    assert response.status_code == 409
    assert response.json()["error"] == "authorization_not_voidable"
    assert "encaissée" in response.json()["message_fr"]
    assert state_of(sandbox, approved) == "captured"


def test_voiding_twice_answers_the_same_and_records_one_void(sandbox: SandboxClient) -> None:
    approved = authorize(sandbox)

    first = void(sandbox, approved["authorization_id"])
    second = void(sandbox, approved["authorization_id"])

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    voids = [
        entry
        for entry in sandbox.ledger()
        if entry["reference"] == approved["authorization_id"] and entry["operation"] == "void"
    ]
    assert len(voids) == 1


@pytest.mark.parametrize("operation", ["capture", "void"])
def test_an_unknown_authorization_is_not_found(sandbox: SandboxClient, operation: str) -> None:
    response = sandbox.post(
        f"{AUTHORIZATIONS}/A-NOSUCHAUTH/{operation}",
        {"amount_cents": 100} if operation == "capture" else {},
        key=new_key(operation),
    )

    assert response.status_code == 404
    assert response.json()["error"] == "authorization_not_found"
    assert "A-NOSUCHAUTH" in response.json()["message_en"]


def test_authorizations_are_found_by_merchant_reference_oldest_first(
    sandbox: SandboxClient,
) -> None:
    reference = f"Dossier n° {uuid.uuid4()} — renouvellement"
    declined = authorize(sandbox, reference=reference, last4="9995")
    approved = authorize(sandbox, reference=reference)
    authorize(sandbox, reference=reference + " (autre)")

    response = sandbox.get(AUTHORIZATIONS, merchant_reference=reference)

    assert response.status_code == 200
    found = response.json()["authorizations"]
    assert [item["authorization_id"] for item in found] == [
        declined["authorization_id"],
        approved["authorization_id"],
    ]
    assert found[1] == {**approved, "state": "approved"}
    assert found[0]["state"] == "declined"


def test_an_unknown_merchant_reference_finds_nothing(sandbox: SandboxClient) -> None:
    response = sandbox.get(AUTHORIZATIONS, merchant_reference="personne")

    assert response.status_code == 200
    assert response.json() == {"authorizations": []}


@pytest.mark.parametrize(
    "broken",
    [
        {"currency": "USD"},
        {"amount_cents": 0},
        {"amount_cents": -500},
        {"card": {"brand": "discover", "last4": "4242"}},
        {"card": {"brand": "visa", "last4": "424"}},
        {"card": {"brand": "visa", "last4": "4242", "number": "4242424242424242"}},
        {"merchant_reference": ""},
    ],
)
def test_a_malformed_authorization_request_is_invalid(
    sandbox: SandboxClient, broken: dict[str, Any]
) -> None:
    body = {
        "amount_cents": 100,
        "currency": "CAD",
        "card": {"brand": "visa", "last4": "4242"},
        "merchant_reference": "txn-1",
        **broken,
    }

    response = sandbox.post(AUTHORIZATIONS, body, key=new_key("authorize"))

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
