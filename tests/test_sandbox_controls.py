"""The sandbox controls, over real HTTP: fixtures, faults, and the server's own life cycle."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ministry_sandbox.server import RunningSandbox, SandboxStartError
from ministry_sandbox.testing import SandboxClient, make_notice_number, serve_sandbox

PAYMENTS = "/fines/v1/payments"
AUTHORIZATIONS = "/payments/v1/authorizations"
NO_FAULTS: dict[str, object] = {
    "latency_ms": 0,
    "outage": False,
    "fail_next_writes": 0,
    "retry_after_s": None,
    "paths": [],
}


@pytest.fixture(autouse=True)
def _no_faults_left_behind(sandbox: SandboxClient) -> Iterator[None]:
    yield
    sandbox.clear_faults()


def new_key(step: str = "authorize") -> str:
    return f"{uuid.uuid4()}:{step}"


def authorization() -> dict[str, Any]:
    return {
        "amount_cents": 2_500,
        "currency": "CAD",
        "card": {"brand": "mastercard", "last4": "5100"},
        "merchant_reference": "txn-contrôle",
    }


def test_loaded_fixtures_are_served_with_their_accents(sandbox: SandboxClient) -> None:
    unpaid = {
        "notice_number": make_notice_number("ottawa", 123_456_789),
        "jurisdiction": "ottawa",
        "offence_fr": "arrêt interdit — zone scolaire",
        "offence_en": "no stopping — school zone",
        "amount_due_cents": 15_000,
        "due_date": "2026-12-31",
        "status": "unpaid",
        "defendant_name": "françois-xavier d'anjou",
    }
    paid = {**unpaid, "notice_number": make_notice_number("ontario", 7), "status": "paid"}
    paid["jurisdiction"] = "ontario"

    response = sandbox.post("/_sandbox/fixtures", {"fines": [unpaid, paid]})

    assert response.status_code == 200
    assert response.json() == {"loaded": {"fines": 2}}
    assert sandbox.get(f"/fines/v1/notices/{unpaid['notice_number']}").json() == unpaid
    assert sandbox.get(f"/fines/v1/notices/{paid['notice_number']}").json() == paid


def test_a_fixture_with_an_existing_number_replaces_the_record(sandbox: SandboxClient) -> None:
    notice = sandbox.add_notice(amount_due_cents=1_000)

    sandbox.load_fines({**notice, "amount_due_cents": 2_000, "status": "paid"})

    served = sandbox.get(f"/fines/v1/notices/{notice['notice_number']}").json()
    assert (served["amount_due_cents"], served["status"]) == (2_000, "paid")


@pytest.mark.parametrize(
    "broken",
    [{"notice_number": "12345"}, {"status": "payée"}, {"jurisdiction": "montréal"}],
)
def test_a_malformed_fixture_is_refused_in_both_languages(
    sandbox: SandboxClient, broken: dict[str, Any]
) -> None:
    notice = {
        "notice_number": make_notice_number("toronto", 55),
        "jurisdiction": "toronto",
        "offence_fr": "é",
        "offence_en": "e",
        "amount_due_cents": 1,
        "due_date": "2027-01-01",
        "status": "unpaid",
        "defendant_name": "x",
        **broken,
    }

    response = sandbox.post("/_sandbox/fixtures", {"fines": [notice]})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert response.json()["message_fr"].startswith("La requête est invalide")


def test_an_outage_answers_503_backend_unavailable_to_reads_and_writes(
    sandbox: SandboxClient,
) -> None:
    assert sandbox.set_faults(outage=True) == {**NO_FAULTS, "outage": True}
    ledger_before = sandbox.ledger()

    read = sandbox.get("/fines/v1/notices/100042158731")
    write = sandbox.post(AUTHORIZATIONS, authorization(), key=new_key())

    for response in (read, write):
        assert response.status_code == 503
        assert response.json() == {
            "error": "backend_unavailable",
            "message_fr": "Le service est temporairement indisponible. Réessayez plus tard.",
            "message_en": "The service is temporarily unavailable. Try again later.",
        }
    assert sandbox.ledger() == ledger_before


def test_an_outage_limited_to_one_path_leaves_the_others_working(sandbox: SandboxClient) -> None:
    sandbox.set_faults(outage=True, paths=["/payments/v1"])

    assert sandbox.post(AUTHORIZATIONS, authorization(), key=new_key()).status_code == 503
    assert sandbox.get("/fines/v1/notices/100042158731").status_code == 200


def test_failing_the_next_writes_counts_down_and_processes_nothing(
    sandbox: SandboxClient,
) -> None:
    sandbox.set_faults(fail_next_writes=2)
    key = new_key()
    ledger_before = sandbox.ledger()

    first = sandbox.post(AUTHORIZATIONS, authorization(), key=key)
    assert sandbox.get("/_sandbox/faults").json()["fail_next_writes"] == 1
    second = sandbox.post(AUTHORIZATIONS, authorization(), key=key)
    assert sandbox.get("/_sandbox/faults").json()["fail_next_writes"] == 0

    assert first.status_code == second.status_code == 503
    assert second.json()["error"] == "backend_unavailable"
    assert sandbox.ledger() == ledger_before
    retry = sandbox.post(AUTHORIZATIONS, authorization(), key=key)
    assert retry.status_code == 201
    assert len(sandbox.ledger_for(key)) == 1


def test_failing_writes_lets_reads_through_without_counting_them(sandbox: SandboxClient) -> None:
    sandbox.set_faults(fail_next_writes=1)

    read = sandbox.get("/fines/v1/notices/210005609818")

    assert read.status_code == 200
    assert sandbox.get("/_sandbox/faults").json()["fail_next_writes"] == 1


def test_latency_delays_a_matching_request_by_at_least_the_latency(
    sandbox: SandboxClient,
) -> None:
    sandbox.set_faults(latency_ms=300, paths=["/fines/v1/notices"])

    started = time.monotonic()
    response = sandbox.get("/fines/v1/notices/220033182506")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed >= 0.3


def test_a_delayed_request_does_not_hold_up_requests_to_other_paths(
    sandbox: SandboxClient,
) -> None:
    sandbox.set_faults(latency_ms=5_000, paths=["/fines"])  # wide margin on a busy machine
    slow_done = threading.Event()

    def slow_lookup() -> None:
        requests.get(sandbox.url + "/fines/v1/notices/100042158731", timeout=10)
        slow_done.set()

    slow = threading.Thread(target=slow_lookup)
    slow.start()
    time.sleep(0.05)
    other = sandbox.get(AUTHORIZATIONS, merchant_reference="rien")
    control = sandbox.get("/_sandbox/ledger")
    finished_first = not slow_done.is_set()
    slow.join()

    assert other.status_code == control.status_code == 200
    assert finished_first


def test_the_sandbox_controls_are_never_faulted(sandbox: SandboxClient) -> None:
    sandbox.set_faults(outage=True, fail_next_writes=3, paths=["/_sandbox", "/"])

    assert sandbox.get("/_sandbox/ledger").status_code == 200
    assert sandbox.post("/_sandbox/fixtures", {"fines": []}).status_code == 200
    assert sandbox.get("/fines/v1/notices/100042158731").status_code == 503


def test_deleting_the_faults_clears_them_all(sandbox: SandboxClient) -> None:
    sandbox.set_faults(outage=True, latency_ms=50, fail_next_writes=5, paths=["/fines"])

    cleared = requests.delete(sandbox.url + "/_sandbox/faults", timeout=10)

    assert cleared.status_code == 200
    assert cleared.json() == NO_FAULTS
    assert sandbox.get("/_sandbox/faults").json() == NO_FAULTS
    assert sandbox.get("/fines/v1/notices/100042158731").status_code == 200


def test_posting_faults_replaces_the_ones_in_force(sandbox: SandboxClient) -> None:
    sandbox.set_faults(outage=True)

    now = sandbox.set_faults(latency_ms=10)

    assert now == {**NO_FAULTS, "latency_ms": 10}
    assert sandbox.get("/fines/v1/notices/100042158731").status_code == 200


def test_an_unknown_path_or_method_answers_in_the_error_shape(sandbox: SandboxClient) -> None:
    missing = sandbox.get("/fines/v2/notices/100042158731")
    wrong_method = requests.put(sandbox.url + PAYMENTS, json={}, timeout=10)

    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")
    assert set(wrong_method.json()) == {"error", "message_fr", "message_en"}


def test_a_sandbox_started_without_seed_has_no_notices() -> None:
    with serve_sandbox(seed=False) as empty:
        response = empty.get("/fines/v1/notices/100042158731")

    assert response.status_code == 404


def test_each_sandbox_has_its_own_state(sandbox: SandboxClient) -> None:
    notice = sandbox.add_notice()

    with serve_sandbox() as other:
        assert other.get(f"/fines/v1/notices/{notice['notice_number']}").status_code == 404
        assert other.ledger() == []


def test_a_stopped_sandbox_no_longer_answers() -> None:
    running = RunningSandbox.start()
    assert requests.get(running.url + "/_sandbox/ledger", timeout=10).status_code == 200

    running.stop()

    with pytest.raises(requests.ConnectionError):
        requests.get(running.url + "/_sandbox/ledger", timeout=10)


def test_starting_on_a_port_already_taken_fails_clearly() -> None:
    with RunningSandbox.start() as running:
        port = int(running.url.rsplit(":", 1)[1])
        with pytest.raises(SandboxStartError, match=str(port)):
            RunningSandbox.start(port=port)
