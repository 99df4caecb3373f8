"""Concert framing and the kiosk's ECR messages: bytes in, values out, whatever the line does."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device_drivers.ecr.framing import (
    ACK,
    CAN,
    ENQ,
    EOT,
    ETX,
    MAX_PAYLOAD,
    NAK,
    STX,
    BadFrame,
    Control,
    Event,
    Frame,
    FrameDecoder,
    FramingError,
    encode_frame,
    lrc,
)
from device_drivers.ecr.messages import (
    ANSWER_LENGTH,
    BRAND_CODES,
    REQUEST_LENGTHS,
    Answer,
    Authorize,
    Cancel,
    Capture,
    Code,
    EcrProtocolError,
    Request,
    Result,
    SaleState,
    Status,
    encode_answer,
    encode_request,
    parse_answer,
    parse_request,
    request_code,
    request_key,
)

REFERENCE = "3f2b9c1e-7a4d-4e8b-9c0a-5d6e7f8a9b0c"

# Payloads the framing accepts: anything without a C0 control byte.
payloads = st.lists(st.integers(0x20, 0xFF), max_size=MAX_PAYLOAD).map(bytes)
printable = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)
keys = st.text("0123456789ABCDEF", min_size=16, max_size=16)
seqs = st.integers(0, 9999)
amounts = st.integers(0, 9_999_999_999)
references = printable.filter(lambda text: len(text) <= 36)


def decode(data: bytes) -> list[Event]:
    """Return the events a fresh decoder finds in ``data``."""
    return FrameDecoder().feed(data)


def frames(events: list[Event]) -> list[bytes]:
    """Return the payloads of the good frames among ``events``."""
    return [event.payload for event in events if isinstance(event, Frame)]


# --- framing ---------------------------------------------------------------------------


def test_a_frame_is_stx_payload_etx_and_the_xor_of_payload_and_etx() -> None:
    assert encode_frame(b"A") == bytes([STX, 0x41, ETX, 0x41 ^ ETX])
    assert encode_frame(b"") == bytes([STX, ETX, ETX])
    assert lrc(b"01ST" + bytes([ETX])) == 0x30 ^ 0x31 ^ 0x53 ^ 0x54 ^ ETX


@pytest.mark.parametrize("payload", [b"a\x02b", b"a\x03b", b"\x00", b"\x06", b"\x1f"])
def test_encoding_refuses_control_bytes_inside_a_payload(payload: bytes) -> None:
    with pytest.raises(FramingError):
        encode_frame(payload)


def test_encoding_refuses_a_payload_over_the_limit() -> None:
    with pytest.raises(FramingError):
        encode_frame(b"x" * (MAX_PAYLOAD + 1))


def test_the_decoder_skips_garbage_before_stx_and_reports_control_bytes() -> None:
    decoder = FrameDecoder()

    events = decoder.feed(b"noise" + bytes([ENQ, ACK, NAK, EOT, CAN]) + encode_frame(b"hello"))

    assert events == [
        Control(ENQ),
        Control(ACK),
        Control(NAK),
        Control(EOT),
        Control(CAN),
        Frame(b"hello"),
    ]
    assert decoder.skipped == len(b"noise")


def test_a_frame_fed_one_byte_at_a_time_is_decoded_once() -> None:
    decoder = FrameDecoder()

    events = [event for byte in encode_frame(b"01ST0001") for event in decoder.feed(bytes([byte]))]

    assert events == [Frame(b"01ST0001")]


def test_a_wrong_lrc_is_a_bad_frame() -> None:
    frame = bytearray(encode_frame(b"hello"))
    frame[-1] ^= 0xFF

    assert decode(bytes(frame)) == [BadFrame("lrc")]


def test_a_new_stx_inside_a_frame_abandons_it_and_decodes_the_next() -> None:
    assert decode(bytes([STX]) + b"half" + encode_frame(b"whole")) == [
        BadFrame("interrupted"),
        Frame(b"whole"),
    ]


def test_an_endless_frame_is_dropped_at_the_limit_and_the_next_frame_decodes() -> None:
    decoder = FrameDecoder(max_payload=16)

    events = decoder.feed(bytes([STX]) + b"x" * 100 + encode_frame(b"ok"))

    assert events == [BadFrame("too long"), Frame(b"ok")]


@given(payloads)
def test_decoding_an_encoded_payload_gives_it_back(payload: bytes) -> None:
    assert decode(encode_frame(payload)) == [Frame(payload)]


@given(payloads, st.lists(st.integers(1, 40), min_size=1))
def test_a_frame_split_anywhere_decodes_the_same(payload: bytes, cuts: list[int]) -> None:
    data, decoder, events = encode_frame(payload), FrameDecoder(), list[Event]()
    while data:
        size = cuts[len(events) % len(cuts)]
        events += decoder.feed(data[:size])
        data = data[size:]

    assert frames(events) == [payload]


@settings(max_examples=300)
@given(st.binary(max_size=4000))
def test_arbitrary_garbage_never_crashes_the_decoder_and_its_buffer_stays_bounded(
    garbage: bytes,
) -> None:
    decoder = FrameDecoder(max_payload=64)

    for event in decoder.feed(garbage):
        assert isinstance(event, Frame | BadFrame | Control)
        if isinstance(event, Frame):
            assert len(event.payload) <= 64
        assert decoder.buffered <= 64


@given(st.binary(max_size=300), payloads)
def test_after_garbage_the_retransmitted_frame_is_decoded(garbage: bytes, payload: bytes) -> None:
    frame = encode_frame(payload)

    assert payload in frames(decode(garbage + frame + frame))


@given(payloads, st.data())
def test_a_single_flipped_bit_never_yields_the_original_frame(
    payload: bytes, data: st.DataObject
) -> None:
    frame = bytearray(encode_frame(payload))
    position = data.draw(st.integers(0, len(frame) - 1))
    frame[position] ^= 1 << data.draw(st.integers(0, 7))

    events = decode(bytes(frame))

    assert payload not in frames(events)
    structure_intact = position == len(frame) - 1 or (
        0 < position < len(frame) - 2 and frame[position] >= 0x20
    )
    if structure_intact:  # STX and ETX where they were: the LRC alone catches the flip
        assert events == [BadFrame("lrc")]


# --- messages --------------------------------------------------------------------------


requests = st.one_of(
    st.builds(Authorize, seqs, keys, amounts, references, register=st.integers(0, 99)),
    st.builds(
        Capture, seqs, keys, printable.filter(lambda t: len(t) <= 12), amounts, register=st.just(1)
    ),
    st.builds(Cancel, seqs, keys, references, register=st.integers(0, 99)),
    st.builds(Status, seqs, st.one_of(st.just(""), references), keys),
)
answers = st.builds(
    Answer,
    code=st.sampled_from(Code),
    seq=seqs,
    result=st.sampled_from(Result),
    reason=st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    state=st.sampled_from(SaleState),
    authorization_id=st.one_of(st.just(""), printable.filter(lambda t: len(t) <= 12)),
    brand=st.sampled_from(["", *BRAND_CODES]),
    last4=st.one_of(st.just(""), st.text("0123456789", min_size=4, max_size=4)),
    amount_cents=amounts,
    merchant_reference=st.one_of(st.just(""), references),
    register=st.integers(0, 99),
)


def test_an_authorize_request_has_the_documented_layout() -> None:
    request = Authorize(7, request_key(f"{REFERENCE}:authorize"), 12600, REFERENCE)

    payload = encode_request(request)

    assert len(payload) == REQUEST_LENGTHS[Code.AUTHORIZE] == 73
    assert payload[:8] == b"01AU0007"
    assert payload[8:24] == request.key.encode()
    assert payload[24:37] == b"0000012600124"
    assert payload[37:] == REFERENCE.encode()


def test_an_answer_has_the_documented_layout_and_room_for_four_digits_only() -> None:
    answer = Answer(
        Code.AUTHORIZE,
        7,
        Result.APPROVED,
        state=SaleState.AUTHORIZED,
        authorization_id="AUTH00100001",
        brand="interac",
        last4="1234",
        amount_cents=12600,
        merchant_reference=REFERENCE,
    )

    payload = encode_answer(answer)

    assert len(payload) == ANSWER_LENGTH
    assert payload[:42] == b"01AU0007A00HAUTH00100001I12340000012600124"
    assert parse_answer(payload) == answer


def test_the_request_key_is_sixteen_hex_digits_of_the_idempotency_key() -> None:
    key = request_key(f"{REFERENCE}:authorize")

    assert len(key) == 16
    assert key == request_key(f"{REFERENCE}:authorize") != request_key(f"{REFERENCE}:capture")


@pytest.mark.parametrize(
    "request_",
    [
        Authorize(1, "0" * 16, 100, ""),
        Authorize(1, "0" * 16, 100, "has space"),
        Authorize(1, "0" * 16, 100, "x" * 37),
        Authorize(1, "0" * 16, 10**10, REFERENCE),
        Authorize(1, "not hex", 100, REFERENCE),
        Authorize(10_000, "0" * 16, 100, REFERENCE),
        Authorize(1, "0" * 16, 100, REFERENCE, currency="840"),
        Capture(1, "0" * 16, "", 100),
        Cancel(1, "0" * 16, "é"),
    ],
)
def test_requests_that_do_not_fit_their_fields_are_refused(request_: Request) -> None:
    with pytest.raises(EcrProtocolError):
        encode_request(request_)


@given(requests)
def test_every_request_round_trips(request_: Request) -> None:
    payload = encode_request(request_)

    assert len(payload) == REQUEST_LENGTHS[request_code(request_)]
    assert parse_request(payload) == request_
    assert all(0x20 <= byte <= 0x7E for byte in payload)


@given(answers)
def test_every_answer_round_trips(answer: Answer) -> None:
    assert parse_answer(encode_answer(answer)) == answer


@settings(max_examples=300)
@given(st.binary(max_size=120))
def test_parsing_arbitrary_bytes_raises_the_protocol_error_or_reads_it_exactly(
    payload: bytes,
) -> None:
    try:
        request_ = parse_request(payload)
    except EcrProtocolError:
        pass
    else:
        assert encode_request(request_) == payload
    try:
        answer = parse_answer(payload)
    except EcrProtocolError:
        return
    assert encode_answer(answer) == payload


def _as_request(payload: bytes) -> object:
    return parse_request(payload)


def _as_answer(payload: bytes) -> object:
    return parse_answer(payload)


# Each side parses only what the other sends: the terminal requests, the kiosk answers.
sent = st.one_of(
    requests.map(lambda request_: (encode_request(request_), _as_request)),
    answers.map(lambda answer: (encode_answer(answer), _as_answer)),
)


@settings(max_examples=300)
@given(sent, st.data())
def test_a_single_flipped_bit_in_a_message_frame_is_never_accepted(
    message: tuple[bytes, Callable[[bytes], object]], data: st.DataObject
) -> None:
    payload, parse = message
    frame = bytearray(encode_frame(payload))
    frame[data.draw(st.integers(0, len(frame) - 1))] ^= 1 << data.draw(st.integers(0, 7))

    for candidate in frames(decode(bytes(frame))):
        # Only a flip that made STX or ETX can pass the LRC, and it leaves a shorter frame.
        assert len(candidate) < len(payload)
        with pytest.raises(EcrProtocolError):
            parse(candidate)


def mutate(payload: bytes, data: st.DataObject) -> bytes:
    """Return ``payload`` with one byte replaced by any other value."""
    position = data.draw(st.integers(0, len(payload) - 1))
    return payload[:position] + bytes([data.draw(st.integers(0, 255))]) + payload[position + 1 :]


@settings(max_examples=300)
@given(requests, answers, st.data())
def test_a_message_with_one_byte_changed_is_refused_or_read_exactly(
    request_: Request, answer: Answer, data: st.DataObject
) -> None:
    changed_request = mutate(encode_request(request_), data)
    changed_answer = mutate(encode_answer(answer), data)

    with contextlib.suppress(EcrProtocolError):
        assert encode_request(parse_request(changed_request)) == changed_request
    with contextlib.suppress(EcrProtocolError):
        assert encode_answer(parse_answer(changed_answer)) == changed_answer
