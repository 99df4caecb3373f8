"""A barcode scanner on a real serial line (socat pseudo-terminals): scans become codes."""

from __future__ import annotations

import os
import queue
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from serial_pty import pty_pair

from device_drivers.serial_scanner import SerialBarcodeScanner, split_scans
from transactions.devices import HealthStatus


def write(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def test_each_scan_arrives_as_one_code_whatever_the_line_ending(tmp_path: Path) -> None:
    codes: queue.Queue[str] = queue.Queue()
    with pty_pair(tmp_path, names=("kiosk", "scanner")) as (kiosk_end, scanner_end):
        scanner = SerialBarcodeScanner(kiosk_end, reopen_seconds=0.1)
        scanner.start(codes.put)
        try:
            deadline = time.monotonic() + 10
            while scanner.health().status is not HealthStatus.OK:
                assert time.monotonic() < deadline, scanner.health().detail
                time.sleep(0.05)
            write(scanner_end, b"100042158731\r21000560")  # the second scan arrives in two parts
            write(scanner_end, b"9818\r\n\n22-003318247-2\n")
            got = [codes.get(timeout=10) for _ in range(3)]
        finally:
            scanner.stop()
    assert got == ["100042158731", "210005609818", "22-003318247-2"]


def test_a_scanner_unplugged_and_plugged_back_is_read_again(tmp_path: Path) -> None:
    codes: queue.Queue[str] = queue.Queue()
    folder = tmp_path / "by-id"
    folder.mkdir()
    with pty_pair(folder, names=("kiosk", "scanner")) as (kiosk_end, scanner_end):
        scanner = SerialBarcodeScanner(kiosk_end, reopen_seconds=0.1)
        scanner.start(codes.put)
        try:
            while scanner.health().status is not HealthStatus.OK:
                time.sleep(0.05)
            write(scanner_end, b"100042158731\r")
            assert codes.get(timeout=10) == "100042158731"
        except BaseException:
            scanner.stop()
            raise
    # Unplugged: the port is gone and the scanner says so, with the fix.
    deadline = time.monotonic() + 10
    while scanner.health().status is not HealthStatus.DOWN:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "by-id" in scanner.health().fix
    try:
        with pty_pair(folder, names=("kiosk", "scanner")) as (_, scanner_end):
            while scanner.health().status is not HealthStatus.OK:
                assert time.monotonic() < deadline + 10
                time.sleep(0.05)
            write(scanner_end, b"220033182472\r")
            assert codes.get(timeout=10) == "220033182472"
    finally:
        scanner.stop()


def test_a_port_that_does_not_exist_is_reported_down_with_the_fix(tmp_path: Path) -> None:
    health = SerialBarcodeScanner(str(tmp_path / "no-such-port")).self_test()
    assert health.status is HealthStatus.DOWN
    assert "cable" in health.fix


@given(st.binary(max_size=300))
def test_any_line_noise_splits_without_error_into_printable_codes(data: bytes) -> None:
    codes, rest = split_scans(data)
    assert all(code.isprintable() and code == code.strip() and code for code in codes)
    assert len(rest) <= 128
