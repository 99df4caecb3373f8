"""The PC/SC card reader through the real stack: pcscd, vsmartcard's vpcd, a virtual card."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from pcscd_support import Pcscd, wait_for_card_state

from device_drivers.pcsc.pcsc_reader import FIX_PCSCD, FIX_READER, PcscCardReader
from device_drivers.sim import virtual_emv_card as cards
from device_drivers.sim.virtual_emv_card import CardProfile, VirtualEmvCard
from transactions.devices import CardData, HealthStatus
from transactions.errors import DeviceError
from transactions.ports import CardReader, Device

SLOT_0 = "Virtual PCD 00 00"  # vpcd port 35963
SLOT_1 = "Virtual PCD 00 01"  # vpcd port 35964
READ_TIMEOUT = 10.0  # generous: a read takes a fraction of a second


class BackgroundRead:
    """Run ``reader.read_card`` on a thread and keep what it returned or raised."""

    def __init__(self, reader: PcscCardReader, timeout: float) -> None:
        self.result: CardData | None = None
        self.error: DeviceError | None = None
        self._thread = threading.Thread(target=self._run, args=(reader, timeout), daemon=True)
        self._thread.start()

    def _run(self, reader: PcscCardReader, timeout: float) -> None:
        try:
            self.result = reader.read_card(timeout)
        except DeviceError as err:
            self.error = err

    def join(self, timeout: float = 30.0) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "read_card did not return"


@pytest.fixture
def reader(pcscd: Pcscd) -> PcscCardReader:
    """Return a reader on slot 0 of a running pcscd whose slots are empty."""
    pcscd.start()  # a no-op unless an earlier test left it stopped
    for slot in (SLOT_0, SLOT_1):  # pcscd notices a card has left on its next poll
        wait_for_card_state(slot, present=False)
    return PcscCardReader(SLOT_0, poll_seconds=0.1)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (cards.visa, CardData("visa", "0010", "2028-12")),
        (cards.mastercard, CardData("mastercard", "0434", "2027-06")),
        (cards.interac, CardData("interac", "1933", "2030-01")),
        (cards.pse_only_visa, CardData("visa", "0010", "2028-12")),
        (cards.t0_card, CardData("visa", "0010", "2028-12")),
    ],
    ids=["visa", "mastercard", "interac", "pse_only", "t0"],
)
def test_an_inserted_card_is_read_through_pcscd(
    reader: PcscCardReader, profile: Callable[[], CardProfile], expected: CardData
) -> None:
    with VirtualEmvCard(profile()):
        assert reader.read_card(READ_TIMEOUT) == expected


def test_the_reader_implements_the_card_reader_and_device_ports() -> None:
    card_reader: CardReader = PcscCardReader(SLOT_0)
    device: Device = PcscCardReader(SLOT_0)
    assert callable(card_reader.cancel_wait)
    assert callable(device.self_test)


def test_a_read_through_pcscd_logs_no_card_number(
    reader: PcscCardReader, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    profile = cards.visa()
    with VirtualEmvCard(profile):
        reader.read_card(READ_TIMEOUT)
    assert caplog.records
    assert not [r for r in caplog.records if profile.pan[:12] in r.getMessage()]


def test_a_card_inserted_while_waiting_is_read(reader: PcscCardReader) -> None:
    read = BackgroundRead(reader, READ_TIMEOUT)
    time.sleep(0.3)
    with VirtualEmvCard(cards.mastercard()):
        read.join()
    assert read.result == CardData("mastercard", "0434", "2027-06")


def test_the_configured_reader_is_used_not_the_first(reader: PcscCardReader) -> None:
    second = PcscCardReader(SLOT_1, poll_seconds=0.1)
    with VirtualEmvCard(cards.interac(), port=35964):
        assert second.read_card(READ_TIMEOUT).brand == "interac"
    with pytest.raises(DeviceError) as caught:
        reader.read_card(0.5)  # slot 0 stayed empty
    assert caught.value.code == "no_card"


@pytest.mark.parametrize(
    "profile", [cards.bad_tlv, cards.wrong_status_words, cards.no_pan], ids=lambda p: p.__name__
)
def test_a_malformed_card_is_unreadable(
    reader: PcscCardReader, profile: Callable[[], CardProfile]
) -> None:
    with VirtualEmvCard(profile()), pytest.raises(DeviceError) as caught:
        reader.read_card(READ_TIMEOUT)
    assert caught.value.code == "card_unreadable"


def test_a_card_pulled_out_mid_read_is_reported_removed(reader: PcscCardReader) -> None:
    card = VirtualEmvCard(cards.pulls_out_after_select())
    card.insert()
    try:
        with pytest.raises(DeviceError) as caught:
            reader.read_card(READ_TIMEOUT)
    finally:
        card.remove()
    assert caught.value.code == "card_removed"


def test_no_card_times_out_with_no_card(reader: PcscCardReader) -> None:
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        reader.read_card(1.0)
    assert caught.value.code == "no_card"
    assert time.monotonic() - started >= 0.9


def test_cancel_wait_stops_a_waiting_read(reader: PcscCardReader) -> None:
    read = BackgroundRead(reader, 60.0)
    time.sleep(0.3)
    reader.cancel_wait()
    read.join(timeout=10.0)
    assert read.error is not None
    assert read.error.code == "cancelled"


def test_a_read_survives_pcscd_being_killed_and_restarted(
    reader: PcscCardReader, pcscd: Pcscd, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="device_drivers.pcsc.pcsc_reader")
    read = BackgroundRead(reader, 30.0)
    time.sleep(0.3)
    pcscd.kill()
    time.sleep(0.5)  # the waiting read finds pcscd gone and keeps trying
    pcscd.start()
    with VirtualEmvCard(cards.visa()):
        read.join()
    assert read.error is None
    assert read.result == CardData("visa", "0010", "2028-12")
    assert any("not watchable" in r.getMessage() for r in caplog.records)


def test_a_read_while_pcscd_is_down_reports_the_reader_unavailable(
    reader: PcscCardReader, pcscd: Pcscd
) -> None:
    with pcscd.stopped(), pytest.raises(DeviceError) as caught:
        reader.read_card(1.0)
    assert caught.value.code == "reader_unavailable"


def test_health_is_ok_when_the_reader_is_present(reader: PcscCardReader) -> None:
    health = reader.health()
    assert health.status is HealthStatus.OK
    assert SLOT_0 in health.detail


def test_health_is_down_with_the_cable_fix_when_the_reader_is_missing(
    reader: PcscCardReader,
) -> None:
    missing = PcscCardReader("Acme USB Chip Card Reader")
    health = missing.health()
    assert health.status is HealthStatus.DOWN
    assert health.fix == FIX_READER
    with pytest.raises(DeviceError) as caught:
        missing.read_card(0.5)
    assert caught.value.code == "reader_unavailable"


def test_health_and_self_test_are_down_with_the_pcscd_fix_when_pcscd_is_stopped(
    reader: PcscCardReader, pcscd: Pcscd
) -> None:
    with pcscd.stopped():
        verdicts = [reader.health(), reader.self_test()]
    assert [v.status for v in verdicts] == [HealthStatus.DOWN, HealthStatus.DOWN]
    assert [v.fix for v in verdicts] == [FIX_PCSCD, FIX_PCSCD]


def test_self_test_without_a_card_reports_the_reader_and_no_card(reader: PcscCardReader) -> None:
    verdict = reader.self_test()
    assert verdict.status is HealthStatus.OK
    assert verdict.data["card"] == "absent"


def test_self_test_with_a_card_reports_its_atr_and_what_was_read(reader: PcscCardReader) -> None:
    with VirtualEmvCard(cards.interac()):
        wait_for_card_state(SLOT_0, present=True)
        verdict = reader.self_test()
    assert verdict.status is HealthStatus.OK
    assert verdict.data["card"] == "present"
    assert verdict.data["atr"] == cards.ATR.hex().upper()
    assert {k: verdict.data[k] for k in ("brand", "last4", "expiry")} == {
        "brand": "interac",
        "last4": "1933",
        "expiry": "2030-01",
    }


def test_self_test_with_an_unreadable_card_is_degraded(reader: PcscCardReader) -> None:
    with VirtualEmvCard(cards.no_pan()):
        wait_for_card_state(SLOT_0, present=True)
        verdict = reader.self_test()
    assert verdict.status is HealthStatus.DEGRADED
    assert "card_unreadable" in verdict.detail
    assert cards.no_pan().pan not in repr(verdict)
