"""Concert link-layer framing: STX payload ETX LRC, and the single control bytes.

Pure functions and an incremental decoder; no port handling here. The LRC is the XOR of
every byte after STX up to and including ETX (Concert V2/V3, "calcul du LRC").

A payload never contains a C0 control byte (0x00-0x1F): :func:`encode_frame` refuses them,
so STX and ETX inside a frame are always framing, never data. The message layer restricts
every field to printable ASCII, which satisfies this.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

ENQ = 0x05  # session request
ACK = 0x06  # positive acknowledgement
NAK = 0x15  # negative acknowledgement: retransmit
STX = 0x02  # start of frame
ETX = 0x03  # end of frame
EOT = 0x04  # end of session
CAN = 0x18  # kiosk's own abort: stop waiting for the card (see PROTOCOL.md)

CONTROL_BYTES = frozenset({ENQ, ACK, NAK, EOT, CAN})
MAX_PAYLOAD = 512  # Concert's serial limit on one message


class FramingError(ValueError):
    """Raise when a payload cannot be framed (control bytes, too long)."""


@dataclass(frozen=True)
class Frame:
    """A frame whose LRC was right."""

    payload: bytes


@dataclass(frozen=True)
class BadFrame:
    """A frame that must be NAKed: wrong LRC, interrupted, or too long."""

    reason: str


@dataclass(frozen=True)
class Control:
    """A single control byte received outside a frame (ENQ, ACK, NAK, EOT, CAN)."""

    byte: int


Event = Frame | BadFrame | Control


def lrc(data: bytes) -> int:
    """Return the XOR of every byte of ``data``."""
    return reduce(lambda acc, byte: acc ^ byte, data, 0)


def encode_frame(payload: bytes) -> bytes:
    """Return ``payload`` framed as STX payload ETX LRC."""
    if len(payload) > MAX_PAYLOAD:
        raise FramingError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    bad = next((byte for byte in payload if byte < 0x20), None)
    if bad is not None:
        raise FramingError(f"payload contains control byte 0x{bad:02x}")
    body = payload + bytes([ETX])
    return bytes([STX]) + body + bytes([lrc(body)])


class FrameDecoder:
    """Turn a byte stream into frames and control bytes; skip garbage; bound the buffer."""

    _IDLE, _IN_FRAME, _AWAIT_LRC = range(3)

    def __init__(self, max_payload: int = MAX_PAYLOAD) -> None:
        self._max_payload = max_payload
        self._state = self._IDLE
        self._buffer = bytearray()
        self.skipped = 0

    @property
    def buffered(self) -> int:
        """Return how many bytes of a partial frame are held (never above the limit)."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget any partial frame."""
        self._state = self._IDLE
        self._buffer.clear()

    def feed(self, data: bytes) -> list[Event]:
        """Consume ``data`` and return the events it completed, in order."""
        events: list[Event] = []
        for byte in data:
            self._step(byte, events)
        return events

    def _step(self, byte: int, events: list[Event]) -> None:
        if self._state == self._IDLE:
            self._idle(byte, events)
        elif self._state == self._AWAIT_LRC:
            body = bytes(self._buffer) + bytes([ETX])
            events.append(Frame(bytes(self._buffer)) if lrc(body) == byte else BadFrame("lrc"))
            self.reset()
        elif byte == ETX:
            self._state = self._AWAIT_LRC
        elif byte == STX:
            # A new STX inside a frame: the previous frame was cut short; resynchronise.
            events.append(BadFrame("interrupted"))
            self._buffer.clear()
        elif byte < 0x20:
            events.append(BadFrame("control byte in frame"))
            self.reset()
            self._idle(byte, events)
        elif len(self._buffer) >= self._max_payload:
            events.append(BadFrame("too long"))
            self.reset()
        else:
            self._buffer.append(byte)

    def _idle(self, byte: int, events: list[Event]) -> None:
        if byte == STX:
            self._state = self._IN_FRAME
            self._buffer.clear()
        elif byte in CONTROL_BYTES:
            events.append(Control(byte))
        else:
            self.skipped += 1
