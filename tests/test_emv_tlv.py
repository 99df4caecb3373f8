"""BER-TLV parsing and encoding, and the APDUs built from it: examples and properties."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers.pcsc import apdu
from device_drivers.pcsc.tlv import (
    Tlv,
    TlvError,
    encode,
    encode_node,
    find,
    find_all,
    parse,
    parse_dol,
)

# An FCI as a Visa card answers SELECT (EMV Book 1 §11.3.4), with a two-byte tag (9F38).
FCI = bytes.fromhex(
    "6F2A8407A0000000031010A51F500B56495341204352454449548701019F380C9F66049F02069F37045F2A02"
)


def test_an_fci_parses_into_nested_templates() -> None:
    [fci] = parse(FCI)
    assert fci.tag == 0x6F
    assert fci.constructed
    assert [child.tag for child in fci.children] == [0x84, 0xA5]
    assert fci.children[0].value == bytes.fromhex("A0000000031010")


def test_find_searches_nested_templates_for_multi_byte_tags() -> None:
    nodes = parse(FCI)
    pdol = find(nodes, 0x9F38)
    assert pdol is not None
    assert pdol.value == bytes.fromhex("9F66049F02069F37045F2A02")
    assert find(nodes, 0x87) == Tlv(0x87, b"\x01")
    assert find(nodes, 0x5A) is None


def test_find_all_returns_every_directory_entry_in_order() -> None:
    entries = encode(0x61, encode(0x4F, b"\xa0\x00\x00\x00\x03")) + encode(
        0x61, encode(0x4F, b"\xa0\x00\x00\x00\x04")
    )
    nodes = parse(encode(0xBF0C, entries))
    assert [e.children[0].value[-1] for e in find_all(nodes, 0x61)] == [3, 4]


@pytest.mark.parametrize(
    ("length", "prefix"),
    [(0x7F, b"\x7f"), (0x80, b"\x81\x80"), (0xFF, b"\x81\xff"), (0x100, b"\x82\x01\x00")],
)
def test_long_form_lengths_use_81_and_82(length: int, prefix: bytes) -> None:
    encoded = encode(0x90, bytes(length))
    assert encoded[1 : 1 + len(prefix)] == prefix
    assert parse(encoded) == [Tlv(0x90, bytes(length))]


def test_zero_padding_between_objects_is_skipped() -> None:
    assert parse(b"\x00\x5a\x01\x12\x00\x00") == [Tlv(0x5A, b"\x12")]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x5a\x08\x47\x61", id="value-truncated"),
        pytest.param(b"\x5a", id="length-missing"),
        pytest.param(b"\x9f", id="tag-truncated"),
        pytest.param(b"\x9f\x81\x82\x83\x84\x05\x00", id="tag-too-long"),
        pytest.param(b"\x70\x80\x5a\x00\x00\x00", id="indefinite-length"),
        pytest.param(b"\x90\x85\x00\x00\x00\x00\x01", id="five-length-bytes"),
        pytest.param(b"\x90\x82\x01", id="long-length-truncated"),
        pytest.param(b"\x70\x03\x5a\x05\x01", id="child-overruns-parent"),
        pytest.param(b"\x70\x02\x70\x05", id="nested-child-overruns"),
    ],
)
def test_malformed_input_raises_tlv_error(data: bytes) -> None:
    with pytest.raises(TlvError):
        parse(data)


def test_templates_nested_past_the_limit_raise_tlv_error() -> None:
    data = b""
    for _level in range(20):
        data = encode(0x70, data)
    with pytest.raises(TlvError, match="nested"):
        parse(data)


def test_tlv_errors_never_quote_the_bytes() -> None:
    with pytest.raises(TlvError) as caught:
        parse(bytes.fromhex("7012") + bytes.fromhex("5A084761739001010010"))
    assert "4761" not in str(caught.value)


def test_a_dol_lists_tags_and_lengths() -> None:
    assert parse_dol(bytes.fromhex("9F66049F02069F37045F2A02")) == [
        (0x9F66, 4),
        (0x9F02, 6),
        (0x9F37, 4),
        (0x5F2A, 2),
    ]


def test_gpo_fills_the_pdol_with_zeros() -> None:
    command = apdu.get_processing_options(bytes.fromhex("9F66049F0206"))
    assert command == bytes.fromhex("80A800000C830A") + bytes(10) + b"\x00"


def test_gpo_without_pdol_sends_83_00() -> None:
    assert apdu.get_processing_options() == bytes.fromhex("80A80000028300" + "00")


def test_select_read_record_and_get_response_layouts() -> None:
    assert apdu.select_by_name(b"2PAY.SYS.DDF01") == (
        bytes.fromhex("00A404000E") + b"2PAY.SYS.DDF01" + b"\x00"
    )
    assert apdu.read_record(2, 1) == bytes.fromhex("00B2011400")
    assert apdu.get_response(0x20) == bytes.fromhex("00C0000020")


def test_a_wrong_le_is_replaced_on_case_2_and_case_4_commands() -> None:
    assert apdu.with_le(apdu.read_record(1, 1), 0x1D) == bytes.fromhex("00B2010C1D")
    select = apdu.select_by_name(b"\xa0\x00\x00\x00\x03")
    assert apdu.with_le(select, 0x30)[-1] == 0x30
    assert len(apdu.with_le(select, 0x30)) == 11


def test_responses_split_into_data_and_status_word() -> None:
    assert apdu.parse_response(b"\x01\x02\x90\x00") == (b"\x01\x02", 0x90, 0x00)
    with pytest.raises(apdu.ApduError):
        apdu.parse_response(b"\x90")
    assert apdu.format_sw(0x6A, 0x82) == "6A82 (file or application not found)"
    assert "GET RESPONSE" in apdu.status_meaning(0x61, 0x10)


# -- properties -----------------------------------------------------------------------

_FIRST = [b for b in range(0x01, 0xFF) if b & 0x1F != 0x1F]


@st.composite
def tags(draw: st.DrawFn, constructed: bool) -> int:
    """Draw a valid one-, two- or three-byte BER tag with or without the constructed bit."""
    bit = 0x20 if constructed else 0x00
    size = draw(st.integers(1, 3))
    if size == 1:
        first = draw(st.sampled_from([b for b in _FIRST if b & 0x20 == bit]))
        return first
    first = draw(
        st.sampled_from([b for c in (0x00, 0x40, 0x80, 0xC0) if (b := c | bit | 0x1F) != 0xFF])
    )
    middle = [draw(st.integers(0x81, 0xFF)) for _ in range(size - 2)]
    last = draw(st.integers(0x01, 0x7F))
    return int.from_bytes(bytes([first, *middle, last]), "big")


def _primitive() -> st.SearchStrategy[Tlv]:
    return st.builds(Tlv, tags(constructed=False), st.binary(max_size=300))


def _constructed(children: st.SearchStrategy[list[Tlv]]) -> st.SearchStrategy[Tlv]:
    return st.builds(
        lambda tag, kids: Tlv(tag, b"".join(encode_node(k) for k in kids), tuple(kids)),
        tags(constructed=True),
        children,
    )


trees = st.recursive(
    _primitive(),
    lambda inner: _constructed(st.lists(inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=200)
@given(st.lists(trees, max_size=4))
def test_encoding_then_parsing_gives_back_the_same_tree(nodes: list[Tlv]) -> None:
    encoded = b"".join(encode_node(node) for node in nodes)
    assert parse(encoded) == nodes


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_parse_or_raise_tlv_error_only(data: bytes) -> None:
    try:
        nodes = parse(data)
    except TlvError:
        return
    assert all(isinstance(node, Tlv) for node in nodes)


@settings(max_examples=200)
@given(st.binary(max_size=60))
def test_arbitrary_dols_parse_or_raise_tlv_error_only(data: bytes) -> None:
    with contextlib.suppress(TlvError):
        parse_dol(data)
