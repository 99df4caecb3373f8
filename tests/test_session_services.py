"""A citizen using the services beyond fines, intent by intent, with fakes at the ports.

No Kivy: the screens' intents are called as the screens call them, the slow work runs on an
inline worker, and the backends, terminal, printer and journal are the fakes of fakes.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from program_fakes import OWES_FINES, OWNER, REGISTRATION_FEES
from service_visits import (
    ADDRESS_CHANGE,
    LICENCE_TYPED,
    REGISTRATION,
    STREET,
    Visit,
    renewed_and_thanked,
)

from kiosk_app.session_view import Step
from offline_store.database import KioskDatabase
from offline_store.survey import TABLE, SqliteSurveyLog
from transactions.address_change import DRIVERS_LICENCE, HEALTH_CARD, Status
from transactions.records import LineItem
from transactions.saga.states import SagaState
from transactions.survey import STATEMENTS


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
