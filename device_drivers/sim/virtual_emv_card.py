"""A virtual contact EMV card that sits in vpcd's virtual reader, so pcscd sees a real card.

vsmartcard's vpcd driver listens on 127.0.0.1:35963 (slot 0) and 35964 (slot 1); the card
connects as a TCP client. Every message is a 2-byte big-endian length and a payload: one
byte is a control message from the reader (0 power off, 1 power on, 2 reset, 4 "send your
ATR", answered with the ATR), anything longer is a command APDU, answered with the
response APDU. Closing the socket is pulling the card out.

The card answers what an EMV payment card answers (EMV Book 1 §11-12, Book 3 §6.5):
SELECT of the PPSE/PSE/applications, GET PROCESSING OPTIONS, READ RECORD, and, as a T=0
card, 61xx/6Cxx with GET RESPONSE. Its card numbers are public test numbers.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from dataclasses import dataclass, replace
from types import TracebackType

from device_drivers.pcsc.apdu import parse_response
from device_drivers.pcsc.tlv import encode, parse_dol

logger = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963
# T=0 only, no interface bytes but TB1/TC1 = 00, and 14 historical bytes (ISO 7816-3 §8.2).
ATR = bytes.fromhex("3B 6E 00 00 80 31 80 66 B0 84 12 01 6E 01 83 00 90 00")
FAULTS = ("", "bad_tlv", "wrong_status_words", "no_pan", "pull_out_after_select")
T0_CHUNK = 32  # bytes a T=0 card hands out per GET RESPONSE
PPSE = b"2PAY.SYS.DDF01"
PSE = b"1PAY.SYS.DDF01"
OK = b"\x90\x00"
NOT_FOUND = b"\x6a\x82"
RECORD_NOT_FOUND = b"\x6a\x83"


class CardPulledOut(ConnectionError):
    """Raise when the card has left the reader in the middle of a command."""


@dataclass(frozen=True)
class Application:
    """A payment application on the card: AID, label and priority (tag 87; None = absent)."""

    aid: bytes
    label: str
    priority: int | None = None


@dataclass(frozen=True)
class CardProfile:
    """What a virtual card holds and how it behaves.

    ``directory`` is "ppse", "pse" or "none"; ``gpo_format`` 1 answers GPO with template
    80, 2 with template 77; ``track2_only`` puts the PAN and expiry only in tag 57;
    ``fault`` is one of FAULTS.
    """

    name: str
    applications: tuple[Application, ...]
    pan: str
    expiry: str  # YYMMDD, as tag 5F24 carries it
    directory: str = "ppse"
    gpo_format: int = 2
    pdol: bytes = b""
    track2_only: bool = False
    t0: bool = False
    fault: str = ""
    atr: bytes = ATR

    def __post_init__(self) -> None:
        if self.directory not in ("ppse", "pse", "none") or self.fault not in FAULTS:
            raise ValueError("unknown directory or fault")


VISA_AID = bytes.fromhex("A0000000031010")
VISA_PDOL = bytes.fromhex("9F66049F02069F37045F2A02")  # TTQ, amount, unpredictable no., currency


def visa() -> CardProfile:
    """Return a Visa credit card found through the PPSE, GPO answered in format 2 (77)."""
    app = Application(VISA_AID, "VISA CREDIT", 1)
    return CardProfile("visa", (app,), "4761739001010010", "281231", pdol=VISA_PDOL)


def mastercard() -> CardProfile:
    """Return a Mastercard whose PAN and expiry are only in track 2; GPO format 1 (80)."""
    app = Application(bytes.fromhex("A0000000041010"), "MASTERCARD", 1)
    return CardProfile(
        "mastercard", (app,), "5413330089010434", "270630", gpo_format=1, track2_only=True
    )


def interac() -> CardProfile:
    """Return a Visa Debit/Interac co-badged card listing Interac second but with priority 1."""
    apps = (
        Application(bytes.fromhex("A0000000032010"), "VISA DEBIT", 2),
        Application(bytes.fromhex("A0000002771010"), "INTERAC", 1),
    )
    return CardProfile("interac", apps, "4506445006931933", "300131")


def pse_only_visa() -> CardProfile:
    """Return a Visa card with no PPSE: its applications are in the PSE's directory records."""
    return replace(visa(), name="pse_only_visa", directory="pse")


def known_aid_only_amex() -> CardProfile:
    """Return an Amex card with neither PPSE nor PSE, whose AID extends the one the reader knows."""
    app = Application(bytes.fromhex("A000000025010801"), "AMERICAN EXPRESS")
    return CardProfile("known_aid_only_amex", (app,), "374245455400126", "290131", "none")


def t0_card() -> CardProfile:
    """Return a Visa card answering like T=0: 61xx then GET RESPONSE, 6Cxx for a wrong Le."""
    return replace(visa(), name="t0_card", t0=True)


def bad_tlv() -> CardProfile:
    """Return a card whose record's TLV length runs past the end of the record."""
    return replace(visa(), name="bad_tlv", fault="bad_tlv")


def wrong_status_words() -> CardProfile:
    """Return a card answering READ RECORD with its record but status 6F00."""
    return replace(visa(), name="wrong_status_words", fault="wrong_status_words")


def no_pan() -> CardProfile:
    """Return a card whose records carry neither tag 5A nor track 2 (57)."""
    return replace(visa(), name="no_pan", fault="no_pan")


def pulls_out_after_select() -> CardProfile:
    """Return a card that leaves the reader right after its application is selected."""
    return replace(visa(), name="pulls_out_after_select", fault="pull_out_after_select")


class EmvApplet:
    """Answer command APDUs as the profile's card would; no I/O."""

    def __init__(self, profile: CardProfile) -> None:
        self.profile = profile
        self.pulled_out = False
        self._current: bytes | None = None  # the selected DF name
        self._pending = b""  # T=0: data waiting for GET RESPONSE
        self._pending_sw = OK

    def reset(self) -> None:
        """Forget the selection, as after a power cycle or a warm reset."""
        self._current = None
        self._pending = b""

    def respond(self, command: bytes) -> bytes:
        """Return the response APDU to ``command``; raise CardPulledOut once pulled out."""
        if self.pulled_out:
            raise CardPulledOut("the card is no longer in the reader")
        if len(command) < 4:
            return b"\x67\x00"
        return self._t0(command) if self.profile.t0 else self._dispatch(command)

    def _t0(self, command: bytes) -> bytes:
        # ISO 7816-3 §10.3.3: a T=0 card does not send data with a case 4 command's status;
        # it says 61xx and hands the data out by GET RESPONSE, and a case 2 command with the
        # wrong Le gets 6Cxx ("repeat with Le = xx").
        if command[1] == 0xC0:
            if not self._pending:
                return b"\x69\x85"
            want = (command[4] if len(command) >= 5 else 0) or 256
            chunk, self._pending = self._pending[:want], self._pending[want:]
            if self._pending:
                return chunk + bytes([0x61, min(len(self._pending), T0_CHUNK)])
            return chunk + self._pending_sw
        response = self._dispatch(command)
        data = response[:-2]
        if not data:
            return response
        if command[1] == 0xB2:
            le = command[4] if len(command) >= 5 else 0
            return response if le == len(data) else bytes([0x6C, len(data) & 0xFF])
        self._pending, self._pending_sw = data, response[-2:]
        return bytes([0x61, min(len(data), T0_CHUNK)])

    def _dispatch(self, command: bytes) -> bytes:
        ins = command[1]
        body = command[5 : 5 + command[4]] if len(command) > 5 else b""
        if ins == 0xA4 and command[2] == 0x04:
            return self._select(body)
        if ins == 0xA8:
            return self._gpo(body)
        if ins == 0xB2:
            return self._read_record(command[3] >> 3, command[2])
        return b"\x6d\x00"

    def _select(self, name: bytes) -> bytes:
        profile = self.profile
        self._current = None
        if name == PPSE and profile.directory == "ppse":
            entries = b"".join(_directory_entry(app) for app in profile.applications)
            self._current = name
            return _fci(name, encode(0xBF0C, entries)) + OK
        if name == PSE and profile.directory == "pse":
            self._current = name
            return _fci(name, encode(0x88, b"\x01") + encode(0x5F2D, b"enfr")) + OK
        for app in profile.applications:
            if name and app.aid.startswith(name):  # ISO 7816-4 §7.1.1: partial DF name
                self._current = app.aid
                self.pulled_out = profile.fault == "pull_out_after_select"
                proprietary = encode(0x50, app.label.encode("ascii"))
                if app.priority is not None:
                    proprietary += encode(0x87, bytes([app.priority]))
                if profile.pdol:
                    proprietary += encode(0x9F38, profile.pdol)
                return _fci(app.aid, proprietary) + OK
        return NOT_FOUND

    def _gpo(self, body: bytes) -> bytes:
        if self._current is None or self._current in (PPSE, PSE):
            return b"\x69\x85"
        # EMV Book 3 §6.5.8.3: the data is template 83 with exactly the PDOL's lengths.
        size = sum(length for _tag, length in parse_dol(self.profile.pdol))
        if body[:2] != bytes([0x83, size]) or len(body) != 2 + size:
            return b"\x67\x00"
        aip, afl = b"\x19\x80", bytes.fromhex("08010100 10010200")
        if self.profile.gpo_format == 1:
            return encode(0x80, aip + afl) + OK
        return encode(0x77, encode(0x82, aip) + encode(0x94, afl)) + OK

    def _read_record(self, sfi: int, number: int) -> bytes:
        if self._current == PSE:
            apps = self.profile.applications
            if sfi != 1 or not 1 <= number <= len(apps):
                return RECORD_NOT_FOUND
            return encode(0x70, _directory_entry(apps[number - 1])) + OK
        if self._current is None or self._current == PPSE:
            return b"\x69\x85"
        record = self._records().get((sfi, number))
        if record is None:
            return RECORD_NOT_FOUND
        if self.profile.fault == "bad_tlv" and (sfi, number) == (2, 1):
            return record[:-6] + OK  # the template's length now runs past the end
        if self.profile.fault == "wrong_status_words":
            return record + b"\x6f\x00"
        return record + OK

    def _records(self) -> dict[tuple[int, int], bytes]:
        profile = self.profile
        # Track 2 equivalent data (EMV Book 3 Annex A): PAN, D, YYMM, service code 201, ...
        track2 = f"{profile.pan}D{profile.expiry[:4]}201123456789"
        track2 += "F" * (len(track2) % 2)  # BCD, padded with F
        sfi1 = encode(0x5F20, b"TEST/CARDHOLDER") + encode(0x9F1F, b"0000")
        sfi2 = encode(0x5F25, bytes.fromhex("240101")) + encode(0x5F28, b"\x01\x24")
        if profile.fault != "no_pan":
            sfi1 = encode(0x57, bytes.fromhex(track2)) + sfi1
            if not profile.track2_only:
                pan = profile.pan + "F" * (len(profile.pan) % 2)  # BCD, padded with F
                sfi2 = (
                    encode(0x5A, bytes.fromhex(pan))
                    + encode(0x5F24, bytes.fromhex(profile.expiry))
                    + sfi2
                )
        # A long record (issuer public key certificate, 90) to exercise length form 81.
        sfi2_2 = encode(0x8E, bytes(10)) + encode(0x90, bytes(range(144)))
        return {
            (1, 1): encode(0x70, sfi1),
            (2, 1): encode(0x70, sfi2),
            (2, 2): encode(0x70, sfi2_2),
        }


def _directory_entry(app: Application) -> bytes:
    """Return a directory entry (61: 4F AID, 50 label, 87 priority); EMV Book 1 §12.2.3."""
    body = encode(0x4F, app.aid) + encode(0x50, app.label.encode("ascii"))
    if app.priority is not None:
        body += encode(0x87, bytes([app.priority]))
    return encode(0x61, body)


def _fci(name: bytes, proprietary: bytes) -> bytes:
    """Return an FCI template (6F: 84 DF name, A5 proprietary); EMV Book 1 §11.3.4."""
    return encode(0x6F, encode(0x84, name) + encode(0xA5, proprietary))


class VirtualEmvCard:
    """A virtual EMV card in vpcd's reader: ``insert()`` connects it, ``remove()`` pulls it out."""

    def __init__(self, profile: CardProfile, port: int = VPCD_PORT, host: str = VPCD_HOST) -> None:
        self.profile = profile
        self.applet = EmvApplet(profile)
        self._address = (host, port)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def inserted(self) -> bool:
        """Return True while the card is connected to the reader."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def transmit(self, command: bytes) -> tuple[bytes, int, int]:
        """Answer ``command`` directly, without a reader: (data, SW1, SW2)."""
        return parse_response(self.applet.respond(command))

    def insert(self, timeout: float = 10.0) -> None:
        """Connect to vpcd (retrying until ``timeout`` while pcscd starts) and serve APDUs."""
        with self._lock:
            if self.inserted:
                raise RuntimeError("the card is already in the reader")
            self.applet = EmvApplet(self.profile)
            sock = _connect(self._address, timeout)
            self._sock = sock
            self._thread = threading.Thread(
                target=self._serve, args=(sock,), name=f"virtual-emv-card-{self._address[1]}"
            )
            self._thread.daemon = True
            self._thread.start()
        logger.info("virtual card %s inserted in vpcd port %d", self.profile.name, self._address[1])

    def remove(self) -> None:
        """Pull the card out: close the socket so pcscd sees the reader empty."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
        if sock is not None:
            _close(sock)
        if thread is not None:
            thread.join(timeout=5.0)
            logger.info("virtual card %s removed", self.profile.name)

    def __enter__(self) -> VirtualEmvCard:
        self.insert()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while (payload := _receive(sock)) is not None:
                if len(payload) == 1:
                    if payload[0] == 4:  # the reader asks for the ATR
                        _send(sock, self.profile.atr)
                    else:  # 0 power off, 1 power on, 2 reset: start afresh
                        self.applet.reset()
                    continue
                try:
                    answer = self.applet.respond(payload)
                except CardPulledOut:
                    logger.info("virtual card %s pulled out mid-read", self.profile.name)
                    return
                _send(sock, answer)
        except OSError as err:
            logger.debug("virtual card %s: connection ended (%s)", self.profile.name, err)
        finally:
            _close(sock)


def _connect(address: tuple[str, int], timeout: float) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection(address, timeout=0.25)
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
            continue
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def _receive(sock: socket.socket) -> bytes | None:
    header = _receive_exactly(sock, 2)
    if header is None:
        return None
    return _receive_exactly(sock, int.from_bytes(header, "big"))


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        # vpcd writes the length and the APDU separately: acknowledge at once, or Nagle on
        # its side waits for our delayed ACK (40 ms per APDU on Linux).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
