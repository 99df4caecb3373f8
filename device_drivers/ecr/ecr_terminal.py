"""A semi-integrated card terminal on a serial line: the kiosk's ECR messages over Concert.

The terminal reads the card and talks to the acquirer; the kiosk sends it AUTHORIZE,
CAPTURE, CANCEL and STATUS (PROTOCOL.md). A lost answer never leads to charging twice:
after an AUTHORIZE whose answer did not come back, the kiosk asks STATUS for the same
merchant reference and reports what the terminal actually did, or raises so that the
saga's reversal (CANCEL) runs.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import replace

from device_drivers.ecr.link import (
    AnswerLost,
    ConcertLink,
    LinkError,
    LinkUnavailable,
    NotDelivered,
    Opener,
    open_serial,
)
from device_drivers.ecr.messages import (
    Answer,
    Authorize,
    Cancel,
    Capture,
    EcrProtocolError,
    Request,
    Result,
    SaleState,
    Status,
    encode_request,
    parse_answer,
    request_code,
    request_key,
)
from transactions.devices import DeviceHealth, HealthStatus
from transactions.errors import BackendError, BackendUnavailable, DeviceError
from transactions.payment import CARD_BRANDS, PaymentOutcome, PaymentRequest

logger = logging.getLogger(__name__)

FIX = "check the terminal's serial cable and power"


class EcrSerialTerminal:
    """Take card payments through a semi-integrated terminal on a serial port."""

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        response_timeout: float = 90.0,
        *,
        query_timeout: float = 10.0,
        link_timeout: float = 2.0,
        cancel_grace: float = 4.0,
        register: int = 1,
        opener: Opener = open_serial,
    ) -> None:
        self._port = port
        self._response_timeout = response_timeout
        self._query_timeout = query_timeout
        self._cancel_grace = cancel_grace
        self._register = register
        self._link = ConcertLink(port, baudrate, link_timeout, opener)
        self._lock = threading.Lock()  # one exchange at a time on the line
        self._abort = threading.Event()
        self._seq = secrets.randbelow(9999) + 1
        self._health = DeviceHealth(
            HealthStatus.UNKNOWN, "no exchange with the terminal yet", FIX, {"port": port}
        )

    def authorize(self, request: PaymentRequest) -> PaymentOutcome:
        """Pre-authorize the amount on the citizen's card; ask STATUS if the answer is lost."""
        message = Authorize(
            seq=0,
            key=request_key(request.idempotency_key),
            amount_cents=request.amount_cents,
            merchant_reference=request.merchant_reference,
            register=self._register,
        )
        self._check(message)
        with self._lock:
            self._abort.clear()
            message = replace(message, seq=self._next_seq())
            try:
                answer = self._exchange(message, self._response_timeout, abort=self._abort)
            except LinkUnavailable as err:
                raise DeviceError(str(err), code=err.code) from err
            except NotDelivered as err:
                if not err.maybe_delivered:
                    raise DeviceError(str(err), code=err.code) from err
                answer = self._recover(message, cancelled=False)
            except AnswerLost as err:
                logger.warning("answer to AUTHORIZE %s lost: %s", message.merchant_reference, err)
                answer = self._recover(message, cancelled=err.cancelled)
        return self._outcome(answer, message)

    def capture(self, authorization_id: str, amount_cents: int, idempotency_key: str) -> None:
        """Complete an authorization; the terminal answers a repeated capture the same way."""
        message = Capture(0, request_key(idempotency_key), authorization_id, amount_cents)
        answer = self._settle(message)
        if answer.result is Result.APPROVED:
            logger.info("authorization %s captured", authorization_id)
            return
        self._refused(answer, "capture")

    def reverse(self, merchant_reference: str, idempotency_key: str) -> None:
        """Void everything the terminal holds for this transaction (no-op when nothing)."""
        message = Cancel(0, request_key(idempotency_key), merchant_reference)
        answer = self._settle(message)
        if answer.result is Result.APPROVED:
            logger.info("transaction %s voided on the terminal", merchant_reference)
            return
        if answer.result is Result.NOT_FOUND:
            logger.info("nothing to void on the terminal for %s", merchant_reference)
            return
        self._refused(answer, "reversal")

    def cancel_wait(self) -> None:
        """Stop waiting for a card: send the abort (CAN) if a sale waits for the card."""
        self._abort.set()

    def health(self) -> DeviceHealth:
        """Return what the last exchange showed."""
        return self._health

    def self_test(self) -> DeviceHealth:
        """Test the link (ENQ/ACK/EOT), then ask the status of the last transaction.

        While a payment holds the line, return the last known health instead of waiting.
        """
        if not self._lock.acquire(blocking=False):
            return self._health
        try:
            return self._self_test_locked()
        finally:
            self._lock.release()

    def close(self) -> None:
        """Release the serial port."""
        with self._lock:
            self._link.close()

    def _self_test_locked(self) -> DeviceHealth:
        try:
            self._link.link_test()
        except LinkError as err:
            self._down(f"link test on {self._port} failed: {err}")
            return self._health
        try:
            answer = self._exchange(Status(self._next_seq(), register=self._register))
        except LinkError:
            return self._health  # _exchange recorded why
        if answer.result is not Result.BUSY:
            data = {"port": self._port, "last_transaction": answer.state.name.lower()}
            self._health = DeviceHealth(
                HealthStatus.OK, "link test and status query answered", data=data
            )
        return self._health

    def _check(self, message: Request) -> None:
        try:
            encode_request(message)
        except EcrProtocolError as err:
            raise DeviceError(str(err), code="payment_request_invalid") from err
        if isinstance(message, Authorize | Capture) and message.amount_cents <= 0:
            raise DeviceError("the amount must be positive", code="payment_request_invalid")

    def _next_seq(self) -> int:
        self._seq = self._seq % 9999 + 1
        return self._seq

    def _exchange(
        self, message: Request, timeout: float | None = None, abort: threading.Event | None = None
    ) -> Answer:
        """Send ``message`` and return its answer; keep the health in step."""
        payload = encode_request(message)
        try:
            self._link.send(payload)
            raw = self._link.receive(
                self._query_timeout if timeout is None else timeout,
                lambda candidate: _answers(candidate, message),
                abort,
                self._cancel_grace,
            )
        except LinkUnavailable as err:
            self._down(f"serial port {self._port} unavailable: {err}")
            raise
        except LinkError as err:
            self._down(f"the terminal on {self._port} did not answer ({err})")
            raise
        answer = parse_answer(raw)
        if answer.result is Result.BUSY:
            self._set(HealthStatus.DEGRADED, "the terminal is busy", "finish the operation on it")
        else:
            self._set(HealthStatus.OK, "the terminal answered", "")
        return answer

    def _recover(self, sale: Authorize, *, cancelled: bool) -> Answer:
        """Ask what became of ``sale`` after its answer was lost."""
        status = Status(self._next_seq(), sale.merchant_reference, register=self._register)
        try:
            answer = self._exchange(status)
        except LinkError as err:
            logger.error("status of %s unknown: %s", sale.merchant_reference, err)
            raise DeviceError(
                "the terminal's answer was lost and its status cannot be read",
                code="terminal_outcome_unknown",
            ) from err
        if answer.result is Result.NOT_FOUND:
            code = "payment_cancelled" if cancelled else "terminal_no_answer"
            raise DeviceError("the terminal did not take the payment", code=code)
        if answer.result is Result.BUSY or answer.merchant_reference != sale.merchant_reference:
            raise DeviceError("the sale's status is unknown", code="terminal_outcome_unknown")
        logger.info("recovered the outcome of %s through STATUS", sale.merchant_reference)
        return answer

    def _outcome(self, answer: Answer, sale: Authorize) -> PaymentOutcome:
        """Turn the terminal's answer to a sale into the saga's outcome."""
        has_card = answer.brand in CARD_BRANDS and len(answer.last4) == 4
        if answer.result is Result.APPROVED:
            if (
                not has_card
                or not answer.authorization_id
                or answer.amount_cents != sale.amount_cents
                or answer.merchant_reference != sale.merchant_reference
                or answer.state not in (SaleState.AUTHORIZED, SaleState.CAPTURED)
            ):
                raise DeviceError("approval does not match the sale", code="terminal_mismatch")
            logger.info(
                "terminal approved %s (authorization %s)",
                sale.merchant_reference,
                answer.authorization_id,
            )
            return PaymentOutcome(True, answer.authorization_id, answer.brand, answer.last4)
        if answer.result is Result.DECLINED:
            if not has_card:
                raise DeviceError("declined before the card was read", code="payment_declined")
            logger.info("terminal declined %s: %s", sale.merchant_reference, answer.decline_reason)
            return PaymentOutcome(False, None, answer.brand, answer.last4, answer.decline_reason)
        codes = {Result.CANCELLED: "payment_cancelled", Result.BUSY: "terminal_busy"}
        raise DeviceError(
            f"terminal answered {answer.result.name}",
            code=codes.get(answer.result, "terminal_protocol_error"),
        )

    def _settle(self, message: Capture | Cancel) -> Answer:
        """Run a capture or a cancel; a link failure is 'retry later' with the same key."""
        try:
            encode_request(message)
        except EcrProtocolError as err:
            raise BackendError(str(err), code="payment_request_invalid", permanent=True) from err
        with self._lock:
            message = replace(message, seq=self._next_seq())
            try:
                answer = self._exchange(message)
            except LinkError as err:
                raise BackendUnavailable(str(err), code=err.code) from err
        if answer.result is Result.BUSY:
            raise BackendUnavailable("the terminal is busy", code="terminal_busy")
        return answer

    def _refused(self, answer: Answer, step: str) -> None:
        code = {
            Result.NOT_FOUND: "authorization_not_found",
            Result.DECLINED: f"{step}_refused",
        }.get(answer.result, "terminal_protocol_error")
        logger.error("terminal refused the %s: %s (%s)", step, code, answer.reason)
        raise BackendError(f"{step} refused: {answer.reason}", code=code, permanent=True)

    def _down(self, detail: str) -> None:
        self._set(HealthStatus.DOWN, detail, FIX)

    def _set(self, status: HealthStatus, detail: str, fix: str) -> None:
        self._health = DeviceHealth(status, detail, fix, {"port": self._port})


def _answers(payload: bytes, message: Request) -> bool:
    """Return True when ``payload`` is the answer to ``message`` (not a stale one)."""
    try:
        answer = parse_answer(payload)
    except EcrProtocolError:
        logger.warning("the terminal sent a frame that is not an answer")
        return False
    return (
        answer.code is request_code(message)
        and answer.seq == message.seq
        and answer.register == message.register
    )
