"""Command APDUs an EMV reader sends, and the parsing of response APDUs.

Pure functions. Command layouts follow ISO/IEC 7816-4 §5.1 (CLA INS P1 P2 [Lc data] [Le])
and EMV Book 3 §6.5 for the EMV-specific commands.
"""

from __future__ import annotations

from device_drivers.pcsc.tlv import parse_dol

SW_OK = (0x90, 0x00)

# ISO 7816-4 §5.1.3 and EMV Book 3 §6.3.5: the status words a payment card answers.
_MEANINGS = {
    (0x90, 0x00): "success",
    (0x62, 0x83): "selected application is blocked",
    (0x63, 0x00): "verification failed",
    (0x64, 0x00): "execution error, state unchanged",
    (0x65, 0x81): "memory failure",
    (0x67, 0x00): "wrong length",
    (0x68, 0x82): "secure messaging not supported",
    (0x69, 0x81): "command incompatible with file structure",
    (0x69, 0x82): "security status not satisfied",
    (0x69, 0x83): "authentication method blocked",
    (0x69, 0x84): "referenced data invalidated",
    (0x69, 0x85): "conditions of use not satisfied",
    (0x69, 0x86): "command not allowed",
    (0x6A, 0x81): "function not supported (card or application blocked)",
    (0x6A, 0x82): "file or application not found",
    (0x6A, 0x83): "record not found",
    (0x6A, 0x86): "incorrect P1 P2",
    (0x6A, 0x88): "referenced data not found",
    (0x6D, 0x00): "instruction not supported",
    (0x6E, 0x00): "class not supported",
    (0x6F, 0x00): "no precise diagnosis",
}


class ApduError(ValueError):
    """Raise when a response APDU is too short to hold its status word."""


def select_by_name(name: bytes, first: bool = True) -> bytes:
    """Build SELECT by DF name (AID or 'xPAY.SYS.DDF01'); EMV Book 1 §11.3.2.

    ``first=False`` asks for the next application matching a partial name (P2 = 02).
    """
    if not 1 <= len(name) <= 16:
        raise ValueError("a DF name is 1 to 16 bytes (ISO 7816-4 §8.2.1.2)")
    return bytes([0x00, 0xA4, 0x04, 0x00 if first else 0x02, len(name)]) + name + b"\x00"


def get_processing_options(pdol: bytes = b"") -> bytes:
    """Build GET PROCESSING OPTIONS with the PDOL's data filled with zeros; EMV Book 3 §6.5.8.

    The command data is template 83 holding the PDOL-related data: an empty PDOL (or none
    in the FCI) gives ``83 00``.
    """
    size = sum(length for _tag, length in parse_dol(pdol))
    if size > 0x7F:
        raise ValueError("PDOL asks for more data than one short command carries")
    data = bytes([0x83, size]) + bytes(size)
    return bytes([0x80, 0xA8, 0x00, 0x00, len(data)]) + data + b"\x00"


def read_record(sfi: int, record: int) -> bytes:
    """Build READ RECORD of ``record`` in file ``sfi``, P2 = SFI << 3 | 4 (EMV Book 3 §6.5.11)."""
    if not 1 <= sfi <= 30:
        raise ValueError("an SFI is 1 to 30")
    if not 1 <= record <= 254:
        raise ValueError("a record number is 1 to 254")
    return bytes([0x00, 0xB2, record, (sfi << 3) | 0x04, 0x00])


def get_response(length: int) -> bytes:
    """Build GET RESPONSE for ``length`` bytes (0 means 256); ISO 7816-4 §7.6.1, T=0."""
    if not 0 <= length <= 0xFF:
        raise ValueError("GET RESPONSE asks for 0 to 255 (0 = 256) bytes")
    return bytes([0x00, 0xC0, 0x00, 0x00, length])


def with_le(command: bytes, le: int) -> bytes:
    """Return ``command`` with its Le byte replaced (SW 6Cxx: 'repeat with Le = xx')."""
    if len(command) < 5:
        raise ValueError("a command with Le has at least 5 bytes")
    if len(command) == 5 or len(command) == 6 + command[4]:
        return command[:-1] + bytes([le & 0xFF])
    return command + bytes([le & 0xFF])  # case 3 command: add an Le


def parse_response(response: bytes) -> tuple[bytes, int, int]:
    """Split a response APDU into (data, SW1, SW2); raise ApduError when it is too short."""
    if len(response) < 2:
        raise ApduError(f"response of {len(response)} bytes has no status word")
    return bytes(response[:-2]), response[-2], response[-1]


def is_ok(sw1: int, sw2: int) -> bool:
    """Return True for 90 00, the only normal completion EMV accepts."""
    return (sw1, sw2) == SW_OK


def status_meaning(sw1: int, sw2: int) -> str:
    """Return what the status word means, for technicians' logs."""
    known = _MEANINGS.get((sw1, sw2))
    if known:
        return known
    if sw1 == 0x61:
        return f"{sw2 or 256} more bytes available (GET RESPONSE)"
    if sw1 == 0x6C:
        return f"wrong Le, repeat with Le = {sw2 or 256}"
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"verification failed, {sw2 & 0x0F} tries left"
    if sw1 in (0x62, 0x63):
        return "warning"
    return "error"


def format_sw(sw1: int, sw2: int) -> str:
    """Return the status word as technicians read it: '6A82 (file or application not found)'."""
    return f"{sw1:02X}{sw2:02X} ({status_meaning(sw1, sw2)})"
