"""BER-TLV as EMV cards speak it (EMV Book 3, Annex B; ISO/IEC 7816-4 §5.2).

Pure functions, bytes in and values out. Tags are kept as integers (``0x5F24``); the
values of constructed tags are parsed recursively. Malformed input raises ``TlvError``,
whose message names offsets and tags only, never the bytes themselves: card answers
carry the card number.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

MAX_DEPTH = 16  # EMV templates nest three or four deep; more is a broken or hostile card
MAX_TAG_BYTES = 4
# ISO 7816-4 §5.2.2.1: '00' and 'FF' are not valid first tag bytes; EMV Book 3 Annex B
# allows '00' padding before, between and after data objects.
_PADDING = (0x00, 0xFF)


class TlvError(ValueError):
    """Raise when bytes are not well-formed BER-TLV."""


@dataclass(frozen=True)
class Tlv:
    """One data object: its tag, its value bytes and, when constructed, its parsed children."""

    tag: int
    value: bytes
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        """Return True when the tag says the value holds other data objects (b6 of byte 1)."""
        return is_constructed(self.tag)

    def find(self, tag: int) -> Tlv | None:
        """Return the first object with ``tag`` among the descendants, depth first."""
        return find(self.children, tag)

    def walk(self) -> Iterator[Tlv]:
        """Yield this object and then every descendant, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def is_constructed(tag: int) -> bool:
    """Return True when ``tag``'s first byte has the constructed bit (ISO 7816-4 §5.2.2.1)."""
    return bool(_tag_bytes(tag)[0] & 0x20)


def find(nodes: Sequence[Tlv], tag: int) -> Tlv | None:
    """Return the first object with ``tag`` in ``nodes`` or beneath them, depth first."""
    for node in nodes:
        for item in node.walk():
            if item.tag == tag:
                return item
    return None


def find_all(nodes: Sequence[Tlv], tag: int) -> list[Tlv]:
    """Return every object with ``tag`` in ``nodes`` or beneath them, in order."""
    return [item for node in nodes for item in node.walk() if item.tag == tag]


def parse(data: bytes) -> list[Tlv]:
    """Parse a sequence of data objects; raise TlvError when ``data`` is malformed."""
    return _parse(bytes(data), 0)


def _parse(data: bytes, depth: int) -> list[Tlv]:
    if depth > MAX_DEPTH:
        raise TlvError(f"templates nested deeper than {MAX_DEPTH}")
    nodes: list[Tlv] = []
    offset = 0
    while offset < len(data):
        if data[offset] in _PADDING:
            offset += 1
            continue
        tag, offset = read_tag(data, offset)
        length, offset = read_length(data, offset)
        end = offset + length
        if end > len(data):
            raise TlvError(f"tag {tag:X} at offset {offset}: length {length} runs past the end")
        value = data[offset:end]
        children = tuple(_parse(value, depth + 1)) if is_constructed(tag) else ()
        nodes.append(Tlv(tag, value, children))
        offset = end
    return nodes


def read_tag(data: bytes, offset: int) -> tuple[int, int]:
    """Read a tag at ``offset``; return (tag, offset after it). ISO 7816-4 §5.2.2.1."""
    if offset >= len(data):
        raise TlvError(f"tag expected at offset {offset}, found the end")
    start = offset
    first = data[offset]
    if first in _PADDING:
        raise TlvError(f"no tag starts with {first:02X} (offset {offset})")
    offset += 1
    if first & 0x1F == 0x1F:  # subsequent bytes follow while b8 is set
        while True:
            if offset >= len(data):
                raise TlvError(f"tag at offset {start} is truncated")
            if offset - start >= MAX_TAG_BYTES:
                raise TlvError(f"tag at offset {start} is longer than {MAX_TAG_BYTES} bytes")
            more = data[offset] & 0x80
            offset += 1
            if not more:
                break
    return int.from_bytes(data[start:offset], "big"), offset


def read_length(data: bytes, offset: int) -> tuple[int, int]:
    """Read a definite length at ``offset``; return (length, offset after it).

    ISO 7816-4 §5.2.2.2: one byte up to 0x7F, else 0x81..0x84 followed by that many bytes.
    0x80 (indefinite form) is not allowed in EMV.
    """
    if offset >= len(data):
        raise TlvError(f"length expected at offset {offset}, found the end")
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    count = first & 0x7F
    if count == 0:
        raise TlvError(f"indefinite length at offset {offset}")
    if count > 4:
        raise TlvError(f"length at offset {offset} uses {count} bytes")
    if offset + 1 + count > len(data):
        raise TlvError(f"length at offset {offset} is truncated")
    return int.from_bytes(data[offset + 1 : offset + 1 + count], "big"), offset + 1 + count


def parse_dol(dol: bytes) -> list[tuple[int, int]]:
    """Parse a data object list (tag, length pairs, no values; EMV Book 3 §5.4)."""
    entries: list[tuple[int, int]] = []
    offset = 0
    while offset < len(dol):
        tag, offset = read_tag(dol, offset)
        length, offset = read_length(dol, offset)
        entries.append((tag, length))
    return entries


def encode_tag(tag: int) -> bytes:
    """Return the bytes of ``tag``; raise TlvError when it is not a valid BER tag."""
    return _tag_bytes(tag)


def encode_length(length: int) -> bytes:
    """Return the shortest definite-form encoding of ``length``."""
    if length < 0 or length > 0xFFFFFFFF:
        raise TlvError("length out of range")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    """Encode one data object; for a constructed tag ``value`` is the encoded children."""
    return _tag_bytes(tag) + encode_length(len(value)) + bytes(value)


def encode_node(node: Tlv) -> bytes:
    """Encode ``node``: its children when it is constructed and has some, else its value."""
    if node.constructed and node.children:
        return encode(node.tag, b"".join(encode_node(child) for child in node.children))
    return encode(node.tag, node.value)


def _tag_bytes(tag: int) -> bytes:
    if tag <= 0:
        raise TlvError("a tag is a positive number")
    raw = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    if len(raw) > MAX_TAG_BYTES or raw[0] in _PADDING:
        raise TlvError(f"{tag:X} is not a valid tag")
    multi = raw[0] & 0x1F == 0x1F
    if not multi and len(raw) != 1:
        raise TlvError(f"{tag:X} is not a valid tag")
    if multi and (len(raw) < 2 or any(b & 0x80 == 0 for b in raw[1:-1]) or raw[-1] & 0x80):
        raise TlvError(f"{tag:X} is not a valid tag")
    return raw
