"""A barcode scanner on a serial line: each scan arrives as one line (CR or LF ended).

Hand-held scanners in serial (RS-232 or USB-CDC) mode send the decoded symbol followed by
a carriage return; the kiosk reads the notice number that way so the citizen need not
type it. A port that disappears is reopened until it comes back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import serial

from transactions.devices import DeviceHealth, HealthStatus

logger = logging.getLogger(__name__)

MAX_CODE = 64
"""Longest code accepted; anything longer is line noise, not a notice number."""


def split_scans(buffer: bytes) -> tuple[list[str], bytes]:
    """Return the complete codes in ``buffer`` and the unfinished rest."""
    codes: list[str] = []
    while True:
        ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0]
        if not ends:
            break
        end = min(ends)
        line, buffer = buffer[:end], buffer[end + 1 :]
        code = line.decode("ascii", errors="ignore").strip()
        if code and len(code) <= MAX_CODE and code.isprintable():
            codes.append(code)
    return codes, buffer[-MAX_CODE * 2 :]


class SerialBarcodeScanner:
    """Read codes from a serial scanner on its own thread; ``stop()`` ends it."""

    def __init__(self, port: str, baudrate: int = 9600, reopen_seconds: float = 1.0) -> None:
        self.port = port
        self._baudrate = baudrate
        self._reopen_seconds = reopen_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._health = DeviceHealth(HealthStatus.UNKNOWN, f"scanner on {port} not started")

    def start(self, on_scan: Callable[[str], None]) -> None:
        """Start reading; ``on_scan`` is called on the scanner's thread for each code."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(on_scan,), name="serial-scanner", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def health(self) -> DeviceHealth:
        """Return whether the scanner's port is open."""
        return self._health

    def self_test(self) -> DeviceHealth:
        """Open the port once (when not already reading) and report."""
        if self._thread is not None:
            return self._health
        try:
            serial.serial_for_url(self.port, baudrate=self._baudrate, timeout=0.1).close()
        except (serial.SerialException, OSError) as err:
            return self._unreachable(err)
        return DeviceHealth(HealthStatus.OK, f"scanner port {self.port} opens")

    def _run(self, on_scan: Callable[[str], None]) -> None:
        while not self._stop.is_set():
            try:
                link = serial.serial_for_url(self.port, baudrate=self._baudrate, timeout=0.2)
            except (serial.SerialException, OSError) as err:
                self._health = self._unreachable(err)
                self._stop.wait(self._reopen_seconds)
                continue
            self._health = DeviceHealth(HealthStatus.OK, f"scanner reading on {self.port}")
            logger.info("scanner reading on %s", self.port)
            try:
                self._read(link, on_scan)
            except (serial.SerialException, OSError) as err:
                logger.warning("scanner on %s lost: %s", self.port, err)
                self._health = self._unreachable(err)
            finally:
                link.close()

    def _read(self, link: serial.SerialBase, on_scan: Callable[[str], None]) -> None:
        buffer = b""
        while not self._stop.is_set():
            buffer += link.read(256)
            codes, buffer = split_scans(buffer)
            for code in codes:
                try:
                    on_scan(code)
                except Exception:  # the UI's problem must not kill the scanner
                    logger.exception("handling a scanned code failed")

    def _unreachable(self, err: Exception) -> DeviceHealth:
        return DeviceHealth(
            HealthStatus.DOWN,
            f"scanner port {self.port} cannot be opened ({err.__class__.__name__})",
            fix="check the scanner's cable; use its /dev/serial/by-id/ name in the config",
        )
