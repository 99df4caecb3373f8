"""Ordering a driver's record with fakes at the ports: verification first, the summary on paper."""

from __future__ import annotations

import pytest
from fakes import FakeJournal, FakeKiosk, build_kiosk
from program_fakes import OWES_FINES, OWNER

from transactions.errors import BackendError, ValidationError
from transactions.records import LineItem, TransactionRecord
from transactions.saga.states import SagaState
from transactions.transport.driver_record import SERVICE, DriverRecords

Kiosk = FakeKiosk[FakeJournal]


@pytest.fixture
def kiosk() -> Kiosk:
    return build_kiosk()


def records(kiosk: Kiosk) -> DriverRecords:
    return DriverRecords(kiosk.transport, kiosk.clock)


def open_record(
    kiosk: Kiosk, licence: str = "c6023 45678 90123", born: str = "1984-03-09", language: str = "en"
) -> TransactionRecord:
    service = records(kiosk)
    return kiosk.open_quote(SERVICE, service.quote(service.verify(licence, born)), language)


# --- before paying ---------------------------------------------------------------------


def test_the_licence_and_date_of_birth_are_verified_with_the_ministry(kiosk: Kiosk) -> None:
    verified = records(kiosk).verify("C6023-45678-90123", " 1984-03-09 ")

    assert (verified.licence_number, verified.date_of_birth) == (OWNER, "1984-03-09")
    assert (verified.status, verified.record_fee_cents) == ("valid", 1200)
    assert kiosk.transport.lookups == [f"licence {OWNER}"]


@pytest.mark.parametrize(
    ("licence", "born", "code"),
    [
        ("C6023-45678-90123", "1984-03-10", "date_of_birth_mismatch"),
        ("Z9999-99999-99999", "1984-03-09", "licence_not_found"),
    ],
)
def test_a_wrong_date_of_birth_or_unknown_licence_is_refused_before_paying(
    kiosk: Kiosk, licence: str, born: str, code: str
) -> None:
    with pytest.raises(BackendError) as caught:
        records(kiosk).verify(licence, born)

    assert (caught.value.code, caught.value.permanent) == (code, True)
    assert kiosk.journal.records == {}


@pytest.mark.parametrize(
    ("licence", "born", "code"),
    [
        ("C6023-45678", "1984-03-09", "licence_number_format"),
        ("C6023-45678-90123", "09/03/1984", "date_of_birth_invalid"),
        ("C6023-45678-90123", "2027-01-01", "date_of_birth_invalid"),
        ("C6023-45678-90123", "2015-01-01", "date_of_birth_invalid"),
    ],
)
def test_what_was_mistyped_is_caught_without_asking_the_ministry(
    kiosk: Kiosk, licence: str, born: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        records(kiosk).verify(licence, born)

    assert caught.value.code == code
    assert kiosk.transport.lookups == []


def test_the_quote_keeps_the_record_fee_and_the_kiosk_fee_apart_and_no_personal_item(
    kiosk: Kiosk,
) -> None:
    service = records(kiosk)
    quote = service.quote(service.verify(OWNER, "1984-03-09"))

    assert (quote.ministry_amount_cents, quote.kiosk_fee_cents, quote.total_cents) == (
        1200,
        100,
        1300,
    )
    assert quote.items() == (LineItem("driver-record", 1200),)
    assert dict(quote.posting_data()) == {"licence_number": OWNER, "date_of_birth": "1984-03-09"}


# --- the saga --------------------------------------------------------------------------


def test_a_paid_order_posts_the_licence_and_date_of_birth_and_prints_the_summary(
    kiosk: Kiosk,
) -> None:
    record = open_record(kiosk)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    [write] = kiosk.transport.writes_of("order_driver_record")
    assert (write.body.licence_number, write.body.date_of_birth) == (OWNER, "1984-03-09")
    assert write.body.fee_cents == 1200
    assert write.key == f"{record.transaction_id}:post"
    assert kiosk.terminal.charged_cents == 1300
    assert kiosk.printer.receipts == [result.receipt]


def test_the_receipt_prints_the_summary_in_english(kiosk: Kiosk) -> None:
    result = kiosk.runner().pay(open_record(kiosk))

    lines = kiosk.printer.receipts[0].plain_text().splitlines()
    assert "Driver's record" in lines
    assert "Driver's record summary: $12.00" in lines
    assert "Total: $13.00" in lines
    assert f"Confirmation: {result.record.confirmation}" in lines
    assert "YOUR DRIVER'S RECORD" in lines
    assert "Licence class: G" in lines
    assert "Status: Valid" in lines
    assert "Expiry: March 9, 2029" in lines
    assert "Demerit points: 2" in lines
    assert "August 14, 2025: Failing to obey a traffic sign" in lines
    assert not [line for line in lines if "1984" in line], "the date of birth is not printed"


def test_the_convictions_are_printed_in_the_receipts_language(kiosk: Kiosk) -> None:
    kiosk.runner().pay(open_record(kiosk, language="fr"))

    receipt = kiosk.printer.receipts[0]
    assert receipt.language == "fr"
    assert "August 14, 2025: Omission d'obéir à un panneau de signalisation" in receipt.plain_text()
    assert "Failing to obey" not in receipt.plain_text()


def test_a_clean_suspended_record_says_so(kiosk: Kiosk) -> None:
    kiosk.runner().pay(open_record(kiosk, licence=OWES_FINES, born="1990-11-30"))

    lines = kiosk.printer.receipts[0].plain_text().splitlines()
    assert "Status: Suspended" in lines
    assert "Demerit points: 0" in lines
    assert "No convictions." in lines


def test_once_finished_the_journal_forgets_the_date_of_birth_and_the_summary(
    kiosk: Kiosk,
) -> None:
    record = open_record(kiosk)

    kiosk.runner().pay(record)

    stored = kiosk.journal.records[record.transaction_id]
    assert stored.state is SagaState.DONE
    assert (stored.posting_data, stored.receipt_data) == ((), ())
    assert "1984-03-09" not in repr(stored)
    assert "traffic sign" not in repr(stored)


def test_a_record_refused_at_posting_gives_the_money_back(kiosk: Kiosk) -> None:
    record = open_record(kiosk)
    kiosk.transport.refuse("date_of_birth_mismatch")

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.REVERSED
    assert result.record.failure_code == "date_of_birth_mismatch"
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.terminal.held_cents == 0


def test_a_ministry_out_of_reach_prints_pending_and_resume_orders_once(kiosk: Kiosk) -> None:
    kiosk.transport.fail_transiently(3)
    record = open_record(kiosk)

    result = kiosk.runner().pay(record)
    [resumed] = kiosk.runner().resume_unfinished()

    assert result.record.state is SagaState.POST_QUEUED
    pending = kiosk.printer.receipts[0].plain_text()
    assert "PENDING - this will be sent to the ministry shortly." in pending
    assert "YOUR DRIVER'S RECORD" not in pending
    assert resumed.state is SagaState.DONE
    assert len(kiosk.transport.writes_of("order_driver_record")) == 1
    assert kiosk.transport.write_calls.count(f"{record.transaction_id}:post") == 4
    assert kiosk.terminal.charged_cents == 1300
