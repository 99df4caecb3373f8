"""The transport, health and natural resources clients against the real sandbox over HTTP.

Each endpoint once, each refusal as a permanent BackendError with its code and both
messages, each write replayed under its key; then a change of address and a renewal through
the whole saga. Records that a test changes are fresh ones, added through the sandbox's
fixtures, so tests do not depend on each other's order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakes import FakeJournal, FakePrinter, FakeTerminal, FakeTexts

from ministry_sandbox.testing import SandboxClient
from transactions.address_change import (
    DRIVERS_LICENCE,
    HEALTH_CARD,
    OUTDOOR_CARD,
    AddressChangeSteps,
    Status,
    choose_programme,
    submit_address_change,
)
from transactions.addresses import Address, normalize_address
from transactions.clock import SystemClock
from transactions.errors import BackendError, BackendUnavailable
from transactions.ministries.health_client import HttpHealthGateway
from transactions.ministries.natural_resources_client import HttpNaturalResourcesGateway
from transactions.ministries.transport_client import HttpTransportGateway
from transactions.natural_resources.values import OutdoorCardRenewal
from transactions.saga.runner import RetryPolicy, SagaRunner, ServiceSteps
from transactions.saga.states import SagaState
from transactions.transport.registration import SERVICE as RENEWAL
from transactions.transport.registration import RegistrationRenewals, RegistrationSteps
from transactions.transport.values import DriverRecordOrder, PlateOrder, RegistrationRenewal

OWNER = "C60234567890123"
KIOSK = "kiosk-trois-rivières-02"


@pytest.fixture(autouse=True)
def _no_faults(sandbox: SandboxClient) -> Iterator[None]:
    yield
    sandbox.clear_faults()


@pytest.fixture
def transport(sandbox: SandboxClient) -> HttpTransportGateway:
    return HttpTransportGateway(sandbox.url)


@pytest.fixture
def health(sandbox: SandboxClient) -> HttpHealthGateway:
    return HttpHealthGateway(sandbox.url)


@pytest.fixture
def natural_resources(sandbox: SandboxClient) -> HttpNaturalResourcesGateway:
    return HttpNaturalResourcesGateway(sandbox.url)


def key(step: str = "post") -> str:
    return f"{uuid.uuid4()}:{step}"


def awkward_address() -> Address:
    """Return an address typed the way people type: lowercase code, unit, accents, a fraction."""
    return normalize_address(
        street_number="1234 1/2",
        street_name="  rue   Sainte-Catherine Ouest ",
        unit="apt 5B",
        city="Trois-Rivières",
        province="qc",
        postal_code="g9a5h7",
    )


def refused(call: Callable[[], object]) -> BackendError:
    """Return the permanent refusal ``call`` raised, with both messages."""
    with pytest.raises(BackendError) as caught:
        call()
    error = caught.value
    assert error.permanent
    assert error.message_fr
    assert error.message_en
    return error


def new_plate_text() -> str:
    """Return a plate text nobody has ordered in this sandbox (hex: no refused word fits)."""
    return f"KX{uuid.uuid4().hex[:6].upper()}"


# --- transport: registrations ----------------------------------------------------------


def test_a_seeded_registration_is_read_with_its_vehicle_and_terms(
    transport: HttpTransportGateway,
) -> None:
    registration = transport.registration_by_plate("CBKR274", OWNER)

    assert registration.plate == "CBKR274"
    assert registration.vehicle.description() == "2019 Toyota Corolla"
    assert [(t.years, t.fee_cents) for t in registration.terms] == [(1, 5900), (2, 11800)]


def test_a_renewal_notice_finds_its_registration(transport: HttpTransportGateway) -> None:
    assert transport.registration_by_notice("RN0000001234").plate == "CKLM555"


@pytest.mark.parametrize(
    ("plate", "licence", "code"),
    [
        ("ZZZZ999", OWNER, "vehicle_not_found"),
        ("CBKR274", "O12345678901234", "vehicle_not_owned"),
        ("BXPT911", "O12345678901234", "unpaid_fines"),
        ("ABCD123", "B55501234567890", "no_valid_insurance"),
    ],
)
def test_each_registration_refusal_is_a_permanent_code(
    transport: HttpTransportGateway, plate: str, licence: str, code: str
) -> None:
    assert refused(lambda: transport.registration_by_plate(plate, licence)).code == code


def test_an_unknown_renewal_notice_is_a_permanent_vehicle_not_found(
    transport: HttpTransportGateway,
) -> None:
    assert refused(lambda: transport.registration_by_notice("RN9999999999")).code == (
        "vehicle_not_found"
    )


def test_a_renewal_is_recorded_once_and_replayed_under_its_key(
    sandbox: SandboxClient, transport: HttpTransportGateway
) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2027-05-31")
    renewal = RegistrationRenewal(vehicle["plate"], OWNER, 2, 11800, "A-TEST0001", KIOSK)
    write_key = key()

    first = transport.renew_registration(renewal, write_key)
    again = transport.renew_registration(renewal, write_key)

    assert first == again
    assert first.confirmation_number.startswith("R-")
    assert (first.plate, first.years, first.new_expiry, first.fee_cents) == (
        vehicle["plate"],
        2,
        "2029-05-31",
        11800,
    )
    [entry] = sandbox.ledger_for(write_key)
    assert (entry["program"], entry["operation"]) == ("transport", "renew_registration")


def test_a_renewal_with_the_wrong_fee_is_refused_for_good(
    sandbox: SandboxClient, transport: HttpTransportGateway
) -> None:
    vehicle = sandbox.add_vehicle()
    renewal = RegistrationRenewal(vehicle["plate"], OWNER, 1, 5800, "A-TEST0002", KIOSK)
    write_key = key()

    assert refused(lambda: transport.renew_registration(renewal, write_key)).code == (
        "amount_mismatch"
    )
    assert sandbox.ledger_for(write_key) == []


# --- transport: licences and records ---------------------------------------------------


def test_a_licence_is_verified_with_its_holders_date_of_birth(
    transport: HttpTransportGateway,
) -> None:
    check = transport.verify_licence(OWNER, "1984-03-09")

    assert (check.licence_number, check.status, check.record_fee_cents) == (OWNER, "valid", 1200)


@pytest.mark.parametrize(
    ("licence", "born", "code"),
    [
        (OWNER, "1984-03-10", "date_of_birth_mismatch"),
        ("Z99999999999999", "1984-03-09", "licence_not_found"),
    ],
)
def test_a_licence_that_does_not_match_is_a_permanent_refusal(
    transport: HttpTransportGateway, licence: str, born: str, code: str
) -> None:
    assert refused(lambda: transport.verify_licence(licence, born)).code == code


def test_a_driver_record_comes_back_with_its_bilingual_summary_and_replays(
    sandbox: SandboxClient, transport: HttpTransportGateway
) -> None:
    order = DriverRecordOrder(OWNER, "1984-03-09", 1200, "A-TEST0003", KIOSK)
    write_key = key()

    first = transport.order_driver_record(order, write_key)
    again = transport.order_driver_record(order, write_key)

    assert first == again
    assert first.confirmation_number.startswith("D-")
    summary = first.summary
    assert (summary.licence_class, summary.status, summary.expiry) == ("G", "valid", "2029-03-09")
    assert summary.demerit_points == 2
    [conviction] = summary.convictions
    assert conviction.offence_fr == "Omission d'obéir à un panneau de signalisation"
    assert conviction.offence_en == "Failing to obey a traffic sign"
    assert len(sandbox.ledger_for(write_key)) == 1


# --- transport: personalized plates ----------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), [("BONJOUR", "taken"), ("CALICE", "refused")])
def test_a_plate_the_ministry_will_not_issue_says_why(
    transport: HttpTransportGateway, text: str, reason: str
) -> None:
    # CALICE: the ministry's list has CÂLICE and folds accents; the kiosk never sends any.
    availability = transport.plate_availability(text)

    assert (availability.available, availability.reason) == (False, reason)


def test_a_plate_text_with_spaces_is_asked_without_them(transport: HttpTransportGateway) -> None:
    text = new_plate_text()
    spaced = f"{text[:3]} {text[3:]}"

    availability = transport.plate_availability(spaced)

    assert (availability.text, availability.available, availability.reason) == (text, True, None)
    assert availability.fee_cents == 32600


def test_a_plate_order_is_recorded_once_and_the_plate_is_then_taken(
    sandbox: SandboxClient, transport: HttpTransportGateway
) -> None:
    text = new_plate_text()
    order = PlateOrder(text, OWNER, 32600, "A-TEST0004", KIOSK)
    write_key = key()

    first = transport.order_plate(order, write_key)
    again = transport.order_plate(order, write_key)
    someone_else = refused(lambda: transport.order_plate(order, key()))

    assert first == again
    assert first.confirmation_number.startswith("P-")
    assert (first.text, first.fee_cents, first.delivery_weeks) == (text, 32600, 6)
    assert someone_else.code == "plate_taken"
    assert transport.plate_availability(text).reason == "taken"
    assert len(sandbox.ledger_for(write_key)) == 1


# --- address changes, one per programme ------------------------------------------------


def test_a_licence_address_change_is_recorded_once(
    sandbox: SandboxClient, transport: HttpTransportGateway
) -> None:
    licence = sandbox.add_licence()
    write_key = key()

    first = transport.change_licence_address(
        licence["licence_number"], awkward_address(), KIOSK, write_key
    )
    again = transport.change_licence_address(
        licence["licence_number"], awkward_address(), KIOSK, write_key
    )

    assert first == again
    assert first.startswith("L-")
    [entry] = sandbox.ledger_for(write_key)
    assert (entry["operation"], entry["amount_cents"]) == ("change_address", 0)


def test_the_same_key_with_another_address_is_refused(
    sandbox: SandboxClient, health: HttpHealthGateway
) -> None:
    card = sandbox.add_health_card()
    write_key = key()
    health.change_card_address(card["health_card_number"], awkward_address(), KIOSK, write_key)
    other = normalize_address(
        street_number="1",
        street_name="chemin du Lac-Écho",
        unit=None,
        city="Prévost",
        province="QC",
        postal_code="J0R 1T0",
    )

    error = refused(
        lambda: health.change_card_address(card["health_card_number"], other, KIOSK, write_key)
    )

    assert error.code == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("card", "code"), [("9876543210ZZ", "card_expired"), ("0000000000AA", "card_not_found")]
)
def test_a_health_card_refusal_is_a_permanent_code(
    sandbox: SandboxClient, health: HttpHealthGateway, card: str, code: str
) -> None:
    write_key = key()

    assert (
        refused(lambda: health.change_card_address(card, awkward_address(), KIOSK, write_key)).code
        == code
    )
    assert sandbox.ledger_for(write_key) == []


def test_the_seeded_health_card_takes_the_address(health: HttpHealthGateway) -> None:
    assert health.change_card_address("1234567890AB", awkward_address(), KIOSK, key()).startswith(
        "H-"
    )


def test_an_unknown_licence_or_outdoors_card_refuses_an_address(
    transport: HttpTransportGateway, natural_resources: HttpNaturalResourcesGateway
) -> None:
    address = awkward_address()
    assert (
        refused(
            lambda: transport.change_licence_address("Z99999999999999", address, KIOSK, key())
        ).code
        == "licence_not_found"
    )
    assert (
        refused(
            lambda: natural_resources.change_outdoor_card_address(
                "708158999999999", address, KIOSK, key()
            )
        ).code
        == "card_not_found"
    )


# --- natural resources -----------------------------------------------------------------


def test_a_seeded_outdoors_card_is_read_with_its_renewal_terms(
    natural_resources: HttpNaturalResourcesGateway,
) -> None:
    card = natural_resources.look_up_outdoor_card("708158000000017")

    assert (card.card_number, card.expiry, card.renewable) == (
        "708158000000017",
        "2019-01-01",
        False,
    )
    assert (card.renewal_years, card.renewal_fee_cents) == (3, 968)


def test_an_unknown_outdoors_card_is_a_permanent_card_not_found(
    natural_resources: HttpNaturalResourcesGateway,
) -> None:
    assert refused(lambda: natural_resources.look_up_outdoor_card("708158999999998")).code == (
        "card_not_found"
    )


def test_an_outdoors_card_renewal_is_recorded_once_and_extends_the_card(
    sandbox: SandboxClient, natural_resources: HttpNaturalResourcesGateway
) -> None:
    card = sandbox.add_outdoor_card(expiry="2027-04-30")
    renewal = OutdoorCardRenewal(card["card_number"], 968, "A-TEST0005", KIOSK)
    write_key = key()

    first = natural_resources.renew_outdoor_card(renewal, write_key)
    again = natural_resources.renew_outdoor_card(renewal, write_key)

    assert first == again
    assert first.confirmation_number.startswith("N-")
    assert first.new_expiry == "2030-04-30"
    assert natural_resources.look_up_outdoor_card(card["card_number"]).expiry == "2030-04-30"
    [entry] = sandbox.ledger_for(write_key)
    assert (entry["program"], entry["operation"]) == ("natural_resources", "renew_outdoor_card")


def test_a_card_expired_too_long_ago_is_not_renewable(
    natural_resources: HttpNaturalResourcesGateway,
) -> None:
    renewal = OutdoorCardRenewal("708158000000017", 968, "A-TEST0006", KIOSK)

    assert refused(lambda: natural_resources.renew_outdoor_card(renewal, key())).code == (
        "card_not_renewable"
    )


def test_an_outdoors_card_address_change_is_recorded_once(
    sandbox: SandboxClient, natural_resources: HttpNaturalResourcesGateway
) -> None:
    card = sandbox.add_outdoor_card()
    write_key = key()

    first = natural_resources.change_outdoor_card_address(
        card["card_number"], awkward_address(), KIOSK, write_key
    )
    again = natural_resources.change_outdoor_card_address(
        card["card_number"], awkward_address(), KIOSK, write_key
    )

    assert first == again
    assert first.startswith("N-")
    assert len(sandbox.ledger_for(write_key)) == 1


# --- outages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "call"),
    [
        ("/transport", lambda url: HttpTransportGateway(url).verify_licence(OWNER, "1984-03-09")),
        (
            "/health",
            lambda url: HttpHealthGateway(url).change_card_address(
                "1234567890AB", awkward_address(), KIOSK, key()
            ),
        ),
        (
            "/natural-resources",
            lambda url: HttpNaturalResourcesGateway(url).look_up_outdoor_card("708158123456789"),
        ),
    ],
    ids=["transport", "health", "natural-resources"],
)
def test_a_programme_in_an_outage_is_retry_later(
    sandbox: SandboxClient, prefix: str, call: Callable[[str], Any]
) -> None:
    sandbox.set_faults(outage=True, paths=[prefix])

    with pytest.raises(BackendUnavailable) as caught:
        call(sandbox.url)

    assert not caught.value.permanent


# --- whole services over HTTP ----------------------------------------------------------


def runner_over_http(
    sandbox: SandboxClient, journal: FakeJournal
) -> tuple[SagaRunner, FakePrinter, FakeTerminal]:
    transport = HttpTransportGateway(sandbox.url)
    texts = lambda language: FakeTexts()  # noqa: E731
    steps: dict[str, ServiceSteps] = {
        RENEWAL: RegistrationSteps(transport, KIOSK, texts),
        "address-change": AddressChangeSteps(
            transport=transport,
            health=HttpHealthGateway(sandbox.url),
            natural_resources=HttpNaturalResourcesGateway(sandbox.url),
            kiosk_id=KIOSK,
            texts=texts,
        ),
    }
    printer, terminal = FakePrinter(), FakeTerminal()
    runner = SagaRunner(
        journal=journal,
        terminal=terminal,
        printer=printer,
        steps=steps.__getitem__,
        clock=SystemClock(),
        retry=RetryPolicy(delays=()),
    )
    return runner, printer, terminal


def test_a_change_of_address_over_http_survives_a_refusal_and_an_outage(
    sandbox: SandboxClient,
) -> None:
    licence = sandbox.add_licence()
    card = sandbox.add_outdoor_card()
    journal = FakeJournal()
    runner, printer, terminal = runner_over_http(sandbox, journal)
    sandbox.set_faults(outage=True, paths=["/natural-resources"])

    result = submit_address_change(
        runner,
        awkward_address(),
        [
            choose_programme(HEALTH_CARD, "9876-543-210-zz"),
            choose_programme(DRIVERS_LICENCE, licence["licence_number"]),
            choose_programme(OUTDOOR_CARD, card["card_number"]),
        ],
        language="fr",
        texts=FakeTexts(),
        clock=SystemClock(),
    )

    health, driver, outdoor = result.outcomes
    assert (health.status, health.failure_code) == (Status.REJECTED, "card_expired")
    assert driver.status is Status.DONE
    assert (driver.confirmation or "").startswith("L-")
    assert outdoor.status is Status.QUEUED
    assert printer.receipts == [result.receipt]

    sandbox.clear_faults()
    [delivered] = runner.resume_unfinished()
    assert runner.resume_unfinished() == []

    assert delivered.state is SagaState.DONE
    assert (delivered.confirmation or "").startswith("N-")
    assert len(sandbox.ledger_for(f"{delivered.transaction_id}:post")) == 1
    assert terminal.authorize_requests == []
    assert terminal.capture_calls == []


def test_a_registration_renewal_over_http_is_renewed_and_proved_on_paper(
    sandbox: SandboxClient,
) -> None:
    vehicle = sandbox.add_vehicle(current_expiry="2027-08-15")
    journal = FakeJournal()
    runner, printer, terminal = runner_over_http(sandbox, journal)
    service = RegistrationRenewals(HttpTransportGateway(sandbox.url))
    offer = service.look_up(vehicle["plate"].lower(), "c6023-45678-90123")
    quote = service.quote(offer, 1)
    record = runner.open(
        RENEWAL,
        "en",
        quote.items(),
        quote.kiosk_fee_cents,
        posting_data=quote.posting_data(),
        receipt_data=quote.receipt_data(),
    )

    result = runner.pay(record)

    assert result.record.state is SagaState.DONE
    assert terminal.charged_cents == 6000
    text = printer.receipts[0].plain_text()
    assert "New expiry: August 15, 2028" in text
    assert "Vehicle: 2020 Hyundai Kona électrique" in text
    assert len(sandbox.ledger_for(f"{record.transaction_id}:post")) == 1
