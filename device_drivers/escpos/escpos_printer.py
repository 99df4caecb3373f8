"""A real ESC/POS receipt printer: check its status, send the rendered job, check again.

The printer adapter only moves bytes: :func:`render_receipt` makes the job, and
:mod:`device_drivers.escpos.status` reads the answers to ``DLE EOT n``. A job counts as
printed only when the printer said it was ready before and is still fine after; otherwise
:class:`DeviceError` tells the saga that the receipt was not printed.

Three transports sit behind :class:`PrinterConnection`. Each opens on first use and, after
a failure, closes and opens again on the next call, so a printer unplugged and plugged
back in works without restarting the kiosk.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import socket
import threading
from typing import Any, Protocol

import serial
from escpos.exceptions import Error as EscposLibraryError

from device_drivers.escpos.render import COLUMNS, PROFILE, render_receipt, self_test_page
from device_drivers.escpos.status import (
    QUERIES,
    PrinterStatus,
    decode_status,
    refusal_code,
    status_health,
    status_query,
)
from transactions.devices import DeviceHealth, HealthStatus
from transactions.errors import DeviceError
from transactions.receipt import Receipt

logger = logging.getLogger(__name__)

QUERY_TIMEOUT = 0.5
"""Seconds to wait for one status byte. The reference has the printer answer a real-time
command as soon as it is received, ahead of buffered data, so a ready printer answers in
milliseconds; half a second tells "no answer" without keeping the citizen waiting."""


class PrinterConnection(Protocol):
    """Move bytes to and from a printer; reopen on the next call after a failure."""

    def send(self, data: bytes) -> None:
        """Send ``data``; raise DeviceError when the link fails."""
        ...

    def query(self, request: bytes, timeout: float) -> bytes | None:
        """Send ``request`` and return the answer, or None if nothing came in ``timeout`` s."""
        ...

    def close(self) -> None:
        """Release the link (the next call opens it again)."""
        ...


class NetworkConnection:
    """Talk to a printer's raw TCP port (9100)."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 5.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None

    def _socket(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = socket.create_connection((self.host, self.port), self.timeout)
            except OSError as err:
                raise DeviceError(
                    f"cannot reach the printer at {self.host}:{self.port}: {err}",
                    code="printer_no_answer",
                ) from err
            logger.info("printer connection to %s:%d opened", self.host, self.port)
        return self._sock

    def send(self, data: bytes) -> None:
        """Send ``data``; raise DeviceError when the connection fails."""
        sock = self._socket()
        try:
            sock.settimeout(self.timeout)
            sock.sendall(data)
        except OSError as err:
            self.close()
            raise DeviceError(
                f"printer connection lost: {err}", code="printer_disconnected"
            ) from err

    def query(self, request: bytes, timeout: float) -> bytes | None:
        """Send ``request`` and return the first byte answered within ``timeout`` s."""
        sock = self._socket()
        try:
            _discard_pending(sock)
            sock.settimeout(self.timeout)
            sock.sendall(request)
            sock.settimeout(timeout)
            answer = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as err:
            self.close()
            raise DeviceError(
                f"printer connection lost: {err}", code="printer_disconnected"
            ) from err
        if not answer:
            self.close()
            raise DeviceError("the printer closed the connection", code="printer_disconnected")
        return answer

    def close(self) -> None:
        """Close the socket (the next call connects again)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _discard_pending(sock: socket.socket) -> None:
    """Drop bytes already received (late or stray answers); raise OSError if the peer left.

    A real-time command hidden in other data (e.g. a bit image) is answered too (reference,
    DLE EOT notes), so stale bytes would otherwise be read as the answer to this query.
    """
    sock.setblocking(False)
    try:
        while True:
            if not sock.recv(4096):
                raise ConnectionResetError("the printer closed the connection")
    except BlockingIOError:
        pass
    finally:
        sock.setblocking(True)


class SerialConnection:
    """Talk to a printer on a serial port (or any pyserial URL: ``socket://``, ``loop://``)."""

    def __init__(
        self, port: str, baudrate: int = 38400, timeout: float = 5.0, *, dsrdtr: bool = False
    ) -> None:
        self.port, self.baudrate, self.timeout, self.dsrdtr = port, baudrate, timeout, dsrdtr
        self._serial: serial.SerialBase | None = None

    def _open(self) -> serial.SerialBase:
        if self._serial is None:
            try:
                self._serial = serial.serial_for_url(
                    self.port,
                    baudrate=self.baudrate,
                    timeout=self.timeout,
                    write_timeout=self.timeout,
                    dsrdtr=self.dsrdtr,
                )
            except (serial.SerialException, ValueError) as err:
                raise DeviceError(
                    f"cannot open the printer port {self.port}: {err}", code="printer_no_answer"
                ) from err
            logger.info("printer port %s opened", self.port)
        return self._serial

    def send(self, data: bytes) -> None:
        """Write ``data`` and wait until it has left; raise DeviceError when the port fails."""
        port = self._open()
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError) as err:
            self.close()
            raise DeviceError(f"printer port lost: {err}", code="printer_disconnected") from err

    def query(self, request: bytes, timeout: float) -> bytes | None:
        """Send ``request`` and return the byte answered within ``timeout`` s."""
        port = self._open()
        try:
            port.reset_input_buffer()  # stale answers would be taken for this one
            port.write(request)
            port.flush()
            port.timeout = timeout
            answer = bytes(port.read(1))
            port.timeout = self.timeout
        except (serial.SerialException, OSError) as err:
            self.close()
            raise DeviceError(f"printer port lost: {err}", code="printer_disconnected") from err
        return answer or None

    def close(self) -> None:
        """Close the port (the next call opens it again)."""
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                logger.debug("closing %s failed", self.port, exc_info=True)
            self._serial = None


class UsbConnection:
    """Talk to a USB printer through python-escpos's ``Usb`` (pyusb/libusb underneath)."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        in_ep: int = 0x82,
        out_ep: int = 0x01,
        timeout: float = 5.0,
    ) -> None:
        self.vendor_id, self.product_id = vendor_id, product_id
        self.in_ep, self.out_ep, self.timeout = in_ep, out_ep, timeout
        self._printer: Any = None
        # Opened on first use, not here: a kiosk whose printer is unplugged at start must
        # still start, serve citizens without paper receipts, and report the printer down.

    def _name(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def _open(self) -> Any:
        if self._printer is None:
            from escpos.printer import Usb

            if not Usb.is_usable():  # checked first: without pyusb, Usb.__del__ raises
                raise DeviceError(
                    f"USB printer {self._name()}: pyusb is not installed", code="printer_no_answer"
                )
            try:
                timeout_ms = int(self.timeout * 1000)
                printer = Usb(self.vendor_id, self.product_id, timeout=timeout_ms, profile=PROFILE)
                printer.in_ep, printer.out_ep = self.in_ep, self.out_ep
                printer.open()
            # python-escpos raises its own errors, RuntimeError without pyusb, and
            # usb.core.USBError (an OSError) from libusb.
            except (EscposLibraryError, RuntimeError, OSError) as err:
                raise DeviceError(
                    f"USB printer {self._name()} not available: {err}", code="printer_no_answer"
                ) from err
            self._printer = printer
            logger.info("USB printer %s opened", self._name())
        return self._printer

    def send(self, data: bytes) -> None:
        """Write ``data`` to the printer's OUT endpoint."""
        printer = self._open()
        try:
            printer._raw(data)
        except (EscposLibraryError, OSError, AssertionError) as err:
            self.close()
            raise DeviceError(f"USB printer lost: {err}", code="printer_disconnected") from err

    def query(self, request: bytes, timeout: float) -> bytes | None:
        """Send ``request`` and read the answer from the IN endpoint."""
        printer = self._open()
        try:
            printer._raw(request)
            answer = bytes(printer.device.read(self.in_ep, 16, int(timeout * 1000)))
        except (EscposLibraryError, OSError, AssertionError, AttributeError) as err:
            if isinstance(err, OSError) and _timed_out(err):
                return None
            self.close()
            raise DeviceError(f"USB printer lost: {err}", code="printer_disconnected") from err
        # The newest byte answers this query; older ones are stale (late answers, ASB).
        return answer[-1:] or None

    def close(self) -> None:
        """Release the USB interface (the next call opens it again)."""
        if self._printer is not None:
            try:
                self._printer.close()
            except (EscposLibraryError, RuntimeError, OSError):
                logger.debug("closing USB printer %s failed", self._name(), exc_info=True)
            self._printer = None


def _timed_out(err: OSError) -> bool:
    """Return True for pyusb's USBTimeoutError (errno ETIMEDOUT), a read with no answer."""
    return err.errno == errno.ETIMEDOUT or "Timeout" in type(err).__name__


NOT_READ = DeviceHealth(HealthStatus.UNKNOWN, "status not read yet", "run the printer self-test")


class EscposPrinter:
    """Print receipts on an ESC/POS printer, refusing when its status says it cannot."""

    def __init__(
        self,
        connection: PrinterConnection,
        *,
        columns: int = COLUMNS,
        logo: bool = True,
        query_timeout: float = QUERY_TIMEOUT,
    ) -> None:
        self._connection = connection
        self._columns, self._logo, self._query_timeout = columns, logo, query_timeout
        self._lock = threading.Lock()
        self._health = NOT_READ

    def print_receipt(self, receipt: Receipt) -> None:
        """Print ``receipt`` and cut; raise DeviceError unless the printer took it all."""
        data = render_receipt(receipt, self._columns, logo=self._logo)
        with self._lock:
            self._run_job(data)
        logger.info("receipt %s printed (%d bytes)", receipt.reference, len(data))

    def health(self) -> DeviceHealth:
        """Return the status read last (before or after the last job or self-test)."""
        return self._health

    def self_test(self, test_page: bool = False) -> DeviceHealth:
        """Read the status and, if asked and possible, print a short bilingual test page."""
        with self._lock:
            if not test_page:
                self._read_status()
                return self._health
            page = render_receipt(self_test_page(self._columns), self._columns, logo=self._logo)
            try:
                self._run_job(page)
            except DeviceError as err:
                return _noted(self._health, f"not printed: {err.code}")
            return _noted(self._health, "printed")

    def close(self) -> None:
        """Release the connection."""
        with self._lock:
            self._connection.close()

    def _run_job(self, data: bytes) -> None:
        """Check, send, check again; raise DeviceError unless the job went through."""
        before = self._read_status()
        code = refusal_code(before)
        if code is not None:
            raise DeviceError(f"printer cannot print: {self._health.detail}", code=code)
        try:
            self._connection.send(data)
            after = self._query_status()
        except DeviceError as err:
            self._record(_link_failure(err))
            raise DeviceError(
                f"printer link lost during the job: {err.detail}", code="printer_disconnected"
            ) from err
        self._record(after)
        code = refusal_code(after)
        if code is not None:
            raise DeviceError(f"job not confirmed: {self._health.detail}", code=code)

    def _read_status(self) -> PrinterStatus:
        """Read and record the status, reconnecting once if the link had dropped."""
        try:
            status = self._query_status()
        except DeviceError as err:
            # An idle link may have been closed by the printer or unplugged and plugged
            # back: nothing was sent yet, so reopening once is safe.
            logger.debug("printer link failed (%s); reopening", err.code)
            try:
                status = self._query_status()
            except DeviceError as again:
                status = _link_failure(again)
        return self._record(status)

    def _query_status(self) -> PrinterStatus:
        """Ask DLE EOT 1 to 4 in turn, stopping at the first missing answer."""
        answers: list[bytes | None] = []
        for n in QUERIES:
            answer = self._connection.query(status_query(n), self._query_timeout)
            answers.append(answer)
            if answer is None:
                break
        answers += [None] * (len(QUERIES) - len(answers))
        return decode_status(*answers)

    def _record(self, status: PrinterStatus) -> PrinterStatus:
        """Keep the health ``status`` gives; log when it changes."""
        health = status_health(status)
        if (health.status, health.detail) != (self._health.status, self._health.detail):
            logger.info("printer %s: %s", health.status.value, health.detail)
        self._health = health
        return status


def _link_failure(err: DeviceError) -> PrinterStatus:
    """Return the unknown status of a printer whose link failed with ``err``."""
    return PrinterStatus(unknown=True, problems=(f"{err.code}: {err.detail}",))


def _noted(health: DeviceHealth, test_page: str) -> DeviceHealth:
    """Return ``health`` with the test page's fate added to its data."""
    return dataclasses.replace(health, data={**health.data, "test_page": test_page})
