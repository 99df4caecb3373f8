"""The chip-card reader through pcscd, with pyscard's low-level ``smartcard.scard`` API.

``PcscCardReader`` waits for a card in one reader, connects (T=0 or T=1), hands a
``transmit`` function to the pure EMV logic of ``emv.py`` and disconnects. pcscd is a
separate daemon that may be restarted under us: every PC/SC result code is checked here,
and losing the daemon (SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED, SCARD_F_COMM_ERROR,
then SCARD_E_INVALID_HANDLE once it is back) or the reader releases the context and
establishes a new one after a short pause, until the caller's timeout. pyscard's
``CardMonitor`` is not used: its thread dies silently when pcscd goes away.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from smartcard import scard

from device_drivers.pcsc import apdu, emv
from transactions.devices import CardData, DeviceHealth, HealthStatus
from transactions.errors import DeviceError

logger = logging.getLogger(__name__)

FIX_PCSCD = "start pcscd: systemctl start pcscd"
FIX_READER = "check the reader's USB cable"
FIX_CARD = "try a known-good test card; clean the reader's contacts"
MAX_BACKOFF = 1.0  # seconds between attempts to reach a restarted pcscd
# pcscd polls readers that have no card events every 0.4 s (pcsc-lite's
# PCSCLITE_STATUS_POLL_RATE): give it a few rounds to notice a card that left.
REMOVAL_SETTLE = 3.0
SELF_TEST_ATTEMPTS = 5

_READER_GONE = frozenset({scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE})
_CARD_GONE = frozenset({scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD})
_NOT_READY = frozenset(
    {
        scard.SCARD_W_UNPOWERED_CARD,
        scard.SCARD_W_REMOVED_CARD,
        scard.SCARD_E_NO_SMARTCARD,
        scard.SCARD_W_RESET_CARD,
    }
)
_MUTE = frozenset({scard.SCARD_W_UNRESPONSIVE_CARD, scard.SCARD_W_UNSUPPORTED_CARD})


class PcscError(Exception):
    """Raise when a PC/SC call returns an error code; translated before leaving the module."""

    def __init__(self, call: str, code: int) -> None:
        self.code = code & 0xFFFFFFFF
        super().__init__(f"{call}: {_message(self.code)} (0x{self.code:08X})")

    @property
    def reader_gone(self) -> bool:
        """Return True when the reader left pcscd's list (unplugged)."""
        return self.code in _READER_GONE

    @property
    def card_gone(self) -> bool:
        """Return True when the card left the reader."""
        return self.code in _CARD_GONE


def _call(name: str, *args: Any) -> Any:
    """Call ``scard.<name>``; pyscard raises SystemError on some stale handles."""
    try:
        return getattr(scard, name)(*args)
    except SystemError as err:
        raise PcscError(name, scard.SCARD_E_INVALID_HANDLE) from err


def _check(name: str, hresult: int) -> None:
    if hresult & 0xFFFFFFFF != scard.SCARD_S_SUCCESS:
        raise PcscError(name, hresult)


def _message(code: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(code)).rstrip(".")
    except (SystemError, TypeError, OverflowError):
        return "unknown PC/SC error"


def _present(event: int) -> bool:
    return bool(event & scard.SCARD_STATE_PRESENT)


class _Context:
    """One PC/SC context; every call's result code is checked here."""

    def __init__(self) -> None:
        hresult, self.handle = _call("SCardEstablishContext", scard.SCARD_SCOPE_USER)
        _check("SCardEstablishContext", hresult)

    def readers(self) -> list[str]:
        """Return the readers pcscd knows, [] when there is none."""
        hresult, readers = _call("SCardListReaders", self.handle, [])
        if hresult & 0xFFFFFFFF == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check("SCardListReaders", hresult)
        return list(readers)

    def state(
        self, reader: str, known: int = scard.SCARD_STATE_UNAWARE, wait: float = 0.0
    ) -> tuple[int, bytes]:
        """Return (event state, ATR) of ``reader``, waiting up to ``wait`` s for a change."""
        hresult, states = _call(
            "SCardGetStatusChange", self.handle, max(0, int(wait * 1000)), [(reader, known)]
        )
        if hresult & 0xFFFFFFFF == scard.SCARD_E_TIMEOUT:
            return known, b""
        _check("SCardGetStatusChange", hresult)
        _name, event, atr = states[0]
        if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            raise PcscError("SCardGetStatusChange", scard.SCARD_E_UNKNOWN_READER)
        # Keep the event counter (high 16 bits) so that the next wait sees any change.
        return event & ~scard.SCARD_STATE_CHANGED, bytes(atr)

    def connect(self, reader: str) -> tuple[int, int]:
        """Connect to the card in ``reader`` with T=0 or T=1; return (card handle, protocol)."""
        protocols = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        hresult, card, protocol = _call(
            "SCardConnect", self.handle, reader, scard.SCARD_SHARE_SHARED, protocols
        )
        _check("SCardConnect", hresult)
        return card, protocol

    def release(self) -> None:
        """Release the context; the context of a dead pcscd is simply forgotten."""
        with contextlib.suppress(PcscError):
            _call("SCardReleaseContext", self.handle)


class _Session:
    """The context one wait uses: established on demand, dropped when pcscd goes away."""

    def __init__(self) -> None:
        self._context: _Context | None = None

    def context(self) -> _Context:
        """Return the context, establishing one when there is none."""
        if self._context is None:
            self._context = _Context()
        return self._context

    def drop(self) -> None:
        """Release the context, if any; the next ``context()`` establishes a new one."""
        if self._context is not None:
            self._context.release()
            self._context = None


class PcscCardReader:
    """Read EMV cards in a PC/SC reader through pcscd, surviving pcscd restarts."""

    def __init__(self, reader_name: str | None = None, poll_seconds: float = 0.2) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be positive")
        self._reader_name = reader_name
        self._poll = poll_seconds
        self._cancelled = threading.Event()
        self._reading = threading.Lock()
        self._trouble = ""  # why the last wait could not watch the reader; "" when it could
        self._card_trouble = ""  # why the card in the reader could not be connected to

    # -- CardReader ----------------------------------------------------------------------

    def read_card(self, timeout: float) -> CardData:
        """Wait up to ``timeout`` s for a card, read its payment application, disconnect."""
        if not self._reading.acquire(timeout=max(0.0, timeout)):
            raise DeviceError("another read is in progress", code="reader_unavailable")
        self._cancelled.clear()
        self._card_trouble = ""
        session = _Session()
        try:
            deadline = time.monotonic() + timeout
            while True:
                reader = self._wait_for_card(session, deadline)
                card = self._read_inserted(session.context(), reader)
                if card is not None:
                    return card
                # pcscd still shows the card that has just left (it polls every 0.4 s):
                # look again once it has caught up.
                self._card_trouble = "the card in the reader does not power up"
                self._cancelled.wait(self._poll)
        finally:
            session.drop()
            self._reading.release()

    def cancel_wait(self) -> None:
        """Make a waiting ``read_card`` raise DeviceError('cancelled') within one poll."""
        self._cancelled.set()

    # -- Device --------------------------------------------------------------------------

    def health(self) -> DeviceHealth:
        """Return OK when pcscd answers and the reader is present; DOWN with the fix if not."""
        try:
            context = _Context()
        except PcscError as err:
            return DeviceHealth(HealthStatus.DOWN, f"pcscd unreachable: {err}", FIX_PCSCD)
        try:
            return self._reader_health(context)[0]
        finally:
            context.release()

    def self_test(self) -> DeviceHealth:
        """Check pcscd and the reader, report the card and its ATR, and read it if present."""
        try:
            context = _Context()
        except PcscError as err:
            return DeviceHealth(HealthStatus.DOWN, f"pcscd unreachable: {err}", FIX_PCSCD)
        try:
            verdict, reader = self._reader_health(context)
            if reader is None:
                return verdict
            return self._test_card(context, reader)
        except PcscError as err:
            return DeviceHealth(
                HealthStatus.DOWN, f"reader lost during the test: {err}", FIX_READER
            )
        finally:
            context.release()

    # -- waiting -------------------------------------------------------------------------

    def _wait_for_card(self, session: _Session, deadline: float) -> str:
        """Return the reader once it holds a card; re-establish the context when pcscd left."""
        backoff = self._poll
        while True:
            if self._cancelled.is_set():
                raise DeviceError("the wait for a card was cancelled", code="cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timed_out()
            try:
                context = session.context()
                reader = self._pick_reader(context.readers())
                if reader is None:
                    self._note_trouble(f"no reader {self._wanted()} in pcscd's list")
                else:
                    self._note_trouble("")
                    backoff = self._poll
                    if self._card_arrived(context, reader, min(self._poll, remaining)):
                        return reader
                    self._card_trouble = ""  # the reader is empty: nothing failed to power
                    continue
            except PcscError as err:
                self._note_trouble(f"pcscd: {err}")
                # NO_SERVICE, SERVICE_STOPPED, F_COMM_ERROR (pcscd died mid-call),
                # INVALID_HANDLE (a context of the pcscd before a restart), ...: start afresh.
                if not err.reader_gone:
                    session.drop()
            # No reader or no pcscd: pause (waking on cancel), a little longer each time.
            self._cancelled.wait(min(backoff, max(0.0, deadline - time.monotonic())))
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _card_arrived(self, context: _Context, reader: str, wait: float) -> bool:
        """Return True when ``reader`` holds a card now or gets one within ``wait`` s."""
        event, _atr = context.state(reader)
        if not _present(event):
            event, _atr = context.state(reader, event, wait)
        if _present(event) and event & scard.SCARD_STATE_MUTE:
            raise DeviceError(
                "the card does not answer (no ATR): inserted the wrong way?",
                code="card_unreadable",
            )
        return _present(event)

    def _note_trouble(self, trouble: str) -> None:
        """Log a change in what stops the reader from being watched (state changes at INFO)."""
        if trouble != self._trouble:
            if trouble:
                logger.warning("card reader not watchable: %s; retrying", trouble)
            else:
                logger.info("card reader %s watched", self._wanted())
        self._trouble = trouble

    def _timed_out(self) -> DeviceError:
        if self._card_trouble:
            return DeviceError(self._card_trouble, code="card_unreadable")
        if self._trouble:
            return DeviceError(self._trouble, code="reader_unavailable")
        return DeviceError("no card was inserted in time", code="no_card")

    def _pick_reader(self, readers: list[str]) -> str | None:
        """Return the configured reader (exact name, else the first starting with it)."""
        if self._reader_name is None:
            return readers[0] if readers else None
        if self._reader_name in readers:
            return self._reader_name
        return next((r for r in readers if r.startswith(self._reader_name)), None)

    def _wanted(self) -> str:
        return repr(self._reader_name) if self._reader_name else "(any)"

    # -- reading -------------------------------------------------------------------------

    def _read_inserted(self, context: _Context, reader: str) -> CardData | None:
        """Connect to the card in ``reader``, read it with emv.read_card, and disconnect.

        Return None when the card cannot be powered yet: pcscd still shows a card that
        has just been pulled out, or the new one is still being powered.
        """
        try:
            card, protocol = context.connect(reader)
        except PcscError as err:
            if err.code in _NOT_READY:
                logger.debug("card in %s not ready: %s", reader, err)
                return None
            raise _translate(err, "connect") from err

        def transmit(command: bytes) -> tuple[bytes, int, int]:
            return self._transmit(context, reader, card, protocol, command)

        try:
            return emv.read_card(transmit)
        finally:
            # Power the card down: nothing stays selected for the next reader.
            with contextlib.suppress(PcscError):
                _call("SCardDisconnect", card, scard.SCARD_UNPOWER_CARD)

    def _transmit(
        self, context: _Context, reader: str, card: int, protocol: int, command: bytes
    ) -> tuple[bytes, int, int]:
        try:
            hresult, response = _call("SCardTransmit", card, protocol, list(command))
            _check("SCardTransmit", hresult)
        except PcscError as err:
            if err.card_gone or self._card_left(context, reader):
                raise DeviceError("card removed during the read", code="card_removed") from err
            raise _translate(err, "transmit") from err
        if len(response) < 2 and self._card_left(context, reader):
            # vpcd (and some USB readers) answer an empty response once the card is gone.
            raise DeviceError("card removed during the read", code="card_removed")
        return apdu.parse_response(bytes(response))

    def _card_left(self, context: _Context, reader: str) -> bool:
        """Return True when the reader reports no card within REMOVAL_SETTLE s."""
        deadline = time.monotonic() + REMOVAL_SETTLE
        try:
            event, _atr = context.state(reader)
            while _present(event):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                event, _atr = context.state(reader, event, remaining)
        except PcscError as err:
            return err.card_gone or err.reader_gone
        return True

    # -- health --------------------------------------------------------------------------

    def _reader_health(self, context: _Context) -> tuple[DeviceHealth, str | None]:
        try:
            readers = context.readers()
        except PcscError as err:
            return DeviceHealth(HealthStatus.DOWN, f"pcscd unreachable: {err}", FIX_PCSCD), None
        reader = self._pick_reader(readers)
        if reader is None:
            found = ", ".join(readers) or "none"
            detail = f"no card reader {self._wanted()} (readers found: {found})"
            return DeviceHealth(HealthStatus.DOWN, detail, FIX_READER), None
        return DeviceHealth(
            HealthStatus.OK, f"reader {reader} present", data={"reader": reader}
        ), reader

    def _test_card(self, context: _Context, reader: str) -> DeviceHealth:
        event, atr = context.state(reader)
        data = {"reader": reader, "card": "present" if _present(event) else "absent"}
        if not _present(event):
            return DeviceHealth(HealthStatus.OK, f"reader {reader} present, no card", data=data)
        data["atr"] = atr.hex().upper()
        try:
            card = None
            for _attempt in range(SELF_TEST_ATTEMPTS):
                card = self._read_inserted(context, reader)
                if card is not None:
                    break
                time.sleep(self._poll)
        except DeviceError as err:
            detail = f"card present but not read: {err.code} ({err.detail})"
            return DeviceHealth(HealthStatus.DEGRADED, detail, FIX_CARD, data)
        if card is None:
            detail = "card present but it does not power up"
            return DeviceHealth(HealthStatus.DEGRADED, detail, FIX_CARD, data)
        data.update(brand=card.brand, last4=card.last4, expiry=card.expiry)
        detail = f"reader {reader} read a {card.brand} card"
        return DeviceHealth(HealthStatus.OK, detail, data=data)


def _translate(err: PcscError, step: str) -> DeviceError:
    """Map a PC/SC failure while talking to a card to the reader's DeviceError codes."""
    if err.card_gone:
        return DeviceError(f"card removed ({step}): {err}", code="card_removed")
    if err.code in _MUTE or err.code == scard.SCARD_E_PROTO_MISMATCH:
        return DeviceError(f"card does not answer ({step}): {err}", code="card_unreadable")
    return DeviceError(f"reader failed ({step}): {err}", code="reader_unavailable")
