"""Renewing a registration with fakes at the ports: refusals first, then the saga, the receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakes import FakeJournal, FakeKiosk, build_kiosk, kiosk_with_journal
from program_fakes import OWES_FINES, OWNER, UNINSURED_OWNER

from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.errors import BackendError, ValidationError
from transactions.records import TransactionRecord
from transactions.saga.states import SagaState
from transactions.transport.registration import SERVICE, RegistrationRenewals

Kiosk = FakeKiosk[FakeJournal]
OWNER_TYPED = "c6023-45678-90123"


@pytest.fixture
def kiosk() -> Kiosk:
    return build_kiosk()


def renewals(kiosk: FakeKiosk[Any]) -> RegistrationRenewals:
    return RegistrationRenewals(kiosk.transport)


def calls(kiosk: Kiosk) -> list[str]:
    return [what for what, _ in kiosk.timeline if not what.startswith("journal.")]


def open_renewal(kiosk: FakeKiosk[Any], years: int = 2, language: str = "en") -> TransactionRecord:
    offer = renewals(kiosk).look_up("cbkr 274", OWNER_TYPED)
    return kiosk.open_quote(SERVICE, renewals(kiosk).quote(offer, years), language)


# --- before paying ---------------------------------------------------------------------


def test_a_plate_typed_loosely_finds_the_registration_and_both_terms(kiosk: Kiosk) -> None:
    offer = renewals(kiosk).look_up(" cbkr 274 ", OWNER_TYPED)

    assert offer.registration.plate == "CBKR274"
    assert offer.registration.vehicle.description() == "2019 Toyota Corolla"
    assert offer.licence_number == OWNER
    assert [(t.years, t.fee_cents) for t in offer.terms] == [(1, 5900), (2, 11800)]


def test_a_renewal_notice_finds_the_vehicle_and_still_checks_the_owner(kiosk: Kiosk) -> None:
    offer = renewals(kiosk).look_up_by_notice("rn 000000-1234", OWNER_TYPED)

    assert offer.registration.plate == "CKLM555"
    assert kiosk.transport.lookups == ["notice RN0000001234", "registration CKLM555"]


def test_a_renewal_notice_with_someone_elses_licence_is_refused_before_paying(
    kiosk: Kiosk,
) -> None:
    with pytest.raises(BackendError) as caught:
        renewals(kiosk).look_up_by_notice("RN0000001234", "O1234-56789-01234")

    assert (caught.value.code, caught.value.permanent) == ("vehicle_not_owned", True)


@pytest.mark.parametrize(
    ("plate", "licence", "code"),
    [
        ("ZZZZ999", OWNER, "vehicle_not_found"),
        ("CBKR274", OWES_FINES, "vehicle_not_owned"),
        ("BXPT 911", OWES_FINES, "unpaid_fines"),
        ("ABCD123", UNINSURED_OWNER, "no_valid_insurance"),
    ],
)
def test_each_ministry_refusal_surfaces_as_a_permanent_code_and_nothing_is_opened(
    kiosk: Kiosk, plate: str, licence: str, code: str
) -> None:
    with pytest.raises(BackendError) as caught:
        renewals(kiosk).look_up(plate, licence)

    assert caught.value.code == code
    assert caught.value.permanent
    assert kiosk.journal.records == {}
    assert kiosk.terminal.authorize_requests == []


@pytest.mark.parametrize(
    ("plate", "licence", "code"),
    [
        ("CBKR-274", OWNER, "plate_format"),
        ("É", OWNER, "plate_format"),
        ("CBKR274", "C6023-45678", "licence_number_format"),
    ],
)
def test_a_malformed_plate_or_licence_is_caught_without_asking_the_ministry(
    kiosk: Kiosk, plate: str, licence: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        renewals(kiosk).look_up(plate, licence)

    assert caught.value.code == code
    assert kiosk.transport.lookups == []


def test_the_quote_keeps_the_ministry_fee_and_the_kiosk_fee_apart(kiosk: Kiosk) -> None:
    offer = renewals(kiosk).look_up("CBKR274", OWNER)

    one, two = renewals(kiosk).quote(offer, 1), renewals(kiosk).quote(offer, 2)

    assert (one.ministry_amount_cents, one.kiosk_fee_cents, one.total_cents) == (5900, 100, 6000)
    assert (two.ministry_amount_cents, two.kiosk_fee_cents, two.total_cents) == (11800, 100, 11900)
    assert [(i.item_id, i.amount_cents) for i in two.items()] == [("CBKR274", 11800)]
    assert dict(two.posting_data()) == {"licence_number": OWNER, "years": "2"}


def test_a_term_the_ministry_does_not_offer_is_refused(kiosk: Kiosk) -> None:
    offer = renewals(kiosk).look_up("CBKR274", OWNER)

    with pytest.raises(ValidationError) as caught:
        renewals(kiosk).quote(offer, 3)

    assert caught.value.code == "renewal_term_unavailable"


# --- the saga --------------------------------------------------------------------------


def test_a_paid_renewal_is_posted_captured_printed_and_the_registration_extended(
    kiosk: Kiosk,
) -> None:
    record = open_renewal(kiosk, years=2)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.DONE
    assert calls(kiosk) == [
        "terminal.authorize",
        "transport.renew_registration",
        "terminal.capture",
        "printer.print",
    ]
    [request] = kiosk.terminal.authorize_requests
    assert request.amount_cents == 11900
    [write] = kiosk.transport.writes_of("renew_registration")
    assert write.key == f"{record.transaction_id}:post"
    assert write.body.plate == "CBKR274"
    assert (write.body.licence_number, write.body.years, write.body.fee_cents) == (OWNER, 2, 11800)
    assert write.body.authorization_id == result.record.authorization_id
    assert kiosk.transport.vehicles["CBKR274"].current_expiry == "2029-03-09"
    assert kiosk.terminal.charged_cents == 11900


def test_once_finished_the_journal_keeps_no_licence_number_or_receipt_details(
    kiosk: Kiosk,
) -> None:
    record = open_renewal(kiosk)
    assert record.posting_data

    result = kiosk.runner().pay(record)

    stored = kiosk.journal.records[result.record.transaction_id]
    assert stored.posting_data == ()
    assert stored.receipt_data == ()
    assert OWNER not in repr(stored)
    assert stored.confirmation is not None


def test_fines_that_appear_after_the_quote_get_the_renewal_refused_and_the_money_back(
    kiosk: Kiosk,
) -> None:
    record = open_renewal(kiosk)
    kiosk.transport.vehicles["CBKR274"].unpaid_fines_cents = 4500

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.REVERSED
    assert result.record.failure_code == "unpaid_fines"
    assert kiosk.terminal.charged_cents == 0
    assert kiosk.terminal.held_cents == 0
    assert kiosk.transport.writes == []
    assert kiosk.printer.receipts == []


def test_a_ministry_out_of_reach_queues_the_renewal_prints_pending_and_resume_posts_once(
    kiosk: Kiosk,
) -> None:
    kiosk.transport.fail_transiently(3)
    record = open_renewal(kiosk)

    result = kiosk.runner().pay(record)

    assert result.record.state is SagaState.POST_QUEUED
    assert result.record.posting_value("licence_number") == OWNER, "still needed to post"
    [pending] = kiosk.printer.receipts
    assert "PENDING - this will be sent to the ministry shortly." in pending.plain_text()
    assert "New expiry" not in pending.plain_text()
    assert kiosk.terminal.charged_cents == 0

    [resumed] = kiosk.runner().resume_unfinished()
    kiosk.runner().resume_unfinished()

    assert resumed.state is SagaState.DONE
    assert len(kiosk.transport.writes_of("renew_registration")) == 1
    assert kiosk.terminal.charged_cents == 11900
    assert len(kiosk.printer.receipts) == 1


# --- the receipt -----------------------------------------------------------------------


def test_the_receipt_is_proof_of_renewal_with_the_new_expiry(kiosk: Kiosk) -> None:
    kiosk.terminal.card_brand, kiosk.terminal.card_last4 = "interac", "0042"
    record = open_renewal(kiosk, years=1)

    result = kiosk.runner().pay(record)

    lines = kiosk.printer.receipts[0].plain_text().splitlines()
    assert "Vehicle registration renewal" in lines
    assert "Plate: CBKR274" in lines
    assert "Vehicle: 2019 Toyota Corolla" in lines
    assert "Term: 1 year" in lines
    assert "Ministry fee: $59.00" in lines
    assert "Kiosk fee: $1.00" in lines
    assert "Total: $60.00" in lines
    assert "Card: Interac **** 0042" in lines
    assert f"Confirmation: {result.record.confirmation}" in lines
    assert "New expiry: March 9, 2028" in lines
    assert "This receipt is your proof of renewal until your sticker arrives by mail." in lines
    assert f"Reference: {record.reference}" in lines
    assert OWNER not in "\n".join(lines), "the licence number is not printed"


def test_posting_and_receipt_data_round_trip_through_the_sqlite_journal(tmp_path: Path) -> None:
    database = KioskDatabase(tmp_path / "kiosk.sqlite3")
    kiosk = kiosk_with_journal(SqliteJournal(database))
    record = open_renewal(kiosk)

    stored = kiosk.journal.get(record.transaction_id)

    assert stored == record
    assert stored is not None
    assert dict(stored.posting_data) == {"licence_number": OWNER, "years": "2"}
    assert dict(stored.receipt_data) == {"vehicle": "2019 Toyota Corolla", "years": "2"}
    database.close()
