"""The serial payment terminal over real socat ptys, against the terminal emulator."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import serial
from fakes import KIOSK_ID, FakeJournal, FakeKiosk, FakeTexts, build_kiosk
from serial_pty import pty_pair

from device_drivers.ecr.ecr_terminal import FIX, EcrSerialTerminal
from device_drivers.ecr.framing import ENQ, Frame, FrameDecoder
from device_drivers.ecr.messages import SaleState
from device_drivers.sim.ecr_terminal_emulator import EcrTerminalEmulator
from transactions.devices import HealthStatus
from transactions.errors import BackendError, BackendUnavailable, DeviceError
from transactions.fines.service import FineSteps
from transactions.payment import PaymentRequest
from transactions.saga.runner import SagaRunner
from transactions.saga.states import SagaState

LINK = 0.2  # s; Concert says 2 s, kept short so the suite stays fast
RESPONSE = 1.0  # s; the response delay for a sale, and for the other requests
AMOUNT = 12600


@pytest.fixture
def line() -> Iterator[tuple[str, str]]:
    """Yield a socat pty pair: the kiosk's end, the terminal's end."""
    with pty_pair() as pair:
        yield pair


@pytest.fixture
def emulator(line: tuple[str, str]) -> Iterator[EcrTerminalEmulator]:
    """Yield the terminal emulator answering on the terminal's end."""
    with EcrTerminalEmulator(line[1], link_timeout=LINK) as emulator:
        yield emulator


@pytest.fixture
def terminal(line: tuple[str, str]) -> Iterator[EcrSerialTerminal]:
    """Yield the kiosk's serial terminal on the kiosk's end, with short timeouts."""
    terminal = kiosk_terminal(line[0])
    yield terminal
    terminal.close()


def kiosk_terminal(port: str) -> EcrSerialTerminal:
    """Return a serial terminal on ``port`` with the suite's short timeouts."""
    return EcrSerialTerminal(
        port,
        response_timeout=RESPONSE,
        query_timeout=RESPONSE,
        link_timeout=LINK,
        cancel_grace=0.5,
    )


def sale(amount_cents: int = AMOUNT) -> PaymentRequest:
    """Return a payment request for a new transaction."""
    reference = str(uuid.uuid4())
    return PaymentRequest(amount_cents, reference, f"{reference}:authorize")


# --- the ordinary path -----------------------------------------------------------------


def test_an_approved_sale_carries_the_brand_and_the_last_four_digits_only(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.hold_card("mastercard", "5454")
    request = sale()

    outcome = terminal.authorize(request)

    assert outcome.approved
    assert (outcome.card_brand, outcome.card_last4) == ("mastercard", "5454")
    [recorded] = emulator.operations("sale")
    assert outcome.authorization_id == recorded.authorization_id
    assert recorded.merchant_reference == request.merchant_reference
    assert recorded.amount_cents == AMOUNT
    assert emulator.state_of(request.merchant_reference) is SaleState.AUTHORIZED
    assert terminal.health().status is HealthStatus.OK


def test_a_declined_sale_says_why_and_charges_nothing(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.decline("insufficient_funds")

    outcome = terminal.authorize(sale())

    assert not outcome.approved
    assert outcome.authorization_id is None
    assert outcome.decline_reason == "insufficient_funds"
    assert (outcome.card_brand, outcome.card_last4) == ("visa", "4242")
    assert emulator.charged_cents() == 0


def test_a_capture_completes_the_authorization_once_even_when_repeated(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    request = sale()
    outcome = terminal.authorize(request)
    assert outcome.authorization_id is not None

    terminal.capture(outcome.authorization_id, AMOUNT, f"{request.merchant_reference}:capture")
    terminal.capture(outcome.authorization_id, AMOUNT, f"{request.merchant_reference}:capture")

    assert len(emulator.operations("capture")) == 1
    assert emulator.state_of(request.merchant_reference) is SaleState.CAPTURED
    assert emulator.charged_cents() == AMOUNT


def test_capturing_an_unknown_authorization_is_refused_for_good(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    with pytest.raises(BackendError) as raised:
        terminal.capture("AUTH99999999", AMOUNT, "key")

    assert raised.value.permanent
    assert raised.value.code == "authorization_not_found"


def test_reversing_an_approved_sale_voids_it_and_nothing_stays_charged(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    request = sale()
    terminal.authorize(request)

    terminal.reverse(request.merchant_reference, f"{request.merchant_reference}:reverse")
    terminal.reverse(request.merchant_reference, f"{request.merchant_reference}:reverse")
    terminal.reverse(str(uuid.uuid4()), "nothing-there:reverse")

    [cancel] = emulator.operations("cancel")
    assert cancel.merchant_reference == request.merchant_reference
    assert emulator.state_of(request.merchant_reference) is SaleState.VOIDED
    assert emulator.charged_cents() == 0


def test_a_second_authorize_for_the_same_transaction_does_not_charge_twice(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    request = sale()

    first = terminal.authorize(request)
    second = terminal.authorize(request)

    assert second == first
    assert len(emulator.operations("sale")) == 1
    assert emulator.charged_cents() == AMOUNT


# --- a line that misbehaves ------------------------------------------------------------


class SpyingPort:
    """A real serial port that also keeps every byte the kiosk wrote to it."""

    written = bytearray()

    def __init__(self, url: str, baudrate: int, timeout: float) -> None:
        self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout)

    def write(self, data: bytes) -> int:
        """Keep ``data``, then write it."""
        SpyingPort.written += data
        return int(self._port.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._port, name)


def frames_in(data: bytearray) -> int:
    """Return how many well-formed frames ``data`` holds."""
    return sum(isinstance(event, Frame) for event in FrameDecoder().feed(bytes(data)))


@pytest.fixture
def spied_terminal(line: tuple[str, str]) -> Iterator[EcrSerialTerminal]:
    """Yield a serial terminal whose port keeps what the kiosk wrote."""
    SpyingPort.written = bytearray()
    terminal = EcrSerialTerminal(
        line[0],
        response_timeout=RESPONSE,
        query_timeout=RESPONSE,
        link_timeout=LINK,
        opener=SpyingPort,
    )
    yield terminal
    terminal.close()


def test_a_nak_storm_gives_up_after_three_retransmissions_with_a_device_error(
    spied_terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.nak_storm()

    with pytest.raises(DeviceError) as raised:
        spied_terminal.authorize(sale())

    assert raised.value.code == "terminal_link_error"
    assert frames_in(SpyingPort.written) == 1 + 3
    assert emulator.operations() == []
    assert spied_terminal.health().status is HealthStatus.DOWN


def test_garbage_from_the_terminal_is_a_typed_error_and_the_terminal_recovers(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.garbage()

    with pytest.raises(DeviceError) as raised:
        terminal.authorize(sale())

    assert raised.value.code in {
        "terminal_no_answer",
        "terminal_link_error",
        "terminal_outcome_unknown",
    }
    emulator.approve()
    assert terminal.authorize(sale()).approved


def test_a_silent_terminal_is_a_device_error_within_the_configured_timeouts(
    spied_terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.silence()
    started = time.monotonic()

    with pytest.raises(DeviceError) as raised:
        spied_terminal.authorize(sale())

    assert time.monotonic() - started < 4 * LINK + 1.0
    assert raised.value.code == "terminal_no_answer"
    assert SpyingPort.written.count(ENQ) == 1 + 3  # ENQ, unanswered, repeated 3 times
    assert frames_in(SpyingPort.written) == 0
    health = spied_terminal.health()
    assert health.status is HealthStatus.DOWN
    assert health.fix == FIX


def test_an_answer_lost_after_the_sale_is_recovered_through_status_without_charging_twice(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.lose_response_after_sale()
    request = sale()

    outcome = terminal.authorize(request)

    [recorded] = emulator.operations("sale")
    assert outcome.approved
    assert outcome.authorization_id == recorded.authorization_id
    emulator.approve()
    assert terminal.authorize(request) == outcome
    assert len(emulator.operations("sale")) == 1


def test_a_lost_answer_with_an_unreadable_status_raises_and_the_reversal_voids_the_sale(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.lose_response_after_sale()
    silence_after_the_sale(emulator)
    request = sale()

    with pytest.raises(DeviceError) as raised:
        terminal.authorize(request)

    assert raised.value.code == "terminal_outcome_unknown"
    assert emulator.charged_cents() == AMOUNT  # held on the terminal until reversed
    with pytest.raises(BackendUnavailable):
        terminal.reverse(request.merchant_reference, "reverse-key")
    emulator.approve()
    terminal.reverse(request.merchant_reference, "reverse-key")
    assert emulator.state_of(request.merchant_reference) is SaleState.VOIDED
    assert emulator.charged_cents() == 0


def silence_after_the_sale(emulator: EcrTerminalEmulator) -> None:
    """Switch the emulator to silence as soon as it has recorded a sale."""

    def watch() -> None:
        deadline = time.monotonic() + 5
        while not emulator.operations("sale") and time.monotonic() < deadline:
            time.sleep(0.01)
        emulator.silence()

    threading.Thread(target=watch, daemon=True).start()


def test_cancel_wait_stops_the_card_prompt_and_nothing_is_charged(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    emulator.hold_card("visa", "4242", wait=10.0)
    request = sale()
    threading.Timer(0.3, terminal.cancel_wait).start()
    started = time.monotonic()

    with pytest.raises(DeviceError) as raised:
        terminal.authorize(request)

    assert raised.value.code == "payment_cancelled"
    assert time.monotonic() - started < 2.0
    assert emulator.state_of(request.merchant_reference) is SaleState.CANCELLED
    assert emulator.charged_cents() == 0


def test_a_busy_or_silent_terminal_makes_capture_and_reverse_retry_later(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    request = sale()
    outcome = terminal.authorize(request)
    assert outcome.authorization_id is not None

    emulator.busy()
    with pytest.raises(BackendUnavailable) as busy:
        terminal.capture(outcome.authorization_id, AMOUNT, "capture-key")
    emulator.silence()
    with pytest.raises(BackendUnavailable) as silent:
        terminal.reverse(request.merchant_reference, "reverse-key")

    assert (busy.value.code, silent.value.code) == ("terminal_busy", "terminal_no_answer")
    assert not busy.value.permanent
    assert not silent.value.permanent
    assert emulator.state_of(request.merchant_reference) is SaleState.AUTHORIZED


def test_an_unplugged_terminal_fails_then_works_again_when_plugged_back(
    tmp_path: Path,
) -> None:
    with pty_pair(tmp_path) as (kiosk_port, terminal_port):
        terminal = kiosk_terminal(kiosk_port)
        with EcrTerminalEmulator(terminal_port, link_timeout=LINK):
            assert terminal.authorize(sale()).approved

    with pytest.raises(DeviceError) as raised:
        terminal.authorize(sale())
    assert raised.value.code == "terminal_unavailable"
    assert terminal.health().status is HealthStatus.DOWN
    assert terminal.self_test().status is HealthStatus.DOWN

    with (
        pty_pair(tmp_path) as (again, terminal_port),
        EcrTerminalEmulator(terminal_port, link_timeout=LINK) as emulator,
    ):
        assert again == kiosk_port
        outcome = terminal.authorize(sale())
        assert outcome.approved
        assert len(emulator.operations("sale")) == 1
        assert terminal.health().status is HealthStatus.OK
    terminal.close()


# --- health ----------------------------------------------------------------------------


def test_health_is_unknown_before_any_exchange_and_self_test_checks_link_and_status(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    assert terminal.health().status is HealthStatus.UNKNOWN
    assert not terminal.health().usable

    healthy = terminal.self_test()
    emulator.silence()
    silent = terminal.self_test()

    assert healthy.status is HealthStatus.OK
    assert healthy.data["last_transaction"] == "none"
    assert silent.status is HealthStatus.DOWN
    assert silent.fix == "check the terminal's serial cable and power"
    assert terminal.health() == silent


def test_self_test_on_a_missing_port_is_down_with_the_fix(tmp_path: Path) -> None:
    terminal = kiosk_terminal(str(tmp_path / "no-such-port"))

    health = terminal.self_test()

    assert health.status is HealthStatus.DOWN
    assert health.fix == FIX
    assert "no-such-port" in health.detail


# --- the saga over the serial terminal -------------------------------------------------


def runner_for(kiosk: FakeKiosk[FakeJournal], terminal: EcrSerialTerminal) -> SagaRunner:
    """Return the saga with the fakes of ``kiosk`` but the serial terminal."""
    steps = FineSteps(kiosk.ministry, KIOSK_ID, lambda language: FakeTexts())
    return SagaRunner(
        journal=kiosk.journal,
        terminal=terminal,
        printer=kiosk.printer,
        steps=lambda service: steps,
        clock=kiosk.clock,
        retry=kiosk.retry,
    )


def test_the_saga_charges_once_and_captures_over_the_serial_terminal(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    kiosk = build_kiosk()
    record = kiosk.open_fine("10 004215873 1")

    result = runner_for(kiosk, terminal).pay(record)

    assert result.record.state is SagaState.DONE
    [recorded] = emulator.operations("sale")
    assert recorded.merchant_reference == record.transaction_id
    assert len(emulator.operations("capture")) == 1
    assert emulator.state_of(record.transaction_id) is SaleState.CAPTURED


def test_a_posting_refused_for_good_voids_the_sale_on_the_terminal(
    terminal: EcrSerialTerminal, emulator: EcrTerminalEmulator
) -> None:
    kiosk = build_kiosk()
    kiosk.ministry.refuse("amount_mismatch")
    record = kiosk.open_fine("10 004215873 1")

    result = runner_for(kiosk, terminal).pay(record)

    assert result.record.state is SagaState.REVERSED
    assert len(emulator.operations("cancel")) == 1
    assert emulator.charged_cents() == 0
