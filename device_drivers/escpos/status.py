"""Decode the printer's real-time status answers; pure, bytes in, values out.

The host sends ``DLE EOT n`` (0x10 0x04 n) and the printer answers one byte at once,
ahead of whatever is waiting in its receive buffer (Epson ESC/POS Application Programming
Guide / Command Reference, "DLE EOT: Transmit real-time status"). Each answer byte has
fixed bits that say it *is* a status answer: bit 0 off, bit 1 on, bit 4 on, bit 7 off
(``0x12`` with nothing to report). A byte with other fixed bits is not an answer (an echo,
a stray ASB byte, line noise) and is decoded as unknown, never as good news.

Bits per the reference (TM-T88V; other Epson TM models agree on these bits):

========  ==============================  ==================================================
n         bit                             meaning when on
========  ==============================  ==================================================
1 printer 2                               drawer kick-out connector pin 3 is high
          3                               offline
          5                               waiting for online recovery
          6                               paper feed button is being pressed
2 offline 2                               cover is open
          3                               paper is being fed by the feed button
          5                               printing stopped because of a paper end
          6                               an error occurred
3 error   2                               recoverable error (mechanical error on some models)
          3                               autocutter error
          5                               unrecoverable error
          6                               automatically recoverable error (e.g. head too hot)
4 paper   2, 3 (both, same value)         roll paper near-end sensor: paper near its end
          5, 6 (both, same value)         roll paper end sensor: no paper
========  ==============================  ==================================================
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from transactions.devices import DeviceHealth, HealthStatus

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER_SENSOR = 1, 2, 3, 4
QUERIES = (PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER_SENSOR)

FIXED_MASK = 0b1001_0011
"""Bits 0, 1, 4 and 7 of every answer are fixed (ESC/POS reference, DLE EOT)."""
FIXED_VALUE = 0b0001_0010
"""Their values: bit 1 and bit 4 on, bit 0 and bit 7 off."""

NO_ANSWER_FIX = "check the printer's power and cable"


def status_query(n: int) -> bytes:
    """Return the ``DLE EOT n`` command that asks for status ``n`` (1 to 4)."""
    return DLE_EOT + bytes((n,))


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself; ``unknown`` when an answer was missing or bad."""

    # DLE EOT 1: printer status
    online: bool = False
    drawer_pin3_high: bool = False
    waiting_for_online_recovery: bool = False
    feed_button_pressed: bool = False
    # DLE EOT 2: offline cause
    cover_open: bool = False
    feeding_by_button: bool = False
    stopped_by_paper_end: bool = False
    error: bool = False
    # DLE EOT 3: error cause
    recoverable_error: bool = False
    cutter_error: bool = False
    unrecoverable_error: bool = False
    auto_recoverable_error: bool = False
    # DLE EOT 4: roll paper sensor
    paper_near_end: bool = False
    paper_out: bool = False
    # Whether every answer came back well formed, and what went wrong if not.
    unknown: bool = False
    problems: tuple[str, ...] = ()
    answers: tuple[int | None, ...] = ()

    @property
    def ready(self) -> bool:
        """Return True when the printer said it can print now (paper near end included)."""
        blocking = (
            self.cover_open,
            self.paper_out,
            self.stopped_by_paper_end,
            self.error,
            self.waiting_for_online_recovery,
            self.feeding_by_button,
            self.recoverable_error,
            self.cutter_error,
            self.unrecoverable_error,
            self.auto_recoverable_error,
        )
        return not self.unknown and self.online and not any(blocking)

    def flags(self) -> dict[str, bool]:
        """Return every flag decoded from the answers, by name (for diagnostics and tests)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.type == "bool" and f.name != "unknown"
        }


def _bit(byte: int, n: int) -> bool:
    return bool(byte >> n & 1)


def _well_formed(answer: bytes | None) -> int | None:
    """Return the status byte of a well-formed one-byte answer, else None."""
    if answer is None or len(answer) != 1:
        return None
    byte = answer[0]
    return byte if byte & FIXED_MASK == FIXED_VALUE else None


def decode_status(
    printer: bytes | None,
    offline_cause: bytes | None,
    error_cause: bytes | None,
    paper_sensor: bytes | None,
) -> PrinterStatus:
    """Return the status the four answers to ``DLE EOT 1..4`` describe (None: no answer)."""
    answers = (printer, offline_cause, error_cause, paper_sensor)
    problems: list[str] = []
    values: list[int] = []
    for n, answer in zip(QUERIES, answers, strict=True):
        byte = _well_formed(answer)
        if answer is None:
            problems.append(f"no answer to DLE EOT {n}")
        elif byte is None:
            problems.append(f"malformed answer {answer.hex() or 'empty'} to DLE EOT {n}")
        values.append(byte if byte is not None else FIXED_VALUE)
    p, o, e, s = values
    return PrinterStatus(
        online=_well_formed(printer) is not None and not _bit(p, 3),
        drawer_pin3_high=_bit(p, 2),
        waiting_for_online_recovery=_bit(p, 5),
        feed_button_pressed=_bit(p, 6),
        cover_open=_bit(o, 2),
        feeding_by_button=_bit(o, 3),
        stopped_by_paper_end=_bit(o, 5),
        error=_bit(o, 6),
        recoverable_error=_bit(e, 2),
        cutter_error=_bit(e, 3),
        unrecoverable_error=_bit(e, 5),
        auto_recoverable_error=_bit(e, 6),
        # The reference defines both sensor bits together (00 or 11); either one set is
        # treated as set, so a printer reporting only one of them is not taken as fine.
        paper_near_end=_bit(s, 2) or _bit(s, 3),
        paper_out=_bit(s, 5) or _bit(s, 6),
        unknown=bool(problems),
        problems=tuple(problems),
        answers=tuple(a[0] if a is not None and len(a) == 1 else None for a in answers),
    )


def encode_status(status: PrinterStatus) -> dict[int, int]:
    """Return the byte a printer in ``status`` answers to each ``DLE EOT n`` (emulators)."""

    def byte(*bits: tuple[int, bool]) -> int:
        return FIXED_VALUE | sum(1 << n for n, on in bits if on)

    return {
        PRINTER: byte(
            (2, status.drawer_pin3_high),
            (3, not status.online),
            (5, status.waiting_for_online_recovery),
            (6, status.feed_button_pressed),
        ),
        OFFLINE_CAUSE: byte(
            (2, status.cover_open),
            (3, status.feeding_by_button),
            (5, status.stopped_by_paper_end),
            (6, status.error),
        ),
        ERROR_CAUSE: byte(
            (2, status.recoverable_error),
            (3, status.cutter_error),
            (5, status.unrecoverable_error),
            (6, status.auto_recoverable_error),
        ),
        PAPER_SENSOR: byte(
            (2, status.paper_near_end),
            (3, status.paper_near_end),
            (5, status.paper_out),
            (6, status.paper_out),
        ),
    }


def refusal_code(status: PrinterStatus) -> str | None:
    """Return the DeviceError code that stops a job in ``status``, or None if it may print."""
    if status.unknown:
        return "printer_no_answer"
    if status.paper_out or status.stopped_by_paper_end:
        return "printer_paper_out"
    if status.cover_open:
        return "printer_cover_open"
    if not status.ready:
        return "printer_error"
    return None


def status_health(status: PrinterStatus) -> DeviceHealth:
    """Return the health a technician should see for ``status``."""
    data = {
        f"dle_eot_{n}": "none" if answer is None else f"0x{answer:02x}"
        for n, answer in zip(QUERIES, status.answers, strict=False)
    }
    if status.unknown:
        detail = "printer did not answer: " + "; ".join(status.problems)
        return DeviceHealth(HealthStatus.UNKNOWN, detail, NO_ANSWER_FIX, data)
    down = _down_reason(status)
    if down is not None:
        return DeviceHealth(HealthStatus.DOWN, down[0], down[1], data)
    if status.paper_near_end:
        return DeviceHealth(
            HealthStatus.DEGRADED, "paper roll near its end", "replace the paper roll soon", data
        )
    return DeviceHealth(HealthStatus.OK, "ready", "", data)


def _down_reason(status: PrinterStatus) -> tuple[str, str] | None:
    """Return (detail, fix) for a printer that cannot print, or None when it can."""
    if status.paper_out or status.stopped_by_paper_end:
        return "out of paper", "load paper"
    if status.cover_open:
        return "cover open", "close the printer cover"
    if status.cutter_error:
        return "autocutter error", "clear the cutter jam"
    if status.unrecoverable_error:
        return "unrecoverable error", "switch the printer off and on; call for service if it stays"
    if status.recoverable_error or status.auto_recoverable_error or status.error:
        return "printer error", "switch the printer off and on"
    if not status.ready:
        return (
            "offline",
            "check the printer's panel: release the feed button, wait for it to recover",
        )
    return None
