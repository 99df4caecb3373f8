"""EMV reading against the virtual card's APDU handler, called directly (no pcscd)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import pytest

from device_drivers.pcsc import apdu, emv
from device_drivers.sim import virtual_emv_card as cards
from device_drivers.sim.virtual_emv_card import Application, CardProfile, VirtualEmvCard
from transactions.devices import CardData
from transactions.errors import DeviceError


class RecordingTransmit:
    """Pass commands to a virtual card and keep (INS, P1, P2, SW1) of each exchange."""

    def __init__(self, card: VirtualEmvCard) -> None:
        self._card = card
        self.exchanges: list[tuple[int, int, int, int]] = []
        self.selected: list[bytes] = []

    def __call__(self, command: bytes) -> tuple[bytes, int, int]:
        data, sw1, sw2 = self._card.transmit(command)
        self.exchanges.append((command[1], command[2], command[3], sw1))
        if command[1] == 0xA4:
            self.selected.append(command[5 : 5 + command[4]])
        return data, sw1, sw2


def read(profile: CardProfile) -> tuple[CardData, RecordingTransmit]:
    transmit = RecordingTransmit(VirtualEmvCard(profile))
    return emv.read_card(transmit), transmit


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (cards.visa, CardData("visa", "0010", "2028-12")),
        (cards.mastercard, CardData("mastercard", "0434", "2027-06")),
        (cards.interac, CardData("interac", "1933", "2030-01")),
        (cards.pse_only_visa, CardData("visa", "0010", "2028-12")),
        (cards.known_aid_only_amex, CardData("amex", "0126", "2029-01")),
        (cards.t0_card, CardData("visa", "0010", "2028-12")),
    ],
)
def test_each_card_gives_its_brand_last_four_and_expiry(
    profile: Callable[[], CardProfile], expected: CardData
) -> None:
    assert read(profile())[0] == expected


def test_the_application_with_the_highest_priority_is_chosen_not_the_first_listed() -> None:
    card, transmit = read(cards.interac())
    assert card.brand == "interac"
    assert bytes.fromhex("A0000000032010") not in transmit.selected


def test_an_application_without_priority_comes_after_those_with_one() -> None:
    apps = (
        Application(bytes.fromhex("A0000000031010"), "VISA"),
        Application(bytes.fromhex("A0000000041010"), "MASTERCARD", 2),
    )
    card, _ = read(replace(cards.visa(), applications=apps, pdol=b""))
    assert card.brand == "mastercard"


def test_a_card_without_ppse_is_read_through_the_pse_directory_records() -> None:
    _, transmit = read(cards.pse_only_visa())
    assert transmit.selected[:2] == [emv.PPSE, emv.PSE]
    # PPSE absent; PSE found; its directory (SFI 1) read until "record not found"; app selected
    assert [(ins, sw1) for ins, _p1, _p2, sw1 in transmit.exchanges[:5]] == [
        (0xA4, 0x6A),
        (0xA4, 0x90),
        (0xB2, 0x90),
        (0xB2, 0x6A),
        (0xA4, 0x90),
    ]


def test_a_card_without_directory_is_found_by_trying_the_known_aids_in_order() -> None:
    card, transmit = read(cards.known_aid_only_amex())
    assert card.brand == "amex"
    assert transmit.selected[:5] == [emv.PPSE, emv.PSE, *emv.KNOWN_AIDS[:3]]


def test_a_t0_card_is_followed_through_get_response_and_wrong_le() -> None:
    _, transmit = read(cards.t0_card())
    status_words = {sw1 for _ins, _p1, _p2, sw1 in transmit.exchanges}
    assert {0x61, 0x6C} <= status_words
    assert any(ins == 0xC0 for ins, *_ in transmit.exchanges)


@pytest.mark.parametrize(
    "profile", [cards.bad_tlv, cards.wrong_status_words, cards.no_pan], ids=lambda p: p.__name__
)
def test_malformed_cards_are_unreadable(profile: Callable[[], CardProfile]) -> None:
    with pytest.raises(DeviceError) as caught:
        read(profile())
    assert caught.value.code == "card_unreadable"


def test_a_card_pulled_out_mid_read_is_reported_removed() -> None:
    with pytest.raises(DeviceError) as caught:
        read(cards.pulls_out_after_select())
    assert caught.value.code == "card_removed"


def test_a_card_with_no_supported_application_is_unreadable() -> None:
    loyalty = (Application(bytes.fromhex("F0000000010203"), "LOYALTY", 1),)
    with pytest.raises(DeviceError, match="no supported payment application") as caught:
        read(replace(cards.visa(), applications=loyalty))
    assert caught.value.code == "card_unreadable"


def test_a_response_without_status_word_is_unreadable() -> None:
    def transmit(command: bytes) -> tuple[bytes, int, int]:
        return apdu.parse_response(b"\x90")

    with pytest.raises(DeviceError) as caught:
        emv.read_card(transmit)
    assert caught.value.code == "card_unreadable"


def test_a_device_error_from_the_transport_passes_through() -> None:
    def transmit(command: bytes) -> tuple[bytes, int, int]:
        raise DeviceError("gone", code="card_removed")

    with pytest.raises(DeviceError) as caught:
        emv.read_card(transmit)
    assert caught.value.code == "card_removed"


@pytest.mark.parametrize(
    ("aid", "brand"),
    [
        ("A0000000031010", "visa"),
        ("A0000000032010", "visa"),
        ("A0000000043060", "mastercard"),
        ("A000000025010801", "amex"),
        ("A0000002771010", "interac"),
        ("A0000000651010", None),
    ],
)
def test_the_brand_comes_from_the_aid_rid(aid: str, brand: str | None) -> None:
    assert emv.brand_of(bytes.fromhex(aid)) == brand


ALL_PROFILES = [
    cards.visa,
    cards.mastercard,
    cards.interac,
    cards.pse_only_visa,
    cards.known_aid_only_amex,
    cards.t0_card,
    cards.bad_tlv,
    cards.wrong_status_words,
    cards.no_pan,
    cards.pulls_out_after_select,
]


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=lambda p: p.__name__)
def test_the_full_card_number_is_in_no_log_record_and_no_exception(
    profile: Callable[[], CardProfile], caplog: pytest.LogCaptureFixture
) -> None:
    card = profile()
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    try:
        result = read(card)[0]
        texts.append(repr(result))
    except DeviceError as err:
        chain: BaseException | None = err
        while chain is not None:
            texts += [str(chain), repr(chain), repr(chain.args)]
            chain = chain.__cause__ or chain.__context__
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records, "the read logs what it does"
    assert not [text for text in texts if card.pan in text or card.pan[:-4] in text]
