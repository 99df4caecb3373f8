"""Run slow work off the UI thread and hand the result back on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class Worker(Protocol):
    """Run ``job`` somewhere, then call ``done`` with its result or its exception."""

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Start ``job``; ``done`` receives the return value or the exception raised."""
        ...


class ThreadWorker:
    """Run jobs on background threads; ``post`` brings each result back to the UI thread."""

    def __init__(self, post: Callable[[Callable[[], None]], None], threads: int = 2) -> None:
        self._post = post
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Start the threads."""
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="kiosk-worker")

    def stop(self) -> None:
        """Stop taking jobs and wait for those running to end."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``job`` on a thread and post ``done(result)`` to the UI thread."""
        if self._pool is None:
            raise RuntimeError("worker not started")

        def finished(future: Future[Any]) -> None:
            error = future.exception()
            outcome = error if error is not None else future.result()
            self._post(lambda: done(outcome))

        self._pool.submit(job).add_done_callback(finished)


class InlineWorker:
    """Run jobs at once on the caller's thread (for tests of the application layer)."""

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``job`` now and call ``done`` with its outcome."""
        try:
            outcome = job()
        except Exception as err:
            outcome = err
        done(outcome)
