"""The Concert link layer on a serial port: sessions, acknowledgements, retransmissions.

Concert V2/V3, "protocole de liaison": the sender opens a session with ENQ and waits for
ACK, sends STX payload ETX LRC and waits for ACK (NAK or silence: retransmit, at most
3 times), then closes with EOT. The answer comes back the same way with the roles
swapped. Every link-level answer is due within 2 s (``link_timeout``).

This module only moves payloads; what they mean is ``messages``' business.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections import deque
from collections.abc import Callable

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

logger = logging.getLogger(__name__)

# What a vanished port raises: pyserial's errors, the OS's, and termios' own (tcflush on a
# pty whose other end is gone raises termios.error, which is not an OSError).
PORT_ERRORS = (OSError, serial.SerialException, termios.error)
RETRANSMISSIONS = 3  # Concert: a frame or an ENQ is repeated at most 3 times
_POLL = 0.05  # how long one read blocks, so that deadlines and cancels are seen quickly


class LinkError(Exception):
    """Raise when an exchange did not complete; ``code`` is the kiosk's error code."""

    code = "terminal_link_error"


class LinkUnavailable(LinkError):
    """Raise when the port cannot be opened, read or written (unplugged, powered off)."""

    code = "terminal_unavailable"


class NotDelivered(LinkError):
    """Raise when the terminal did not take the request.

    ``maybe_delivered`` is False only when the terminal certainly did not act on it (no
    session, or every transmission NAKed); True when an ACK may have been lost.
    """

    def __init__(self, detail: str, *, code: str, maybe_delivered: bool) -> None:
        super().__init__(detail)
        self.code = code
        self.maybe_delivered = maybe_delivered


class AnswerLost(LinkError):
    """Raise when the request was delivered but no valid answer came back in time."""

    code = "terminal_no_answer"

    def __init__(self, detail: str, *, cancelled: bool = False) -> None:
        super().__init__(detail)
        self.cancelled = cancelled


Opener = Callable[[str, int, float], serial.SerialBase]


def open_serial(url: str, baudrate: int, timeout: float) -> serial.SerialBase:
    """Open a port or a pyserial URL (``loop://``, ``socket://``)."""
    return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout)


class ConcertLink:
    """Speak the Concert link layer on one port; the caller serialises exchanges."""

    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        link_timeout: float = 2.0,
        opener: Opener = open_serial,
    ) -> None:
        self._url = url
        self._baudrate = baudrate
        self._link_timeout = link_timeout
        self._opener = opener
        self._port: serial.SerialBase | None = None
        self._decoder = FrameDecoder()
        self._events: deque[Event] = deque()
        self._write_lock = threading.Lock()

    @property
    def url(self) -> str:
        """Return the port this link speaks on."""
        return self._url

    def close(self) -> None:
        """Release the port; the next exchange opens it again."""
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                logger.debug("closing %s failed", self._url, exc_info=True)

    def link_test(self) -> None:
        """Open and close a session without a frame (ENQ, ACK, EOT)."""
        self._begin_session_reopening()
        self._write(bytes([EOT]))

    def send(self, payload: bytes) -> None:
        """Deliver ``payload`` in one session; raise NotDelivered or LinkUnavailable."""
        frame = encode_frame(payload)
        self._begin_session_reopening()
        timeouts = 0
        for _ in range(1 + RETRANSMISSIONS):
            self._write(frame)
            event = self._wait(_is_ack_or_nak, self._link_timeout)
            if event == Control(ACK):
                self._write(bytes([EOT]))
                return
            timeouts += event is None
        self._write(bytes([EOT]))
        raise NotDelivered(
            "the terminal refused the frame after 3 retransmissions",
            code="terminal_link_error",
            maybe_delivered=timeouts > 0,
        )

    def receive(
        self,
        timeout: float,
        accept: Callable[[bytes], bool],
        abort: threading.Event | None = None,
        abort_grace: float = 4.0,
    ) -> bytes:
        """Wait up to ``timeout`` s for the terminal's answer that ``accept`` recognises.

        When ``abort`` is set, send CAN once and wait at most ``abort_grace`` s more.
        """
        deadline = time.monotonic() + timeout
        aborting = False
        while True:
            if abort is not None and abort.is_set() and not aborting:
                aborting = True
                self._write(bytes([CAN]))
                deadline = min(deadline, time.monotonic() + abort_grace)
                logger.info("asked the terminal to stop waiting for the card")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AnswerLost("no answer before the deadline", cancelled=aborting)
            if self._wait(lambda event: event == Control(ENQ), min(remaining, 0.1)) is None:
                continue
            self._write(bytes([ACK]))
            payload = self._answer_frame(aborting)
            self._wait(lambda event: event == Control(EOT), self._link_timeout)
            if accept(payload):
                return payload
            logger.warning("ignored an answer that belongs to another exchange")

    def _answer_frame(self, aborting: bool) -> bytes:
        for attempt in range(1 + RETRANSMISSIONS):
            event = self._wait(_is_frame_or_eot, self._link_timeout)
            if isinstance(event, Frame):
                self._write(bytes([ACK]))
                return event.payload
            if event == Control(EOT):
                break
            if attempt < RETRANSMISSIONS:
                self._write(bytes([NAK]))
        raise AnswerLost("the answer was garbled or cut short", cancelled=aborting)

    def _begin_session_reopening(self) -> None:
        try:
            self._begin_session()
        except LinkUnavailable:
            # Nothing was delivered yet: the port may have been unplugged and plugged
            # back since the last exchange, so reopen it once before giving up.
            self.close()
            self._begin_session()

    def _begin_session(self) -> None:
        port = self._open()
        try:
            port.reset_input_buffer()
        except PORT_ERRORS as err:
            self.close()
            raise LinkUnavailable(f"{self._url}: {err}") from err
        self._decoder.reset()
        self._events.clear()
        for _ in range(1 + RETRANSMISSIONS):
            self._write(bytes([ENQ]))
            if self._wait(_is_ack_or_nak, self._link_timeout) == Control(ACK):
                return
        self._write(bytes([EOT]))
        raise NotDelivered(
            "the terminal did not acknowledge ENQ",
            code="terminal_no_answer",
            maybe_delivered=False,
        )

    def _open(self) -> serial.SerialBase:
        if self._port is None:
            try:
                self._port = self._opener(self._url, self._baudrate, _POLL)
            except PORT_ERRORS as err:
                raise LinkUnavailable(f"cannot open {self._url}: {err}") from err
            logger.info("opened payment terminal port %s", self._url)
        return self._port

    def _write(self, data: bytes) -> None:
        port = self._open()
        try:
            with self._write_lock:
                port.write(data)
                port.flush()
        except PORT_ERRORS as err:
            self.close()
            raise LinkUnavailable(f"{self._url}: {err}") from err

    def _wait(self, wanted: Callable[[Event], bool], timeout: float) -> Event | None:
        """Return the first event ``wanted`` accepts within ``timeout`` s; drop the others."""
        deadline = time.monotonic() + timeout
        while True:
            while self._events:
                event = self._events.popleft()
                if wanted(event):
                    return event
                logger.debug("ignored %s from the terminal", type(event).__name__)
            if time.monotonic() >= deadline:
                return None
            self._events.extend(self._decoder.feed(self._read()))

    def _read(self) -> bytes:
        port = self._open()
        try:
            return bytes(port.read(max(1, port.in_waiting)))
        except PORT_ERRORS as err:
            self.close()
            raise LinkUnavailable(f"{self._url}: {err}") from err


def _is_ack_or_nak(event: Event) -> bool:
    return event in (Control(ACK), Control(NAK))


def _is_frame_or_eot(event: Event) -> bool:
    return isinstance(event, Frame | BadFrame) or event == Control(EOT)
