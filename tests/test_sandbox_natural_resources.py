"""The sandbox's natural-resources backend, over real HTTP: Outdoors Card renewal and address."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ministry_sandbox.programs_state import add_years
from ministry_sandbox.testing import SandboxClient, utc_today

CARDS = "/natural-resources/v1/outdoor-cards"
CURRENT_CARD = "708158123456789"
LAPSED_CARD = "708158000000017"


@pytest.fixture(autouse=True)
def _no_faults_left_behind(sandbox: SandboxClient) -> Iterator[None]:
    yield
    sandbox.clear_faults()


def new_key(step: str = "renew") -> str:
    return f"{uuid.uuid4()}:{step}"


def renewal(fee_cents: int = 968) -> dict[str, Any]:
    return {"fee_cents": fee_cents, "authorization_id": "A-PLEINAIR1", "kiosk_id": "kiosk-nord-4"}


def renew(sandbox: SandboxClient, card_number: str, key: str | None = None) -> requests.Response:
    return sandbox.post(f"{CARDS}/{card_number}/renewals", renewal(), key=key or new_key())


def address_change(**fields: Any) -> dict[str, Any]:
    address = {
        "street_number": "12",
        "street_name": "chemin du Lac-des-Loups",
        "unit": None,
        "city": "Timmins",
        "province": "ON",
        "postal_code": "P4N 2C3",
        **fields,
    }
    return {"address": address, "kiosk_id": "kiosk-nord-4"}


def test_a_seeded_current_card_is_renewable_for_three_years_at_9_68(
    sandbox: SandboxClient,
) -> None:
    response = sandbox.get(f"{CARDS}/{CURRENT_CARD}")

    assert response.status_code == 200
    assert response.json() == {
        "card_number": CURRENT_CARD,
        "expiry": "2026-12-31",
        "renewal_years": 3,
        "renewal_fee_cents": 968,
        "renewable": True,
    }


def test_a_seeded_card_expired_in_2019_is_not_renewable(sandbox: SandboxClient) -> None:
    response = sandbox.get(f"{CARDS}/{LAPSED_CARD}")

    assert response.status_code == 200
    assert (response.json()["expiry"], response.json()["renewable"]) == ("2019-01-01", False)


@pytest.mark.parametrize("number", ["708158999999999", "708158 123 456 789", "123456789012345"])
def test_an_unknown_card_is_not_found_in_both_languages(
    sandbox: SandboxClient, number: str
) -> None:
    response = sandbox.get(f"{CARDS}/{number}")

    assert response.status_code == 404
    assert response.json()["error"] == "card_not_found"
    assert "Aucune carte Plein air" in response.json()["message_fr"]
    assert "No Outdoors Card" in response.json()["message_en"]


def test_renewing_a_current_card_adds_three_years_to_its_expiry_and_records_the_fee(
    sandbox: SandboxClient,
) -> None:
    card = sandbox.add_outdoor_card(expiry="2090-12-31")
    key = new_key()

    response = renew(sandbox, card["card_number"], key=key)

    assert response.status_code == 201
    assert re.fullmatch(r"N-[A-Z0-9]{8}", response.json()["confirmation_number"])
    assert response.json()["new_expiry"] == "2093-12-31"
    assert sandbox.get(f"{CARDS}/{card['card_number']}").json()["expiry"] == "2093-12-31"
    [entry] = sandbox.ledger_for(key)
    assert (entry["program"], entry["operation"], entry["amount_cents"]) == (
        "natural_resources",
        "renew_outdoor_card",
        968,
    )
    assert entry["reference"] == response.json()["confirmation_number"]


def test_renewing_a_recently_expired_card_adds_three_years_to_today(
    sandbox: SandboxClient,
) -> None:
    card = sandbox.add_outdoor_card(expiry=add_years(utc_today(), -2).isoformat())

    response = renew(sandbox, card["card_number"])

    assert response.status_code == 201
    assert response.json()["new_expiry"] == add_years(utc_today(), 3).isoformat()


def test_a_card_expired_exactly_three_years_ago_is_still_renewable(
    sandbox: SandboxClient,
) -> None:
    three_years_ago = add_years(utc_today(), -3)
    still = sandbox.add_outdoor_card(expiry=three_years_ago.isoformat())
    lapsed = sandbox.add_outdoor_card(expiry=(three_years_ago - dt.timedelta(days=1)).isoformat())

    assert sandbox.get(f"{CARDS}/{still['card_number']}").json()["renewable"] is True
    assert sandbox.get(f"{CARDS}/{lapsed['card_number']}").json()["renewable"] is False


def test_renewing_a_card_expired_more_than_three_years_ago_is_refused(
    sandbox: SandboxClient,
) -> None:
    ledger_before = sandbox.ledger()

    response = renew(sandbox, LAPSED_CARD)

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "card_not_renewable"
    assert "plus de trois ans" in body["message_fr"]
    assert "comptoir de service" in body["message_fr"]
    assert "more than three years ago" in body["message_en"]
    assert sandbox.ledger() == ledger_before


def test_renewing_an_unknown_card_is_not_found(sandbox: SandboxClient) -> None:
    response = renew(sandbox, "708158999999999")

    assert (response.status_code, response.json()["error"]) == (404, "card_not_found")


@pytest.mark.parametrize("fee_cents", [0, 967, 1_000])
def test_a_renewal_paid_at_another_fee_is_refused_and_keeps_the_expiry(
    sandbox: SandboxClient, fee_cents: int
) -> None:
    card = sandbox.add_outdoor_card(expiry="2090-12-31")

    response = sandbox.post(
        f"{CARDS}/{card['card_number']}/renewals", renewal(fee_cents), key=new_key()
    )

    assert response.status_code == 422
    assert response.json()["error"] == "amount_mismatch"
    assert "9,68 $" in response.json()["message_fr"]
    assert "$9.68" in response.json()["message_en"]
    assert sandbox.get(f"{CARDS}/{card['card_number']}").json()["expiry"] == "2090-12-31"


def test_replaying_a_renewal_answers_the_same_and_extends_the_card_once(
    sandbox: SandboxClient,
) -> None:
    card = sandbox.add_outdoor_card(expiry="2090-12-31")
    key = new_key()

    first = renew(sandbox, card["card_number"], key=key)
    replay = renew(sandbox, card["card_number"], key=key)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert len(sandbox.ledger_for(key)) == 1
    assert sandbox.get(f"{CARDS}/{card['card_number']}").json()["expiry"] == "2093-12-31"


def test_reusing_a_renewal_key_with_another_fee_is_refused(sandbox: SandboxClient) -> None:
    card = sandbox.add_outdoor_card()
    key = new_key()
    renew(sandbox, card["card_number"], key=key)

    response = sandbox.post(f"{CARDS}/{card['card_number']}/renewals", renewal(969), key=key)

    assert (response.status_code, response.json()["error"]) == (422, "idempotency_key_reused")


def test_changing_the_address_on_a_card_confirms_it_and_records_no_amount(
    sandbox: SandboxClient,
) -> None:
    key = new_key("address")

    response = sandbox.post(f"{CARDS}/{CURRENT_CARD}/address", address_change(), key=key)

    assert response.status_code == 200
    assert re.fullmatch(r"N-[A-Z0-9]{8}", response.json()["confirmation_number"])
    [entry] = sandbox.ledger_for(key)
    assert (entry["program"], entry["operation"], entry["amount_cents"]) == (
        "natural_resources",
        "change_address",
        0,
    )


def test_the_address_on_a_lapsed_card_can_still_change(sandbox: SandboxClient) -> None:
    response = sandbox.post(f"{CARDS}/{LAPSED_CARD}/address", address_change(), key=new_key())

    assert response.status_code == 200


def test_an_address_change_for_an_unknown_card_is_not_found(sandbox: SandboxClient) -> None:
    response = sandbox.post(
        f"{CARDS}/708158999999999/address", address_change(), key=new_key("address")
    )

    assert (response.status_code, response.json()["error"]) == (404, "card_not_found")
    assert "708158999999999" in response.json()["message_fr"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("postal_code", "p4n 2c3"), ("province", "QB"), ("province", "ONT")],
)
def test_a_bad_address_is_an_invalid_request_and_records_nothing(
    sandbox: SandboxClient, field: str, value: str
) -> None:
    ledger_before = sandbox.ledger()

    response = sandbox.post(
        f"{CARDS}/{CURRENT_CARD}/address", address_change(**{field: value}), key=new_key()
    )

    assert (response.status_code, response.json()["error"]) == (422, "invalid_request")
    assert f"address.{field}" in response.json()["message_en"]
    assert sandbox.ledger() == ledger_before


def test_replaying_an_address_change_records_it_once(sandbox: SandboxClient) -> None:
    key = new_key("address")

    first = sandbox.post(f"{CARDS}/{CURRENT_CARD}/address", address_change(), key=key)
    replay = sandbox.post(f"{CARDS}/{CURRENT_CARD}/address", address_change(), key=key)

    assert replay.json() == first.json()
    assert len(sandbox.ledger_for(key)) == 1


@pytest.mark.parametrize("path", ["renewals", "address"])
def test_a_write_without_an_idempotency_key_is_refused(sandbox: SandboxClient, path: str) -> None:
    body = renewal() if path == "renewals" else address_change()

    response = sandbox.post(f"{CARDS}/{CURRENT_CARD}/{path}", body)

    assert (response.status_code, response.json()["error"]) == (400, "idempotency_key_missing")


def test_outdoor_card_fixtures_are_loaded_counted_and_replace_by_number(
    sandbox: SandboxClient,
) -> None:
    card = sandbox.add_outdoor_card(expiry="2090-12-31")

    loaded = sandbox.load_fixtures(outdoor_cards=[{**card, "expiry": "2001-06-30"}])

    assert loaded == {"outdoor_cards": 1}
    assert sandbox.get(f"{CARDS}/{card['card_number']}").json()["renewable"] is False


@pytest.mark.parametrize("number", ["708159123456789", "70815812345678", "708158 123456789"])
def test_an_outdoor_card_fixture_with_a_malformed_number_is_refused(
    sandbox: SandboxClient, number: str
) -> None:
    card = {"card_number": number, "holder_name": "Réjean", "expiry": "2090-01-01"}

    response = sandbox.post("/_sandbox/fixtures", {"outdoor_cards": [card]})

    assert (response.status_code, response.json()["error"]) == (422, "invalid_request")


def test_a_failed_renewal_is_carried_out_once_when_retried_with_the_same_key(
    sandbox: SandboxClient,
) -> None:
    card = sandbox.add_outdoor_card(expiry="2090-12-31")
    key = new_key()
    sandbox.set_faults(fail_next_writes=1, paths=["/natural-resources/v1"])

    failed = renew(sandbox, card["card_number"], key=key)
    retried = renew(sandbox, card["card_number"], key=key)

    assert (failed.status_code, failed.json()["error"]) == (503, "backend_unavailable")
    assert retried.status_code == 201
    assert retried.json()["new_expiry"] == "2093-12-31"
    assert len(sandbox.ledger_for(key)) == 1


def test_latency_on_natural_resources_delays_its_reads(sandbox: SandboxClient) -> None:
    sandbox.set_faults(latency_ms=200, paths=["/natural-resources/v1"])

    started = dt.datetime.now(dt.UTC)
    response = sandbox.get(f"{CARDS}/{CURRENT_CARD}")
    elapsed = dt.datetime.now(dt.UTC) - started

    assert response.status_code == 200
    assert elapsed >= dt.timedelta(milliseconds=200)
