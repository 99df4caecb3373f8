"""``kiosk agent``: the process that drains the outbox to the backends.

It runs apart from the touchscreen, so queued work still flows when the UI has crashed
and a UI busy with a citizen never waits on it. It shares the kiosk's SQLite file; each
call it makes is claimed first, so the UI (finishing what a restart interrupted) and the
agent never make the same call twice. SIGTERM lets the calls in progress finish, then stops.

Calls about different subjects go out a few at once (``AgentSettings.workers``): a batch
holds only the oldest waiting call of each subject, so the order per citizen and programme
is kept, and a backlog after an outage drains several times faster than one by one.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from device_drivers.gateway_settlement import GatewaySettlement, SettledAtKiosk
from device_drivers.registry import SETTLED_AT_KIOSK
from kiosk_app.bootstrap import Backends, build_steps
from kiosk_app.config import KioskConfig
from offline_store.database import PASSING, KioskDatabase
from offline_store.journal import SqliteJournal
from transactions.clock import SystemClock
from transactions.errors import DeviceError, KioskError, StorageError
from transactions.ministries.http import Timeouts
from transactions.ports import Clock
from transactions.receipt import Receipt
from transactions.records import TransactionRecord
from transactions.saga.runner import RetryPolicy, SagaRunner

logger = logging.getLogger(__name__)


class NoPrinter:
    """The agent has no printer: receipts are printed at the kiosk, while the citizen is there."""

    def print_receipt(self, receipt: Receipt) -> None:
        """Refuse (never called: an unattended saga skips printing)."""
        raise DeviceError("no printer in the agent", code="printer_unavailable")


@dataclass(frozen=True)
class AgentSettings:
    """How the agent paces itself."""

    poll_seconds: float = 5.0
    """Longest sleep between looks at the outbox (a `kiosk outbox retry` is seen this fast)."""
    batch: int = 20
    workers: int = 4
    """Calls made at once, each about a different subject."""


class OutboxAgent:
    """Drain the outbox until stopped: the owner of its loop (``run``) or thread (``start``)."""

    def __init__(
        self,
        runner: SagaRunner,
        journal: SqliteJournal,
        clock: Clock,
        settings: AgentSettings | None = None,
    ) -> None:
        self._runner = runner
        self._journal = journal
        self._clock = clock
        self._settings = settings or AgentSettings()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        """Transactions driven so far (each one call made)."""

    def drain_once(self) -> list[TransactionRecord]:
        """Make every call due now (in order per subject, one pass); return those driven."""
        done: list[TransactionRecord] = []
        with ThreadPoolExecutor(self._settings.workers, thread_name_prefix="agent-call") as pool:
            while not self._stopping.is_set():
                claimed = self._journal.claim_many(self._journal.due(self._settings.batch))
                with self._journal.batch():
                    calls = [pool.submit(self._deliver, record) for record in claimed]
                    batch = [r for r in (call.result() for call in calls) if r is not None]
                done += batch
                self.delivered += len(batch)
                if len(batch) < self._settings.batch:
                    return done
        return done

    def _deliver(self, record: TransactionRecord) -> TransactionRecord | None:
        if self._stopping.is_set():
            self._journal.unclaim(record)  # stopping: not begun, due as before at the next start
            return None
        return self._runner.deliver_claimed(record)

    def run(self) -> None:
        """Drain until :meth:`stop`; a storage or backend error waits and tries again."""
        logger.info("agent started (claims as %s)", self._journal.owner)
        while not self._stopping.is_set():
            try:
                self.drain_once()
            except KioskError as err:
                logger.error("outbox not drained: %s (%s)", err, err.code)
            try:
                pause = self._pause()
            except KioskError as err:  # a busy or failing file: look again after a poll
                logger.error("outbox not read: %s (%s)", err, err.code)
                pause = self._settings.poll_seconds
            self._stopping.wait(pause)
        logger.info("agent stopped after %d deliveries", self.delivered)

    def _pause(self) -> float:
        upcoming = self._journal.next_due()
        longest = self._settings.poll_seconds
        if upcoming is None:
            return longest
        wait = (upcoming - self._clock.now()).total_seconds()
        return min(longest, max(0.05, wait))

    def stop(self) -> None:
        """Stop after the call in progress (safe from a signal handler)."""
        self._stopping.set()

    def start(self) -> None:
        """Run on a thread of its own (the demo's kiosk, with its embedded sandbox)."""
        self._thread = threading.Thread(target=self.run, name="kiosk-agent", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end after :meth:`stop`."""
        if self._thread is not None:
            self._thread.join(timeout)


def open_when_free(
    config: KioskConfig, stopping: threading.Event, longest_pause: float = 60.0
) -> KioskDatabase | None:
    """Open the kiosk's database, waiting (with growing pauses) while it is busy or its disk
    fails; return None if ``stopping`` is set first. The file is never moved aside for that:
    only a damaged one is."""
    pause = 1.0
    while True:
        try:
            return KioskDatabase(config.database_path, config.pii_key_file)
        except StorageError as err:
            if err.code not in PASSING:
                raise
            logger.error(
                "database not opened: %s (%s); trying again in %.0f s", err, err.code, pause
            )
        if stopping.wait(pause):
            return None
        pause = min(pause * 2, longest_pause)


def build_agent(
    config: KioskConfig,
    backend_url: str,
    database: KioskDatabase,
    *,
    clock: Clock | None = None,
    settings: AgentSettings | None = None,
) -> OutboxAgent:
    """Return an agent over ``database`` talking to the backends at ``backend_url``."""
    clock = clock or SystemClock()
    timeouts = Timeouts(connect=config.connect_timeout, read=config.read_timeout)
    backends = Backends.at(backend_url, timeouts)
    journal = SqliteJournal(database, clock=clock)
    steps = build_steps(config, backends)
    runner = SagaRunner(
        journal=journal,
        terminal=(
            SettledAtKiosk()
            if config.payment_terminal.driver in SETTLED_AT_KIOSK
            else GatewaySettlement(backends.payments)
        ),
        printer=NoPrinter(),
        steps=steps.__getitem__,
        clock=clock,
        retry=RetryPolicy(delays=()),  # the outbox's backoff paces the retries
    )
    return OutboxAgent(runner, journal, clock, settings)
