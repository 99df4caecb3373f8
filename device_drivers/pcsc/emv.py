"""Read a contact EMV card's payment application: brand, last four digits, expiry.

Pure logic over a ``transmit(apdu) -> (data, sw1, sw2)`` callable, so it runs the same
over pcscd and against a virtual card called directly. The steps are EMV Book 1 §12
(application selection: PPSE, then PSE, then the list of known AIDs) and EMV Book 3 §10.1
(initiate application processing: GET PROCESSING OPTIONS, then READ RECORD over the AFL).

The card number is read in one function, ``_card_data``, and lives only in its locals:
it is never logged, kept, put in an exception message or returned.

``transmit`` raises ``DeviceError`` (passed through unchanged) or ``ConnectionError`` when
the card went away (reported as ``card_removed``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from device_drivers.pcsc import apdu
from device_drivers.pcsc.tlv import Tlv, find, find_all, parse
from transactions.devices import CardData
from transactions.errors import DeviceError

logger = logging.getLogger(__name__)

Transmit = Callable[[bytes], tuple[bytes, int, int]]

PPSE = b"2PAY.SYS.DDF01"
PSE = b"1PAY.SYS.DDF01"
# EMV Book 1 §12.3.3: the terminal's own list, tried in order when there is no directory.
KNOWN_AIDS: tuple[bytes, ...] = (
    bytes.fromhex("A0000000031010"),  # Visa credit/debit
    bytes.fromhex("A0000000041010"),  # Mastercard
    bytes.fromhex("A00000002501"),  # American Express
    bytes.fromhex("A0000002771010"),  # Interac
)
# Registered application provider identifiers (first five bytes of the AID, ISO 7816-5).
BRANDS_BY_RID = {
    bytes.fromhex("A000000003"): "visa",
    bytes.fromhex("A000000004"): "mastercard",
    bytes.fromhex("A000000025"): "amex",
    bytes.fromhex("A000000277"): "interac",
}
MAX_EXCHANGES = 16  # GET RESPONSE / repeat rounds for one command
MAX_RECORDS = 64  # records read in all; a real AFL lists a handful
MAX_DIRECTORY_RECORDS = 16
_NO_PRIORITY = 16


@dataclass(frozen=True)
class Candidate:
    """An application the card offers: its AID and priority (1 highest; None when absent)."""

    aid: bytes
    priority: int | None = None

    @property
    def rank(self) -> int:
        """Return the sort key: EMV Book 1 §12.2.3, tag 87 b4-b1; 0 or absent sorts last."""
        return self.priority or _NO_PRIORITY


def brand_of(aid: bytes) -> str | None:
    """Return the card brand an AID belongs to, by its RID, or None when unsupported."""
    return BRANDS_BY_RID.get(bytes(aid[:5]))


def read_card(transmit: Transmit) -> CardData:
    """Select the card's payment application and return its brand, last four and expiry."""
    try:
        return _read(_Exchange(transmit))
    except ConnectionError as err:
        logger.info("card went away during the read")
        raise DeviceError("card removed during the read", code="card_removed") from err
    except ValueError as err:  # TlvError, ApduError, CardData's own checks
        raise _unreadable(f"malformed answer: {err}") from err


class _Exchange:
    """Send commands and handle T=0 status words (ISO 7816-3 §10.3.3, EMV Book 1 §9.3.1)."""

    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit

    def send(self, command: bytes) -> tuple[bytes, int, int]:
        """Send ``command``; follow 61xx with GET RESPONSE and 6Cxx with a repeat."""
        data, sw1, sw2 = self._transmit(command)
        collected = b""
        for _round in range(MAX_EXCHANGES):
            if sw1 == 0x6C:  # wrong Le: repeat the same command with Le = SW2
                data, sw1, sw2 = self._transmit(apdu.with_le(command, sw2))
            elif sw1 == 0x61:  # more data waiting: GET RESPONSE with Le = SW2, and collect
                collected += data
                command = apdu.get_response(sw2)
                data, sw1, sw2 = self._transmit(command)
            else:
                return collected + data, sw1, sw2
        raise _unreadable("card kept asking for GET RESPONSE or a repeat")

    def select(self, name: bytes) -> list[Tlv] | None:
        """SELECT ``name``; return its parsed FCI, or None when the card refuses it."""
        data, sw1, sw2 = self.send(apdu.select_by_name(name))
        logger.debug("SELECT %s: %s", _name(name), apdu.format_sw(sw1, sw2))
        if not apdu.is_ok(sw1, sw2):
            return None
        fci = parse(data)
        if find(fci, 0x6F) is None:  # EMV Book 1 §11.3.4: the FCI is template 6F
            raise _unreadable(f"SELECT {_name(name)} answered without an FCI template")
        return fci


def _read(exchange: _Exchange) -> CardData:
    for candidate in _candidates(exchange):
        brand = brand_of(candidate.aid)
        if brand is None:
            logger.debug("skipping unsupported application %s", candidate.aid.hex().upper())
            continue
        fci = exchange.select(candidate.aid)
        if fci is None:
            continue
        logger.info("reading %s application %s", brand, candidate.aid.hex().upper())
        afl = _processing_options(exchange, fci)
        return _card_data(exchange, afl, brand)
    raise _unreadable("no supported payment application on the card")


def _candidates(exchange: _Exchange) -> list[Candidate]:
    """Return the applications to try, best first (EMV Book 1 §12.3 and §12.4)."""
    found = _from_ppse(exchange) or _from_pse(exchange)
    if found:
        return sorted(found, key=lambda c: c.rank)  # stable: card order breaks ties
    logger.info("no payment directory on the card; trying the known AIDs")
    for aid in KNOWN_AIDS:
        fci = exchange.select(aid)
        if fci is not None:
            name = find(fci, 0x84)  # DF name: the full AID when the match was partial
            return [Candidate(name.value if name and name.value else aid)]
    return []


def _from_ppse(exchange: _Exchange) -> list[Candidate]:
    fci = exchange.select(PPSE)
    if fci is None:
        return []
    # EMV Book B §3.3.4: the PPSE's FCI lists directory entries (61) under BF0C.
    return [_candidate(entry) for entry in find_all(fci, 0x61) if entry.find(0x4F)]


def _from_pse(exchange: _Exchange) -> list[Candidate]:
    fci = exchange.select(PSE)
    if fci is None:
        return []
    sfi_tag = find(fci, 0x88)  # EMV Book 1 §12.2.2: SFI of the directory elementary file
    if sfi_tag is None or len(sfi_tag.value) != 1 or not 1 <= sfi_tag.value[0] <= 30:
        raise _unreadable("PSE without a valid directory SFI (tag 88)")
    found: list[Candidate] = []
    for number in range(1, MAX_DIRECTORY_RECORDS + 1):
        data, sw1, sw2 = exchange.send(apdu.read_record(sfi_tag.value[0], number))
        if (sw1, sw2) == (0x6A, 0x83):  # record not found: end of the directory
            break
        if not apdu.is_ok(sw1, sw2):
            raise _unreadable(f"PSE directory record {number}: {apdu.format_sw(sw1, sw2)}")
        found += [_candidate(e) for e in find_all(parse(data), 0x61) if e.find(0x4F)]
    return found


def _candidate(entry: Tlv) -> Candidate:
    aid = entry.find(0x4F)
    priority = entry.find(0x87)
    if aid is None or not 5 <= len(aid.value) <= 16:
        raise _unreadable("directory entry with an invalid AID")
    rank = priority.value[0] & 0x0F if priority and priority.value else None
    return Candidate(aid.value, rank)


def _processing_options(exchange: _Exchange, fci: list[Tlv]) -> list[tuple[int, int, int]]:
    """Send GET PROCESSING OPTIONS; return the AFL as (SFI, first, last) records."""
    pdol = find(fci, 0x9F38)
    data, sw1, sw2 = exchange.send(apdu.get_processing_options(pdol.value if pdol else b""))
    logger.debug("GET PROCESSING OPTIONS: %s", apdu.format_sw(sw1, sw2))
    if not apdu.is_ok(sw1, sw2):
        raise _unreadable(f"GET PROCESSING OPTIONS: {apdu.format_sw(sw1, sw2)}")
    answer = parse(data)
    # EMV Book 3 §6.5.8.4: format 1 is template 80 (AIP then AFL), format 2 is template 77.
    if answer and answer[0].tag == 0x80:
        afl = answer[0].value[2:]
    else:
        afl_tag = find(answer, 0x94) if answer and answer[0].tag == 0x77 else None
        if afl_tag is None:
            raise _unreadable("GET PROCESSING OPTIONS answer has no AFL")
        afl = afl_tag.value
    return _afl_entries(afl)


def _afl_entries(afl: bytes) -> list[tuple[int, int, int]]:
    """Split the AFL into (SFI, first record, last record); EMV Book 3 §10.2."""
    if not afl or len(afl) % 4:
        raise _unreadable(f"AFL of {len(afl)} bytes is not a list of 4-byte entries")
    entries = []
    for i in range(0, len(afl), 4):
        sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
        if not 1 <= sfi <= 30 or first == 0 or last < first:
            raise _unreadable(f"AFL entry {i // 4} is invalid")
        entries.append((sfi, first, last))
    if sum(last - first + 1 for _sfi, first, last in entries) > MAX_RECORDS:
        raise _unreadable("AFL lists more records than any payment card has")
    return entries


def _card_data(exchange: _Exchange, afl: list[tuple[int, int, int]], brand: str) -> CardData:
    """Read the AFL's records and keep brand, last four and expiry; the PAN stays here."""
    pan = expiry = track2 = ""
    for sfi, first, last in afl:
        for number in range(first, last + 1):
            data, sw1, sw2 = exchange.send(apdu.read_record(sfi, number))
            if not apdu.is_ok(sw1, sw2):
                raise _unreadable(f"READ RECORD {sfi}/{number}: {apdu.format_sw(sw1, sw2)}")
            record = parse(data)
            pan_tag, expiry_tag, track2_tag = (find(record, t) for t in (0x5A, 0x5F24, 0x57))
            # EMV Book 3 Annex A: 5A is the PAN in BCD padded with F; 5F24 is YYMMDD.
            pan = pan or (pan_tag.value.hex().upper().rstrip("F") if pan_tag else "")
            expiry = expiry or (expiry_tag.value.hex() if expiry_tag else "")
            # Track 2 equivalent (57): PAN, separator D, YYMM, service code, ...
            track2 = track2 or (track2_tag.value.hex().upper() if track2_tag else "")
    if not pan and "D" in track2:
        pan = track2.split("D", 1)[0]
    if not expiry and "D" in track2:
        expiry = track2.split("D", 1)[1][:4] + "01"
    if not (12 <= len(pan) <= 19 and pan.isdigit() and _luhn_ok(pan)):
        raise _unreadable("no valid card number in the records")
    if not (len(expiry) == 6 and expiry.isdigit() and 1 <= int(expiry[2:4]) <= 12):
        raise _unreadable("no valid expiry date in the records")
    return CardData(brand=brand, last4=pan[-4:], expiry=f"20{expiry[:2]}-{expiry[2:4]}")


def _luhn_ok(number: str) -> bool:
    """Return True when the Luhn check digit of ``number`` is right (ISO/IEC 7812-1 Annex B)."""
    total = 0
    for i, char in enumerate(reversed(number)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _unreadable(detail: str) -> DeviceError:
    logger.info("card unreadable: %s", detail)
    return DeviceError(detail, code="card_unreadable")


def _name(name: bytes) -> str:
    return name.decode("ascii") if name in (PPSE, PSE) else name.hex().upper()
