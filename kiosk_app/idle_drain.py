"""The touchscreen's share of the outbox: calls only the kiosk's own terminal can make.

A semi-integrated terminal (``ecr-serial``) hangs off the UI's serial port, so the agent
cannot capture or void its authorizations (it leaves them queued: ``terminal_at_kiosk``).
While nobody is at the screen, the touchscreen makes the calls that are due, a few at a
time, through the same saga and claims as the agent, so none is made twice. No Kivy here:
the app calls ``tick`` from its clock and runs it on its worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from transactions.records import TransactionRecord
from transactions.saga.runner import SagaRunner

logger = logging.getLogger(__name__)


class IdleDrain:
    """Deliver up to ``limit`` due calls when ``idle()`` says nobody is using the kiosk."""

    def __init__(self, runner: SagaRunner, idle: Callable[[], bool], limit: int = 2) -> None:
        self._runner = runner
        self._idle = idle
        self._limit = limit

    def tick(self) -> list[TransactionRecord]:
        """Make the due calls now if the kiosk is idle; return the transactions driven."""
        if not self._idle():
            return []
        done = self._runner.deliver_due(self._limit, stop=lambda: not self._idle())
        if done:
            logger.info("made %d queued call(s) while idle", len(done))
        return done
