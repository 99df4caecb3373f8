"""The citizen's visit as the screens drive it, with fakes at the ports and no Kivy."""

from __future__ import annotations

import pytest
from fakes import SEEDED_NOTICES, FakeClock, FakeJournal, FakeMinistry, FakePrinter, FakeTexts

from kiosk_app.messages import message_key
from kiosk_app.session import CitizenSession
from kiosk_app.session_view import PaymentPhase, Step
from kiosk_app.worker import InlineWorker
from transactions.errors import BackendUnavailable
from transactions.fines.service import FinePayments, FineSteps
from transactions.payment import PaymentOutcome, PaymentRequest
from transactions.saga.runner import RetryPolicy, SagaRunner
from transactions.saga.states import SagaState


class TapTerminal:
    """A simulated terminal whose card is tapped before authorize runs (inline worker)."""

    def __init__(self, outcome: str = "approve") -> None:
        self.outcome = outcome
        self.tapped = False
        self.cancelled = False
        self.captured: list[str] = []

    def tap(self) -> None:
        self.tapped = True

    def cancel_wait(self) -> None:
        self.cancelled = True

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        if self.cancelled or not self.tapped:
            from transactions.errors import DeviceError

            raise DeviceError("no card", code="payment_cancelled")
        if self.outcome == "decline":
            return PaymentOutcome(False, None, "visa", "0002", "card_declined")
        return PaymentOutcome(True, "A-1", "visa", "4242")

    def capture(self, authorization_id: str, amount_cents: int, idempotency_key: str) -> None:
        self.captured.append(idempotency_key)

    def reverse(self, merchant_reference: str, idempotency_key: str) -> None:
        pass


def make_session(terminal: TapTerminal, ministry: FakeMinistry | None = None) -> CitizenSession:
    ministry = ministry or FakeMinistry()
    runner = SagaRunner(
        journal=FakeJournal(),
        terminal=terminal,
        printer=FakePrinter(),
        steps=lambda _s: FineSteps(ministry, "k", lambda _l: FakeTexts()),
        clock=FakeClock(),
        retry=RetryPolicy(delays=()),
    )
    session = CitizenSession(
        fines=FinePayments(ministry),
        runner=runner,
        terminal=terminal,
        worker=InlineWorker(),
        default_language="fr",
    )
    return session


def type_number(session: CitizenSession, number: str) -> None:
    for digit in number:
        session.press_key(digit)


def to_keypad(session: CitizenSession, language: str = "en") -> None:
    session.start()
    session.choose_language(language)
    session.choose_service("fine")
    assert session.view.step is Step.NOTICE_ENTRY


def test_a_citizen_pays_two_notices_and_reaches_the_receipt() -> None:
    terminal = TapTerminal()
    session = make_session(terminal)
    to_keypad(session)
    type_number(session, "210005609818")
    session.submit_notice()
    session.add_another()
    type_number(session, "220033182472")
    session.submit_notice()
    assert session.view.step is Step.NOTICE_DETAILS
    assert session.view.quote is not None
    assert session.view.quote.ministry_amount_cents == 7500
    assert session.view.quote.kiosk_fee_cents == 100
    terminal.tap()
    session.pay()
    assert session.view.step.value == "receipt"  # narrowed by mypy otherwise
    assert session.view.record is not None
    assert session.view.record.state is SagaState.DONE
    session.finish()
    assert session.view.step.value == "thank_you"


def test_a_mistyped_number_is_refused_on_the_spot_without_asking_the_backend() -> None:
    ministry = FakeMinistry()
    session = make_session(TapTerminal(), ministry)
    to_keypad(session)
    type_number(session, "100042158732")  # last digit wrong
    session.submit_notice()
    assert session.view.step is Step.NOTICE_ENTRY
    assert session.view.message == "error.notice_number_check_digit"
    assert session.view.typed == "100042158732"  # kept, so the citizen can correct it


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("100099900019", "error.notice_not_found"),
        ("100042158749", "error.notice_already_paid"),
        ("12345", "error.notice_number_length"),
        ("", "error.notice_number_empty"),
    ],
)
def test_bad_notices_get_a_message_the_citizen_can_act_on(number: str, message: str) -> None:
    session = make_session(TapTerminal())
    to_keypad(session)
    type_number(session, number)
    session.submit_notice()
    assert session.view.step is Step.NOTICE_ENTRY
    assert session.view.message == message


def test_a_backend_that_does_not_answer_says_try_again_later() -> None:
    ministry = FakeMinistry()

    def down(_number: str) -> None:
        raise BackendUnavailable("down")

    ministry.look_up_notice = down  # type: ignore[method-assign,assignment]
    session = make_session(TapTerminal(), ministry)
    to_keypad(session)
    type_number(session, "100042158731")
    session.submit_notice()
    assert session.view.message == "error.backend_unavailable"
    assert not session.view.busy


def test_a_declined_card_is_explained_and_another_card_can_be_tried() -> None:
    terminal = TapTerminal(outcome="decline")
    session = make_session(terminal)
    to_keypad(session)
    type_number(session, "100042158731")
    session.submit_notice()
    terminal.tap()
    session.pay()
    assert session.view.step is Step.PAYMENT
    assert session.view.payment_phase is PaymentPhase.DECLINED
    assert session.view.message == "error.card_declined"
    terminal.outcome = "approve"
    session.pay()
    assert session.view.step.value == "receipt"


def test_the_language_switches_on_any_screen_and_keeps_what_was_typed() -> None:
    session = make_session(TapTerminal())
    to_keypad(session, "fr")
    type_number(session, "1000")
    session.switch_language("en")
    assert session.view.language == "en"
    assert session.view.typed == "1000"
    assert session.view.step is Step.NOTICE_ENTRY


def test_a_wipe_forgets_everything_and_cancels_a_card_wait() -> None:
    terminal = TapTerminal()
    session = make_session(terminal)
    to_keypad(session, "en")
    type_number(session, "100042158731")
    session.submit_notice()
    session.wipe()
    assert session.view.step is Step.ATTRACT
    assert session.view.typed == ""
    assert session.view.notices == ()
    assert session.view.quote is None
    assert session.view.language == "fr"


def test_the_keypad_takes_digits_only_and_not_forever() -> None:
    session = make_session(TapTerminal())
    to_keypad(session)
    for key in "1x2-3" + "9" * 40:
        session.press_key(key)
    assert session.view.typed.isdigit()
    assert len(session.view.typed) == 16
    session.erase()
    assert len(session.view.typed) == 15


def test_unknown_error_codes_fall_back_to_a_generic_message() -> None:
    assert message_key("notice_not_found") == "error.notice_not_found"
    assert message_key("http_502") == "error.backend_unavailable"
    assert message_key("something_new") == "error.generic"


def test_seeded_notices_in_the_fakes_match_the_sandbox_data() -> None:
    import json
    from importlib import resources

    data = json.loads((resources.files("ministry_sandbox") / "data" / "fines.json").read_text())
    seeded = {f["notice_number"]: f["amount_due_cents"] for f in data["fines"]}
    assert {n.notice_number: n.amount_due_cents for n in SEEDED_NOTICES} == seeded


def test_a_scanned_notice_is_looked_up_as_if_typed() -> None:
    session = make_session(TapTerminal())
    session.start()
    session.choose_language("fr")
    session.scanned("100042158731\r")
    assert session.view.step.value == "notice_details"
    assert [n.notice_number for n in session.view.notices] == ["100042158731"]
    session.scanned("21-000560981-8")
    assert [n.notice_number for n in session.view.notices] == ["100042158731", "210005609818"]


def test_a_scan_before_the_language_is_chosen_is_ignored() -> None:
    session = make_session(TapTerminal())
    session.scanned("100042158731")
    assert session.view.step is Step.ATTRACT
    assert session.view.notices == ()


def test_a_scanned_code_that_is_not_a_notice_is_explained() -> None:
    session = make_session(TapTerminal())
    to_keypad(session)
    session.scanned("ABC-123")
    assert session.view.message == "error.notice_number_length"


def test_the_progress_indicator_counts_the_screens_of_paying_a_fine() -> None:
    from kiosk_app.session_view import SessionView, progress

    def at(step: Step) -> tuple[int, int] | None:
        return progress(SessionView(step=step, language="fr"))

    assert at(Step.ATTRACT) is None
    assert at(Step.MENU) is None
    assert at(Step.NOTICE_ENTRY) == (1, 4)
    assert at(Step.NOTICE_DETAILS) == (2, 4)
    assert at(Step.PAYMENT) == (3, 4)
    assert at(Step.RECEIPT) == (4, 4)
    assert at(Step.THANK_YOU) is None
