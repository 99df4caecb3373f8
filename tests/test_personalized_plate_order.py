"""Ordering personalized plates with fakes at the ports: rules, availability, saga, receipt."""

from __future__ import annotations

import pytest
from fakes import FakeJournal, FakeKiosk, build_kiosk
from program_fakes import OWNER

from transactions.errors import ValidationError
from transactions.records import LineItem, TransactionRecord
from transactions.saga.states import SagaState
from transactions.transport.personalized_plates import SERVICE, PersonalizedPlates
from transactions.transport.plate_text import PlateTextInvalidError

Kiosk = FakeKiosk[FakeJournal]


@pytest.fixture
def kiosk() -> Kiosk:
    return build_kiosk()


def plates(kiosk: Kiosk) -> PersonalizedPlates:
    return PersonalizedPlates(kiosk.transport)


def open_order(kiosk: Kiosk, text: str = "go habs") -> TransactionRecord:
    service = plates(kiosk)
    return kiosk.open_quote(SERVICE, service.quote(service.check(text), "c6023-45678-90123"))


def test_an_available_text_is_quoted_as_the_ministry_will_issue_it(kiosk: Kiosk) -> None:
    availability = plates(kiosk).check(" go habs ")
    quote = plates(kiosk).quote(availability, "C6023 45678 90123")

    assert availability.text == "GOHABS", "the ministry identifies plates without spaces"
    assert kiosk.transport.lookups == ["plate GOHABS"]
    assert (quote.ministry_amount_cents, quote.kiosk_fee_cents, quote.total_cents) == (
        32600,
        100,
        32700,
    )
    assert quote.items() == (LineItem("GOHABS", 32600),)
    assert dict(quote.posting_data()) == {"licence_number": OWNER}


@pytest.mark.parametrize(
    ("text", "code"), [("bonjour", "plate_taken"), ("NIAISEUX", "plate_refused")]
)
def test_a_text_the_ministry_will_not_issue_is_refused_before_paying(
    kiosk: Kiosk, text: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        plates(kiosk).check(text)

    assert caught.value.code == code
    assert kiosk.journal.records == {}


@pytest.mark.parametrize("text", ["ÉTÉ", "A", "P0L1CE", "merde"])
def test_the_kiosks_own_rules_spare_the_ministry_a_question(kiosk: Kiosk, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        plates(kiosk).check(text)

    assert caught.value.code in {"plate_text_invalid", "plate_text_refused"}
    assert kiosk.transport.lookups == []


def test_the_reason_for_an_invalid_text_reaches_the_screen(kiosk: Kiosk) -> None:
    with pytest.raises(PlateTextInvalidError) as caught:
        plates(kiosk).check("ÉTÉ")

    assert caught.value.reason == "plate_text_characters"


def test_a_paid_order_reserves_the_plate_and_prints_the_delivery_delay(kiosk: Kiosk) -> None:
    record = open_order(kiosk)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    [write] = kiosk.transport.writes_of("order_plate")
    assert (write.body.text, write.body.licence_number, write.body.fee_cents) == (
        "GOHABS",
        OWNER,
        32600,
    )
    assert "GOHABS" in kiosk.transport.plates_taken
    assert kiosk.terminal.charged_cents == 32700
    lines = kiosk.printer.receipts[0].plain_text().splitlines()
    assert "Personalized plate order" in lines
    assert "Plate: GOHABS" in lines
    assert "Total: $327.00" in lines
    assert f"Confirmation: {result.record.confirmation}" in lines
    assert "Your plates will be mailed within 6 weeks." in lines
    assert OWNER not in "\n".join(lines)


def test_a_plate_taken_by_someone_quicker_gets_the_money_back(kiosk: Kiosk) -> None:
    record = open_order(kiosk)
    kiosk.transport.plates_taken.add("GOHABS")

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.REVERSED
    assert result.record.failure_code == "plate_taken"
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.terminal.held_cents == 0
    assert kiosk.printer.receipts == []


def test_an_order_queued_while_the_ministry_is_away_is_placed_once_on_resume(
    kiosk: Kiosk,
) -> None:
    kiosk.transport.fail_transiently(3)
    record = open_order(kiosk)

    queued = kiosk.runner().pay(record).record
    [resumed] = kiosk.runner().resume_unfinished()

    assert queued.state is SagaState.POST_QUEUED
    assert resumed.state is SagaState.DONE
    assert len(kiosk.transport.writes_of("order_plate")) == 1
    assert kiosk.terminal.charged_cents == 32700
