"""The saga's shell: performs the effects the state machine asks for, journaling each step.

Before every side effect its intent is journaled with the step's idempotency key; after it,
the outcome and the new state. A transaction interrupted anywhere is resumed from the
journal by :meth:`SagaRunner.resume_unfinished`, and a repeated call carries the same key,
so the backend does it once.

Paid services go through :meth:`SagaRunner.pay`; free ones (change of address) through
:meth:`SagaRunner.submit`, which never touches the payment terminal.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from transactions.errors import BackendError, KioskError
from transactions.fees import Quote
from transactions.payment import PaymentRequest
from transactions.ports import Clock, Journal, PaymentTerminal, ReceiptPrinter
from transactions.receipt import Receipt
from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.states import Effect, Event, SagaState, transition

logger = logging.getLogger(__name__)

T = TypeVar("T")

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def new_reference() -> str:
    """Return a citizen-facing reference such as ``K-7Q4M-2XPD``."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"K-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Posted:
    """A ministry's confirmation, with what its answer adds to the receipt (new expiry…)."""

    confirmation: str
    receipt_data: Fields = ()


def required_authorization(record: TransactionRecord) -> str:
    """Return the authorization a paid posting refers to; without one it is refused for good."""
    if record.authorization_id is None:
        raise BackendError("no authorization to post", code="not_authorized", permanent=True)
    return record.authorization_id


def required_posting_value(record: TransactionRecord, name: str) -> str:
    """Return a field posting needs; a missing one is refused for good (money goes back)."""
    value = record.posting_value(name)
    if value is None:
        raise BackendError(
            f"{name} missing for posting", code="posting_data_missing", permanent=True
        )
    return value


class ServiceSteps(Protocol):
    """What differs between services: how to post to the ministry and what the receipt says."""

    def post(self, record: TransactionRecord, idempotency_key: str) -> str | Posted:
        """Record the transaction with the ministry; return its confirmation number.

        Raise BackendError(permanent=True) when the ministry refuses for good, and a
        retry-later BackendError when it cannot be reached.
        """
        ...

    def receipt(self, record: TransactionRecord, printed_at: str) -> Receipt:
        """Return the receipt document for ``record``."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How often to repeat a 'retry later' failure while the citizen waits."""

    delays: tuple[float, ...] = (0.5, 1.5)


@dataclass(frozen=True)
class Outcome:
    """The event an effect produced, with the fields it changes on the record."""

    event: Event
    changes: dict[str, Any] = field(default_factory=dict)
    receipt: Receipt | None = None
    retry_after: float | None = None
    """Seconds the backend asked to wait before the next attempt (Retry-After)."""


WAITING_BEHIND = "waiting_behind_earlier"
"""failure_code of a delivery held back while an earlier one about its subject waits."""


@dataclass(frozen=True)
class SagaResult:
    """Where a transaction ended, and the receipt if one was printed or attempted."""

    record: TransactionRecord
    receipt: Receipt | None = None


class SagaRunner:
    """Run transactions through the saga with the kiosk's ports."""

    def __init__(
        self,
        *,
        journal: Journal,
        terminal: PaymentTerminal,
        printer: ReceiptPrinter,
        steps: Callable[[str], ServiceSteps],
        clock: Clock,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._journal = journal
        self._terminal = terminal
        self._printer = printer
        self._steps = steps
        self._clock = clock
        self._retry = retry or RetryPolicy()

    def open(
        self,
        service: str,
        language: str,
        items: tuple[LineItem, ...],
        kiosk_fee_cents: int,
        *,
        posting_data: Fields = (),
        receipt_data: Fields = (),
    ) -> TransactionRecord:
        """Store a new quoted transaction and return it."""
        record = TransactionRecord(
            transaction_id=str(uuid.uuid4()),
            service=service,
            language=language,
            state=SagaState.QUOTED,
            items=items,
            kiosk_fee_cents=kiosk_fee_cents,
            reference=new_reference(),
            created_at=self._clock.now().isoformat(),
            posting_data=posting_data,
            receipt_data=receipt_data,
        )
        self._journal.open_transaction(record)
        logger.info("transaction %s opened for %s", record.transaction_id, service)
        return record

    def open_quote(self, service: str, language: str, quote: Quote) -> TransactionRecord:
        """Store a new transaction for what ``quote`` prices, its fee kept apart."""
        return self.open(
            service,
            language,
            quote.items(),
            quote.kiosk_fee_cents,
            posting_data=quote.posting_data(),
            receipt_data=quote.receipt_data(),
        )

    def pay(self, record: TransactionRecord) -> SagaResult:
        """Take the payment and see the transaction through, with the citizen present."""
        result = self._drive(record, Outcome(Event.PAY), attended=True)
        if result.record.state is SagaState.RECEIPT_PRINTED:
            finished = self._apply(result.record, Outcome(Event.FINISH), "finish")[0]
            return replace(result, record=finished)
        return result

    def submit(self, record: TransactionRecord) -> SagaResult:
        """Post a free transaction to its ministry, with the citizen present; no payment.

        Ends DONE, REJECTED (refused for good: ``failure_code`` says why) or SUBMIT_QUEUED
        (unreachable: :meth:`resume_unfinished` delivers it later with the same key).
        """
        if record.total_cents != 0:
            raise ValueError("only a free transaction is submitted without payment")
        return self._drive(record, Outcome(Event.SUBMIT), attended=True)

    def print_receipt(self, receipt: Receipt) -> bool:
        """Print a receipt that covers more than one transaction; return False if it failed.

        A change of address is one transaction per programme but one receipt for the
        citizen; its transactions are already finished, so nothing is journaled here.
        """
        try:
            self._printer.print_receipt(receipt)
        except KioskError as err:
            logger.warning("receipt %s not printed: %s", receipt.reference, err.code)
            return False
        except Exception:  # what was sent is sent: a printer bug must not hide the outcomes
            logger.exception("receipt %s could not be printed", receipt.reference)
            return False
        return True

    def cancel(self, record: TransactionRecord) -> TransactionRecord:
        """Cancel a transaction the citizen has not paid for."""
        return self._drive(record, Outcome(Event.CANCEL), attended=True).record

    def resume_unfinished(self, opened_before: str | None = None) -> list[TransactionRecord]:
        """Finish every interrupted transaction from its journal, with no citizen present.

        Only transactions opened before ``opened_before`` (an ISO time; the process's start)
        are touched, so a payment a citizen is making right now is never resumed under them.
        """
        finished = []
        for waiting in self._journal.unfinished():
            if opened_before is not None and waiting.created_at >= opened_before:
                continue
            record = self._journal.claim(waiting.transaction_id)
            if record is None or record.state.finished:
                continue  # another process (the agent) has it, or finished it meanwhile
            logger.info(
                "resuming transaction %s from %s", record.transaction_id, record.state.value
            )
            finished.append(self._drive(record, Outcome(Event.RESUME), attended=False).record)
        return finished

    def deliver_due(
        self, limit: int = 20, stop: Callable[[], bool] = lambda: False
    ) -> list[TransactionRecord]:
        """Make each queued call that is due, once, with no citizen present (the agent's work).

        A call that fails again is rescheduled by the journal's backoff; one refused for good
        after payment makes the saga reverse the payment. ``stop`` is asked between
        transactions, so a stopping agent never leaves one half-driven.
        """
        delivered = []
        for transaction_id in self._journal.due(limit):
            if stop():
                break
            record = self.deliver(transaction_id)
            if record is not None:
                delivered.append(record)
        return delivered

    def deliver(self, transaction_id: str) -> TransactionRecord | None:
        """Claim one due transaction and make its waiting call; None if another process has
        it or nothing is left to do. Calls about different subjects may run at once."""
        record = self._journal.claim(transaction_id)
        if record is None:
            return None
        return self.deliver_claimed(record)

    def deliver_claimed(self, record: TransactionRecord) -> TransactionRecord | None:
        """Make the waiting call of a transaction this process has claimed (None: finished)."""
        if record.state.finished:
            return None
        return self._drive(record, Outcome(Event.RESUME), attended=False).record

    def _drive(self, record: TransactionRecord, first: Outcome, *, attended: bool) -> SagaResult:
        record, effects = self._apply(record, first, first.event.value)
        queue = deque(effects)
        receipt: Receipt | None = None
        retry_after: float | None = None
        while queue:
            effect = queue.popleft()
            self._journal.record_intent(record, effect.value)
            outcome = self._perform(effect, record, attended)
            receipt = outcome.receipt or receipt
            retry_after = outcome.retry_after
            record, more = self._apply(record, outcome, effect.value)
            queue.extend(more)
        if not record.state.finished:  # a finished one's rows were closed with its outcome
            self._journal.release(record, retry_after)
        return SagaResult(record=record, receipt=receipt)

    def _apply(
        self, record: TransactionRecord, outcome: Outcome, step: str
    ) -> tuple[TransactionRecord, tuple[Effect, ...]]:
        state, effects = transition(record.state, outcome.event)
        updated = replace(record, state=state, **outcome.changes)
        if outcome.event is Event.RESUME and updated == record:
            return record, effects  # nothing changed: the intent that follows is the record
        if state.finished:
            # Nothing is left to post or print: keep no personal data past this point.
            updated = replace(updated, posting_data=(), receipt_data=())
        self._journal.record_outcome(updated, step, outcome.event.value)
        if state is not record.state:
            logger.info(
                "transaction %s: %s -> %s", record.transaction_id, record.state.value, state.value
            )
        return updated, effects

    def _perform(self, effect: Effect, record: TransactionRecord, attended: bool) -> Outcome:
        match effect:
            case Effect.AUTHORIZE:
                return self._authorize(record)
            case Effect.POST:
                return self._post(record)
            case Effect.CAPTURE:
                return self._capture(record)
            case Effect.PRINT:
                return self._print(record) if attended else Outcome(Event.PRINT_SKIPPED)
            case Effect.REVERSE:
                return self._reverse(record)

    def _authorize(self, record: TransactionRecord) -> Outcome:
        request = PaymentRequest(
            amount_cents=record.total_cents,
            merchant_reference=record.transaction_id,
            idempotency_key=record.key(Effect.AUTHORIZE.value),
        )
        try:
            answer = self._terminal.authorize(request)
        except KioskError as err:
            logger.warning("authorization of %s failed: %s", record.transaction_id, err.code)
            return Outcome(Event.PAYMENT_UNREACHABLE, {"failure_code": err.code})
        card = {"card_brand": answer.card_brand, "card_last4": answer.card_last4}
        if answer.approved:
            return Outcome(Event.APPROVED, {**card, "authorization_id": answer.authorization_id})
        return Outcome(
            Event.DECLINED, {**card, "failure_code": answer.decline_reason or "declined"}
        )

    def _post(self, record: TransactionRecord) -> Outcome:
        steps = self._steps(record.service)
        key = record.key(Effect.POST.value)
        if self._journal.waits_behind(record):
            # An earlier change about the same subject is still queued: sending this one first
            # would let the older one overwrite it when it gets through. Queue behind it.
            return Outcome(Event.POST_UNREACHABLE, {"failure_code": WAITING_BEHIND})
        try:
            answer = self._with_retries(lambda: steps.post(record, key))
        except BackendError as err:
            if err.permanent:
                # Refused for good: never posted again, so what posting needed goes.
                return Outcome(Event.POST_REFUSED, {"failure_code": err.code, "posting_data": ()})
            return Outcome(
                Event.POST_UNREACHABLE, {"failure_code": err.code}, retry_after=err.retry_after
            )
        posted = answer if isinstance(answer, Posted) else Posted(answer)
        changes: dict[str, Any] = {
            "confirmation": posted.confirmation,
            "failure_code": None,
            "posting_data": (),  # the ministry has it now
            "receipt_data": record.receipt_data + posted.receipt_data,
        }
        return Outcome(Event.POSTED, changes)

    def _capture(self, record: TransactionRecord) -> Outcome:
        authorization_id = record.authorization_id or ""
        key = record.key(Effect.CAPTURE.value)
        try:
            self._with_retries(
                lambda: self._terminal.capture(authorization_id, record.total_cents, key)
            )
        except KioskError as err:
            # The ministry has the payment; the capture waits for the next attempt and is
            # listed for technicians if it never goes through.
            logger.error("capture of %s failed: %s", record.transaction_id, err.code)
            return Outcome(
                Event.CAPTURE_UNREACHABLE, {"failure_code": err.code}, retry_after=_after(err)
            )
        return Outcome(Event.CAPTURED, {"failure_code": None})

    def _print(self, record: TransactionRecord) -> Outcome:
        receipt: Receipt | None = None
        try:
            receipt = self._steps(record.service).receipt(record, self._clock.now().isoformat())
            self._printer.print_receipt(receipt)
        except KioskError as err:
            logger.warning("receipt for %s not printed: %s", record.transaction_id, err.code)
            return Outcome(Event.PRINT_FAILED, receipt=receipt)
        except Exception:  # the money has moved: a receipt bug must not hide that from anyone
            logger.exception("receipt for %s could not be made", record.transaction_id)
            return Outcome(Event.PRINT_FAILED, receipt=receipt)
        return Outcome(Event.PRINTED, {"receipt_printed": True}, receipt=receipt)

    def _reverse(self, record: TransactionRecord) -> Outcome:
        key = record.key(Effect.REVERSE.value)
        try:
            self._with_retries(lambda: self._terminal.reverse(record.transaction_id, key))
        except KioskError as err:
            logger.error("reversal of %s failed: %s", record.transaction_id, err.code)
            # failure_code keeps why the money goes back (the citizen's message says it).
            return Outcome(Event.REVERSAL_UNREACHABLE, retry_after=_after(err))
        return Outcome(Event.REVERSED)

    def _with_retries(self, call: Callable[[], T]) -> T:
        for delay in self._retry.delays:
            try:
                return call()
            except BackendError as err:
                if err.permanent:
                    raise
                logger.info("retrying in %.1f s after %s", delay, err.code)
                self._clock.sleep(delay)
        return call()


def _after(err: KioskError) -> float | None:
    return err.retry_after if isinstance(err, BackendError) else None
