"""The sandbox's health backend, over real HTTP: the address on a health card."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ministry_sandbox.program_models import Address
from ministry_sandbox.testing import SandboxClient, utc_today

VALID_CARD = "1234567890AB"
EXPIRED_CARD = "9876543210ZZ"


@pytest.fixture(autouse=True)
def _no_faults_left_behind(sandbox: SandboxClient) -> Iterator[None]:
    yield
    sandbox.clear_faults()


def new_key(step: str = "address") -> str:
    return f"{uuid.uuid4()}:{step}"


def address_path(card_number: str) -> str:
    return f"/health/v1/cards/{card_number}/address"


def address_change(**fields: Any) -> dict[str, Any]:
    address = {
        "street_number": "75",
        "street_name": "boulevard Saint-Laurent",
        "unit": None,
        "city": "Ottawa",
        "province": "ON",
        "postal_code": "K1K 3B2",
        **fields,
    }
    return {"address": address, "kiosk_id": "kiosk-hull-03"}


def change_address(
    sandbox: SandboxClient, card_number: str, key: str | None = None, **fields: Any
) -> requests.Response:
    return sandbox.post(address_path(card_number), address_change(**fields), key=key or new_key())


def test_changing_the_address_on_a_valid_card_confirms_it_and_records_no_amount(
    sandbox: SandboxClient,
) -> None:
    key = new_key()

    response = change_address(sandbox, VALID_CARD, key=key)

    assert response.status_code == 200
    assert set(response.json()) == {"confirmation_number"}
    assert re.fullmatch(r"H-[A-Z0-9]{8}", response.json()["confirmation_number"])
    [entry] = sandbox.ledger_for(key)
    assert (entry["program"], entry["operation"], entry["amount_cents"]) == (
        "health",
        "change_address",
        0,
    )
    assert entry["reference"] == response.json()["confirmation_number"]


def test_an_expired_card_is_refused_in_both_languages_and_records_nothing(
    sandbox: SandboxClient,
) -> None:
    ledger_before = sandbox.ledger()

    response = change_address(sandbox, EXPIRED_CARD)

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "card_expired"
    assert "La carte Santé 9876543210ZZ est expirée depuis le 2025-04-02" in body["message_fr"]
    assert "Health card 9876543210ZZ expired on 2025-04-02" in body["message_en"]
    assert sandbox.ledger() == ledger_before


def test_a_card_expiring_today_is_still_valid(sandbox: SandboxClient) -> None:
    card = sandbox.add_health_card(expiry=utc_today().isoformat())

    assert change_address(sandbox, card["health_card_number"]).status_code == 200


def test_a_card_that_expired_yesterday_is_refused(sandbox: SandboxClient) -> None:
    yesterday = utc_today() - dt.timedelta(days=1)
    card = sandbox.add_health_card(expiry=yesterday.isoformat())

    response = change_address(sandbox, card["health_card_number"])

    assert (response.status_code, response.json()["error"]) == (409, "card_expired")


@pytest.mark.parametrize("number", ["0000000000AA", "1234-567-890-AB", "1234567890ab"])
def test_an_unknown_card_is_not_found_in_both_languages(
    sandbox: SandboxClient, number: str
) -> None:
    response = change_address(sandbox, number)

    assert response.status_code == 404
    assert response.json()["error"] == "card_not_found"
    assert "Aucune carte Santé" in response.json()["message_fr"]
    assert "No health card" in response.json()["message_en"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("postal_code", "k1k 3b2"), ("postal_code", "K1K3B2"), ("province", "QB")],
    ids=["lowercase postal code", "postal code without space", "unknown province"],
)
def test_a_bad_address_is_an_invalid_request_and_records_nothing(
    sandbox: SandboxClient, field: str, value: str
) -> None:
    ledger_before = sandbox.ledger()

    response = change_address(sandbox, VALID_CARD, **{field: value})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert f"address.{field}" in response.json()["message_fr"]
    assert f"address.{field}" in response.json()["message_en"]
    assert sandbox.ledger() == ledger_before


def test_replaying_an_address_change_answers_the_same_and_records_it_once(
    sandbox: SandboxClient,
) -> None:
    key = new_key()

    first = change_address(sandbox, VALID_CARD, key=key)
    replay = change_address(sandbox, VALID_CARD, key=key)

    assert first.status_code == replay.status_code == 200
    assert replay.json() == first.json()
    assert len(sandbox.ledger_for(key)) == 1


def test_reusing_the_key_for_another_address_is_refused(sandbox: SandboxClient) -> None:
    key = new_key()
    change_address(sandbox, VALID_CARD, key=key)

    response = change_address(sandbox, VALID_CARD, key=key, street_number="76")

    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert len(sandbox.ledger_for(key)) == 1


def test_a_refusal_is_replayed_even_after_the_card_is_renewed(sandbox: SandboxClient) -> None:
    card = sandbox.add_health_card(expiry="2024-01-31")
    number, key = card["health_card_number"], new_key()
    refused = change_address(sandbox, number, key=key)
    sandbox.load_fixtures(health_cards=[{**card, "expiry": "2090-01-31"}])

    replay = change_address(sandbox, number, key=key)
    with_a_new_key = change_address(sandbox, number)

    assert refused.status_code == replay.status_code == 409
    assert replay.json() == refused.json()
    assert with_a_new_key.status_code == 200
    assert sandbox.ledger_for(key) == []


@pytest.mark.parametrize("key", [None, ""])
def test_an_address_change_without_an_idempotency_key_is_refused(
    sandbox: SandboxClient, key: str | None
) -> None:
    ledger_before = sandbox.ledger()

    response = sandbox.post(address_path(VALID_CARD), address_change(), key=key)

    assert (response.status_code, response.json()["error"]) == (400, "idempotency_key_missing")
    assert sandbox.ledger() == ledger_before


def test_health_card_fixtures_are_loaded_counted_and_replace_by_number(
    sandbox: SandboxClient,
) -> None:
    card = sandbox.add_health_card()

    loaded = sandbox.load_fixtures(health_cards=[{**card, "expiry": "2020-02-29"}])

    assert loaded == {"health_cards": 1}
    assert change_address(sandbox, card["health_card_number"]).status_code == 409


@pytest.mark.parametrize(
    "broken",
    [{"health_card_number": "1234-567-890-AB"}, {"expiry": "demain"}, {"holder_name": ""}],
)
def test_a_malformed_health_card_fixture_is_refused(
    sandbox: SandboxClient, broken: dict[str, str]
) -> None:
    card = {"health_card_number": "5555555555QQ", "holder_name": "Hélène", "expiry": "2090-01-01"}

    response = sandbox.post("/_sandbox/fixtures", {"health_cards": [{**card, **broken}]})

    assert (response.status_code, response.json()["error"]) == (422, "invalid_request")


def test_an_outage_on_health_answers_503_and_a_failed_write_runs_on_retry(
    sandbox: SandboxClient,
) -> None:
    key = new_key()
    sandbox.set_faults(outage=True, paths=["/health/v1"])
    during_outage = change_address(sandbox, VALID_CARD, key=key)
    sandbox.set_faults(fail_next_writes=1, paths=["/health/v1"])
    failed = change_address(sandbox, VALID_CARD, key=key)

    retried = change_address(sandbox, VALID_CARD, key=key)

    assert during_outage.status_code == failed.status_code == 503
    assert during_outage.json()["error"] == "backend_unavailable"
    assert retried.status_code == 200
    assert len(sandbox.ledger_for(key)) == 1


# --- The address shape (shared by every programme) -------------------------------------------

FIRST_LETTERS = "ABCEGHJKLMNPRSTVXY"
OTHER_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
digits = st.sampled_from("0123456789")


def address(postal_code: str) -> dict[str, Any]:
    fields: dict[str, Any] = address_change(postal_code=postal_code)["address"]
    return fields


@settings(max_examples=100, deadline=None)
@given(
    st.tuples(
        st.sampled_from(FIRST_LETTERS), digits, st.sampled_from(OTHER_LETTERS),
        digits, st.sampled_from(OTHER_LETTERS), digits,
    )
)  # fmt: skip
def test_every_well_formed_postal_code_is_accepted(parts: tuple[str, ...]) -> None:
    postal_code = "".join(parts[:3]) + " " + "".join(parts[3:])

    assert Address.model_validate(address(postal_code)).postal_code == postal_code


@settings(max_examples=100, deadline=None)
@given(
    position=st.sampled_from([0, 2, 5]),
    letter=st.sampled_from("DFIOQU"),
)
def test_a_postal_code_with_a_letter_canada_post_never_uses_is_refused(
    position: int, letter: str
) -> None:
    postal_code = "K1A 0B1"
    broken = postal_code[:position] + letter + postal_code[position + 1 :]

    with pytest.raises(ValidationError):
        Address.model_validate(address(broken))


@pytest.mark.parametrize("first", ["W", "Z"])
def test_a_postal_code_never_starts_with_w_or_z(first: str) -> None:
    with pytest.raises(ValidationError):
        Address.model_validate(address(f"{first}1A 0B1"))
