"""Real-time printer status (answers to DLE EOT 1..4) decoded bit by bit, and its health."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers.escpos.status import (
    PrinterStatus,
    decode_status,
    encode_status,
    refusal_code,
    status_health,
)
from transactions.devices import HealthStatus

READY = b"\x12"  # fixed bits only: bit 1 and bit 4 on


def answers_with(n: int, byte: int) -> list[bytes | None]:
    answers: list[bytes | None] = [READY] * 4
    answers[n - 1] = bytes((byte,))
    return answers


def test_a_ready_printer_answers_fixed_bits_only_and_is_ok() -> None:
    status = decode_status(READY, READY, READY, READY)

    assert status.ready
    assert not status.unknown
    assert status_health(status).status is HealthStatus.OK
    assert refusal_code(status) is None
    assert not any(value for name, value in status.flags().items() if name != "online")


# Epson ESC/POS reference, DLE EOT n: (n, bit) -> the flag it turns on.
BITS = [
    (1, 2, "drawer_pin3_high"),
    (1, 5, "waiting_for_online_recovery"),
    (1, 6, "feed_button_pressed"),
    (2, 2, "cover_open"),
    (2, 3, "feeding_by_button"),
    (2, 5, "stopped_by_paper_end"),
    (2, 6, "error"),
    (3, 2, "recoverable_error"),
    (3, 3, "cutter_error"),
    (3, 5, "unrecoverable_error"),
    (3, 6, "auto_recoverable_error"),
    (4, 2, "paper_near_end"),
    (4, 3, "paper_near_end"),
    (4, 5, "paper_out"),
    (4, 6, "paper_out"),
]


@pytest.mark.parametrize(("n", "bit", "flag"), BITS)
def test_every_status_bit_sets_its_flag_and_nothing_else(n: int, bit: int, flag: str) -> None:
    status = decode_status(*answers_with(n, 0x12 | 1 << bit))

    flags = status.flags()
    assert flags.pop(flag) is True
    assert flags.pop("online") is True
    assert not any(flags.values()), flags


def test_bit_3_of_the_printer_status_means_offline() -> None:
    status = decode_status(*answers_with(1, 0x12 | 1 << 3))

    assert not status.online
    assert not status.ready
    assert status_health(status).status is HealthStatus.DOWN
    assert refusal_code(status) == "printer_error"


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("fixed_bit", [0, 1, 4, 7])
def test_a_byte_whose_fixed_bits_are_wrong_is_unknown(n: int, fixed_bit: int) -> None:
    status = decode_status(*answers_with(n, 0x12 ^ 1 << fixed_bit))

    assert status.unknown
    assert f"malformed answer {0x12 ^ 1 << fixed_bit:02x} to DLE EOT {n}" in status.problems
    assert status_health(status).status is HealthStatus.UNKNOWN
    assert refusal_code(status) == "printer_no_answer"


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("answer", [None, b"", b"\x12\x12"])
def test_a_missing_or_wrong_length_answer_is_unknown_never_ok(n: int, answer: bytes | None) -> None:
    answers: list[bytes | None] = [READY] * 4
    answers[n - 1] = answer

    health = status_health(decode_status(*answers))

    assert health.status is HealthStatus.UNKNOWN
    assert not health.usable
    assert health.fix == "check the printer's power and cable"


@pytest.mark.parametrize(
    ("answers", "status", "detail", "fix", "code"),
    [
        ((0x12, 0x12, 0x12, 0x1E), HealthStatus.DEGRADED, "paper roll near its end",
         "replace the paper roll soon", None),
        ((0x1A, 0x32, 0x12, 0x7E), HealthStatus.DOWN, "out of paper", "load paper",
         "printer_paper_out"),
        ((0x1A, 0x16, 0x12, 0x12), HealthStatus.DOWN, "cover open", "close the printer cover",
         "printer_cover_open"),
        ((0x1A, 0x52, 0x1A, 0x12), HealthStatus.DOWN, "autocutter error", "clear the cutter jam",
         "printer_error"),
        ((0x1A, 0x52, 0x32, 0x12), HealthStatus.DOWN, "unrecoverable error",
         "switch the printer off and on; call for service if it stays", "printer_error"),
    ],
)  # fmt: skip
def test_what_a_tm_printer_answers_in_each_state_maps_to_health_and_refusal(
    answers: tuple[int, int, int, int],
    status: HealthStatus,
    detail: str,
    fix: str,
    code: str | None,
) -> None:
    decoded = decode_status(*(bytes((a,)) for a in answers))

    health = status_health(decoded)

    assert (health.status, health.detail, health.fix) == (status, detail, fix)
    assert refusal_code(decoded) == code
    assert health.data["dle_eot_4"] == f"0x{answers[3]:02x}"


FLAGS = list(PrinterStatus().flags())


@settings(max_examples=100)
@given(st.builds(PrinterStatus, **{name: st.booleans() for name in FLAGS}))
def test_encoded_status_bytes_decode_to_the_same_flags(status: PrinterStatus) -> None:
    encoded = encode_status(status)

    decoded = decode_status(*(bytes((encoded[n],)) for n in (1, 2, 3, 4)))

    assert decoded.flags() == status.flags()
    assert not decoded.unknown


ANSWER = st.one_of(
    st.none(),
    st.just(READY),
    st.binary(max_size=3),
    st.integers(0, 255).map(lambda b: bytes((b,))),
)


@settings(max_examples=300)
@given(ANSWER, ANSWER, ANSWER, ANSWER)
def test_any_answers_decode_and_only_a_well_formed_ready_answer_is_ok(
    printer: bytes | None, offline: bytes | None, error: bytes | None, paper: bytes | None
) -> None:
    status = decode_status(printer, offline, error, paper)

    health = status_health(status)

    # Ready: pin 3 of the drawer connector and the feed button (bits 2 and 6) may read either way.
    well_formed_ready = (
        printer is not None
        and len(printer) == 1
        and printer[0] & ~0x44 == 0x12
        and offline == error == paper == READY
    )
    assert (health.status is HealthStatus.OK) == well_formed_ready
    if None in (printer, offline, error, paper):
        assert health.status is HealthStatus.UNKNOWN
    assert (refusal_code(status) is None) == health.usable
