"""A receipt printer on a TCP port (like a network printer's port 9100), for tests and demos.

It keeps every byte it receives, job by job, and answers the real-time status queries
``DLE EOT n`` with the bytes a printer in its current state would send (encoded by
:func:`device_drivers.escpos.status.encode_status`). Its state can be switched while it
runs: paper near end, paper out, cover open, cutter error, silent (never answers), or a
fault armed to strike after N bytes of the next job (the cable pulled, the roll running
out).

A job is the print data between two status queries (or a query and the end of the
connection): the kiosk's printer asks for the status before and after each job. Like a real
printer (ESC/POS reference, DLE EOT notes), the emulator answers ``DLE EOT n`` wherever it
appears in the stream; the shipped logo contains no such sequence.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from device_drivers.escpos.status import DLE_EOT, QUERIES, PrinterStatus, encode_status

logger = logging.getLogger(__name__)


class EmulatorMode(enum.Enum):
    """What the emulated printer is going through."""

    NORMAL = "normal"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    CUTTER_ERROR = "cutter_error"
    SILENT = "silent"
    DISCONNECT_MID_JOB = "disconnect_mid_job"
    PAPER_OUT_MID_JOB = "paper_out_mid_job"


_READY = PrinterStatus(online=True)
# What a TM-series printer reports in each state: going offline sets DLE EOT 1 bit 3 and
# the cause in DLE EOT 2; an empty roll also reads "near end" on the near-end sensor.
STATUS_BY_MODE: dict[EmulatorMode, PrinterStatus] = {
    EmulatorMode.NORMAL: _READY,
    EmulatorMode.PAPER_NEAR_END: PrinterStatus(online=True, paper_near_end=True),
    EmulatorMode.PAPER_OUT: PrinterStatus(
        stopped_by_paper_end=True, paper_near_end=True, paper_out=True
    ),
    EmulatorMode.COVER_OPEN: PrinterStatus(cover_open=True),
    EmulatorMode.CUTTER_ERROR: PrinterStatus(error=True, cutter_error=True),
    EmulatorMode.SILENT: _READY,
    EmulatorMode.DISCONNECT_MID_JOB: _READY,
    EmulatorMode.PAPER_OUT_MID_JOB: _READY,
}
_NOT_PRINTING = {EmulatorMode.PAPER_OUT, EmulatorMode.COVER_OPEN, EmulatorMode.CUTTER_ERROR}


@dataclass(frozen=True)
class ReceivedJob:
    """The bytes of one job; ``printed`` is False when a fault stopped it or it was refused."""

    data: bytes
    printed: bool = True


class _Session:
    """One client connection's buffers."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = bytearray()  # may end with the start of a DLE EOT n
        self.job = bytearray()
        self.printed = True


class TcpPrinterEmulator:
    """Listen like a network receipt printer; keep jobs, answer status, inject faults."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._requested_port = port
        self._lock = threading.Lock()
        self._mode = EmulatorMode.NORMAL
        self._after_bytes = 0
        self._jobs: list[ReceivedJob] = []
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sessions: list[_Session] = []
        self._acceptor: threading.Thread | None = None

    @property
    def port(self) -> int:
        """Return the port it listens on (chosen by the system when created with 0)."""
        if self._listener is None:
            return self._requested_port
        return int(self._listener.getsockname()[1])

    def start(self) -> None:
        """Listen and serve connections on a background thread."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self._requested_port))
        listener.listen()
        listener.settimeout(0.1)  # lets the accept loop notice stop()
        self._listener = listener
        self._requested_port = self.port
        self._stopping.clear()
        self._acceptor = self._spawn(self._accept_loop, "printer-emulator-accept")
        logger.info("printer emulator listening on %s:%d", self.host, self.port)

    def stop(self) -> None:
        """Close every connection and the listening socket; wait for the threads."""
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=2)  # no new connections from here on
            self._acceptor = None
        with self._lock:
            sessions, threads = list(self._sessions), list(self._threads)
            self._threads.clear()
        for session in sessions:
            _shut(session.sock)
        for thread in threads:
            thread.join(timeout=2)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> TcpPrinterEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_mode(self, mode: EmulatorMode | str, after_bytes: int = 256) -> None:
        """Switch state; the ``*_mid_job`` faults strike after ``after_bytes`` of a job."""
        mode = EmulatorMode(mode)
        with self._lock:
            self._mode, self._after_bytes = mode, after_bytes
        logger.info("printer emulator now %s", mode.value)

    @property
    def mode(self) -> EmulatorMode:
        """Return the current state (a ``paper_out_mid_job`` that struck reads ``paper_out``)."""
        with self._lock:
            return self._mode

    @property
    def jobs(self) -> list[ReceivedJob]:
        """Return every job received so far, oldest first."""
        with self._lock:
            return list(self._jobs)

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return thread

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            session = _Session(sock)
            with self._lock:
                self._sessions.append(session)
            self._spawn(self._serve, "printer-emulator-client", session)

    def _serve(self, session: _Session) -> None:
        """Read the stream until the client leaves, a fault strikes, or stop()."""
        try:
            while not self._stopping.is_set():
                chunk = session.sock.recv(4096)
                if not chunk or not self._feed(session, chunk):
                    break
        except OSError:
            logger.debug("printer emulator client connection failed", exc_info=True)
        finally:
            session.job += session.pending
            self._finish_job(session)
            _shut(session.sock)
            with self._lock:
                self._sessions.remove(session)

    def _feed(self, session: _Session, chunk: bytes) -> bool:
        """Take ``chunk`` in; answer the queries in it. Return False to drop the connection."""
        session.pending += chunk
        while True:
            pending = session.pending
            at = pending.find(DLE_EOT)
            if at < 0 or at + 2 >= len(pending):
                # Hold back a query split across reads: a trailing DLE, or DLE EOT alone.
                end = at if at >= 0 else len(pending) - pending.endswith(b"\x10")
                data, session.pending = pending[:end], pending[end:]
                return self._take(session, bytes(data))
            n = session.pending[at + 2]
            if n not in QUERIES:  # another real-time command: not ours to answer
                data, session.pending = session.pending[: at + 3], session.pending[at + 3 :]
                if not self._take(session, bytes(data)):
                    return False
                continue
            data, session.pending = session.pending[:at], session.pending[at + 3 :]
            if not self._take(session, bytes(data)):
                return False
            self._finish_job(session)  # before answering: the client reads jobs after
            answer = self._answer(n)
            if answer is not None:
                session.sock.sendall(answer)

    def _take(self, session: _Session, data: bytes) -> bool:
        """Add print data to the current job; strike an armed fault. False: disconnect."""
        if not data:
            return True
        with self._lock:
            mode, limit = self._mode, self._after_bytes
            if mode in _NOT_PRINTING:
                session.printed = False
            elif mode is EmulatorMode.PAPER_OUT_MID_JOB and len(session.job) + len(data) > limit:
                self._mode = EmulatorMode.PAPER_OUT
                session.printed = False
        if mode is EmulatorMode.DISCONNECT_MID_JOB and len(session.job) + len(data) > limit:
            session.job += data[: max(0, limit - len(session.job))]
            session.printed = False
            logger.info("printer emulator dropping the connection mid-job")
            return False
        session.job += data
        return True

    def _finish_job(self, session: _Session) -> None:
        if session.job:
            with self._lock:
                self._jobs.append(ReceivedJob(bytes(session.job), session.printed))
        session.job.clear()
        session.printed = True

    def _answer(self, n: int) -> bytes | None:
        """Return the status byte for ``DLE EOT n`` in the current state (None: silent)."""
        with self._lock:
            mode = self._mode
        if mode is EmulatorMode.SILENT:
            return None
        return bytes((encode_status(STATUS_BY_MODE[mode])[n],))


def _shut(sock: socket.socket) -> None:
    """Shut ``sock`` down (waking a blocked recv) and close it."""
    with contextlib.suppress(OSError):  # already shut by the other side
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
