"""One citizen's visit: the intents the screens send, turned into new views to render.

The view and the steps live in ``session_view``; which message an error code gets, in
``messages``.

No Kivy here. Screens call the intent methods on the UI thread; anything slow (a backend
look-up, the payment) runs on the worker and its result comes back through ``post`` on the
UI thread. A visit wiped by the inactivity guard drops results that arrive late.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kiosk_app.flows.base import ServiceFlow
from kiosk_app.flows.review import Review
from kiosk_app.flows.state import FormState
from kiosk_app.messages import GUESSABLE, KNOWN_ERRORS, PAYMENT_CODES, code_of, message_key
from kiosk_app.session_base import SessionBase
from kiosk_app.session_view import (
    MAX_REFUSALS,
    MAX_TYPED,
    SETTLE_SECONDS,
    PaymentPhase,
    Step,
    progress,
)
from kiosk_app.worker import Worker
from transactions.address_change import AddressChangeResult
from transactions.errors import KioskError
from transactions.fines.notices import Notice, normalize_notice_number
from transactions.fines.service import SERVICE as FINE_SERVICE
from transactions.fines.service import FinePayments
from transactions.ports import SurveyLog
from transactions.records import TransactionRecord
from transactions.saga.runner import SagaResult, SagaRunner
from transactions.saga.states import SagaState
from transactions.survey import RATINGS, STATEMENTS, survey_answer

logger = logging.getLogger(__name__)


class CitizenSession(SessionBase):
    """Hold one visit's state and carry out the screens' intents."""

    def __init__(
        self,
        *,
        fines: FinePayments,
        runner: SagaRunner,
        terminal: Any,
        worker: Worker,
        default_language: str,
        flows: Mapping[str, ServiceFlow] | None = None,
        survey: SurveyLog | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fines = fines
        self._flows = dict(flows or {})
        self._survey = survey
        self._runner = runner
        self._terminal = terminal
        self._question_since = 0.0
        self._refusals = 0
        super().__init__(worker=worker, default_language=default_language, monotonic=monotonic)

    def _simulated_card(self) -> bool:
        return hasattr(self._terminal, "tap")

    # -- navigation ------------------------------------------------------------------
    def start(self) -> None:
        """Leave the attract screen."""
        if self.view.step is Step.ATTRACT:
            self._set(step=Step.LANGUAGE)

    def choose_language(self, language: str) -> None:
        """Pick the language on the language screen and go to the services."""
        self._set(
            language=language, step=Step.MENU if self.view.step is Step.LANGUAGE else self.view.step
        )

    def switch_language(self, language: str) -> None:
        """Change the language on any screen, keeping everything entered."""
        self._set(language=language)

    def set_unavailable(self, services: frozenset[str]) -> None:
        """Show these services as unavailable on the menu (their backends are down)."""
        self._unavailable = services
        if services != self.view.unavailable:
            self._set(unavailable=services)

    def choose_service(self, service: str) -> None:
        """Open a service from the menu (not one shown as unavailable)."""
        if self.view.step is not Step.MENU or service in self._unavailable:
            return
        if service == FINE_SERVICE:
            self._set(step=Step.NOTICE_ENTRY, service=service, typed="", message=None)
        elif service in self._flows:
            form = FormState(self._flows[service])
            self._show_form(form, step=Step.FORM, service=service, message=None)

    def progress(self) -> tuple[int, int] | None:
        """Return (this step, number of steps) inside a service, else None."""
        return progress(self.view)

    def back(self) -> None:
        """Go back one screen (cancelling a payment still waiting for the card)."""
        step = self.view.step
        if self.view.busy:
            return
        if step is Step.PAYMENT:
            self.cancel_payment()
            return
        form = self.view.form
        if step is Step.FORM and form is not None:
            earlier = form.back()
            if earlier is None:
                self._to_menu()
            else:
                self._set(form=earlier, message=None)
            return
        if step is Step.REVIEW and form is not None:
            self._set(step=Step.FORM, form=form.at(form.fields[-1].name), message=None)
            return
        previous = {
            Step.LANGUAGE: Step.ATTRACT,
            Step.MENU: Step.LANGUAGE,
            Step.NOTICE_ENTRY: Step.NOTICE_DETAILS if self.view.notices else Step.MENU,
            Step.NOTICE_DETAILS: Step.MENU,
        }.get(step)
        if previous is Step.MENU:
            self._to_menu()
        elif previous is not None:
            self._set(step=previous, message=None)

    def _to_menu(self) -> None:
        self._set(
            step=Step.MENU,
            typed="",
            notices=(),
            quote=None,
            service=None,
            form=None,
            review=None,
            option=None,
            record=None,
            receipt=None,
            outcomes=(),
            locked=False,
            message=None,
        )

    def wipe(self) -> None:
        """Forget everything the citizen entered and return to the attract screen."""
        try:
            self._save_survey()
        except Exception:  # a survey must never keep the last citizen's data on screen
            logger.exception("survey answer not stored")
        self._generation += 1
        self._refusals = 0
        if self.view.step is Step.PAYMENT and self.view.payment_phase is PaymentPhase.WAITING_CARD:
            self._terminal.cancel_wait()
        self._busy_since = None
        self.view = self._fresh_view(self._default_language)
        self._set()
        logger.info("visit wiped")

    # -- notice entry ----------------------------------------------------------------
    def press_key(self, digit: str) -> None:
        """Type one digit on the keypad."""
        if digit.isdigit() and len(self.view.typed) < MAX_TYPED and not self.view.busy:
            self._set(typed=self.view.typed + digit, message=None)

    def erase(self) -> None:
        """Erase the last character typed (on the keypad, or on a form's keyboard)."""
        if self.view.busy:
            return
        form = self.view.form
        if self.view.step is Step.FORM and form is not None:
            self._set(form=form.erase(), message=None)
        else:
            self._set(typed=self.view.typed[:-1], message=None)

    def submit_notice(self) -> None:
        """Look up the typed notice; a malformed number is refused on the spot."""
        if self.view.busy or self.view.step is not Step.NOTICE_ENTRY:
            return
        try:
            normalize_notice_number(self.view.typed)
        except KioskError as err:
            self._set(message=message_key(err.code))
            return
        typed, chosen = self.view.typed, self.view.notices
        self._run(lambda: self._fines.look_up(typed, chosen), self._notice_found)

    def _notice_found(self, notice: Notice) -> None:
        notices = (*self.view.notices, notice)
        self._set(
            notices=notices,
            quote=self._fines.quote(notices),
            typed="",
            step=Step.NOTICE_DETAILS,
            message=None,
        )

    def scanned(self, code: str) -> None:
        """Take a notice number read by the barcode scanner as if typed, and look it up."""
        if self.view.busy:
            return
        if self.view.step is Step.MENU:
            for service, flow in self._flows.items():
                given = flow.scan(code)
                if given is not None:
                    self.choose_service(service)
                    self._scanned_answers(given)
                    return
            self.choose_service(FINE_SERVICE)
        elif self.view.step is Step.FORM and self.view.form is not None:
            given = self.view.form.flow.scan(code)
            if given is not None:
                self._scanned_answers(given)
            return
        elif self.view.step is Step.NOTICE_DETAILS:
            self.add_another()
        if self.view.step is not Step.NOTICE_ENTRY:
            return  # before the language is chosen, or while paying: not the time
        digits = "".join(ch for ch in code if ch.isascii() and ch.isdigit())
        self._set(typed=digits[:MAX_TYPED], message=None)
        self.submit_notice()

    def _scanned_answers(self, given: dict[str, str]) -> None:
        form = self.view.form
        if form is not None:
            self._set(form=form.with_answers(given), message=None)

    def add_another(self) -> None:
        """Go back to the keypad to add another notice to the same payment."""
        if self.view.step is Step.NOTICE_DETAILS and not self.view.busy:
            self._set(step=Step.NOTICE_ENTRY, typed="", message=None)

    # -- the other services' forms -----------------------------------------------------
    def _settling(self) -> bool:
        """Return True just after a new question appeared (a double tap's second half)."""
        return self._monotonic() - self._question_since < SETTLE_SECONDS

    def _show_form(self, form: FormState, **changes: Any) -> None:
        """Show ``form``; a new question starts the double-tap guard."""
        current = self.view.form
        if current is None or form.index != current.index or form.field != current.field:
            self._question_since = self._monotonic()
        self._set(form=form, **changes)

    def type_key(self, key: str) -> None:
        """Press key ``key`` (a key name of kiosk_app.flows.keyboard) on the form's keyboard."""
        form = self.view.form
        if self.view.step is Step.FORM and not self.view.busy and form is not None:
            self._set(form=form.press(key), message=None)

    def choose(self, option: str) -> None:
        """Tap an option of the form's question: one answers it, ticks toggle."""
        form = self.view.form
        if self.view.step is not Step.FORM or form is None or self.view.busy:
            return
        if self._settling():
            return
        if form.field.multiple:
            self._set(form=form.tick(option), message=None)
            return
        chosen = form.choose(option)
        if chosen is form:
            return  # not one of the options
        self._after_answer(form, chosen)

    def proceed(self) -> None:
        """Take the answer typed or ticked and go to the next question (or the review)."""
        form = self.view.form
        if self.view.step is not Step.FORM or form is None or self.view.busy:
            return
        if self._settling():
            return
        try:
            answered = form.proceed()
        except KioskError as err:
            self._set(message=message_key(code_of(err)))
            return
        self._after_answer(form, answered)

    def _after_answer(self, before: FormState, answered: FormState) -> None:
        """Show the next question, or look the answers up when none is left.

        Whether a question was the last is known only once it is answered: an answer can
        add questions (a postal code starting with X asks for the territory).
        """
        self._show_form(answered, message=None)
        if answered.field.name == before.field.name:
            self._look_up()

    def _look_up(self) -> None:
        form = self.view.form
        if form is None:
            return
        answers = form.answer_map
        self._run(lambda: form.flow.review(answers), self._reviewed, on_error=self._refused)

    def _reviewed(self, review: Review) -> None:
        values = [choice.value for choice in review.options]
        option = self.view.option if self.view.option in values else None
        if option is None and values:
            option = values[0]
        self._set(
            step=Step.REVIEW,
            review=review,
            option=option,
            quote=review.quote_for(option),
            message=None,
        )

    def _refused(self, err: KioskError) -> None:
        """Put the citizen back on the question to correct, with the reason."""
        form = self.view.form
        code = code_of(err)
        if code in GUESSABLE:
            self._refusals += 1
            if self._refusals >= MAX_REFUSALS:
                self._to_menu()
                self._set(message="error.too_many_refusals")
                return
        if form is not None:
            name = form.flow.field_for(code, form.answer_map)
            if name is not None:
                form = form.at(name)
        if form is not None:
            self._show_form(
                form, step=Step.FORM, review=None, quote=None, message=message_key(code)
            )

    def choose_option(self, option: str) -> None:
        """Pick one of the review's options (a renewal term)."""
        review = self.view.review
        if self.view.step is not Step.REVIEW or review is None or self.view.busy:
            return
        if any(choice.value == option for choice in review.options):
            self._set(option=option, quote=review.quote_for(option), message=None)

    def send(self) -> None:
        """Send a free service's request (a change of address) once reviewed."""
        form, review = self.view.form, self.view.review
        if self.view.busy or self.view.step is not Step.REVIEW or form is None or review is None:
            return
        if review.paid:
            return
        submit = getattr(form.flow, "submit", None)
        if submit is None:
            return
        if self.view.locked:
            return
        answers, language = form.answer_map, self.view.language
        self._run(lambda: submit(answers, language), self._sent, on_failure=self._send_failed)

    def _send_failed(self, err: BaseException) -> None:
        """A refusal before anything was sent goes back to its question; anything else locks.

        Programmes are sent one after the other: once one may have been sent, sending again
        could send it twice, so the citizen is told to ask staff instead.
        """
        form = self.view.form
        code = code_of(err) if isinstance(err, KioskError) else None
        if isinstance(err, KioskError) and form is not None and code in form.flow.error_fields:
            self._refused(err)  # refused before anything was sent
            return
        logger.error("change of address interrupted", exc_info=err)
        self._set(locked=True, message="error.send_interrupted")

    def _sent(self, result: AddressChangeResult) -> None:
        self._set(
            step=Step.RECEIPT,
            outcomes=result.outcomes,
            receipt=result.receipt,
            receipt_printed=result.receipt_printed,
            record=None,
        )

    def _review_step(self) -> Step:
        return Step.REVIEW if self.view.form is not None else Step.NOTICE_DETAILS

    # -- payment ---------------------------------------------------------------------
    def pay(self) -> None:
        """Open the transaction and wait for the citizen's card."""
        quote = self.view.quote
        if (
            self.view.busy
            or quote is None
            or self.view.step not in (Step.NOTICE_DETAILS, Step.REVIEW, Step.PAYMENT)
        ):
            return
        if self.view.locked:
            return
        if self.view.step is Step.PAYMENT and self.view.payment_phase in (
            PaymentPhase.WAITING_CARD,
            PaymentPhase.PROCESSING,
        ):
            return
        language = self.view.language
        service = self.view.service or FINE_SERVICE
        self._set(step=Step.PAYMENT, payment_phase=PaymentPhase.WAITING_CARD, message=None)

        def take_payment() -> SagaResult:
            record = self._runner.open_quote(service, language, quote)
            return self._runner.pay(record)

        self._run(take_payment, self._payment_done, busy=False, on_failure=self._payment_broke)

    def _payment_broke(self, err: BaseException) -> None:
        """Something unforeseen stopped the payment: it may have gone through; never pay twice."""
        logger.error("payment interrupted", exc_info=err)
        self._set(
            step=Step.PAYMENT,
            payment_phase=PaymentPhase.FAILED,
            locked=True,
            busy=False,
            message="error.payment_interrupted",
        )

    def tap_card(self) -> None:
        """Tap the simulated card on the terminal (simulated terminals only)."""
        if self.view.payment_phase is PaymentPhase.WAITING_CARD and self.view.simulated_card:
            self._begin_wait()
            self._set(payment_phase=PaymentPhase.PROCESSING, busy=True)
            self._terminal.tap()

    def cancel_payment(self) -> None:
        """Stop waiting for the card; nothing is charged."""
        if self.view.payment_phase is PaymentPhase.WAITING_CARD:
            self._terminal.cancel_wait()
        elif self.view.payment_phase in (PaymentPhase.DECLINED, PaymentPhase.FAILED):
            self._set(step=self._review_step(), payment_phase=None, message=None)

    def _payment_done(self, result: SagaResult) -> None:
        record = result.record
        if record.state in (
            SagaState.DONE,
            SagaState.RECEIPT_PRINTED,
            SagaState.POST_QUEUED,
            SagaState.CAPTURE_QUEUED,
        ):
            self._set(
                step=Step.RECEIPT,
                record=record,
                receipt=result.receipt,
                receipt_printed=record.receipt_printed,
                payment_phase=None,
            )
        elif record.state is SagaState.DECLINED:
            code = record.failure_code or "card_declined"
            known = code in KNOWN_ERRORS
            message = message_key(code) if known else "error.card_declined"
            self._set(payment_phase=PaymentPhase.DECLINED, message=message, record=record)
        elif record.failure_code == "payment_cancelled":
            self._set(step=self._review_step(), payment_phase=None, message=None)
        elif record.state is SagaState.REVERSAL_QUEUED:
            # The ministry refused or the payment broke, and the hold is not released yet.
            self._set(
                payment_phase=PaymentPhase.FAILED,
                locked=True,
                message="error.payment_hold",
                record=record,
            )
        elif record.state is SagaState.REVERSED and self._refused_by_ministry(record):
            self._ministry_refused(record)
        else:
            self._set(
                payment_phase=PaymentPhase.FAILED, message="error.payment_failed", record=record
            )

    @staticmethod
    def _refused_by_ministry(record: TransactionRecord) -> bool:
        code = record.failure_code or ""
        return code in KNOWN_ERRORS and code not in PAYMENT_CODES

    def _ministry_refused(self, record: TransactionRecord) -> None:
        """The ministry refused after the card was authorized (the hold is released): say why,
        and go back to what the citizen can correct, never straight to paying again."""
        code = record.failure_code or ""
        self._set(payment_phase=None, record=None)
        if self.view.form is not None:
            self._refused(KioskError(code, code=code))
        else:  # the notices as they were cannot be paid: look them up again
            self._set(step=Step.NOTICE_ENTRY, notices=(), quote=None, message=message_key(code))

    def finish(self) -> None:
        """Leave the receipt screen for the thank-you screen (and its optional survey)."""
        if self.view.step is Step.RECEIPT:
            self._set(step=Step.THANK_YOU)

    # -- the satisfaction survey -------------------------------------------------------
    def rate(self, rating: str) -> None:
        """Answer "how was it?" with one tap (it can be changed until the visit ends)."""
        # An unknown value would make survey_answer raise inside wipe(), leaving the visit
        # on screen: ignore it here instead.
        if self.view.step is Step.THANK_YOU and rating in RATINGS:
            self._set(survey_rating=rating)

    def agree(self, statement: str) -> None:
        """Tick or untick one of the survey's short statements."""
        if (
            self.view.step is Step.THANK_YOU
            and self.view.survey_rating is not None
            and statement in STATEMENTS
        ):
            self._set(survey_agreed=self.view.survey_agreed ^ {statement})

    def _save_survey(self) -> None:
        """Store the survey's answer, if one was given: service and month only, nothing else."""
        view = self.view
        if view.step is not Step.THANK_YOU or view.survey_rating is None or self._survey is None:
            return
        answer = survey_answer(
            view.service or FINE_SERVICE,
            datetime.now().strftime("%Y-%m"),
            view.survey_rating,
            view.survey_agreed,
        )
        survey = self._survey
        self._worker.submit(lambda: survey.record(answer), self._survey_saved)

    @staticmethod
    def _survey_saved(outcome: Any) -> None:
        if isinstance(outcome, BaseException):
            logger.error("survey answer not stored", exc_info=outcome)
