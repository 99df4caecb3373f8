"""Run the real pcscd (with vsmartcard's vpcd readers) for tests; stop, kill and restart it.

Only one pcscd may run on a machine (its socket is /run/pcscd/pcscd.comm). A stale one
is stopped by the PID in its own PID file, never by name, so nothing else is touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from smartcard import scard

READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
PID_FILE = Path("/run/pcscd/pcscd.pid")
START_TIMEOUT = 10.0


class PcscdNotReady(RuntimeError):
    """Raise when pcscd does not list the virtual readers in time."""


def listed_readers() -> list[str] | None:
    """Return the readers pcscd lists now, or None when pcscd does not answer."""
    try:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    except SystemError:
        return None
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        return list(readers) if hresult == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def card_present(reader: str) -> bool | None:
    """Return whether pcscd sees a card in ``reader``, or None when it does not answer."""
    try:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    except SystemError:
        return None
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, states = scard.SCardGetStatusChange(
            context, 0, [(reader, scard.SCARD_STATE_UNAWARE)]
        )
        if hresult != scard.SCARD_S_SUCCESS:
            return None
        return bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(context)


def wait_for_card_state(reader: str, present: bool, timeout: float = 5.0) -> None:
    """Wait until pcscd has noticed a card arrive in (or leave) ``reader``; it polls vpcd."""
    deadline = time.monotonic() + timeout
    while card_present(reader) is not present:
        if time.monotonic() > deadline:
            state = "a card" if present else "no card"
            raise PcscdNotReady(f"pcscd did not see {state} in {reader} within {timeout} s")
        time.sleep(0.05)


def stop_stale_pcscd(timeout: float = 5.0) -> None:
    """Stop a pcscd left running by someone else, found by the PID in its PID file."""
    try:
        pid = int(PID_FILE.read_text(encoding="ascii").strip("\x00\n "))
        name = Path(f"/proc/{pid}/comm").read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return
    if name != "pcscd":
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


class Pcscd:
    """One ``pcscd --foreground`` child process, started and stopped by its PID."""

    def __init__(self, log_path: Path | None = None) -> None:
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        """Return True while the child pcscd is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start pcscd and wait until it lists both virtual readers."""
        if self.running:
            return
        stop_stale_pcscd()
        with contextlib.ExitStack() as stack:
            log = stack.enter_context(self._log_path.open("ab")) if self._log_path else None
            self._process = subprocess.Popen(
                ["pcscd", "--foreground"],
                stdout=log or subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until pcscd lists the two Virtual PCD readers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readers = listed_readers()
            if readers is not None and all(name in readers for name in READERS):
                return
            if self._process is not None and self._process.poll() is not None:
                raise PcscdNotReady(f"pcscd exited with {self._process.returncode}")
            time.sleep(0.05)
        raise PcscdNotReady(f"pcscd did not list {READERS} within {timeout} s")

    def stop(self) -> None:
        """Stop pcscd with SIGTERM (SIGKILL after 5 s) and reap it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Kill pcscd with SIGKILL, as a crash would, and reap it (a zombie blocks a restart)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def restart(self, crash: bool = True) -> None:
        """Kill (or stop) pcscd and start it again."""
        if crash:
            self.kill()
        else:
            self.stop()
        self.start()

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """Stop pcscd for the ``with`` block and start it again afterwards."""
        self.stop()
        try:
            yield
        finally:
            self.start()
