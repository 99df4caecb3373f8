"""When something goes wrong mid-visit: refusals after the hold, bugs, double taps, guesses.

Nothing accepted is lost and nothing is charged or sent twice; see tests/service_visits.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from program_fakes import OWNER, REGISTRATION_FEES
from service_visits import (
    LICENCE_TYPED,
    REGISTRATION,
    Visit,
    renewed_and_thanked,
    to_the_unit_question,
)

from kiosk_app.session_view import PaymentPhase, Step
from transactions.address_change import DRIVERS_LICENCE, HEALTH_CARD
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.records import TransactionRecord
from transactions.saga.states import SagaState
from transactions.survey import ServiceSurveyCounts, SurveyAnswer


@pytest.fixture
def visit() -> Visit:
    return Visit()


# --- a ministry refusing after the card was authorized ----------------------------------------

PLATE_ORDER = "personalized-plate"
DRIVER_RECORD = "driver-record"
PLATE_TEXT = "LOON42"  # as the ministry keeps it, without the space the citizen typed


def to_plate_review(visit: Visit, text: str = "loon 42") -> None:
    """Ask for personalized plates, as far as the review."""
    visit.to_menu()
    visit.session.choose_service(PLATE_ORDER)
    visit.answer(text)
    visit.answer(LICENCE_TYPED)
    assert visit.step() is Step.REVIEW


def test_a_plate_taken_after_the_review_releases_the_hold_and_asks_for_another_text(
    visit: Visit,
) -> None:
    session = visit.session
    to_plate_review(visit)
    visit.kiosk.transport.plates_taken.add(PLATE_TEXT)  # someone else ordered it meanwhile

    visit.pay_with_card()

    [record] = visit.kiosk.journal.records.values()
    assert record.state is SagaState.REVERSED
    assert record.failure_code == "plate_taken"
    assert [a.state for a in visit.terminal.authorizations.values()] == ["voided"]
    assert visit.terminal.held_cents == 0
    assert visit.terminal.charged_cents == 0
    assert visit.kiosk.transport.writes_of("order_plate") == []
    assert visit.question == "plate_text"
    view = session.view
    assert view.message == "error.plate_taken"
    assert view.review is None
    assert view.quote is None
    assert view.record is None
    assert view.payment_phase is None
    assert not view.locked
    assert not view.busy

    session.pay()  # nothing to pay for until a new text is reviewed
    session.tap_card()
    assert visit.question == "plate_text"
    assert len(visit.terminal.authorize_requests) == 1
    assert len(visit.kiosk.journal.records) == 1

    session.erase()
    visit.answer("3")  # LOON 43
    assert visit.question == "licence_number"
    session.proceed()
    assert visit.step() is Step.REVIEW
    visit.pay_with_card()
    assert visit.step() is Step.RECEIPT
    assert [w.body.text for w in visit.kiosk.transport.writes_of("order_plate")] == ["LOON43"]


def test_a_hold_the_gateway_cannot_release_locks_the_payment_and_says_the_hold_will_go(
    visit: Visit,
) -> None:
    session = visit.session
    to_plate_review(visit)
    visit.kiosk.transport.plates_taken.add(PLATE_TEXT)
    visit.terminal.fail_reversals(None)

    visit.pay_with_card()

    [record] = visit.kiosk.journal.records.values()
    assert record.state is SagaState.REVERSAL_QUEUED  # resume_unfinished releases it later
    assert visit.terminal.charged_cents == 0
    view = session.view
    assert visit.step() is Step.PAYMENT
    assert view.payment_phase is PaymentPhase.FAILED
    assert view.message == "error.payment_hold"
    assert view.locked

    session.pay()
    session.tap_card()
    session.back()  # back to the review: still locked
    assert visit.step() is Step.REVIEW
    session.pay()
    assert visit.step() is Step.REVIEW
    assert len(visit.terminal.authorize_requests) == 1
    assert len(visit.kiosk.journal.records) == 1


# --- something unforeseen during the payment --------------------------------------------------


@pytest.fixture
def garbled_printer(visit: Visit, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the printer fail the way a buggy driver would, not with a DeviceError."""

    def garbled(receipt: object) -> None:
        "Côté".encode("ascii")  # a driver that cannot encode an accent

    monkeypatch.setattr(visit.kiosk.printer, "print_receipt", garbled)


@pytest.mark.usefixtures("garbled_printer")
def test_a_printer_bug_after_the_money_moved_still_shows_the_reference(visit: Visit) -> None:
    visit.to_registration_review()

    visit.pay_with_card()

    [record] = visit.kiosk.journal.records.values()
    assert record.state is SagaState.DONE
    assert record.receipt_printed is False
    assert record.confirmation is not None
    assert visit.terminal.charged_cents == REGISTRATION_FEES[1] + 100
    assert len(visit.kiosk.transport.writes_of("renew_registration")) == 1
    view = visit.session.view
    assert visit.step() is Step.RECEIPT
    assert view.record is not None
    assert view.record.reference == record.reference
    assert view.receipt is not None
    assert view.receipt.reference == record.reference
    assert view.receipt_printed is False
    assert view.message is None
    assert not view.locked


def test_a_payment_broken_by_a_bug_after_the_approval_is_never_taken_twice(
    visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = visit.session
    approve = visit.terminal.authorize

    def approve_then_break(request: PaymentRequest) -> PaymentOutcome:
        approve(request)
        raise RuntimeError("the terminal's answer could not be read")

    monkeypatch.setattr(visit.terminal, "authorize", approve_then_break)
    visit.to_registration_review()

    visit.pay_with_card()

    view = session.view
    assert visit.step() is Step.PAYMENT
    assert view.payment_phase is PaymentPhase.FAILED
    assert view.message == "error.payment_interrupted"
    assert view.locked
    assert not view.busy
    session.pay()
    session.tap_card()
    session.back()
    assert visit.step() is Step.REVIEW
    session.pay()
    assert visit.step() is Step.REVIEW
    assert len(visit.terminal.authorize_requests) == 1
    assert visit.terminal.charged_cents == 0
    [record] = visit.kiosk.journal.records.values()
    assert not record.state.finished  # left for resume_unfinished, which releases the hold
    visit.kiosk.runner().resume_unfinished()
    assert visit.kiosk.journal.records[record.transaction_id].state is SagaState.REVERSED
    assert visit.terminal.held_cents == 0


# --- a change of address interrupted ------------------------------------------------------------


def journal_breaks_on_the_second_programme(visit: Visit, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = visit.kiosk.journal
    open_transaction = journal.open_transaction

    def open_once(record: TransactionRecord) -> None:
        if journal.opened:
            raise sqlite3.OperationalError("disk I/O error")
        open_transaction(record)

    monkeypatch.setattr(journal, "open_transaction", open_once)


def kiosk_stops_while_sending_to_the_second_programme(
    visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    visit.kiosk.transport.will_stop_the_kiosk_during_the_next_write(after_recording=False)


@pytest.mark.parametrize(
    "interrupt",
    [journal_breaks_on_the_second_programme, kiosk_stops_while_sending_to_the_second_programme],
    ids=["journal", "backend"],
)
def test_a_change_of_address_interrupted_after_the_first_programme_is_never_sent_again(
    visit: Visit,
    monkeypatch: pytest.MonkeyPatch,
    interrupt: Callable[[Visit, pytest.MonkeyPatch], None],
) -> None:
    session = visit.session
    visit.to_address_review(HEALTH_CARD, DRIVERS_LICENCE)
    interrupt(visit, monkeypatch)

    session.send()

    view = session.view
    assert visit.step() is Step.REVIEW
    assert view.message == "error.send_interrupted"
    assert view.locked
    assert not view.busy
    session.send()
    session.back()  # correcting the address and reviewing again does not unlock it
    session.proceed()
    assert visit.step() is Step.REVIEW
    session.send()
    assert visit.step() is Step.REVIEW
    assert len(visit.kiosk.health.write_calls) == 1
    assert len(visit.kiosk.health.writes) == 1
    assert visit.kiosk.transport.writes_of("change_address") == []
    assert visit.kiosk.printer.receipts == []


# --- the territories' postal codes --------------------------------------------------------------


def test_a_postal_code_starting_with_x_asks_which_territory(visit: Visit) -> None:
    session = visit.session
    to_the_unit_question(visit, "Mivvik Street")
    visit.answer("")  # no unit
    visit.answer("Iqaluit")
    visit.answer("x0a 0h0")

    assert visit.question == "province"
    assert session.view.message is None
    assert session.view.review is None
    form = session.view.form
    assert form is not None
    assert set(form.field.options) == {"NT", "NU"}

    session.choose("NU")

    assert visit.step() is Step.REVIEW
    review = session.view.review
    assert review is not None
    assert review.lines[1].value.split() == ["Iqaluit", "NU", "X0A", "0H0"]
    session.send()
    assert visit.step() is Step.RECEIPT
    assert visit.kiosk.health.addresses["1234567890AB"].province == "NU"


# --- double taps ---------------------------------------------------------------------------------


def test_a_double_tap_on_continue_does_not_skip_the_next_question(visit: Visit) -> None:
    session = visit.session
    to_the_unit_question(visit)

    visit.pace.still = True  # the second tap lands as the unit question appears
    session.proceed()

    assert visit.question == "unit"
    form = session.view.form
    assert form is not None
    assert form.answer("unit") is None
    assert session.view.message is None
    visit.pace.still = False
    visit.answer("app. 12")
    assert visit.question == "city"


def test_a_double_tap_on_a_service_does_not_answer_its_first_question(visit: Visit) -> None:
    session = visit.session
    visit.to_menu()
    session.choose_service(REGISTRATION)
    visit.pace.still = True
    session.choose("plate")
    assert visit.question == "lookup_by"
    visit.pace.still = False
    session.choose("plate")
    assert visit.question == "plate"


# --- guessing who owns what -----------------------------------------------------------------------


def ask_for_the_driver_record(visit: Visit, date_of_birth: str) -> None:
    """Open the driver's record and give the licence and a date of birth."""
    visit.session.choose_service(DRIVER_RECORD)
    visit.answer(LICENCE_TYPED)
    visit.answer(date_of_birth)


def test_three_wrong_dates_of_birth_send_the_citizen_to_a_counter(visit: Visit) -> None:
    session = visit.session
    visit.to_menu()
    ask_for_the_driver_record(visit, "19840310")
    assert visit.question == "date_of_birth"
    assert session.view.message == "error.date_of_birth_mismatch"
    session.proceed()
    assert session.view.message == "error.date_of_birth_mismatch"
    session.proceed()

    assert visit.step() is Step.MENU
    assert session.view.message == "error.too_many_refusals"
    assert session.view.form is None
    assert visit.kiosk.transport.lookups == [f"licence {OWNER}"] * 3

    session.wipe()  # the next citizen starts afresh
    visit.to_menu()
    ask_for_the_driver_record(visit, "19840311")
    assert visit.question == "date_of_birth"
    assert session.view.message == "error.date_of_birth_mismatch"


# --- the card -------------------------------------------------------------------------------------


def test_a_decline_with_a_bank_code_the_kiosk_does_not_know_says_the_card_was_declined(
    visit: Visit,
) -> None:
    session = visit.session
    visit.to_registration_review()
    visit.terminal.will_decline("declined_51")

    visit.pay_with_card()

    assert visit.step() is Step.PAYMENT
    assert session.view.payment_phase is PaymentPhase.DECLINED
    assert session.view.message == "error.card_declined"
    assert not session.view.locked
    assert visit.terminal.charged_cents == 0
    visit.pay_with_card()  # another card
    assert visit.step() is Step.RECEIPT
    assert visit.terminal.charged_cents == REGISTRATION_FEES[1] + 100


def test_going_back_from_the_review_to_fix_the_licence_keeps_the_chosen_term(
    visit: Visit,
) -> None:
    session = visit.session
    visit.to_registration_review()
    session.choose_option("2")
    session.back()
    assert visit.question == "licence_number"
    session.proceed()
    assert visit.step() is Step.REVIEW
    assert session.view.option == "2"
    assert session.view.quote is not None
    assert session.view.quote.total_cents == REGISTRATION_FEES[2] + 100


# --- a survey that cannot be stored ---------------------------------------------------------------


class BrokenSurveyLog:
    """A survey store whose disk is full."""

    def record(self, answer: SurveyAnswer) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    def counts(self, month: str | None = None) -> list[ServiceSurveyCounts]:
        return []


def test_a_survey_answer_that_cannot_be_stored_still_wipes_the_visit() -> None:
    visit = Visit(survey=BrokenSurveyLog())
    renewed_and_thanked(visit)
    visit.session.rate("good")
    visit.session.wipe()
    assert visit.step() is Step.ATTRACT
    assert visit.session.view.service is None
    assert visit.session.view.record is None
    assert visit.session.view.survey_rating is None


def test_a_survey_the_worker_refuses_still_wipes_the_visit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    visit = Visit(survey=BrokenSurveyLog())
    renewed_and_thanked(visit)
    visit.session.rate("good")

    def stopped(job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        raise RuntimeError("worker not started")

    monkeypatch.setattr(visit.worker, "submit", stopped)
    visit.session.wipe()
    assert visit.step() is Step.ATTRACT
    assert visit.session.view.record is None
    assert visit.session.view.survey_rating is None


@pytest.mark.usefixtures("garbled_printer")
def test_a_printer_bug_after_a_change_of_address_still_shows_every_outcome(visit: Visit) -> None:
    visit.to_address_review(HEALTH_CARD, DRIVERS_LICENCE)

    visit.session.send()

    view = visit.session.view
    assert visit.step() is Step.RECEIPT
    assert [outcome.status.value for outcome in view.outcomes] == ["done", "done"]
    assert view.receipt_printed is False
    assert not view.locked


def test_a_fine_the_ministry_refuses_after_the_card_is_held_is_not_paid_again(
    visit: Visit,
) -> None:
    session = visit.session
    visit.to_menu()
    session.choose_service("fine")
    for digit in "100042158731":
        session.press_key(digit)
    session.submit_notice()
    assert visit.step() is Step.NOTICE_DETAILS
    visit.kiosk.ministry.refuse("notice_already_paid")  # paid elsewhere a moment ago

    visit.pay_with_card()

    assert visit.step() is Step.NOTICE_ENTRY
    assert session.view.message == "error.notice_already_paid"
    assert session.view.notices == ()
    session.pay()
    assert len(visit.terminal.authorize_requests) == 1
    assert visit.terminal.charged_cents == 0
