"""A citizen using the services beyond fines, intent by intent, with fakes at the ports.

No Kivy: the screens' intents are called as the screens call them, the slow work runs on an
inline worker, and the backends, terminal, printer and journal are the fakes of fakes.py.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeJournal, FakeKiosk, FakeTerminal, FakeTexts, kiosk_with_journal
from program_fakes import OWES_FINES, OWNER, REGISTRATION_FEES

from kiosk_app.flows.address_change import AddressChangeFlow
from kiosk_app.flows.base import ServiceFlow
from kiosk_app.flows.driver_record import DriverRecordFlow
from kiosk_app.flows.keyboard import keystrokes
from kiosk_app.flows.outdoor_card import OutdoorCardFlow
from kiosk_app.flows.plates import PlateFlow
from kiosk_app.flows.registration import RegistrationFlow
from kiosk_app.session import CitizenSession, PaymentPhase, Step
from kiosk_app.worker import InlineWorker
from offline_store.database import KioskDatabase
from offline_store.survey import TABLE, SqliteSurveyLog
from transactions.address_change import DRIVERS_LICENCE, HEALTH_CARD, Status
from transactions.errors import DeviceError
from transactions.fines.service import FinePayments
from transactions.natural_resources.outdoor_card import OutdoorCardRenewals
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.ports import SurveyLog
from transactions.records import LineItem, TransactionRecord
from transactions.saga.states import SagaState
from transactions.survey import STATEMENTS, ServiceSurveyCounts, SurveyAnswer
from transactions.transport.driver_record import DriverRecords
from transactions.transport.personalized_plates import PersonalizedPlates
from transactions.transport.registration import RegistrationRenewals

REGISTRATION = "registration-renewal"
ADDRESS_CHANGE = "address-change"
LICENCE_TYPED = "c6023 45678 90123"  # OWNER's licence, typed lowercase with spaces
STREET = "rue Éloïse-Côté-Tremblay"


class TappedTerminal(FakeTerminal):
    """The fake gateway behind a simulated terminal: no card, no authorization."""

    def __init__(self) -> None:
        super().__init__()
        self.tapped = False

    def tap(self) -> None:
        """Tap the simulated card."""
        self.tapped = True

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Authorize once a card was tapped; else the wait is cancelled, as on the device."""
        if not self.tapped:
            raise DeviceError("no card", code="payment_cancelled")
        return super().authorize(request)


class OpeningJournal(FakeJournal):
    """The fake journal, also keeping each transaction as it was opened."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[TransactionRecord] = []

    def open_transaction(self, record: TransactionRecord) -> None:
        """Keep ``record`` as opened, then store it."""
        self.opened.append(record)
        super().open_transaction(record)


class HeldWorker(InlineWorker):
    """Run jobs at once, or hold them while ``held`` (a slow terminal or ministry)."""

    def __init__(self) -> None:
        self.held = False
        self.waiting: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``job`` now, or keep it for ``release``."""
        if self.held:
            self.waiting.append((job, done))
        else:
            super().submit(job, done)

    def release(self) -> None:
        """Run every job held, in order."""
        self.held = False
        while self.waiting:
            super().submit(*self.waiting.pop(0))


class PersonsPace:
    """A monotonic clock where each look at it is a second later: a person's pace, no double
    taps, unless a test holds it still with ``still = True``."""

    def __init__(self) -> None:
        self.now = 0.0
        self.still = False

    def __call__(self) -> float:
        if not self.still:
            self.now += 1.0
        return self.now


class Visit:
    """One kiosk of fakes and the citizen session its screens drive."""

    def __init__(self, survey: SurveyLog | None = None) -> None:
        self.kiosk: FakeKiosk[OpeningJournal] = kiosk_with_journal(OpeningJournal())
        self.terminal = TappedTerminal()
        self.kiosk.terminal = self.terminal
        self.worker = HeldWorker()
        self.pace = PersonsPace()
        runner = self.kiosk.runner()
        transport, clock = self.kiosk.transport, self.kiosk.clock
        flows: list[ServiceFlow] = [
            RegistrationFlow(RegistrationRenewals(transport)),
            AddressChangeFlow(runner, lambda _language: FakeTexts(), clock),
            DriverRecordFlow(DriverRecords(transport, clock), clock),
            PlateFlow(PersonalizedPlates(transport)),
            OutdoorCardFlow(OutdoorCardRenewals(self.kiosk.natural_resources)),
        ]
        self.session = CitizenSession(
            fines=FinePayments(self.kiosk.ministry),
            runner=runner,
            terminal=self.terminal,
            worker=self.worker,
            default_language="fr",
            flows={flow.service: flow for flow in flows},
            survey=survey,
            monotonic=self.pace,
        )

    def step(self) -> Step:
        """Return the screen shown (a call, so mypy does not narrow it between intents)."""
        return self.session.view.step

    @property
    def question(self) -> str | None:
        """Return the name of the question on screen."""
        form = self.session.view.form
        return form.field.name if form is not None and self.step() is Step.FORM else None

    def to_menu(self, language: str = "fr") -> None:
        """Start, pick the language, reach the menu."""
        self.session.start()
        self.session.choose_language(language)
        assert self.step() is Step.MENU

    def type(self, text: str) -> None:
        """Press, one by one, the keys that type ``text`` on the question's keyboard."""
        form = self.session.view.form
        assert form is not None
        keyboard = form.field.keyboard
        assert keyboard is not None, f"{form.field.name} is not typed"
        for key in keystrokes(text, keyboard):
            self.session.type_key(key)

    def answer(self, text: str) -> None:
        """Type ``text`` and press Continue."""
        self.type(text)
        self.session.proceed()

    def to_registration_review(self, plate: str = "cbkr 274", licence: str = LICENCE_TYPED) -> None:
        """Ask for the renewal by plate, as far as the review."""
        self.to_menu()
        self.session.choose_service(REGISTRATION)
        self.session.choose("plate")
        self.answer(plate)
        self.answer(licence)

    def pay_with_card(self) -> None:
        """Pay, then tap the card while the terminal waits for it."""
        self.worker.held = True
        self.session.pay()
        assert self.session.view.payment_phase is PaymentPhase.WAITING_CARD
        self.session.tap_card()
        self.worker.release()

    def to_address_review(self, *programmes: str) -> None:
        """Fill in a change of address to the health card and the licence."""
        self.to_menu()
        self.session.choose_service(ADDRESS_CHANGE)
        for programme in programmes:
            self.session.choose(programme)
        self.session.proceed()
        numbers = {HEALTH_CARD: "1234567890ab", DRIVERS_LICENCE: LICENCE_TYPED}
        for programme in programmes:
            self.answer(numbers[programme])
        self.answer("1234")
        self.answer(STREET)
        self.answer("app. 12")
        self.answer("Montréal")
        self.session.choose("QC")
        self.answer("h2x 3k8")


@pytest.fixture
def visit() -> Visit:
    return Visit()


# --- a whole registration renewal -----------------------------------------------------------


def test_a_citizen_renews_a_registration_for_two_years_by_intents(visit: Visit) -> None:
    session = visit.session
    visit.to_menu()
    session.choose_service(REGISTRATION)
    assert visit.question == "lookup_by"
    session.choose("plate")
    assert visit.question == "plate"
    visit.answer("cbkr 274")
    assert visit.question == "licence_number"
    visit.answer(LICENCE_TYPED)
    assert visit.step() is Step.REVIEW
    assert session.view.option == "1"  # the shortest term is offered first
    session.choose_option("2")
    session.choose_option("5")  # not on offer: nothing changes
    assert session.view.option == "2"
    assert session.view.quote is not None
    assert session.view.quote.total_cents == REGISTRATION_FEES[2] + 100

    visit.pay_with_card()

    assert visit.step() is Step.RECEIPT
    [opened] = visit.kiosk.journal.opened
    assert opened.service == REGISTRATION
    assert opened.language == "fr"
    assert opened.items == (LineItem("CBKR274", REGISTRATION_FEES[2]),)
    assert opened.kiosk_fee_cents == 100
    assert dict(opened.posting_data) == {"licence_number": OWNER, "years": "2"}
    [record] = visit.kiosk.journal.records.values()
    assert record.transaction_id == opened.transaction_id
    assert record.state is SagaState.DONE
    assert record.posting_data == ()  # the ministry has the licence now; the kiosk forgets it
    assert [r.amount_cents for r in visit.terminal.authorize_requests] == [11900]
    assert visit.terminal.charged_cents == 11900
    assert visit.kiosk.transport.vehicles["CBKR274"].current_expiry == "2029-03-09"
    assert visit.kiosk.printer.receipts == [session.view.receipt]


def test_someone_elses_vehicle_puts_the_citizen_back_on_the_licence_question(
    visit: Visit,
) -> None:
    visit.to_registration_review(licence=OWES_FINES.lower())
    assert visit.step() is Step.FORM
    assert visit.question == "licence_number"
    assert visit.session.view.message == "error.vehicle_not_owned"
    form = visit.session.view.form
    assert form is not None
    assert form.typed == OWES_FINES  # kept, to be corrected
    assert not visit.session.view.busy
    assert visit.kiosk.journal.records == {}


def test_a_plate_not_found_puts_the_citizen_back_on_the_plate(visit: Visit) -> None:
    visit.to_registration_review(plate="zzz 999")
    assert visit.question == "plate"
    assert visit.session.view.message == "error.vehicle_not_found"
    form = visit.session.view.form
    assert form is not None
    assert form.typed == "ZZZ 999"
    assert form.answer("licence_number") == LICENCE_TYPED.upper()


def test_a_mistyped_licence_is_refused_before_asking_the_ministry(visit: Visit) -> None:
    visit.to_menu()
    visit.session.choose_service(REGISTRATION)
    visit.session.choose("plate")
    visit.answer("cbkr 274")
    visit.answer("c6023")
    assert visit.question == "licence_number"
    assert visit.session.view.message == "error.licence_number_format"
    assert visit.kiosk.transport.lookups == []


def test_continuing_with_nothing_typed_says_an_answer_is_missing(visit: Visit) -> None:
    visit.to_menu()
    visit.session.choose_service(REGISTRATION)
    visit.session.choose("plate")
    visit.session.proceed()
    assert visit.question == "plate"
    assert visit.session.view.message == "error.answer_missing"
    visit.type("c")
    assert visit.session.view.message is None  # typing clears the message


# --- the progress indicator -----------------------------------------------------------------


def test_a_paid_service_counts_its_questions_then_review_payment_and_receipt(
    visit: Visit,
) -> None:
    session = visit.session
    visit.to_menu()
    assert session.progress() is None
    session.choose_service(REGISTRATION)
    seen = [session.progress()]
    session.choose("plate")
    seen.append(session.progress())
    visit.answer("cbkr 274")
    seen.append(session.progress())
    visit.answer(LICENCE_TYPED)
    seen.append(session.progress())
    visit.worker.held = True
    session.pay()
    seen.append(session.progress())
    session.tap_card()
    visit.worker.release()
    seen.append(session.progress())
    assert seen == [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]
    session.finish()
    assert session.progress() is None


def test_a_free_service_counts_no_payment_and_grows_with_the_programmes_ticked(
    visit: Visit,
) -> None:
    session = visit.session
    visit.to_menu()
    session.choose_service(ADDRESS_CHANGE)
    assert session.progress() == (1, 1 + 5 + 2)  # ticks, the address, review, receipt
    session.choose(HEALTH_CARD)
    session.choose(DRIVERS_LICENCE)
    session.proceed()
    assert session.progress() == (2, 1 + 2 + 5 + 2)
    visit.answer("1234567890ab")
    visit.answer(LICENCE_TYPED)
    visit.answer("1234")
    visit.answer(STREET)
    visit.answer("app. 12")
    visit.answer("Montréal")
    assert session.progress() == (8, 10)
    visit.answer("h2x 3k8")
    assert visit.step() is Step.REVIEW
    assert session.progress() == (9, 10)
    session.send()
    assert visit.step() is Step.RECEIPT
    assert session.progress() == (10, 10)


# --- pressing twice --------------------------------------------------------------------------


def test_pressing_pay_twice_opens_one_transaction_and_authorizes_once(visit: Visit) -> None:
    visit.to_registration_review()
    visit.worker.held = True
    visit.session.pay()
    visit.session.pay()
    visit.session.tap_card()
    visit.session.pay()
    visit.worker.release()
    visit.session.pay()  # on the receipt: nothing to pay
    assert visit.step() is Step.RECEIPT
    assert len(visit.kiosk.journal.records) == 1
    assert len(visit.terminal.authorize_requests) == 1
    assert visit.terminal.charged_cents == REGISTRATION_FEES[1] + 100


def test_pressing_send_twice_sends_the_address_once(visit: Visit) -> None:
    visit.to_address_review(HEALTH_CARD, DRIVERS_LICENCE)
    assert visit.step() is Step.REVIEW
    visit.worker.held = True
    visit.session.send()
    visit.session.send()
    visit.worker.release()
    visit.session.send()
    assert visit.step() is Step.RECEIPT
    assert len(visit.kiosk.journal.records) == 2  # one per programme, not two per programme
    assert len(visit.kiosk.health.writes) == 1
    assert len(visit.kiosk.transport.writes_of("change_address")) == 1
    assert len(visit.kiosk.printer.receipts) == 1
    assert [o.status for o in visit.session.view.outcomes] == [Status.DONE, Status.DONE]


def test_pressing_continue_twice_on_the_last_question_asks_the_ministry_once(
    visit: Visit,
) -> None:
    visit.to_menu()
    visit.session.choose_service(REGISTRATION)
    visit.session.choose("plate")
    visit.answer("cbkr 274")
    visit.type(LICENCE_TYPED)
    visit.worker.held = True
    visit.session.proceed()
    visit.session.proceed()
    visit.session.type_key("1")  # typing while the kiosk looks it up does nothing
    visit.worker.release()
    assert visit.step() is Step.REVIEW
    assert visit.kiosk.transport.lookups == ["registration CBKR274"]


def test_a_look_up_answering_after_the_visit_was_wiped_is_dropped(visit: Visit) -> None:
    visit.to_menu()
    visit.session.choose_service(REGISTRATION)
    visit.session.choose("plate")
    visit.answer("cbkr 274")
    visit.type(LICENCE_TYPED)
    visit.worker.held = True
    visit.session.proceed()
    visit.session.wipe()
    visit.worker.release()
    assert visit.step() is Step.ATTRACT
    assert visit.session.view.form is None
    assert visit.session.view.review is None


def test_a_free_service_cannot_be_paid_for(visit: Visit) -> None:
    visit.to_address_review(HEALTH_CARD)
    visit.session.pay()
    assert visit.step() is Step.REVIEW
    assert visit.terminal.authorize_requests == []


# --- going back and scanning ------------------------------------------------------------------


def test_going_back_from_the_first_question_returns_to_the_menu_keeping_nothing(
    visit: Visit,
) -> None:
    session = visit.session
    visit.to_menu()
    session.choose_service(REGISTRATION)
    session.choose("plate")
    visit.type("cbkr")
    session.back()
    assert visit.question == "lookup_by"
    session.back()
    assert visit.step() is Step.MENU
    assert session.view.form is None
    assert session.view.service is None
    assert session.view.message is None
    session.choose_service(REGISTRATION)
    form = session.view.form
    assert form is not None
    assert form.answers == ()
    assert form.typed == ""


def test_going_back_from_the_review_reopens_the_last_question(visit: Visit) -> None:
    visit.to_registration_review()
    assert visit.step() is Step.REVIEW
    visit.session.back()
    assert visit.question == "licence_number"
    form = visit.session.view.form
    assert form is not None
    assert form.typed == LICENCE_TYPED.upper()


def test_a_renewal_notice_scanned_at_the_menu_opens_the_renewal_at_the_licence(
    visit: Visit,
) -> None:
    visit.to_menu()
    visit.session.scanned("RN0000001234\r")
    assert visit.step() is Step.FORM
    assert visit.session.view.service == REGISTRATION
    form = visit.session.view.form
    assert form is not None
    assert form.answer("lookup_by") == "notice"
    assert form.answer("renewal_notice") == "RN0000001234"
    assert visit.question == "licence_number"
    visit.answer(LICENCE_TYPED)
    assert visit.step() is Step.REVIEW
    review = visit.session.view.review
    assert review is not None
    assert review.lines[0].value == "CKLM555"


def test_a_fine_notice_scanned_at_the_menu_still_opens_the_fine(visit: Visit) -> None:
    visit.to_menu()
    visit.session.scanned("100042158731")
    assert visit.step() is Step.NOTICE_DETAILS
    assert visit.session.view.form is None


# --- the survey ----------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Iterator[KioskDatabase]:
    db = KioskDatabase(tmp_path / "var" / "kiosk.sqlite3")
    yield db
    db.close()


def survey_rows(database: KioskDatabase) -> list[dict[str, Any]]:
    with database.reading() as db:
        return list(db.query(f"select * from {TABLE}"))


def renewed_and_thanked(visit: Visit) -> None:
    visit.to_registration_review()
    visit.pay_with_card()
    visit.session.finish()
    assert visit.step() is Step.THANK_YOU


def test_a_survey_answer_keeps_the_service_and_month_and_nothing_about_the_citizen(
    database: KioskDatabase,
) -> None:
    visit = Visit(survey=SqliteSurveyLog(database))
    renewed_and_thanked(visit)
    [record] = visit.kiosk.journal.records.values()
    visit.session.rate("good")
    visit.session.agree("easy")
    before = datetime.now().strftime("%Y-%m")
    visit.session.wipe()
    after = datetime.now().strftime("%Y-%m")
    visit.session.wipe()  # a second wipe (inactivity after the thank-you) adds nothing

    [row] = survey_rows(database)
    assert set(row) == {"service", "month", "rating", *STATEMENTS, "answers"}
    assert row["answers"] == 1
    assert row["service"] == REGISTRATION
    assert row["rating"] == "good"
    assert {s: row[s] for s in STATEMENTS} == {s: int(s == "easy") for s in STATEMENTS}
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}", row["month"])  # no day, no time of day
    assert row["month"] in {before, after}
    stored = " ".join(str(value) for value in row.values())
    for personal in (record.reference, record.transaction_id, "CBKR", OWNER, "4242", "Éloïse"):
        assert personal not in stored


def test_a_survey_left_unanswered_stores_nothing(database: KioskDatabase) -> None:
    visit = Visit(survey=SqliteSurveyLog(database))
    renewed_and_thanked(visit)
    visit.session.agree("easy")  # statements appear only once a rating is tapped
    assert visit.session.view.survey_agreed == frozenset()
    visit.session.wipe()
    assert survey_rows(database) == []


def test_a_visit_wiped_before_the_thank_you_stores_no_survey(database: KioskDatabase) -> None:
    visit = Visit(survey=SqliteSurveyLog(database))
    visit.to_registration_review()
    visit.session.rate("poor")  # not on the thank-you screen: ignored
    visit.session.wipe()
    assert survey_rows(database) == []
    assert visit.step() is Step.ATTRACT
    assert visit.session.view.form is None


def test_a_rating_the_survey_does_not_know_is_ignored_and_the_visit_still_wiped(
    database: KioskDatabase,
) -> None:
    visit = Visit(survey=SqliteSurveyLog(database))
    renewed_and_thanked(visit)
    visit.session.rate("excellent")
    assert visit.session.view.survey_rating is None
    visit.session.rate("okay")
    visit.session.agree("cheap")
    assert visit.session.view.survey_agreed == frozenset()
    visit.session.wipe()
    assert visit.step() is Step.ATTRACT
    assert [(row["rating"], row["easy"]) for row in survey_rows(database)] == [("okay", 0)]


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
    visit.to_menu()
    session.choose_service(ADDRESS_CHANGE)
    session.choose(HEALTH_CARD)
    session.proceed()
    visit.answer("1234567890ab")
    visit.answer("1234")
    visit.answer("Mivvik Street")
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
    visit.to_menu()
    session.choose_service(ADDRESS_CHANGE)
    session.choose(HEALTH_CARD)
    session.proceed()
    visit.answer("1234567890ab")
    visit.answer("1234")
    visit.answer(STREET)
    assert visit.question == "unit"

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
