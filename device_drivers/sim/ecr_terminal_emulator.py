"""A semi-integrated card terminal at the far end of a serial line (a socat pty), for tests.

It speaks device_drivers/ecr/PROTOCOL.md in its own thread, with behaviours switched at run
time; it keeps a truthful, idempotent state per merchant reference and records every
operation, so tests can count charges.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import serial

from device_drivers.ecr.framing import (
    ACK,
    CAN,
    ENQ,
    EOT,
    NAK,
    BadFrame,
    Control,
    Event,
    Frame,
    FrameDecoder,
    encode_frame,
)
from device_drivers.ecr.link import PORT_ERRORS, RETRANSMISSIONS
from device_drivers.ecr.messages import (
    REASON_CODES,
    Answer,
    Authorize,
    Cancel,
    Capture,
    EcrProtocolError,
    Request,
    Result,
    SaleState,
    Status,
    encode_answer,
    parse_request,
    request_code,
)
from transactions.payment import CARD_BRANDS

logger = logging.getLogger(__name__)


class Behaviour(enum.Enum):
    """How the emulated terminal answers."""

    APPROVE = "approve"
    DECLINE = "decline"
    NAK_STORM = "nak_storm"
    GARBAGE = "garbage"
    SILENCE = "silence"
    LOSE_RESPONSE_AFTER_SALE = "lose_response_after_sale"
    BUSY = "busy"


@dataclass(frozen=True)
class Operation:
    """One thing the terminal did: a sale attempt, a capture or a cancel (void)."""

    kind: str
    merchant_reference: str
    authorization_id: str
    amount_cents: int
    result: Result


@dataclass(frozen=True)
class _Sale:
    key: str
    amount_cents: int
    state: SaleState
    reason: str = "00"
    authorization_id: str = ""
    brand: str = ""
    last4: str = ""


_NO_SALE = _Sale("", 0, SaleState.NONE)
# What the terminal truthfully says about a sale, whatever was asked (voided: declined).
_RESULTS = {
    SaleState.AUTHORIZED: Result.APPROVED,
    SaleState.CAPTURED: Result.APPROVED,
    SaleState.CANCELLED: Result.CANCELLED,
}


class EcrTerminalEmulator:
    """Answer the kiosk's ECR messages on ``port_path`` from a thread."""

    def __init__(
        self,
        port_path: str,
        *,
        brand: str = "visa",
        last4: str = "4242",
        link_timeout: float = 2.0,
        seed: int = 0,
    ) -> None:
        self._port_path = port_path
        self._link_timeout = link_timeout
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.SerialBase | None = None
        self._decoder = FrameDecoder()
        self._events: deque[Event] = deque()
        self._behaviour = Behaviour.APPROVE
        self._reason = "05"
        self._card = (brand, last4)
        self._card_wait = 0.0
        self._sales: dict[str, _Sale] = {}
        self._authorizations: dict[str, str] = {}  # authorization id -> merchant reference
        self._last_reference = ""
        self._operations: list[Operation] = []
        self._next_authorization = 100001

    def start(self) -> None:
        """Open the port and start answering."""
        self._port = serial.serial_for_url(self._port_path, baudrate=9600, timeout=0.05)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="ecr-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and release the port."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._port is not None:
            try:
                self._port.close()
            except PORT_ERRORS:
                logger.debug("closing the emulator's port failed", exc_info=True)
            self._port = None

    def __enter__(self) -> EcrTerminalEmulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def behaviour(self) -> Behaviour:
        """Return how the terminal answers now."""
        return self._behaviour

    def approve(self) -> None:
        """Approve every sale."""
        self._behaviour = Behaviour.APPROVE

    def decline(self, reason: str = "card_declined") -> None:
        """Decline every sale with ``reason`` (a name from messages.DECLINE_REASONS)."""
        self._reason = REASON_CODES[reason]
        self._behaviour = Behaviour.DECLINE

    def nak_storm(self) -> None:
        """NAK every frame."""
        self._behaviour = Behaviour.NAK_STORM

    def garbage(self) -> None:
        """Answer anything with random bytes."""
        self._behaviour = Behaviour.GARBAGE

    def silence(self) -> None:
        """Answer nothing at all."""
        self._behaviour = Behaviour.SILENCE

    def lose_response_after_sale(self) -> None:
        """Approve and record sales, but never send their answer."""
        self._behaviour = Behaviour.LOSE_RESPONSE_AFTER_SALE

    def busy(self) -> None:
        """Answer every request with 'busy'."""
        self._behaviour = Behaviour.BUSY

    def hold_card(self, brand: str, last4: str, wait: float = 0.0) -> None:
        """Use this card for the next sales, presented ``wait`` s after the request."""
        if brand not in CARD_BRANDS or len(last4) != 4 or not last4.isdigit():
            raise ValueError("a card is a known brand and four digits")
        self._card, self._card_wait = (brand, last4), wait

    def operations(self, kind: str | None = None) -> list[Operation]:
        """Return what the terminal did, in order: every "sale", "capture" or "cancel"."""
        with self._lock:
            return [op for op in self._operations if kind is None or op.kind == kind]

    def state_of(self, merchant_reference: str) -> SaleState:
        """Return where the sale of ``merchant_reference`` stands."""
        with self._lock:
            sale = self._sales.get(merchant_reference)
        return sale.state if sale else SaleState.NONE

    def charged_cents(self) -> int:
        """Return the cents still authorized or captured, over every merchant reference."""
        live = (SaleState.AUTHORIZED, SaleState.CAPTURED)
        with self._lock:
            return sum(sale.amount_cents for sale in self._sales.values() if sale.state in live)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                if self._wait(lambda event: event == Control(ENQ), 0.1) is not None:
                    self._serve_session()
        except PORT_ERRORS as err:
            if not self._stopping.is_set():
                logger.info("emulator port %s went away: %s", self._port_path, err)

    def _serve_session(self) -> None:
        self._write(ACK)
        payload = self._receive_frame()
        if payload is None:
            return
        self._wait(lambda event: event == Control(EOT), self._link_timeout)
        answer = self._handle(payload)
        if answer is not None:
            self._send_answer(answer)

    def _receive_frame(self) -> bytes | None:
        for _ in range(1 + RETRANSMISSIONS):
            event = self._wait(
                lambda e: isinstance(e, Frame | BadFrame) or e == Control(EOT), self._link_timeout
            )
            if event is None or event == Control(EOT):
                return None  # a link test (ENQ, EOT) or an abandoned session
            if isinstance(event, Frame) and self._behaviour is not Behaviour.NAK_STORM:
                self._write(ACK)
                return event.payload
            self._write(NAK)
        return None

    def _send_answer(self, answer: Answer) -> None:
        frame = encode_frame(encode_answer(answer))
        for step in (bytes([ENQ]), frame):
            for _ in range(1 + RETRANSMISSIONS):
                self._write(step)
                acked = self._wait(lambda e: e in (Control(ACK), Control(NAK)), self._link_timeout)
                if acked == Control(ACK):
                    break
            else:
                logger.info("the kiosk did not acknowledge; answer abandoned")
                self._write(EOT)
                return
        self._write(EOT)

    def _wait(self, wanted: Callable[[Event], bool], timeout: float) -> Event | None:
        deadline = time.monotonic() + timeout
        while not self._stopping.is_set():
            while self._events:
                event = self._events.popleft()
                if wanted(event):
                    return event
            if time.monotonic() >= deadline:
                return None
            self._pump()
        return None

    def _pump(self) -> None:
        port = self._port
        if port is None:
            raise serial.SerialException("the emulator's port is closed")
        data = bytes(port.read(max(1, port.in_waiting)))
        if not data or self._behaviour is Behaviour.SILENCE:
            return
        if self._behaviour is Behaviour.GARBAGE:
            self._write(self._random.randbytes(self._random.randint(8, 64)))
            return
        self._events.extend(self._decoder.feed(data))

    def _write(self, data: int | bytes) -> None:
        data = bytes([data]) if isinstance(data, int) else data
        if self._port is not None and self._behaviour is not Behaviour.SILENCE:
            self._port.write(data)
            self._port.flush()

    def _handle(self, payload: bytes) -> Answer | None:
        try:
            request = parse_request(payload)
        except EcrProtocolError as err:
            # PROTOCOL.md allows silence here; the emulator never answers E.
            logger.info("emulator got a malformed request and ignores it: %s", err)
            return None
        if self._behaviour is Behaviour.BUSY:
            return _answer(request, Result.BUSY)
        match request:
            case Authorize():
                return self._authorize(request)
            case Capture():
                return self._capture(request)
            case Cancel():
                return self._cancel(request)
            case Status():
                return self._status(request)

    def _authorize(self, request: Authorize) -> Answer | None:
        reference = request.merchant_reference
        with self._lock:
            sale = self._sales.get(reference)
        retry = sale is not None and sale.state in (SaleState.DECLINED, SaleState.CANCELLED)
        if sale is not None and not (retry and sale.key != request.key):
            return _sale_answer(request, reference, sale)  # the same sale again: no new charge
        cancelled = self._card_wait > 0 and self._wait(
            lambda event: event == Control(CAN), self._card_wait
        )
        sale = self._new_sale(request, cancelled=bool(cancelled))
        with self._lock:
            self._sales[reference] = sale
            self._authorizations[sale.authorization_id] = reference
            self._last_reference = reference
            self._record("sale", reference, sale)
        if self._behaviour is Behaviour.LOSE_RESPONSE_AFTER_SALE:
            logger.info("emulator approved %s and loses the answer", reference)
            return None
        return _sale_answer(request, reference, sale)

    def _new_sale(self, request: Authorize, *, cancelled: bool) -> _Sale:
        if cancelled:
            return _Sale(request.key, 0, SaleState.CANCELLED)
        brand, last4 = self._card
        key, amount = request.key, request.amount_cents
        if self._behaviour is Behaviour.DECLINE:
            return _Sale(key, amount, SaleState.DECLINED, self._reason, "", brand, last4)
        authorization = f"AUTH{self._next_authorization:08d}"
        self._next_authorization += 1
        return _Sale(key, amount, SaleState.AUTHORIZED, "00", authorization, brand, last4)

    def _capture(self, request: Capture) -> Answer:
        with self._lock:
            reference = self._authorizations.get(request.authorization_id, "")
            sale = self._sales.get(reference)
            if sale is None:
                return _answer(request, Result.NOT_FOUND)
            if sale.state is SaleState.AUTHORIZED and request.amount_cents <= sale.amount_cents:
                sale = replace(sale, state=SaleState.CAPTURED, amount_cents=request.amount_cents)
                self._sales[reference] = sale
                self._record("capture", reference, sale)
            elif sale.state is not SaleState.CAPTURED:
                reason = "13" if sale.state is SaleState.AUTHORIZED else "12"
                return _answer(request, Result.DECLINED, reason, reference, sale)
            return _sale_answer(request, reference, sale)

    def _cancel(self, request: Cancel) -> Answer:
        reference = request.merchant_reference
        with self._lock:
            sale = self._sales.get(reference)
            live = (SaleState.AUTHORIZED, SaleState.CAPTURED, SaleState.VOIDED)
            if sale is None or sale.state not in live:
                return _answer(request, Result.NOT_FOUND, mref=reference)
            if sale.state is not SaleState.VOIDED:
                sale = replace(sale, state=SaleState.VOIDED)
                self._sales[reference] = sale
                self._record("cancel", reference, sale)
        return replace(_sale_answer(request, reference, sale), result=Result.APPROVED, reason="00")

    def _status(self, request: Status) -> Answer:
        with self._lock:
            reference = request.merchant_reference or self._last_reference
            sale = self._sales.get(reference)
        if sale is None:
            return _answer(request, Result.NOT_FOUND, mref=reference)
        return _sale_answer(request, reference, sale)

    def _record(self, kind: str, reference: str, sale: _Sale) -> None:
        result = _RESULTS.get(sale.state, Result.DECLINED) if kind == "sale" else Result.APPROVED
        self._operations.append(
            Operation(kind, reference, sale.authorization_id, sale.amount_cents, result)
        )


def _answer(
    request: Request, result: Result, reason: str = "00", mref: str = "", sale: _Sale = _NO_SALE
) -> Answer:
    return Answer(
        code=request_code(request),
        seq=request.seq,
        result=result,
        reason=reason,
        state=sale.state,
        authorization_id=sale.authorization_id,
        brand=sale.brand,
        last4=sale.last4,
        amount_cents=sale.amount_cents,
        merchant_reference=mref,
        register=request.register,
    )


def _sale_answer(request: Request, reference: str, sale: _Sale) -> Answer:
    """Return what the terminal truthfully says about ``sale``, whatever was asked."""
    reason = "12" if sale.state is SaleState.VOIDED else sale.reason
    return _answer(request, _RESULTS.get(sale.state, Result.DECLINED), reason, reference, sale)
