"""Watch whether the payment gateway and each ministry answer, and tell the menu; watch
whether the kiosk's own storage can still record a transaction.

A probe is a GET under each backend's path: any answer below 500 means it is there (a 404
is an answer); a 5xx, a timeout or a refused connection means it is not. When no probe
could even connect, the kiosk's network is the cause, not the ministries (``network``).
The watcher runs on its own thread (its owner starts and stops it) and reports only
changes. The storage watch asks ``KioskDatabase.storage_problem`` the same way, and the
device watch has the printer read its status now and then (its health is otherwise only
known after a job).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from transactions.ministries.http import ANSWERS, UNCONNECTED, JsonApi, Timeouts

logger = logging.getLogger(__name__)

PROBES = {
    "payments": "/payments/v1/authorizations?merchant_reference=kiosk-probe",
    "fines": "/fines/v1/",
    "transport": "/transport/v1/",
    "health": "/health/v1/",
    "natural-resources": "/natural-resources/v1/",
}
"""Each backend's probe path (see ``transactions.services.BACKENDS``)."""


class _Periodic:
    """Run ``probe`` now and then every ``every`` seconds on a thread, until stopped."""

    name = "watch"

    def __init__(self, every: float) -> None:
        self._every = every
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def probe(self) -> object:
        """Check once and report a change."""
        raise NotImplementedError

    def start(self) -> None:
        """Probe now and then every ``every`` seconds, on a thread."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop probing."""
        self._stopping.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.probe()
            except Exception:  # a watcher bug must not stop the kiosk; log it and go on
                logger.exception("%s failed", self.name)
            self._stopping.wait(self._every)


class BackendWatch(_Periodic):
    """Probe every backend each ``every`` seconds; call ``changed`` with the unreachable set."""

    name = "backend-watch"

    def __init__(
        self,
        base_url: str,
        changed: Callable[[frozenset[str]], None],
        every: float = 15.0,
        timeouts: Timeouts | None = None,
    ) -> None:
        self._api = JsonApi(base_url, timeouts or Timeouts(connect=2.0, read=5.0))
        self._changed = changed
        super().__init__(every)
        self.unreachable: frozenset[str] | None = None
        """What the last round found down (None before the first round)."""
        self.network = False
        """Whether, in the last round, no probe could even connect (set before ``changed``)."""

    def probe(self) -> frozenset[str]:
        """Probe every backend once; report a change; return what is unreachable."""
        found = {name: self._api.probe(path) for name, path in PROBES.items()}
        down = frozenset(name for name, answer in found.items() if answer != ANSWERS)
        network = all(answer == UNCONNECTED for answer in found.values())
        if down != self.unreachable or network != self.network:
            if network:
                logger.warning("no backend can be reached: the kiosk's network is down")
            elif down:
                logger.warning("backends unreachable: %s", ", ".join(sorted(down)))
            elif self.unreachable:
                logger.info("every backend answers again")
            self.unreachable, self.network = down, network
            self._changed(down)
        return down


class StorageWatch(_Periodic):
    """Check every ``every`` seconds that a transaction can be recorded; report changes.

    ``changed`` gets the problem's code (``storage_full``, ``storage_read_only``…), or None
    once storage works again.
    """

    name = "storage-watch"

    def __init__(
        self,
        check: Callable[[], str | None],
        changed: Callable[[str | None], None],
        every: float = 15.0,
    ) -> None:
        super().__init__(every)
        self._check = check
        self._changed = changed
        self.problem: str | None = None

    def failed(self, code: str) -> None:
        """A write just failed with ``code``: recovery is reported once a check passes."""
        self.problem = code

    def probe(self) -> str | None:
        """Check once; report a change; return the problem, if any."""
        problem = self._check()
        if problem != self.problem:
            if problem is not None:
                logger.error("the kiosk cannot record transactions: %s", problem)
            else:
                logger.info("the kiosk's storage works again")
            self.problem = problem
            self._changed(problem)
        return problem


class DeviceWatch(_Periodic):
    """Call ``check`` (a device's status read, e.g. the printer's ``self_test``) every
    ``every`` seconds, so that its health is current between jobs; call ``changed`` when
    what it returns changes (the first read included)."""

    name = "device-watch"

    def __init__(
        self,
        check: Callable[[], object],
        changed: Callable[[], None] = lambda: None,
        every: float = 15.0,
    ) -> None:
        super().__init__(every)
        self._check = check
        self._changed = changed
        self._last: object = None

    def probe(self) -> object:
        """Read the device's status once; report a change."""
        found = self._check()
        if found != self._last:
            self._last = found
            self._changed()
        return found
