"""Idempotency of the sandbox's writes, over real HTTP: one key, one operation."""

from __future__ import annotations

import json
import string
import threading
import uuid
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ministry_sandbox.testing import SandboxClient

PAYMENTS = "/fines/v1/payments"
AUTHORIZATIONS = "/payments/v1/authorizations"


def new_key(step: str = "pay") -> str:
    return f"{uuid.uuid4()}:{step}"


def pay(notice: dict[str, Any], kiosk_id: str = "kiosk-québec-02") -> dict[str, Any]:
    return {
        "notices": [
            {"notice_number": notice["notice_number"], "amount_cents": notice["amount_due_cents"]}
        ],
        "authorization_id": "A-IDEMPOTENT",
        "kiosk_id": kiosk_id,
    }


def authorization(amount_cents: int = 12_500, reference: str = "txn-é") -> dict[str, Any]:
    return {
        "amount_cents": amount_cents,
        "currency": "CAD",
        "card": {"brand": "interac", "last4": "4242"},
        "merchant_reference": reference,
    }


def authorize(sandbox: SandboxClient) -> str:
    response = sandbox.post(AUTHORIZATIONS, authorization(), key=new_key("authorize"))
    authorization_id: str = response.json()["authorization_id"]
    return authorization_id


def test_replaying_a_payment_answers_the_same_and_records_it_once(
    sandbox: SandboxClient,
) -> None:
    notice = sandbox.add_notice()
    key = new_key()

    first = sandbox.post(PAYMENTS, pay(notice), key=key)
    replay = sandbox.post(PAYMENTS, pay(notice), key=key)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert len(sandbox.ledger_for(key)) == 1


def test_a_replay_with_the_same_json_laid_out_differently_is_still_a_replay(
    sandbox: SandboxClient,
) -> None:
    notice = sandbox.add_notice()
    key = new_key()
    body = pay(notice)
    first = sandbox.post(PAYMENTS, body, key=key)

    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4, ensure_ascii=True)
    replay = sandbox.session.post(
        sandbox.url + PAYMENTS,
        data=reordered.encode(),
        headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        timeout=10,
    )

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert len(sandbox.ledger_for(key)) == 1


def test_reusing_a_key_with_a_different_body_is_refused_and_records_nothing(
    sandbox: SandboxClient,
) -> None:
    first_notice, other_notice = sandbox.add_notice(), sandbox.add_notice()
    key = new_key()
    sandbox.post(PAYMENTS, pay(first_notice), key=key)

    response = sandbox.post(PAYMENTS, pay(other_notice), key=key)

    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert "clé d'idempotence" in response.json()["message_fr"]
    assert len(sandbox.ledger_for(key)) == 1
    other = sandbox.get(f"/fines/v1/notices/{other_notice['notice_number']}").json()
    assert other["status"] == "unpaid"


def test_a_refusal_is_replayed_too_even_when_the_retry_would_now_succeed(
    sandbox: SandboxClient,
) -> None:
    notice = sandbox.add_notice(amount_due_cents=9_999)
    body = pay({**notice, "amount_due_cents": 5_000})
    key = new_key()
    first = sandbox.post(PAYMENTS, body, key=key)
    sandbox.load_fines({**notice, "amount_due_cents": 5_000})

    replay = sandbox.post(PAYMENTS, body, key=key)

    assert first.status_code == replay.status_code == 422
    assert replay.json() == first.json() == {**first.json(), "error": "amount_mismatch"}
    assert sandbox.ledger_for(key) == []


def write_requests(sandbox: SandboxClient) -> list[tuple[str, dict[str, Any]]]:
    authorization_id = authorize(sandbox)
    return [
        (PAYMENTS, pay(sandbox.add_notice())),
        (AUTHORIZATIONS, authorization()),
        (f"{AUTHORIZATIONS}/{authorization_id}/capture", {"amount_cents": 100}),
        (f"{AUTHORIZATIONS}/{authorization_id}/void", {}),
    ]


@pytest.mark.parametrize("key", [None, ""])
def test_a_write_without_an_idempotency_key_is_refused_and_not_carried_out(
    sandbox: SandboxClient, key: str | None
) -> None:
    for path, body in write_requests(sandbox):
        ledger_before = sandbox.ledger()

        response = sandbox.post(path, body, key=key)

        assert response.status_code == 400, path
        assert response.json()["error"] == "idempotency_key_missing"
        assert "Idempotency-Key" in response.json()["message_fr"]
        assert sandbox.ledger() == ledger_before


def test_a_missing_key_is_reported_before_a_bad_body(sandbox: SandboxClient) -> None:
    response = sandbox.post(PAYMENTS, {"notices": "aucun"})

    assert response.status_code == 400
    assert response.json()["error"] == "idempotency_key_missing"


def test_an_idempotency_key_longer_than_200_characters_is_an_invalid_request(
    sandbox: SandboxClient,
) -> None:
    response = sandbox.post(AUTHORIZATIONS, authorization(), key="k" * 201)

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_the_same_key_on_two_paths_gives_two_operations(sandbox: SandboxClient) -> None:
    key = new_key("shared")
    first_id, second_id = authorize(sandbox), authorize(sandbox)

    first = sandbox.post(f"{AUTHORIZATIONS}/{first_id}/void", {}, key=key)
    second = sandbox.post(f"{AUTHORIZATIONS}/{second_id}/void", {}, key=key)

    assert first.status_code == second.status_code == 200
    assert [entry["reference"] for entry in sandbox.ledger_for(key)] == [first_id, second_id]


def test_concurrent_requests_with_the_same_key_make_exactly_one_payment(
    sandbox: SandboxClient,
) -> None:
    notice = sandbox.add_notice()
    key = new_key()
    start = threading.Barrier(8)
    responses: list[requests.Response] = []

    def send() -> None:
        start.wait()
        response = requests.post(
            sandbox.url + PAYMENTS, json=pay(notice), headers={"Idempotency-Key": key}, timeout=10
        )
        responses.append(response)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [response.status_code for response in responses] == [201] * 8
    assert len({response.text for response in responses}) == 1
    assert len(sandbox.ledger_for(key)) == 1


ASCII_KEYS = st.text(
    alphabet=string.ascii_letters + string.digits + string.punctuation, min_size=1, max_size=120
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key_suffix=ASCII_KEYS,
    amount_cents=st.integers(min_value=1, max_value=10_000_000),
    replays=st.integers(min_value=1, max_value=5),
)
def test_any_number_of_replays_of_an_authorization_leaves_exactly_one_ledger_entry(
    sandbox: SandboxClient, key_suffix: str, amount_cents: int, replays: int
) -> None:
    key = f"{uuid.uuid4().hex}:{key_suffix}"
    body = authorization(amount_cents, reference=f"réf {key_suffix}")

    responses = [sandbox.post(AUTHORIZATIONS, body, key=key) for _ in range(1 + replays)]

    assert {response.status_code for response in responses} == {201}
    assert all(response.json() == responses[0].json() for response in responses)
    [entry] = sandbox.ledger_for(key)
    assert entry["reference"] == responses[0].json()["authorization_id"]
    assert entry["amount_cents"] == amount_cents
