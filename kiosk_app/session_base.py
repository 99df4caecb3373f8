"""What every visit shares: the view and its observers, slow work on the worker, and the
kiosk being out of service.

``CitizenSession`` (``kiosk_app.session``) builds the citizen's intents on top. No Kivy here.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kiosk_app.messages import code_of, message_key
from kiosk_app.session_view import SessionView, Step
from kiosk_app.worker import Worker
from transactions.errors import KioskError, StorageError

logger = logging.getLogger(__name__)

STORAGE_DOWN = frozenset({"storage_full", "storage_read_only", "storage_failed"})
"""Storage failures that stop the kiosk: it cannot record what it would sell."""
WAITS_KEPT = 64
"""The latest waits kept for the walkthrough's report: a kiosk serving citizens for months
in one process must not keep every wait it ever made."""


class SessionBase:
    """The view, its listeners, the worker's jobs, and the out-of-service switch."""

    def __init__(
        self, *, worker: Worker, default_language: str, monotonic: Callable[[], float]
    ) -> None:
        self._worker = worker
        self._default_language = default_language
        self._monotonic = monotonic
        self._listeners: list[Callable[[SessionView], None]] = []
        self._generation = 0
        self._busy_since: float | None = None
        self._unavailable: frozenset[str] = frozenset()
        self.out_of_service: str | None = None
        """Why the kiosk takes no citizen now (a storage failure code), or None."""
        self.under_repair = False
        """A technician's repair is under way: no citizen is taken until it is finished."""
        self.waits: deque[tuple[str, float]] = deque(maxlen=WAITS_KEPT)
        """(screen, seconds) for the latest times the kiosk made the citizen wait."""
        self.waits_total = 0
        """How many waits there were since the start (older ones leave ``waits``)."""
        self.view = self._fresh_view(default_language)

    # -- observers -------------------------------------------------------------------
    def subscribe(self, listener: Callable[[SessionView], None]) -> None:
        """Call ``listener`` with the new view after every change."""
        self._listeners.append(listener)

    def _set(self, **changes: Any) -> None:
        self.view = replace(self.view, **changes)
        for listener in self._listeners:
            listener(self.view)

    def _fresh_view(self, language: str) -> SessionView:
        return SessionView(
            step=Step.OUT_OF_SERVICE if self.stopped else Step.ATTRACT,
            language=language,
            simulated_card=self._simulated_card(),
            unavailable=self._unavailable,
        )

    def _simulated_card(self) -> bool:
        return False

    # -- out of service ----------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        """Tell whether the kiosk takes no citizen (storage failed, or a repair is under way)."""
        return self.out_of_service is not None or self.under_repair

    def set_repair(self, under_way: bool) -> None:
        """A technician started (True) or finished (False) a repair.

        Only from the attract or out-of-service screens (maintenance opens nowhere else), so
        no visit is under way.
        """
        if under_way == self.under_repair:
            return
        self.under_repair = under_way
        self._generation += 1
        self.view = self._fresh_view(self._default_language)
        self._set()

    def stop_service(self, code: str) -> None:
        """Take no more citizens: show the out-of-service screen (storage failed with ``code``).

        Whatever the visit had entered is dropped; a payment under way was recorded before
        each step, so the next start (or the agent) settles it: nothing is charged twice.
        """
        if self.out_of_service is None:
            logger.error("kiosk out of service: %s", code)
        self.out_of_service = code
        self._generation += 1  # late results of the visit are dropped
        self._busy_since = None
        self.view = self._fresh_view(self.view.language)
        self._set()

    def resume_service(self) -> None:
        """Storage works again: back to the attract screen."""
        if self.out_of_service is None:
            return
        logger.info("kiosk back in service (was %s)", self.out_of_service)
        self.out_of_service = None
        self.view = self._fresh_view(self._default_language)
        self._set()

    # -- running slow work -----------------------------------------------------------
    def _begin_wait(self) -> None:
        self._busy_since = self._monotonic()

    def _end_wait(self) -> None:
        if self._busy_since is not None:
            self.waits.append((self.view.step.value, self._monotonic() - self._busy_since))
            self.waits_total += 1
            self._busy_since = None

    def _run(
        self,
        job: Callable[[], Any],
        on_result: Callable[[Any], None],
        busy: bool = True,
        on_error: Callable[[KioskError], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        generation = self._generation
        if busy:
            self._begin_wait()
            self._set(busy=True, message=None)

        def done(outcome: Any) -> None:
            if generation != self._generation:
                return  # the visit was wiped meanwhile
            self._end_wait()
            self._set(busy=False)
            if isinstance(outcome, StorageError) and outcome.code in STORAGE_DOWN:
                self.stop_service(outcome.code)
            elif isinstance(outcome, BaseException) and on_failure is not None:
                on_failure(outcome)
            elif isinstance(outcome, KioskError) and on_error is not None:
                on_error(outcome)
            elif isinstance(outcome, KioskError):
                self._set(message=message_key(code_of(outcome)))
            elif isinstance(outcome, BaseException):
                logger.error("unexpected failure", exc_info=outcome)
                self._set(message="error.generic")
            else:
                on_result(outcome)

        self._worker.submit(job, done)
